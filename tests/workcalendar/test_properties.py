"""Properties of the deadline count, over 2024–2027.

The pure core (`nth_working_day_after` with the branch calendar given as sets) is checked on
many examples; one DB-backed property checks that the public functions, which read the
closures from the database, agree with it.
"""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from careloop.workcalendar.calendar import (
    TAIPEI,
    BranchDays,
    end_of_day,
    is_working_day_in,
    nth_working_day_after,
    working_days_after,
)
from careloop.workcalendar.models import Closure, ClosureKind, ExtraWorkingDay
from tests.factories import BranchFactory, UserFactory

FAST = settings(max_examples=150, deadline=None, database=None)

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 10, 31))
counts = st.integers(min_value=1, max_value=10)
BRANCHES = (1, 2)
# An entry binds one branch, or the whole chain (None).
entries = st.lists(st.tuples(days, st.sampled_from((None, *BRANCHES))), max_size=15)


def branch_days(branch: int, closures, extra_days) -> BranchDays:
    """The sets `calendar.branch_days_between` would read for this branch."""
    return BranchDays.of(
        closures=[d for d, b in closures if b in (None, branch)],
        extra_days=[d for d, b in extra_days if b in (None, branch)],
    )


@FAST
@given(start=days, n=counts, branch=st.sampled_from(BRANCHES), closures=entries, extra=entries)
def test_deadline_lands_on_a_working_day_at_the_end_of_it(start, n, branch, closures, extra):
    calendar = branch_days(branch, closures, extra)
    day = nth_working_day_after(start=start, n=n, branch_days=calendar)
    assert day > start
    assert is_working_day_in(day, calendar)
    end = end_of_day(day)
    local = end.astimezone(TAIPEI)
    assert (local.date(), local.hour, local.minute, local.second) == (day, 23, 59, 59)
    assert end.utcoffset() == dt.timedelta(hours=8)


@FAST
@given(
    start=days,
    n=counts,
    branch=st.sampled_from(BRANCHES),
    closures=entries,
    extra=entries,
    added=st.tuples(days, st.sampled_from((None, *BRANCHES))),
)
def test_adding_a_closure_never_makes_a_deadline_earlier(start, n, branch, closures, extra, added):
    before = nth_working_day_after(
        start=start, n=n, branch_days=branch_days(branch, closures, extra)
    )
    after = nth_working_day_after(
        start=start, n=n, branch_days=branch_days(branch, [*closures, added], extra)
    )
    assert after >= before


@FAST
@given(start=days, n=counts, branch=st.sampled_from(BRANCHES), closures=entries, extra=entries)
def test_one_more_working_day_ends_strictly_later(start, n, branch, closures, extra):
    calendar = branch_days(branch, closures, extra)
    assert nth_working_day_after(
        start=start, n=n + 1, branch_days=calendar
    ) > nth_working_day_after(start=start, n=n, branch_days=calendar)


class DatabaseAgreesWithThePureCore(TestCase):
    """Each example runs in its own transaction, rolled back after it."""

    @settings(max_examples=25, deadline=None, database=None)
    @given(
        start=days,
        n=counts,
        closures=st.lists(st.tuples(days, st.sampled_from((None, 1, 2))), max_size=6),
        extra=st.lists(st.tuples(days, st.sampled_from((None, 1, 2))), max_size=4),
    )
    def test_working_days_after_reads_the_same_calendar(self, start, n, closures, extra):
        admin = UserFactory(username="calendar_admin")
        branches = {1: BranchFactory(code="prop-a"), 2: BranchFactory(code="prop-b")}
        for day, branch in set(closures):
            Closure.objects.get_or_create(
                date=day,
                branch=branches.get(branch),
                defaults={"kind": ClosureKind.TYPHOON, "reason": "颱風", "created_by": admin},
            )
        for day, branch in set(extra):
            ExtraWorkingDay.objects.get_or_create(
                date=day,
                branch=branches.get(branch),
                defaults={"reason": "加班", "created_by": admin},
            )
        expected = nth_working_day_after(
            start=start, n=n, branch_days=branch_days(1, closures, extra)
        )
        assert working_days_after(start=start, n=n, branch_id=branches[1].pk) == expected
