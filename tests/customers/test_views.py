"""The customer pages, through Django's test client."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.customers.models import ContactPlan, Customer, Interaction
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    InteractionFactory,
    SatisfactionRecordFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _page_queries(client, customer) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:detail", args=[customer.number]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_customer_page_query_count_does_not_grow_with_its_story(client, front_desk, branch_a):
    # Given two customers, one with 5 interactions and one with 200 (plus plans and scores)
    small = CustomerFactory(branch=branch_a, created_by=front_desk)
    large = CustomerFactory(branch=branch_a, created_by=front_desk)
    InteractionFactory.create_batch(5, customer=small, staff=front_desk)
    InteractionFactory.create_batch(200, customer=large, staff=front_desk)
    for customer in (small, large):
        ContactPlanFactory.create_batch(3, customer=customer, assignee=front_desk)
        SatisfactionRecordFactory.create_batch(2, customer=customer, recorded_by=front_desk)
    client.force_login(front_desk)
    _page_queries(client, small)  # warm the per-process caches (content types, roles)

    # When each page is rendered, Then both run the same number of queries
    assert _page_queries(client, small) == _page_queries(client, large)


def test_customer_page_shows_the_whole_story(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk, name="陳美玲")
    InteractionFactory(customer=customer, staff=front_desk, summary="詢問下背痛療程")
    ContactPlanFactory(customer=customer, assignee=front_desk, purpose="renewal_reminder")
    SatisfactionRecordFactory(customer=customer, recorded_by=front_desk, score=9)
    client.force_login(front_desk)

    html = client.get(reverse("customers:detail", args=[customer.number])).content.decode()

    for expected in (
        "陳美玲",
        "詢問下背痛療程",
        "續約提醒",
        "9/10",
        "客戶需求與期望",
        "記錄人員簽名",
        "主管審核簽名",
        "變更記錄",
        "建議客戶類型",
    ):
        assert expected in html


FOLDED = {
    "next": "next-due_date",
    "plan": "plan-assignee",
    "needs": "needs-main_concerns",
    "satisfaction": "satisfaction-score",
    "event": "event-description",
    "purchase": "purchase-package",
}


def test_customer_page_renders_a_folded_form_when_it_is_opened(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    page = reverse("customers:detail", args=[customer.number])

    # The page shows the interaction form, and each folded form as a placeholder
    html = client.get(page).content.decode()
    assert 'name="interaction-summary"' in html
    for name, field in FOLDED.items():
        assert f'name="{field}"' not in html, name
        assert f'hx-get="{page}?open={name}"' in html, name

    # Asked for one (htmx when the <details> opens, or the link without JavaScript), the page
    # renders that form open and leaves the others folded
    for name, field in FOLDED.items():
        html = client.get(page, {"open": name}).content.decode()
        opened = rf'<details[^>]* open>\s*<summary>[^<]*</summary>\s*<div id="collapsed-{name}" '
        assert re.search(opened, html), name
        assert f'name="{field}"' in html, name
        assert sum(f'name="{other}"' in html for other in FOLDED.values()) == 1, name


def test_a_folded_form_sent_back_with_errors_is_shown_open(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:plan_add", args=[customer.number]),
        {"plan-due_date": "2000-01-01", "plan-purpose": "efficacy_follow_up"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert '<div id="collapsed-plan" class="collapsed-fields">' in html
    assert "預定聯繫日期不可早於今天" in html
    assert not ContactPlan.objects.exists()


def test_customer_page_loads_its_change_history_when_it_is_scrolled_to(
    client, front_desk, branch_a
):
    # Given a customer whose interaction was logged through the service (so it has history)
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    client.post(
        reverse("customers:interaction_add", args=[customer.number]),
        {
            "interaction-channel": "phone",
            "interaction-reaction": "neutral",
            "interaction-summary": "詢問預約時段",
            "interaction-status": "done",
            "interaction-occurred_at": "2026-01-05T10:00",
        },
    )
    history_url = reverse("customers:history", args=[customer.number])
    # When the page is opened
    html = client.get(reverse("customers:detail", args=[customer.number])).content.decode()
    # Then the history panel is a placeholder that asks for the history when revealed
    assert f'hx-get="{history_url}" hx-trigger="revealed"' in html
    assert '<ol class="history">' not in html
    # And the panel it loads lists the change, with who made it
    panel = client.get(history_url).content.decode()
    assert '<ol class="history">' in panel and "新增互動記錄" in panel
    assert front_desk.full_name in panel
    # And without JavaScript the placeholder's link shows it on the page itself
    inline = client.get(reverse("customers:detail", args=[customer.number]), {"history": "1"})
    assert '<ol class="history">' in inline.content.decode()


def _customer_with_interactions(branch, staff, count: int) -> Customer:
    """`count` interactions a day apart, summary 第00筆 the newest; 第19筆 and 第20筆 share one
    moment, across the edge of the first page, so paging must break the tie by id."""
    customer = CustomerFactory(branch=branch, created_by=staff)
    now = timezone.now()
    for n in reversed(range(count)):
        at = now - dt.timedelta(days=19 if n == 20 else n)
        InteractionFactory(customer=customer, staff=staff, occurred_at=at, summary=f"第{n:02d}筆")
    return customer


def _summaries(html: str) -> list[str]:
    return re.findall(r"<p>(第\d\d筆)</p>", html)


def test_customer_page_shows_the_newest_interactions_and_loads_older_ones_on_request(
    client, front_desk, branch_a
):
    # Given a customer with 45 interactions, two at the same moment at the first page's edge
    customer = _customer_with_interactions(branch_a, front_desk, 45)
    client.force_login(front_desk)
    # When the page is opened
    html = client.get(reverse("customers:detail", args=[customer.number])).content.decode()
    # Then it counts all 45 but shows the newest 20, and a link to older ones
    assert "互動記錄（45 筆）" in html
    assert _summaries(html) == [f"第{n:02d}筆" for n in range(20)]
    more = re.search(r'hx-get="([^"]+)"[^>]*>顯示較早的互動記錄', html)
    assert more is not None
    # When the link is followed twice
    second = client.get(more.group(1)).content.decode()
    assert _summaries(second) == [f"第{n:02d}筆" for n in range(20, 40)]
    third_url = re.search(r'hx-get="([^"]+)"', second).group(1)
    third = client.get(third_url).content.decode()
    # Then every interaction has been shown once, the tie included, and no link remains
    assert _summaries(third) == [f"第{n:02d}筆" for n in range(40, 45)]
    assert "顯示較早的互動記錄" not in third


def test_customer_page_without_javascript_shows_every_interaction(client, front_desk, branch_a):
    customer = _customer_with_interactions(branch_a, front_desk, 25)
    client.force_login(front_desk)
    page = reverse("customers:detail", args=[customer.number])
    # The link's own href asks the page for all of them
    assert f'href="{page}?interactions=all#interactions"' in client.get(page).content.decode()
    html = client.get(page, {"interactions": "all"}).content.decode()
    assert len(_summaries(html)) == 25
    assert "顯示較早的互動記錄" not in html


def test_older_interactions_are_only_those_of_the_customer_asked_for(
    client, front_desk, therapist_b, branch_a
):
    # Given two customers of branch A
    customer = _customer_with_interactions(branch_a, front_desk, 3)
    other = _customer_with_interactions(branch_a, front_desk, 3)
    foreign = other.interactions.first()
    client.force_login(front_desk)
    # When older interactions are asked for after another customer's interaction, Then 404
    url = reverse("customers:timeline_more", args=[customer.number, foreign.pk])
    assert client.get(url).status_code == 404
    # And a user of another branch gets 404 for the customer's own
    own = customer.interactions.first()
    client.force_login(therapist_b)
    url = reverse("customers:timeline_more", args=[customer.number, own.pk])
    assert client.get(url).status_code == 404


def test_therapist_of_another_branch_gets_404_on_every_customer_url(
    client, therapist_b, front_desk, branch_a
):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(therapist_b)
    number = customer.number
    assert client.get(reverse("customers:detail", args=[number])).status_code == 404
    assert client.get(reverse("customers:edit", args=[number])).status_code == 404
    assert client.get(reverse("customers:history", args=[number])).status_code == 404
    response = client.post(
        reverse("customers:interaction_add", args=[number]),
        {
            "interaction-channel": "phone",
            "interaction-reaction": "neutral",
            "interaction-summary": "x",
            "interaction-status": "done",
        },
    )
    assert response.status_code == 404
    assert not Interaction.objects.filter(customer=customer).exists()
    listing = client.get(reverse("customers:list"), {"q": customer.name}).content.decode()
    assert customer.number not in listing


def test_senior_management_sees_every_branch(client, senior, front_desk, branch_a, branch_b):
    here = CustomerFactory(branch=branch_a, created_by=front_desk)
    there = CustomerFactory(branch=branch_b)
    client.force_login(senior)
    listing = client.get(reverse("customers:list")).content.decode()
    assert here.number in listing and there.number in listing
    assert client.get(reverse("customers:detail", args=[there.number])).status_code == 200


def test_list_searches_by_phone_in_any_format(client, front_desk, branch_a):
    CustomerFactory(branch=branch_a, created_by=front_desk, name="王小明", phone="+886912345678")
    CustomerFactory(branch=branch_a, created_by=front_desk, name="李大華", phone="+886922000111")
    client.force_login(front_desk)
    for query in ("0912345678", "0912-345-678", "+886 912 345 678", "王小"):
        html = client.get(reverse("customers:list"), {"q": query}).content.decode()
        assert "王小明" in html, query
        assert "李大華" not in html, query


def test_list_answers_htmx_with_the_results_fragment_only(client, front_desk, branch_a):
    CustomerFactory(branch=branch_a, created_by=front_desk, name="王小明")
    client.force_login(front_desk)
    response = client.get(reverse("customers:list"), {"q": "王"}, **HTMX)
    html = response.content.decode()
    assert "王小明" in html
    assert "<html" not in html


def test_list_query_count_is_bounded(client, front_desk, branch_a, django_assert_max_num_queries):
    CustomerFactory.create_batch(30, branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("customers:list")).status_code == 200


def test_bad_customer_form_shows_three_field_errors_and_saves_nothing(client, front_desk, branch_a):
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:create"),
        {
            "name": "",
            "phone": "0912-34",
            "birthday": "2999-01-01",
            "branch": branch_a.pk,
            "customer_type": "prospect",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "phone", "birthday"}
    html = response.content.decode()
    assert "請填寫客戶姓名" in html and "電話號碼格式不正確" in html and "生日不可晚於今天" in html
    assert Customer.objects.count() == 0


def test_likely_duplicate_is_shown_before_saving_and_can_be_confirmed(client, front_desk, branch_a):
    existing = CustomerFactory(branch=branch_a, created_by=front_desk, phone="+886912345678")
    client.force_login(front_desk)
    data = {
        "name": "王小明",
        "phone": "0912 345 678",
        "branch": branch_a.pk,
        "customer_type": "prospect",
    }

    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 422
    assert existing.number in response.content.decode()
    assert Customer.objects.count() == 1

    response = client.post(reverse("customers:create"), {**data, "confirm_new": "1"})
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_duplicate_in_another_branch_shows_only_number_and_branch(
    client, front_desk, branch_a, branch_b
):
    other = CustomerFactory(branch=branch_b, name="張秘密", phone="+886912000999")
    client.force_login(front_desk)
    html = client.get(reverse("customers:duplicates"), {"phone": "0912000999"}).content.decode()
    assert other.number in html and branch_b.name in html
    assert "張秘密" not in html


def test_htmx_interaction_with_next_plan_returns_timeline_and_history(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:interaction_add", args=[customer.number]),
        {
            "interaction-channel": "phone",
            "interaction-reaction": "negative",
            "interaction-summary": "療程後仍痠痛",
            "interaction-status": "in_progress",
            "interaction-occurred_at": "2026-01-05T10:00",
            "next-due_date": "2099-01-01",
            "next-purpose": "efficacy_follow_up",
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline-panel"' in html and "療程後仍痠痛" in html and "療效追蹤" in html
    assert 'id="history-panel" hx-swap-oob="true"' in html
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.reaction == "negative"
    assert interaction.history.get().history_user == front_desk
    plan = ContactPlan.objects.get(customer=customer)
    assert plan.assignee == front_desk and plan.created_by == front_desk


def test_htmx_interaction_with_bad_input_keeps_the_form_and_saves_nothing(
    client, front_desk, branch_a
):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:interaction_add", args=[customer.number]),
        {"interaction-summary": "只有摘要", "next-due_date": "2000-01-01"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "只有摘要" in html
    assert "預定聯繫日期不可早於今天" in html
    assert '<details class="next-plan" open>' in html  # the folded plan, open with its error
    assert not Interaction.objects.exists() and not ContactPlan.objects.exists()


def test_plan_complete_and_sign_offs_from_the_page(client, front_desk, dept_head_a, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    plan = ContactPlanFactory(customer=customer, assignee=front_desk)
    client.force_login(front_desk)
    client.post(reverse("customers:plan_complete", args=[customer.number, plan.pk]), **HTMX)
    plan.refresh_from_db()
    assert plan.done and plan.done_at is not None

    # a front desk user cannot give the supervisor's sign-off
    response = client.post(reverse("customers:sign_off", args=[customer.number, "supervisor"]))
    assert response.status_code == 403
    client.post(reverse("customers:sign_off", args=[customer.number, "recorder"]))

    client.force_login(dept_head_a)
    response = client.post(
        reverse("customers:sign_off", args=[customer.number, "supervisor"]), **HTMX
    )
    assert response.status_code == 200
    assert dept_head_a.full_name in response.content.decode()


def test_a_note_past_the_limit_is_refused_beside_the_field(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk, name="黃小姐", notes="")
    client.force_login(front_desk)
    data = {"name": "黃小姐", "phone": "0933-111-222", "branch": branch_a.pk}
    data |= {"customer_type": "current", "notes": "長" * 200_000}
    response = client.post(reverse("customers:edit", args=[customer.number]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_notes_error"' in html and "內容最多 5000 字" in html
    customer.refresh_from_db()
    assert customer.notes == ""


def test_edit_keeps_history_of_who_changed_what(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk, name="黃小姐")
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:edit", args=[customer.number]),
        {
            "name": "黃怡君",
            "phone": "0933-111-222",
            "branch": branch_a.pk,
            "customer_type": "current",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+886933111222"
    latest = customer.history.first()
    assert latest.history_user == front_desk
    html = client.get(reverse("customers:history", args=[customer.number])).content.decode()
    assert "黃小姐 → 黃怡君" in html


def test_login_required_everywhere(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    for url in (reverse("customers:list"), reverse("customers:detail", args=[customer.number])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anniversary_added_and_removed_from_the_page_with_history(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:anniversary_add", args=[customer.number]),
        {"anniversary-label": "結婚紀念日", "anniversary-date": "2015-10-10"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "結婚紀念日" in response.content.decode()
    anniversary = customer.anniversaries.get()
    assert anniversary.history.get().history_user == front_desk

    response = client.post(
        reverse("customers:anniversary_remove", args=[customer.number, anniversary.pk]), **HTMX
    )
    assert not customer.anniversaries.exists()
    assert "刪除紀念日" in response.content.decode()  # the history panel, out of band


def test_anniversary_with_bad_date_shows_error_and_saves_nothing(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:anniversary_add", args=[customer.number]),
        {"anniversary-label": "結婚紀念日", "anniversary-date": "2015-13-45"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "field-error" in response.content.decode()
    assert not customer.anniversaries.exists()


def test_non_numeric_fulfils_is_a_404_not_a_crash(client, front_desk, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:interaction_add", args=[customer.number]),
        {
            "fulfils": "abc",
            "interaction-channel": "phone",
            "interaction-reaction": "neutral",
            "interaction-summary": "x",
            "interaction-status": "done",
        },
    )
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_the_recorder_cannot_review_their_own_record(client, dept_head_a, branch_a):
    customer = CustomerFactory(branch=branch_a, created_by=dept_head_a)
    client.force_login(dept_head_a)
    client.post(reverse("customers:sign_off", args=[customer.number, "recorder"]))
    response = client.post(
        reverse("customers:sign_off", args=[customer.number, "supervisor"]), **HTMX
    )
    assert response.status_code == 422
    assert "記錄人員以外的主管" in response.content.decode()
    assert not customer.sign_offs.filter(kind="supervisor").exists()


def test_referrer_from_another_branch_is_not_found(client, front_desk, branch_a, branch_b):
    customer = CustomerFactory(branch=branch_a, created_by=front_desk)
    elsewhere = CustomerFactory(branch=branch_b, name="張秘密")
    client.force_login(front_desk)
    response = client.post(
        reverse("customers:edit", args=[customer.number]),
        {
            "name": customer.name,
            "branch": branch_a.pk,
            "customer_type": "prospect",
            "source": "referral",
            "referrer_number": elsewhere.number,
        },
    )
    assert response.status_code == 422
    assert "referrer_number" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.referrer_id is None
