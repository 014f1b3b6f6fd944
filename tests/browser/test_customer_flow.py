"""The front desk's everyday loop, in a real browser, at tablet width."""

import datetime as dt

import pytest
from django.utils import timezone

from careloop.customers.models import ContactPlan, Interaction
from tests.factories import CustomerFactory, InteractionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_user(branch_a):
    return UserFactory(
        username="desk", full_name="林櫃台", home_branch=branch_a, roles=["front_desk"]
    )


def test_front_desk_finds_customer_by_phone_and_logs_negative_interaction_with_plan(
    page, login, live_server, desk_user
):
    # Given a customer stored as 0912-345-678
    customer = CustomerFactory(
        name="王小明", phone="+886912345678", branch=desk_user.home_branch, created_by=desk_user
    )
    login("desk")

    # When the front desk types the number without dashes
    page.get_by_label("搜尋", exact=True).fill("0912345678")
    page.get_by_role("link", name="王小明").click()

    # Then the customer page opens
    page.wait_for_url(f"{live_server.url}/customers/{customer.number}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("王小明")

    # When an interaction with reaction 負面 and a follow-up plan are added from the page
    form = page.locator("#interaction-form")
    form.get_by_label("電話").check()
    form.get_by_label("負面").check()
    form.get_by_label("互動摘要").fill("客戶反映上次療程後肩膀更痠痛")
    form.get_by_label("後續行動").fill("安排治療師回電")
    form.get_by_text("同時建立下次聯繫計劃").click()
    tomorrow = page.evaluate(
        "() => { const d = new Date(Date.now() + 86400000);"
        " return d.toLocaleDateString('sv-SE', {timeZone: 'Asia/Taipei'}); }"
    )
    form.get_by_label("預定聯繫日期").fill(tomorrow)
    form.get_by_label("聯繫目的").select_option(label="療效追蹤")
    url_before = page.url
    form.get_by_role("button", name="儲存互動記錄").click()

    # Then both show on the timeline at once, without leaving the page
    timeline = page.locator("#interactions")
    timeline.get_by_text("客戶反映上次療程後肩膀更痠痛").wait_for()
    assert "負面" in timeline.locator("li").first.inner_text()
    assert "療效追蹤" in page.locator("#open-plans").inner_text()
    assert page.url == url_before
    # and the change history was refreshed with them
    assert "新增互動記錄" in page.locator("#history-panel").inner_text()
    assert Interaction.objects.filter(customer=customer, reaction="negative").count() == 1
    assert ContactPlan.objects.filter(customer=customer, purpose="efficacy_follow_up").exists()


def test_long_timeline_loads_older_interactions_in_place(page, login, live_server, desk_user):
    # Given a customer with 30 interactions, one a day
    customer = CustomerFactory(branch=desk_user.home_branch, created_by=desk_user)
    now = timezone.now()
    for n in reversed(range(30)):
        InteractionFactory(
            customer=customer,
            staff=desk_user,
            occurred_at=now - dt.timedelta(days=n),
            summary=f"第{n:02d}次追蹤",
        )
    login("desk")
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    timeline = page.locator("#interactions")
    # The page shows the newest 20
    assert timeline.locator("li.interaction").count() == 20
    # When the front desk asks for older ones
    timeline.get_by_role("link", name="顯示較早的互動記錄").click()
    # Then the other 10 join the list below, oldest last, and the link is gone
    timeline.get_by_text("第29次追蹤").wait_for()
    assert timeline.locator("li.interaction").count() == 30
    assert timeline.get_by_role("link", name="顯示較早的互動記錄").count() == 0
    assert page.url == f"{live_server.url}/customers/{customer.number}/"


def test_bad_customer_form_shows_field_errors_beside_fields(page, login, live_server, desk_user):
    login("desk")
    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("聯絡電話").fill("0912-34")
    page.get_by_label("生日").fill("2999-01-01")
    page.get_by_role("button", name="儲存").click()

    errors = page.locator(".field-error")
    texts = errors.all_inner_texts()
    assert any("請填寫客戶姓名" in t for t in texts)
    assert any("電話號碼格式不正確" in t for t in texts)
    assert any("生日不可晚於今天" in t for t in texts)
    # the phone the user typed is kept so it can be corrected
    assert page.get_by_label("聯絡電話").input_value() == "0912-34"


def test_chinese_text_renders_with_a_cjk_font(page, login, desk_user):
    login("desk")
    has_cjk_font = page.evaluate(
        "() => document.fonts.check('16px \"Noto Sans CJK TC\"', '客戶互動追蹤')"
    )
    assert has_cjk_font
