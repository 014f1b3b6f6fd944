"""The handling tools in a real browser: a compensation above the officer's limit approved
from the head's worklist, a reply corrected after the checker's marks, and a survey answered
on a phone once."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from careloop.accounts.services import roles_ensure_defaults
from careloop.compensation.models import Compensation, Status
from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.complaints.models import Communication
from careloop.complaints.services import complaint_intake
from careloop.replies.defaults import replies_defaults_ensure
from careloop.surveys.models import Survey, SurveyResponse
from careloop.surveys.tokens import survey_token
from careloop.treatments.services import session_use
from tests.browser.conftest import logged_in, phone_context
from tests.factories import CustomerFactory, TreatmentPackageFactory, UserFactory, package_sold

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLEAN_REPLY = """林美玲小姐您好：

感謝您撥冗告訴我們這次的經驗。關於您反映治療師遲到二十分鐘、也沒有事先通知的情況，我們深感抱歉。

我們已為您安排下週二上午十點補做一堂完整療程，並由原治療師親自向您致歉。

為避免再次發生，治療師若可能延誤，櫃台會在預約前三十分鐘以電話通知您。

再次感謝您給我們改進的機會。若有任何問題，歡迎直接與我聯絡：(02)2345-6789 分機 21。

台北總院 客服專員 劉佳蓉 敬上"""


@pytest.fixture
def story(branch_a, departments):
    """A B case about a late therapist, from 林美玲 who bought a NT$3,000 package."""
    # A transactional test starts from an empty database: put back the seeded rows.
    roles_ensure_defaults()
    complaint_defaults_ensure()
    replies_defaults_ensure()
    cs = UserFactory(
        username="cs",
        full_name="劉佳蓉",
        email="cs@clinic.test",
        home_branch=branch_a,
        department=departments["customer_service"],
        roles=["customer_service"],
    )
    UserFactory(
        username="cs_head",
        full_name="黃詩涵",
        home_branch=branch_a,
        department=departments["customer_service"],
        roles=["department_head"],
    )
    customer = CustomerFactory(
        name="林美玲",
        branch=branch_a,
        created_by=cs,
        phone="+886912000111",
        email="meiling@example.test",
    )
    package = TreatmentPackageFactory(name="肩頸舒緩 10 堂", sessions=10, price=3000)
    package_sold(customer=customer, by=cs, package=package)
    complaint = complaint_intake(
        values={
            "branch": branch_a,
            "customer": customer,
            "complainant_name": "林美玲",
            "complainant_email": "meiling@example.test",
            "channel": "email",
            "received_at": "2026-11-20T10:00:00+08:00",
            "description": "治療師遲到二十分鐘，也沒有事先通知，療程被縮短。",
            "expected_resolution": "希望退部分費用。",
        },
        criteria=["b_staff"],
        departments=[departments["physiotherapy"]],
        owner=cs,
        by=cs,
    )
    return complaint, customer


def scroll_to_compensation(page) -> None:
    """Scroll as a person would, in one step in the page: after a reload the browser may put
    the placeholder back in view and htmx swap it for the panel at once, and Playwright's own
    scrolling waits on the element it found, which that swap detaches."""
    page.evaluate("document.getElementById('compensation-panel').scrollIntoView()")


def test_a_compensation_above_the_limit_is_approved_from_the_heads_worklist(
    browser, live_server, story
):
    complaint, _customer = story
    cs_context, page = logged_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/complaints/{complaint.number}/")
    panel = page.locator("#compensation-panel")
    # The panel loads when scrolled to
    scroll_to_compensation(page)
    panel.locator("#assessment-form").wait_for()

    # Given the officer rates the four factors against the NT$3,000 package
    for factor, rating in (
        ("actual_loss", 2),
        ("time_cost", 3),
        ("emotional_distress", 3),
        ("trust_loss", 2),
    ):
        panel.locator(f"input[name='assess-{factor}'][value='{rating}']").check()
    panel.locator("#assessment-score").get_by_text("50 / 100").wait_for()
    panel.get_by_label("受影響的消費").select_option(index=1)
    panel.get_by_role("button", name="儲存評估").click()

    # Then the level is moderate, and its offers are 30–50% refunds plus a gift or service
    panel.get_by_text("補償等級：中度").wait_for()
    panel.get_by_role("button", name="依評估等級產生方案").click()
    panel.get_by_text("部分退費 50%").first.wait_for()
    offers = panel.locator("li.offer")
    assert offers.count() == 3
    assert "NT$900" in offers.nth(0).inner_text()  # 30% of NT$3,000
    assert "NT$1,500" in offers.nth(2).inner_text()  # 50%

    # When the offers are put to the customer, who takes the 40% one (NT$2,400)
    panel.get_by_role("button", name="向客戶提出以上方案").click()
    page.locator("li.offer").nth(1).get_by_role("button", name="記錄：客戶選擇此方案").click()
    page.locator("li.offer.chosen").wait_for()
    # and the officer, whose limit is NT$2,000, grants it
    panel = page.locator("#compensation-panel")
    panel.get_by_label("客戶選擇的方案").select_option(index=1)
    panel.get_by_role("button", name="核予補償／送交核准").click()

    # Then it waits for a head's approval
    panel.get_by_text("待授權足夠的主管核准").wait_for()
    compensation = Compensation.objects.get()
    assert (compensation.value, compensation.status) == (2400, Status.PENDING_APPROVAL)

    # When the customer-service head opens today's worklist
    head_context, head_page = logged_in(browser, live_server, "cs_head")
    approvals = head_page.locator("#approvals")
    assert complaint.number in approvals.inner_text()
    assert "NT$2,400" in approvals.inner_text()
    approvals.get_by_label("審核結果").select_option(label="核准")
    approvals.get_by_role("button", name="送出審核結果").click()

    # Then the compensation is approved and leaves the worklist
    head_page.locator("#approvals").get_by_text("已記錄審核結果").wait_for()
    assert Compensation.objects.get().status == Status.APPROVED
    assert complaint.number not in head_page.locator("#approvals").inner_text()

    # and the officer pays it out: no settlement is needed for a B case under NT$10,000
    page.reload()
    scroll_to_compensation(page)
    page.locator("#compensation-panel").get_by_role("button", name="標記為已支付").click()
    page.locator("#compensation-panel").get_by_text("已標記為已支付／已交付").wait_for()
    assert Compensation.objects.get().status == Status.PAID
    head_context.close()
    cs_context.close()


def test_a_reply_is_corrected_after_the_checkers_marks_and_sent(browser, live_server, story):
    complaint, _customer = story
    context, page = logged_in(browser, live_server, "cs")
    page.goto(f"{live_server.url}/complaints/{complaint.number}/")
    panel = page.locator("#replies-panel")
    panel.get_by_text("撰寫回覆").click()

    # Given a draft that blames a rule, doubts the customer and leaves the name unfilled
    panel.get_by_label("回覆內容").fill("{客戶姓名}您好：\n這是公司規定，您可能誤會了。")
    panel.get_by_role("button", name="檢查").click()

    # Then the checker marks each on the text, and lists the missing apology
    marks = page.locator("#reply-check mark.reply-mark-avoid-phrase")
    marks.first.wait_for()
    assert [marks.nth(i).inner_text() for i in range(marks.count())] == [
        "這是公司規定",
        "您可能誤會了",
    ]
    assert page.locator("#reply-check mark.reply-mark-placeholder").inner_text() == "{客戶姓名}"
    assert "缺少道歉" in page.locator("#reply-check").inner_text()

    # When the officer sends it anyway, it is refused and the text is kept
    panel.get_by_role("button", name="傳送").click()
    page.get_by_text("回覆中還有未填入的欄位").wait_for()
    assert "您可能誤會了" in panel.get_by_label("回覆內容").input_value()
    assert not mail.outbox

    # When the reply is rewritten and checked again, it passes
    panel.get_by_label("回覆內容").fill(CLEAN_REPLY)
    panel.get_by_role("button", name="檢查").click()
    page.get_by_text("檢查通過").wait_for()

    # And sent (an e-mail needs its subject): the case page comes back with the reply and
    # its communication logged
    panel.get_by_label("主旨").fill("關於您反映的情況")
    panel.get_by_role("button", name="傳送").click()
    page.locator("#replies-panel table").get_by_text("meiling@example.test").wait_for()
    assert page.get_by_text("回覆已送出，並記錄於客戶溝通").is_visible()
    assert "感謝您撥冗告訴我們" in page.locator("#communications-panel").inner_text()
    assert Communication.objects.filter(complaint=complaint).count() == 1
    assert [m.to for m in mail.outbox] == [["meiling@example.test"]]
    context.close()


def test_a_survey_is_answered_on_a_phone_once_and_shows_on_the_customer_page(
    browser, live_server, story
):
    _complaint, customer = story
    purchase = customer.purchases.get()
    cs = purchase.created_by
    # Given the last of the package's sessions is used: the survey goes out by SMS
    for _ in range(purchase.sessions_remaining):
        session_use(customer=customer, purchase=purchase, by=cs)
    survey = Survey.objects.get(purchase=purchase)
    url = f"{live_server.url}/survey/{survey_token(survey)}/"

    phone = phone_context(browser)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    # When the customer opens the link and answers
    page.goto(url)
    questions = page.locator("fieldset")
    questions.nth(0).locator("label", has_text=re.compile(r"^\s*9\s*$")).click()
    questions.nth(1).locator("label", has_text=re.compile(r"^\s*10\s*$")).click()
    page.get_by_label("哪些地方我們做得好？").fill("治療師很細心")
    page.get_by_role("button", name="送出問卷").click()

    # Then they are thanked, and the link cannot be answered again
    page.get_by_text("感謝您撥冗填寫").wait_for()
    page.goto(url)
    page.get_by_text("此問卷已經填寫過了").wait_for()
    assert page.locator("input[name='satisfaction']").count() == 0
    assert SurveyResponse.objects.get().satisfaction == 9
    phone.close()

    # And the score is on the customer's page
    context, staff = logged_in(browser, live_server, "cs")
    staff.goto(f"{live_server.url}/customers/{customer.number}/")
    satisfaction = staff.locator("#satisfaction-panel")
    assert "9/10" in satisfaction.inner_text()
    assert "治療師很細心" in satisfaction.inner_text()
    context.close()
