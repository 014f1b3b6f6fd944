"""Properties of a case's deadlines (deadlines_compute) for receipts across 2024–2027.

The calendar's own counting is tested in tests/workcalendar/test_properties.py; these check
what the complaint rules add on top: the order of the milestones, where a resolution deadline
falls, and that a more severe grade is never given more time.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careloop.complaints.deadlines import deadlines_compute
from careloop.workcalendar.calendar import TAIPEI, is_working_day

# The examples only read (policies, closures), so one database set-up serves them all.
FAST = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

receipts = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.just(TAIPEI),
)
grades = st.sampled_from(["A", "B", "C"])


@pytest.fixture
def branch_id(branch_a):
    return branch_a.id


@pytest.mark.django_db
@FAST
@given(received_at=receipts, grade=st.sampled_from(["A", "B"]))
def test_handling_starts_before_the_resolution_is_due(branch_id, received_at, grade):
    deadlines = deadlines_compute(received_at=received_at, grade=grade, branch_id=branch_id)
    assert received_at < deadlines.start_due < deadlines.resolution_due


@pytest.mark.django_db
@FAST
@given(received_at=receipts, grade=grades)
def test_resolution_is_due_at_the_end_of_a_working_day_after_receipt(branch_id, received_at, grade):
    due = deadlines_compute(
        received_at=received_at, grade=grade, branch_id=branch_id
    ).resolution_due.astimezone(TAIPEI)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert due.date() > received_at.date()
    assert is_working_day(day=due.date(), branch_id=branch_id)


@pytest.mark.django_db
@FAST
@given(received_at=receipts)
def test_a_more_severe_grade_is_never_given_more_time(branch_id, received_at):
    a, b, c = (
        deadlines_compute(received_at=received_at, grade=grade, branch_id=branch_id)
        for grade in "ABC"
    )
    assert a.resolution_due <= b.resolution_due <= c.resolution_due
    assert a.start_due <= b.start_due <= c.start_due
