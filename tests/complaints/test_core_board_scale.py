"""The board at scale (selectors.complaint_board + board_rows): 5,000 open cases, first page.

The cases are inserted with bulk_create (the intake service is tested elsewhere); each has
the fields the board reads and a distinct next deadline, some already past.
"""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.accounts.models import User
from careloop.complaints.deadlines import Standing
from careloop.complaints.models import Complaint, State
from careloop.complaints.selectors import BOARD_PAGE_SIZE, BoardFilters, board_rows, complaint_board
from tests.factories import UserFactory

OPEN = [
    State.RECEIVED,
    State.INVESTIGATING,
    State.SOLUTION_REVIEW,
    State.EXECUTING,
    State.COMMUNICATING,
    State.FOLLOW_UP,
]
MAX_QUERIES = 4  # roles, branches, the page of cases, their departments


def bulk_cases(*, start: int, count: int, branches, department, now, received_by) -> None:
    """`count` open cases numbered from `start`, spread over the branches; every 7th overdue."""
    cases = []
    for i in range(start, start + count):
        # Distinct deadlines, shuffled against the insertion order; about 1 in 7 past.
        offset = dt.timedelta(minutes=(i * 7919) % 100_003 - 14_000)
        next_due = now + offset
        received_at = next_due - dt.timedelta(hours=48)
        cases.append(
            Complaint(
                number=f"20260101-{i:05d}",
                branch=branches[i % len(branches)],
                complainant_name=f"客戶{i}",
                complainant_phone=f"+8869{10_000_000 + i}",
                channel="phone",
                received_at=received_at,
                received_by=received_by,
                recorded_at=received_at,
                description="測試案件",
                criteria=["b_staff"],
                suggested_grade="B",
                grade="BAC"[i % 3],
                state=OPEN[i % len(OPEN)],
                record_due=received_at + dt.timedelta(hours=24),
                start_due=next_due,
                resolution_due=next_due + dt.timedelta(days=7),
                next_due=next_due,
                next_alert_at=received_at + dt.timedelta(hours=36),
            )
        )
    created = Complaint.objects.bulk_create(cases, batch_size=1000)
    through = Complaint.departments.through
    through.objects.bulk_create(
        [through(complaint_id=c.pk, department_id=department.pk) for c in created],
        batch_size=1000,
    )


def fresh(user) -> User:
    """The user read afresh, as a new request has it: no role or branch cache yet."""
    return User.objects.get(pk=user.pk)


def first_page(user: User, filters: BoardFilters | None = None, now=None):
    """The board's first page as the page computes it; answers the rows and their queries."""
    with CaptureQueriesContext(connection) as queries:
        filters = filters or BoardFilters()
        page = list(complaint_board(user=user, filters=filters)[:BOARD_PAGE_SIZE])
        rows = board_rows(page, now=now)
        for row in rows:  # what the template shows of each row
            _ = (row.complaint.branch.name, [d.name for d in row.complaint.departments.all()])
            _ = row.complaint.owner, row.complaint.nature
    return rows, len(queries)


def expected_order(branch_ids=None) -> list[str]:
    """Every visible open case by next deadline (all deadlines are distinct)."""
    rows = Complaint.objects.filter(state__in=OPEN)
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    pairs = sorted(rows.values_list("next_due", "number"))
    return [number for _due, number in pairs]


@pytest.mark.django_db
def test_board_first_page_takes_the_same_few_queries_for_10_or_5000_cases(
    branch_a, branch_b, cs_a, departments, django_assert_max_num_queries
):
    started = time.monotonic()
    senior = UserFactory(username="ceo", home_branch=branch_a, roles=["senior_management"])
    now = timezone.now()
    make = dict(
        branches=[branch_a, branch_b],
        department=departments["physiotherapy"],
        now=now,
        received_by=cs_a,
    )
    # Given 10 open cases in two branches
    bulk_cases(start=0, count=10, **make)
    small = {user.pk: first_page(fresh(user), now=now) for user in (cs_a, senior)}
    # And then 5,000
    bulk_cases(start=10, count=4_990, **make)
    assert Complaint.objects.count() == 5_000

    for user, branch_ids in ((cs_a, {branch_a.pk}), (senior, None)):
        # When the first page is read by a user of branch A, and by senior management
        reader = fresh(user)
        with django_assert_max_num_queries(MAX_QUERIES):
            rows, queries = first_page(reader, now=now)
        # Then it takes no more queries than with 10 cases
        assert queries == small[user.pk][1]
        # And holds the 50 soonest deadlines the user may see, soonest first
        assert len(rows) == BOARD_PAGE_SIZE
        numbers = [row.complaint.number for row in rows]
        assert numbers == expected_order(branch_ids)[:BOARD_PAGE_SIZE]
        if branch_ids is not None:
            assert {row.complaint.branch_id for row in rows} == branch_ids
        # And the soonest are already overdue
        assert rows[0].standing == Standing.OVERDUE
        assert rows[0].due < now

    # When only overdue cases are asked for
    reader = fresh(cs_a)
    with django_assert_max_num_queries(MAX_QUERIES):
        rows, _queries = first_page(reader, BoardFilters(overdue=True), now=now)
    # Then every row is overdue, and the count matches the cases past their deadline
    assert rows and all(row.standing == Standing.OVERDUE for row in rows)
    overdue = complaint_board(user=reader, filters=BoardFilters(overdue=True)).count()
    expected = Complaint.objects.filter(branch=branch_a, next_due__lt=now).count()
    assert overdue == expected
    assert 0 < overdue < 2_500
    assert time.monotonic() - started < 30  # about 2 s on SQLite
