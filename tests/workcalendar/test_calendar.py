"""The public functions of careloop/workcalendar/calendar.py, against domain.md §3.3."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careloop.workcalendar.calendar import (
    BranchDays,
    DaySource,
    day_statuses,
    is_working_day,
    national_year,
    nth_working_day_after,
    working_day_end,
    working_days_after,
)

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
D = dt.date


# --- the national calendar ---------------------------------------------------------------


def test_lunar_new_year_2026_and_peace_memorial_day_observed_are_days_off():
    # 2026-02-14 (Sat) to 2026-02-22 (Sun) off; 2/28 is a Saturday, observed Friday 2/27.
    for day in [D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20)]:
        assert not is_working_day(day=day, branch_id=None), day
    assert not is_working_day(day=D(2026, 2, 27), branch_id=None)
    assert is_working_day(day=D(2026, 2, 13), branch_id=None)
    assert is_working_day(day=D(2026, 2, 23), branch_id=None)


def test_makeup_workdays_come_from_the_holidays_package():
    # The Saturdays worked to bridge a day off (補行上班日), DGPA calendars 2023–2025.
    assert national_year(2025).makeup_workdays == {D(2025, 2, 8)}
    assert national_year(2024).makeup_workdays == {D(2024, 2, 17)}
    assert D(2023, 1, 7) in national_year(2023).makeup_workdays
    assert is_working_day(day=D(2025, 2, 8), branch_id=None)
    # and the bridge day it paid for is off, named after the make-up day
    assert not is_working_day(day=D(2025, 1, 27), branch_id=None)
    assert "2025-02-08" in national_year(2025).holidays[D(2025, 1, 27)]
    # a make-up day listed under the next year's holiday belongs to its own year
    assert D(2014, 12, 27) in national_year(2014).makeup_workdays
    assert D(2014, 12, 27) not in national_year(2025).makeup_workdays


def test_holiday_names_are_zh_hant():
    names = national_year(2026).holidays
    assert names[D(2026, 2, 17)] == "春節"
    assert names[D(2026, 10, 10)] == "國慶日"
    assert "補假" in names[D(2026, 2, 27)]


# --- the examples of domain.md §3.3 ------------------------------------------------------


def test_received_friday_before_lunar_new_year_five_working_days(branch_a):
    # Received Fri 2026-02-13, grade B: Lunar New Year and 2026-02-27 are holidays.
    assert working_days_after(start=D(2026, 2, 13), n=5, branch_id=branch_a.pk) == D(2026, 3, 2)
    assert working_day_end(after=D(2026, 2, 13), n=5, branch_id=branch_a.pk) == dt.datetime(
        2026, 3, 2, 23, 59, 59, tzinfo=TAIPEI
    )


def test_typhoon_day_moves_the_deadline_of_that_branch_only(branch_a, branch_b, make_closure):
    # given a typhoon day on Mon 2026-02-23 for branch A
    make_closure(D(2026, 2, 23), branch=branch_a)
    # then A's deadline moves a working day later, B's does not
    assert working_days_after(start=D(2026, 2, 13), n=5, branch_id=branch_a.pk) == D(2026, 3, 3)
    assert working_days_after(start=D(2026, 2, 13), n=5, branch_id=branch_b.pk) == D(2026, 3, 2)
    # and the chain-wide calendar does not have it either
    assert working_days_after(start=D(2026, 2, 13), n=5, branch_id=None) == D(2026, 3, 2)


def test_makeup_saturday_counts_as_a_working_day(branch_a):
    # Received Thu 2025-02-06, grade A: Sat 2025-02-08 is a make-up workday.
    assert working_days_after(start=D(2025, 2, 6), n=3, branch_id=branch_a.pk) == D(2025, 2, 10)
    end = working_day_end(after=D(2025, 2, 6), n=3, branch_id=branch_a.pk)
    assert end.isoformat() == "2025-02-10T23:59:59+08:00"


# --- the branch calendar -----------------------------------------------------------------


def test_chain_wide_closure_applies_to_every_branch(branch_a, branch_b, make_closure):
    make_closure(D(2026, 3, 4), branch=None)
    for branch_id in (branch_a.pk, branch_b.pk, None):
        assert not is_working_day(day=D(2026, 3, 4), branch_id=branch_id)


def test_extra_working_day_adds_a_saturday_for_its_branch(branch_a, branch_b, make_extra_day):
    make_extra_day(D(2026, 3, 7), branch=branch_a)
    assert is_working_day(day=D(2026, 3, 7), branch_id=branch_a.pk)
    assert not is_working_day(day=D(2026, 3, 7), branch_id=branch_b.pk)
    assert working_days_after(start=D(2026, 3, 6), n=1, branch_id=branch_a.pk) == D(2026, 3, 7)


def test_closure_wins_over_an_extra_working_day(branch_a, make_closure, make_extra_day):
    # given the branch planned to work Saturday, then the whole chain closed for a typhoon
    make_extra_day(D(2026, 3, 7), branch=branch_a)
    make_closure(D(2026, 3, 7), branch=None)
    assert not is_working_day(day=D(2026, 3, 7), branch_id=branch_a.pk)
    status = day_statuses(date_from=D(2026, 3, 7), date_to=D(2026, 3, 7), branch_id=branch_a.pk)
    assert status[0].source == DaySource.CLOSURE


def test_a_deadline_is_read_with_one_query(branch_a, make_closure, django_assert_num_queries):
    make_closure(D(2026, 2, 23), branch=branch_a)
    with django_assert_num_queries(1):
        working_day_end(after=D(2026, 2, 13), n=7, branch_id=branch_a.pk)


def test_long_counts_read_further_windows(branch_a, make_closure, django_assert_num_queries):
    # given branch A closed for the whole of March 2026 (renovation)
    march = [D(2026, 3, 1) + dt.timedelta(days=i) for i in range(31)]
    for day in march:
        make_closure(day, branch=branch_a, reason="院所整修")
    expected = nth_working_day_after(
        start=D(2026, 3, 1), n=30, branch_days=BranchDays.of(closures=march)
    )
    # then 30 working days run past the first 60-day window, which is read again, longer
    with django_assert_num_queries(2):
        assert working_days_after(start=D(2026, 3, 1), n=30, branch_id=branch_a.pk) == expected
    assert expected > D(2026, 4, 30)
    assert expected > working_days_after(start=D(2026, 3, 1), n=30, branch_id=None)


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        working_days_after(start=D(2026, 1, 5), n=0, branch_id=None)


def test_day_statuses_give_the_reason(branch_a, make_closure):
    make_closure(D(2026, 2, 23), branch=branch_a, reason="颱風停止上班（台北市）")
    days = {
        s.day: s
        for s in day_statuses(
            date_from=D(2026, 2, 13), date_to=D(2026, 2, 23), branch_id=branch_a.pk
        )
    }
    assert len(days) == 11
    assert (days[D(2026, 2, 13)].is_working, days[D(2026, 2, 13)].source) == (True, "weekday")
    assert (days[D(2026, 2, 14)].source, days[D(2026, 2, 14)].reason) == ("weekend", "")
    assert (days[D(2026, 2, 17)].source, days[D(2026, 2, 17)].reason) == (
        "national_holiday",
        "春節",
    )
    assert days[D(2026, 2, 23)].reason == "颱風停止上班（台北市）"
    assert not days[D(2026, 2, 23)].is_working
