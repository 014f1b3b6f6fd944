"""The trust features as a new department head meets them (issue 19, findings 4, 5, 6): the
second factor on the first sign-in, the read log on the customer page, and a data-subject
request answered with a copy — the last two at phone width."""

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.access.models import PersonalDataRead
from careloop.privacy.models import CopyDownload, DataSubjectRequest
from tests.browser.conftest import logged_in, phone_context, second_factor_typed
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def head(branch_a):
    """A department head on her first day: no authenticator yet."""
    return UserFactory(
        username="head_new", full_name="周主任", home_branch=branch_a, roles=["department_head"]
    )


@pytest.fixture
def therapist(branch_a):
    return UserFactory(
        username="pt_wu", full_name="吳治療師", home_branch=branch_a, roles=["therapist"]
    )


@pytest.fixture
def customer(branch_a, therapist):
    return CustomerFactory(name="林美玲", branch=branch_a, created_by=therapist)


def no_horizontal_scroll(page) -> None:
    scroll, inner, path = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth, location.pathname]"
    )
    # A phone zooms out to fit a page wider than the screen: innerWidth would grow with it.
    assert inner == page.viewport_size["width"], f"{path} is zoomed out to {inner} px"
    assert scroll <= inner, f"{path} scrolls sideways: {scroll} > {inner} px"


def current_code(secret_text: str) -> str:
    """What an authenticator app shows for the secret typed from the enrolment page."""
    secret = secret_text.replace(" ", "").upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def enrol_on_first_sign_in(page, live_server, head, customer) -> None:
    customer_url = f"{live_server.url}/customers/{customer.number}/"
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("使用者名稱").fill(head.username)
    page.get_by_label("密碼").fill("pw-test-1234")
    page.get_by_role("button", name="登入").click()
    # Lands on enrolment, and no other page opens until it is done
    page.wait_for_url("**/accounts/second-factor/enrol/**")
    for url in (f"{live_server.url}/customers/", customer_url):
        page.goto(url)
        assert page.url.startswith(f"{live_server.url}/accounts/second-factor/enrol/")
        assert page.get_by_role("heading", level=1).inner_text() == "設定第二道驗證"
    assert page.locator("img.qr").is_visible()
    no_horizontal_scroll(page)

    # Enrols by typing the code an app would show for the secret printed on the page
    page.get_by_label("驗證碼").fill(current_code(page.locator("#totp-secret").inner_text()))
    page.get_by_role("button", name="完成設定").click()
    page.get_by_role("heading", name="備用驗證碼").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    assert page.get_by_text("第二道驗證已設定完成。").is_visible()
    no_horizontal_scroll(page)
    page.get_by_role("link", name="我已妥善保存，繼續").click()

    # and is taken to the page she asked for
    page.wait_for_url(customer_url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("林美玲")
    head.refresh_from_db()
    assert head.second_factor_since is not None


def sign_in_on_phone(browser, live_server, user):
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("使用者名稱").fill(user.username)
    page.get_by_label("密碼").fill("pw-test-1234")
    page.get_by_role("button", name="登入").click()
    second_factor_typed(page, TOTPDevice.objects.get(user=user, confirmed=True))
    page.wait_for_url(f"{live_server.url}/worklist/")
    return context, page


def record_copy_request(page, customer) -> DataSubjectRequest:
    page.get_by_role("main").get_by_role("link", name="個資請求").click()  # not the menu's
    page.wait_for_url(f"**/privacy/customers/{customer.number}/")
    no_horizontal_scroll(page)
    form = page.locator("#privacy-request-form")
    form.get_by_label("請求類型").select_option(label="查閱／複製")
    form.get_by_label("提出方式").select_option(label="當面")
    form.get_by_label("身分核對方式").select_option(label="其他（請說明）")

    # Bad input once: "other" without saying how the identity was checked
    form.get_by_role("button", name="受理").click()
    note_field = page.locator(".field", has=page.locator("#id_identity_note"))
    assert "核對方式選「其他」時請說明。" in note_field.locator(".field-error").inner_text()
    assert DataSubjectRequest.objects.count() == 0
    no_horizontal_scroll(page)

    form = page.locator("#privacy-request-form")
    assert form.get_by_label("請求類型").input_value() == "copy"
    form.get_by_label("核對說明").fill("以健保卡核對姓名與出生日期")
    form.get_by_label("請求內容").fill("客戶請求提供其個人資料複本")
    form.get_by_role("button", name="受理").click()
    page.wait_for_url("**/privacy/*/")
    req = DataSubjectRequest.objects.get(customer=customer)
    assert (req.kind, req.channel, req.identity_note) == (
        "copy",
        "in_person",
        "以健保卡核對姓名與出生日期",
    )
    return req


def test_new_head_enrols_sees_who_read_the_customer_and_answers_a_copy_request_on_a_phone(
    page, browser, live_server, head, therapist, customer, tmp_path: Path
):
    # 1. A department head without a factor signs in and must enrol before anything else
    enrol_on_first_sign_in(page, live_server, head, customer)

    # 2. A therapist of the branch opens the customer's page, where she sees no read log
    context, theirs = logged_in(browser, live_server, therapist.username)
    theirs.goto(f"{live_server.url}/customers/{customer.number}/")
    assert theirs.get_by_role("heading", level=1).inner_text().startswith("林美玲")
    assert theirs.locator("#reads-panel").count() == 0
    assert theirs.get_by_text("查閱紀錄").count() == 0
    context.close()
    assert PersonalDataRead.objects.filter(user=therapist, customer_id=customer.pk).exists()

    # and the head, on her phone, scrolls down her customer page to the read log
    phone, page = sign_in_on_phone(browser, live_server, head)
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    no_horizontal_scroll(page)
    # The panel waits below the fold and loads only when scrolled to
    assert page.locator("#reads-panel").bounding_box()["y"] > page.viewport_size["height"]
    assert page.locator("#reads-panel table").count() == 0
    page.locator("#reads-panel").scroll_into_view_if_needed()
    reads = page.locator("#reads-panel table.reads")
    reads.get_by_role("link", name="吳治療師").wait_for()
    no_horizontal_scroll(page)
    # and the full list, one tap away, fits the phone too
    page.locator("#reads-panel").get_by_role("link", name="開啟查閱紀錄頁").click()
    page.wait_for_url(f"**/access/customers/{customer.number}/")
    assert page.locator("table.reads").get_by_role("link", name="吳治療師").is_visible()
    no_horizontal_scroll(page)
    page.get_by_role("link", name="回到客戶頁").click()
    page.wait_for_url(f"**/customers/{customer.number}/")

    # 3. She records the customer's copy request and sees the §13 deadline (15 days)
    req = record_copy_request(page, customer)
    due = timezone.localtime(req.due_at).strftime("%Y-%m-%d")
    assert req.due_at - req.received_at == dt.timedelta(days=15)
    assert page.get_by_text(f"已受理個資請求，答覆期限 {due}").is_visible()
    assert page.locator("dl.facts").get_by_text(due, exact=True).is_visible()
    no_horizontal_scroll(page)

    # and downloads the copy as JSON, which holds the customer's name
    copy_form = page.locator("#privacy-copy-form")
    copy_form.get_by_label("下載目的").fill("提供當事人查閱之複本")
    with page.expect_download() as download_info:
        copy_form.get_by_role("button", name="下載 JSON").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name.startswith(f"privacy-copy-{customer.number}-")
    copy = json.loads(saved.read_text(encoding="utf-8"))
    assert "林美玲" in json.dumps(copy, ensure_ascii=False)
    assert CopyDownload.objects.filter(request=req, user=head, format="json").count() == 1
    no_horizontal_scroll(page)
    phone.close()
