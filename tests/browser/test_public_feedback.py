"""The suggestion box on a phone: fill in, send, note the number, look the case up."""

from __future__ import annotations

import pytest

from careloop.complaints.defaults import complaint_defaults_ensure
from careloop.complaints.models import Complaint
from tests.browser.conftest import phone_context
from tests.factories import BranchFactory

pytestmark = pytest.mark.e2e

SHOTS = None  # a folder to save screenshots in while working on the layout


@pytest.fixture
def phone_page(browser):
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_person_sends_feedback_from_a_phone_and_looks_it_up(
    transactional_db, live_server, phone_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    complaint_defaults_ensure()
    BranchFactory(code="taipei", name="台北總院")
    page = phone_page
    # given the address of 台北總院's poster, opened on a phone
    page.goto(f"{live_server.url}/feedback/taipei/")
    _shot(page, "1-form")
    # when a person fills in the form, forgetting a contact, and sends it
    page.get_by_label("您的姓名").fill("王大同")
    page.get_by_label("意見內容").fill("候診區冷氣太冷，等了四十分鐘。")
    page.wait_for_timeout(3200)  # people take longer than 3 seconds; scripts do not
    page.get_by_role("button", name="送出意見").click()
    # then the page asks for a contact beside the phone field, keeping what was typed
    page.get_by_text("請至少留下電話或電子郵件其中一種聯絡方式。").wait_for()
    _shot(page, "2-errors")
    assert page.get_by_label("意見內容").input_value() == "候診區冷氣太冷，等了四十分鐘。"
    # when the phone is added and the form sent again
    page.get_by_label("聯絡電話").fill("0922-333-444")
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="送出意見").click()
    # then the thank-you page shows the case number
    page.get_by_text("感謝您的寶貴意見").wait_for()
    _shot(page, "3-thanks")
    number = Complaint.objects.get().number
    assert page.get_by_text(number).is_visible()
    # and the status link, with the phone, shows the stage
    page.get_by_role("link", name="查詢處理進度").first.click()
    assert page.get_by_label("案件編號").input_value() == number
    page.get_by_label("聯絡電話").fill("0922333444")
    page.get_by_role("button", name="查詢").click()
    page.get_by_text("已接收").wait_for()
    _shot(page, "4-status")
    assert page.get_by_text("我們已收到您的意見").is_visible()
