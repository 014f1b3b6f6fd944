"""The worklist page, through Django's test client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careloop.customers.models import ContactPlan, Interaction
from careloop.treatments.services import session_use
from careloop.worklist.selectors import worklist_for
from tests.factories import ContactPlanFactory, TreatmentPackageFactory, UserFactory, package_sold

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/worklist/"


@pytest.fixture
def renewal_line(customer, consultant, therapist):
    """The done-when: a 10-session package bought and 8 sessions used."""
    sale = package_sold(
        customer=customer,
        by=consultant,
        package=TreatmentPackageFactory(name="下背舒緩 10 堂", sessions=10),
    )
    for _ in range(8):
        session_use(customer=customer, by=therapist)
    (line,) = worklist_for(user=consultant)
    return line, sale


def _log_data(line, **overrides):
    return {
        "key": line.key,
        "customer": line.customer.number,
        "kind": line.kind.value,
        "plan_id": line.plan.pk if line.plan else "",
        "scope": "mine",
        "channel": "phone",
        "reaction": "positive",
        "summary": "來電提醒續購，客戶下週回診時決定",
        "status": "done",
        **overrides,
    }


def test_url_name_and_login(client):
    assert reverse("worklist:today") == URL
    assert client.get(URL).status_code == 302


def test_page_groups_lines_by_kind_with_counts_and_why(
    client, customer, consultant, renewal_line, today
):
    ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    client.force_login(consultant)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "今日待辦",
        "續約提醒",
        "剩 2 堂",
        "下背舒緩 10 堂",
        "到期聯繫計劃",
        "今天：常規關懷",
        "陳美玲",
        customer.phone_display,
        reverse("customers:detail", args=[customer.number]),
        "共 2 項待辦",
        'name="summary"',
        today.isoformat(),
    ):
        assert expected in html, expected
    # Staff have no scope switch
    assert "?scope=team" not in html


def test_department_head_switches_scope(client, sales_head, customer, consultant, today):
    ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    client.force_login(sales_head)

    mine = client.get(URL).content.decode()
    team = client.get(URL, {"scope": "team"}).content.decode()

    assert "?scope=team" in mine and "?scope=branch" in mine
    assert "今天沒有待辦事項" in mine
    assert "陳美玲" in team and "林業務" in team  # the line's assignee shows in a team view


def test_scope_not_allowed_is_403_and_unknown_is_404(client, consultant):
    client.force_login(consultant)
    assert client.get(URL, {"scope": "branch"}).status_code == 403
    assert client.get(URL, {"scope": "everyone"}).status_code == 404


def test_htmx_refresh_answers_the_list_fragment(client, consultant, renewal_line):
    client.force_login(consultant)
    response = client.get(URL, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="worklist"' in html and "<html" not in html and "剩 2 堂" in html


def test_logging_the_renewal_call_from_the_page_removes_the_line(
    client, consultant, customer, renewal_line
):
    # Given the consultant's worklist holds the 續約提醒 line
    line, _sale = renewal_line
    client.force_login(consultant)
    assert "剩 2 堂" in client.get(URL).content.decode()

    # When the call is logged from the line's form (htmx)
    response = client.post(reverse("worklist:log"), _log_data(line), **HTMX)

    # Then the interaction exists and the list fragment comes back without the line
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="worklist"' in html and "剩 2 堂" not in html and "今天沒有待辦事項" in html
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.summary == "來電提醒續購，客戶下週回診時決定"
    assert interaction.staff == consultant and interaction.channel == "phone"
    assert worklist_for(user=consultant) == []


def test_logging_a_plan_line_closes_the_plan(client, consultant, customer, today):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    (line,) = worklist_for(user=consultant)
    client.force_login(consultant)

    response = client.post(reverse("worklist:log"), _log_data(line), **HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.done and plan.fulfilled_by is not None


def test_bad_input_answers_the_lines_form_with_errors_and_saves_nothing(
    client, consultant, customer, renewal_line
):
    line, _sale = renewal_line
    client.force_login(consultant)

    response = client.post(
        reverse("worklist:log"), _log_data(line, summary="  ", reaction=""), **HTMX
    )

    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#form-{line.key}"
    html = response.content.decode()
    assert f'id="form-{line.key}"' in html and 'id="worklist"' not in html
    assert "請填寫互動摘要。" in html and "請選擇客戶反應。" in html
    assert not Interaction.objects.exists() and not ContactPlan.objects.exists()
    assert len(worklist_for(user=consultant)) == 1


def test_without_javascript_the_log_redirects_or_shows_the_page_with_errors(
    client, consultant, renewal_line
):
    line, _sale = renewal_line
    client.force_login(consultant)

    bad = client.post(reverse("worklist:log"), _log_data(line, channel="fax"))
    assert bad.status_code == 422 and "<html" in bad.content.decode()
    assert "has-error" in bad.content.decode()

    good = client.post(reverse("worklist:log"), _log_data(line))
    assert good.status_code == 302 and good["Location"] == f"{URL}?scope=mine"
    assert Interaction.objects.count() == 1


def test_logging_for_another_branchs_customer_is_404(client, therapist_b, renewal_line):
    line, _sale = renewal_line
    client.force_login(therapist_b)

    response = client.post(reverse("worklist:log"), _log_data(line), **HTMX)

    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_a_plan_already_done_is_404_and_a_forged_key_is_refused(
    client, consultant, customer, today
):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    (line,) = worklist_for(user=consultant)
    ContactPlan.objects.filter(pk=plan.pk).update(done=True)
    client.force_login(consultant)

    assert client.post(reverse("worklist:log"), _log_data(line), **HTMX).status_code == 404
    forged = _log_data(line, key='x" onmouseover="alert(1)')
    assert client.post(reverse("worklist:log"), forged, **HTMX).status_code == 404


def test_a_user_who_may_only_view_cannot_log(client, branch_a, renewal_line):
    admin = UserFactory(home_branch=branch_a, roles=["administrator"])
    line, _sale = renewal_line
    client.force_login(admin)

    assert client.post(reverse("worklist:log"), _log_data(line), **HTMX).status_code == 403
    assert client.get(URL).status_code == 200


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"scope": "branch"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_does_not_grow_with_the_list(client, sales_head, lines_of_every_kind):
    # Given 3 lines of each kind
    lines_of_every_kind(3)
    client.force_login(sales_head)
    _page_queries(client)  # warm the per-process caches
    small = _page_queries(client)

    # When 37 more of each kind arrive, Then the page runs the same number of queries
    lines_of_every_kind(37)
    assert _page_queries(client) == small
