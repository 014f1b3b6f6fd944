"""客訴看板: filters, standing, branch scope and a query count that does not grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.models import Complaint, Nature, State
from careloop.complaints.services import complaint_assign

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _numbers(response) -> list[str]:
    return [line.row.complaint.number for line in response.context["lines"]]


def _recent(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def test_board_lists_open_cases_soonest_deadline_first_with_standing_in_words(
    client, cs_a, make_complaint
):
    # Given an overdue A case, a B case at risk and a fresh C case
    fresh_c = make_complaint(received_at=_recent(1), complainant_name="甲")
    at_risk_b = make_complaint(received_at=_recent(40), criteria=["b_staff"], complainant_name="乙")
    overdue_a = make_complaint(
        received_at=_recent(30), criteria=["a_safety"], complainant_name="丙"
    )
    client.force_login(cs_a)

    # When the board opens
    response = client.get(reverse("complaints:board"))

    # Then the soonest deadline comes first and each standing is said in words
    assert _numbers(response) == [overdue_a.number, at_risk_b.number, fresh_c.number]
    standings = [(line.row.standing, line.standing_label) for line in response.context["lines"]]
    assert standings == [("overdue", "已逾期"), ("at_risk", "即將逾期"), ("on_track", "進度正常")]
    html = response.content.decode()
    assert 'class="standing standing-overdue">已逾期' in html
    assert 'class="standing standing-at_risk">即將逾期' in html
    assert "逾期 " in html and "剩 " in html
    assert "啟動處理" in html


def test_board_filters(client, cs_a, pt_head_a, departments, make_complaint):
    # Given cases that differ by grade, department, nature, owner and state
    attitude = Nature.objects.get(code="staff_attitude")
    billing = Nature.objects.get(code="billing")
    b_physio = make_complaint(
        criteria=["b_staff"], nature=attitude, received_at=_recent(2), complainant_name="王大明"
    )
    c_sales = make_complaint(depts=[departments["sales"]], nature=billing, received_at=_recent(3))
    complaint_assign(
        complaint=c_sales, owner=pt_head_a, departments=[departments["sales"]], by=cs_a
    )
    overdue = make_complaint(received_at=_recent(24 * 30))
    closed = make_complaint(received_at=_recent(5))
    Complaint.objects.filter(pk=closed.pk).update(state=State.CLOSED, closed_at=timezone.now())
    client.force_login(cs_a)
    board = reverse("complaints:board")

    def shown(**params):
        return set(_numbers(client.get(board, params)))

    # When each filter is applied, Then only the matching cases show
    assert shown() == {b_physio.number, c_sales.number, overdue.number}
    assert shown(grade="B") == {b_physio.number}
    assert shown(department=departments["sales"].pk) == {c_sales.number}
    assert shown(nature=billing.pk) == {c_sales.number}
    assert shown(overdue="on") == {overdue.number}
    assert shown(state="received", grade="C") == {c_sales.number, overdue.number}
    assert shown(closed="on") == {closed.number}
    assert shown(q="王大") == {b_physio.number}
    assert shown(q=b_physio.number) == {b_physio.number}
    client.force_login(pt_head_a)
    assert shown(mine="on") == {c_sales.number}


def test_board_answers_htmx_with_the_results_only(client, cs_a, make_complaint):
    complaint = make_complaint(received_at=_recent(1))
    client.force_login(cs_a)
    response = client.get(reverse("complaints:board"), {"grade": "C"}, **HTMX)
    html = response.content.decode()
    assert complaint.number in html and "<html" not in html


def test_board_works_without_javascript_as_a_get_form(client, cs_a, make_complaint):
    make_complaint(received_at=_recent(1))
    client.force_login(cs_a)
    html = client.get(reverse("complaints:board")).content.decode()
    assert 'method="get"' in html and 'action="/complaints/"' in html
    assert "已結案／歸檔" in html and "只看逾期" in html and "只看我負責的" in html


def test_branch_b_does_not_see_branch_a_cases(client, therapist_b, make_complaint):
    complaint = make_complaint(received_at=_recent(1))
    client.force_login(therapist_b)
    response = client.get(reverse("complaints:board"))
    assert _numbers(response) == []
    assert complaint.complainant_name not in response.content.decode()
    assert _numbers(client.get(reverse("complaints:board"), {"q": complaint.number})) == []


def test_board_lists_every_branch_for_senior_management(client, senior, make_complaint):
    complaint = make_complaint(received_at=_recent(1))
    client.force_login(senior)
    assert complaint.number in _numbers(client.get(reverse("complaints:board")))


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("complaints:board"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_query_count_does_not_grow_with_the_cases(
    client, cs_a, departments, make_complaint, django_assert_max_num_queries
):
    # Given 3 cases, then 60 (more than a page), each with two departments and an owner
    def add(count):
        for _ in range(count):
            make_complaint(
                received_at=_recent(1),
                owner=cs_a,
                depts=[departments["physiotherapy"], departments["sales"]],
                nature=Nature.objects.get(code="other"),
            )

    client.force_login(cs_a)
    add(3)
    _board_queries(client)  # warm per-process caches
    small = _board_queries(client)
    add(57)

    # When the board is shown, Then the same, bounded number of queries runs
    with django_assert_max_num_queries(12):
        response = client.get(reverse("complaints:board"))
    assert len(response.context["lines"]) == 50
    assert response.context["page"].paginator.num_pages == 2
    assert _board_queries(client) == small
