"""One B case through PT-P020 in a real browser: intake, investigation, solution, approval,
action item, communication, follow-up, sign-off and archive."""

from __future__ import annotations

import re

import pytest

from careloop.accounts.services import roles_ensure_defaults
from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.complaints.models import Complaint, State
from tests.browser.conftest import logged_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = None  # a folder to save screenshots in while working on the layout


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def staff(branch_a, departments):
    # A transactional test starts from an empty database: put back the seeded rows.
    roles_ensure_defaults()
    complaint_defaults_ensure()
    cs = UserFactory(
        username="cs",
        full_name="劉佳蓉",
        home_branch=branch_a,
        department=departments["customer_service"],
        roles=["customer_service"],
    )
    head = UserFactory(
        username="pt_head",
        full_name="林志偉",
        home_branch=branch_a,
        department=departments["physiotherapy"],
        roles=["department_head"],
    )
    return cs, head


def _pick(select, text: str) -> None:
    """Choose the option whose label contains `text`."""
    select.select_option(value=select.locator("option", has_text=text).first.get_attribute("value"))


def _move(page, label: str) -> None:
    page.locator(".workflow").get_by_role("button", name=label).click()


def test_a_b_case_from_intake_to_archive(browser, live_server, staff):
    cs, head = staff
    cs_context, page = logged_in(browser, live_server, "cs")

    # Given a customer-service officer on the intake form
    page.get_by_role("link", name="客訴").first.click()
    page.get_by_role("link", name="新增客訴").click()
    page.get_by_label("投訴渠道").select_option(label="電話")
    page.get_by_label("投訴人姓名").fill("陳美玲")
    page.get_by_label("聯絡電話").fill("0912-345-678")
    page.get_by_label("投訴內容詳細描述").fill("治療師遲到二十分鐘，當天療程被縮短。")
    page.get_by_label("期望解決方式").fill("補回被縮短的療程")
    page.get_by_label("投訴性質").select_option(label="人員態度")
    # When she ticks a B criterion, the suggested grade and the deadlines appear at once
    page.get_by_label("涉及員工態度或專業性不足").check()
    preview = page.locator("#intake-preview")
    preview.get_by_text("B 級").first.wait_for()
    assert "工作天" in preview.inner_text() or "解決" in preview.inner_text()
    page.get_by_label("物理治療部").check()
    _pick(page.get_by_label("負責人（選填）"), "劉佳蓉")
    _shot(page, "1-intake")
    page.get_by_role("button", name="儲存接收記錄").click()

    # Then the case page opens with its number
    page.wait_for_url(re.compile(r"/complaints/\d{8}-\d{3}/$"))
    complaint = Complaint.objects.get()
    assert complaint.number in page.locator("h1").inner_text()
    assert complaint.grade == "B" and complaint.owner == cs

    # The investigation: the plan, then the move, then the report and the solution
    page.locator("#plan-form").get_by_label("調查範圍和目標").fill("當天排程與遲到經過")
    page.locator("#plan-form").get_by_label("參與調查的部門和人員").fill("物理治療部、櫃台")
    page.locator("#plan-form").get_by_label("調查時間表").fill("兩個工作天內")
    page.get_by_role("button", name="儲存調查計劃").click()
    page.get_by_text("最後更新").wait_for()
    _move(page, "開始調查")
    page.locator(".stages li.current", has_text="調查中").wait_for()

    report = page.locator("#report-form")
    report.get_by_label("調查發現的事實").fill("前一位客人延誤二十分鐘")
    report.get_by_label("根本原因").fill("排程未留緩衝")
    report.get_by_label("責任歸屬").fill("排程")
    report.get_by_label("解決方案建議").fill("補一堂療程")
    page.get_by_role("button", name="儲存調查報告").click()
    page.locator("#report-form").get_by_label("根本原因").wait_for()

    solution = page.locator("#solution-form")
    solution.get_by_label("針對客戶問題的立即解決方法").fill("補一堂療程並致歉")
    solution.get_by_label("防止再次發生的系統性改進措施").fill("排程每堂之間留 10 分鐘")
    page.get_by_role("button", name="儲存解決方案").click()
    page.locator("#solution-panel").get_by_text("最後更新").or_(
        page.locator("#solution-form")
    ).first.wait_for()
    _move(page, "提交方案審核")
    page.locator(".stages li.current", has_text="方案審核").wait_for()

    # The officer cannot approve her own case's solution: the button says why
    approve = page.locator("#move-approve")
    assert approve.get_by_role("button", name="核准方案").is_disabled()
    assert "5.4.2" in approve.inner_text()
    _shot(page, "2-review")

    # The department head of physiotherapy approves it
    head_context, head_page = logged_in(browser, live_server, "pt_head")
    head_page.goto(f"{live_server.url}/complaints/{complaint.number}/")
    _move(head_page, "核准方案")
    head_page.locator(".stages li.current", has_text="執行").wait_for()
    head_page.locator("#solution-panel").get_by_text("核准").first.wait_for()

    # The officer adds an action item and tells the customer
    page.reload()
    actions = page.locator("#actions-panel")
    actions.get_by_label("行動內容").fill("安排補課一堂")
    _pick(actions.get_by_label("責任人"), "劉佳蓉")
    actions.get_by_label("完成期限").fill("2099-12-31")
    actions.get_by_role("button", name="新增行動項目").click()
    page.locator("#actions-panel li.action-item", has_text="安排補課一堂").wait_for()
    _move(page, "進入客戶溝通")
    page.locator(".stages li.current", has_text="溝通").wait_for()

    comms = page.locator("#communications-panel")
    comms.get_by_text("記錄客戶溝通").click()
    comms.get_by_label("溝通方式").select_option(label="電話")
    comms.get_by_label("溝通內容").fill("電話說明補課方案與改善措施")
    comms.get_by_label("說明調查結果與解決方案").check()
    comms.get_by_label("客戶回應", exact=True).select_option(value="accepted")
    comms.get_by_role("button", name="儲存溝通記錄").click()
    page.locator("#communications-panel").get_by_text("已接受").wait_for()
    _move(page, "進入後續跟進")
    page.locator(".stages li.current", has_text="跟進").wait_for()

    # The head cannot sign off while the action item is open (5.6.2) nor without the
    # closing record (5.6.1)
    head_page.reload()
    close = head_page.locator("#move-close")
    assert "5.6.2" in close.inner_text() and "5.6.1" in close.inner_text()
    assert close.get_by_role("button", name="主管簽核結案").is_disabled()
    _shot(head_page, "3-close-refused")

    # The officer ticks the item done; the head writes the closing record and signs off
    page.reload()
    page.locator("#actions-panel").get_by_role("button", name="標示完成").click()
    page.locator("#actions-panel li.action-item.done").wait_for()

    head_page.reload()
    closing = head_page.locator("#closing-panel")
    closing.get_by_label("投訴摘要").fill("治療師遲到，已補課並調整排程")
    closing.get_by_label("客戶滿意度評估（1–10）").fill("8")
    closing.get_by_role("button", name="儲存結案記錄").click()
    head_page.locator("#closing-panel dd", has_text="治療師遲到，已補課並調整排程").wait_for()
    head_page.reload()
    _move(head_page, "主管簽核結案")
    head_page.locator(".read-only-banner").wait_for()
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.closed_by == head

    # A closed case has no edit forms left
    assert head_page.locator("#plan-form").count() == 0
    assert head_page.locator("#solution-form").count() == 0

    # and is archived
    _move(head_page, "歸檔")
    head_page.locator(".workflow").get_by_text("已歸檔，流程結束。").wait_for()
    complaint.refresh_from_db()
    assert complaint.state == State.ARCHIVED
    assert list(complaint.transitions.values_list("to_state", flat=True)) == [
        State.INVESTIGATING,
        State.SOLUTION_REVIEW,
        State.EXECUTING,
        State.COMMUNICATING,
        State.FOLLOW_UP,
        State.CLOSED,
        State.ARCHIVED,
    ]
    _shot(head_page, "4-archived")
    head_context.close()
    cs_context.close()
