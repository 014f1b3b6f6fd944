"""The read log shown to supervisors: the customer page's panel, the full list, a staff
member's reads, and the API; hidden from other roles and other branches."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.access.models import PersonalDataRead, ReadChannel, ReadKind
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def read(customer, user, *, minutes_ago=0, **values):
    fields = {
        "channel": ReadChannel.PAGE,
        "kind": ReadKind.VIEW,
        "route": "customers:detail",
        "path": f"/customers/{customer.number}/",
        **values,
    }
    return PersonalDataRead.objects.create(
        customer_id=customer.pk,
        user=user,
        at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **fields,
    )


def page_queries(client, customer) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:detail", args=[customer.number]))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_the_customer_page_shows_the_panel_to_a_head_at_no_query_cost(
    client, dept_head_a, therapist_a, customer_a, monkeypatch
):
    panel_url = reverse("access:customer_panel", args=[customer_a.number])
    # Given a therapist, the page has no panel
    client.force_login(therapist_a)
    therapist_html, _queries = page_queries(client, customer_a)
    assert panel_url not in therapist_html and 'id="reads-panel"' not in therapist_html
    # and a head gets the panel's placeholder
    client.force_login(dept_head_a)
    page_queries(client, customer_a)  # warm the per-process caches
    head_html, with_panel = page_queries(client, customer_a)
    assert panel_url in head_html and "查閱紀錄" in head_html
    # which costs the page no query (it loads when scrolled to): the same head's page
    # without it runs as many
    monkeypatch.setattr("careloop.access.templatetags.access.may_view_read_log", lambda u: False)
    without_html, without_panel = page_queries(client, customer_a)
    assert panel_url not in without_html
    assert with_panel == without_panel


def test_the_panel_lists_the_newest_reads_with_who_when_and_through_what(
    client, dept_head_a, therapist_a, customer_a
):
    # Given 12 reads by different staff, the newest through an API token
    for minutes in range(12, 1, -1):
        reader = UserFactory(home_branch=customer_a.branch, roles=["therapist"])
        read(customer_a, reader, minutes_ago=minutes)
    read(
        customer_a,
        therapist_a,
        channel=ReadChannel.API,
        api_token_label="排程整合 (abcd1234…)",
        path=f"/api/v1/customers/{customer_a.number}",
    )
    client.force_login(dept_head_a)
    url = reverse("access:customer_panel", args=[customer_a.number])
    client.get(url)  # warm the per-process caches
    # When the head's page loads the panel
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    # in as many queries as for one read: the customer and the reads with their readers
    PersonalDataRead.objects.exclude(user=therapist_a).delete()
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) == len(one.captured_queries)
    html = response.content.decode()
    # Then the newest ten show, with a link to the full list
    assert html.count("<tr>") == 11  # the header and ten reads
    assert str(therapist_a) in html and "排程整合 (abcd1234…)" in html
    assert f"/api/v1/customers/{customer_a.number}" in html
    assert reverse("access:customer_reads", args=[customer_a.number]) in html
    assert "查看全部查閱紀錄" in html


def test_the_full_list_pages_through_every_read(client, senior, therapist_a, customer_a):
    for minutes in range(60):
        read(customer_a, therapist_a, minutes_ago=minutes)
    client.force_login(senior)
    url = reverse("access:customer_reads", args=[customer_a.number])
    first = client.get(url)
    assert first.status_code == 200
    assert "共 60 筆查閱紀錄" in first.content.decode()
    assert len(first.context["page"]) == 50
    assert len(client.get(url, {"page": 2}).context["page"]) == 10


def test_a_therapist_is_refused_the_log_with_403(client, therapist_a, customer_a, token_of):
    read(customer_a, therapist_a)
    client.force_login(therapist_a)
    for name in ("access:customer_reads", "access:customer_panel"):
        assert client.get(reverse(name, args=[customer_a.number])).status_code == 403
    api, _token = token_of(therapist_a)
    response = api.get(f"/api/v1/customers/{customer_a.number}/reads")
    assert response.status_code == 403
    assert "部門主管" in response.json()["detail"]


def test_another_branchs_head_is_refused_the_log(client, head_b, therapist_a, customer_a, token_of):
    # Outside the head's branches the customer is not found (404), as every customer URL
    # answers there, so the log does not tell which numbers exist elsewhere.
    read(customer_a, therapist_a)
    client.force_login(head_b)
    for name in ("access:customer_reads", "access:customer_panel"):
        assert client.get(reverse(name, args=[customer_a.number])).status_code == 404
    api, _token = token_of(head_b)
    assert api.get(f"/api/v1/customers/{customer_a.number}/reads").status_code == 404


def test_the_api_lists_a_customers_reads_to_a_head(dept_head_a, therapist_a, customer_a, token_of):
    for minutes in range(5):
        read(customer_a, therapist_a, minutes_ago=minutes)
    api, _token = token_of(dept_head_a)
    response = api.get(f"/api/v1/customers/{customer_a.number}/reads", {"limit": 2, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert len(body["items"]) == 2
    item = body["items"][0]
    assert item["user_id"] == therapist_a.pk and item["user"] == str(therapist_a)
    assert (item["channel"], item["kind"], item["route"]) == ("page", "view", "customers:detail")
    # an offset past what a database holds is refused with its field, not a 500
    response = api.get(f"/api/v1/customers/{customer_a.number}/reads", {"offset": 2**63})
    assert response.status_code == 422


def test_a_head_sees_what_a_staff_member_of_the_branch_read(
    client, dept_head_a, head_b, therapist_a, customer_a
):
    mine = CustomerFactory(branch=customer_a.branch)
    read(customer_a, therapist_a)
    read(mine, therapist_a, kind=ReadKind.LIST)
    client.force_login(dept_head_a)
    url = reverse("access:reader_reads", args=[therapist_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert customer_a.number in html and mine.number in html
    assert customer_a.name not in html  # numbers only: the log holds no name
    # a head of another branch does not
    client.force_login(head_b)
    assert client.get(url).status_code == 404


def test_a_head_does_not_see_a_readers_reads_of_another_branchs_customers(
    client, dept_head_a, senior, therapist_a, customer_a, branch_b
):
    # Given a branch-A therapist who read a branch-A customer and (say through an extra
    # branch or a token) a branch-B customer
    elsewhere = CustomerFactory(branch=branch_b)
    read(customer_a, therapist_a, minutes_ago=1)
    read(elsewhere, therapist_a, path=f"/customers/{elsewhere.number}/")
    url = reverse("access:reader_reads", args=[therapist_a.pk])
    # When the head of branch A opens the therapist's reads (where the alert's link leads)
    client.force_login(dept_head_a)
    response = client.get(url)
    # Then only the branch-A customer's read is listed: no number, path or count of B's
    assert response.status_code == 200
    html = response.content.decode()
    assert [r.customer_id for r in response.context["page"]] == [customer_a.pk]
    assert customer_a.number in html
    assert elsewhere.number not in html
    assert "共 1 筆查閱紀錄" in html and "只列出您可存取院所的客戶" in html
    # while senior management, who see every branch, get both
    client.force_login(senior)
    response = client.get(url)
    assert {r.customer_id for r in response.context["page"]} == {customer_a.pk, elsewhere.pk}
    assert "只列出您可存取院所的客戶" not in response.content.decode()
