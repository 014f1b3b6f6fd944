"""The suite's clock (tests/clock.py): the hard moment of --clock=hard, the option, and the
ways a test moves the clock."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from careloop.workcalendar.calendar import TAIPEI, national_year
from tests.clock import at, hard_moment, moment_from_option, suite_clock


def taipei(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TAIPEI)


def test_the_hard_moment_of_2027_is_lunar_new_years_day_a_saturday():
    moment = hard_moment(on_or_after=dt.date(2027, 1, 1))
    assert moment == taipei(2027, 2, 6, 23, 57)
    assert moment.date().weekday() == 5
    assert national_year(2027).holidays[moment.date()] == "春節"


def test_the_hard_moment_of_2028_is_new_years_day_a_saturday():
    moment = hard_moment(on_or_after=dt.date(2028, 1, 1))
    assert moment == taipei(2028, 1, 1, 23, 57)
    assert national_year(2028).holidays[moment.date()] == "中華民國開國紀念日"


def test_the_hard_moment_is_the_next_one_once_a_holiday_has_passed():
    # 2027-02-06 and 07 (春節) have passed; the next weekend holiday is 和平紀念日, a Sunday
    assert hard_moment(on_or_after=dt.date(2027, 2, 8)) == taipei(2027, 2, 28, 23, 57)
    # on the day itself, that day's 23:57
    assert hard_moment(on_or_after=dt.date(2027, 2, 7)) == taipei(2027, 2, 7, 23, 57)
    # after a year's last one (行憲紀念日, Saturday 2027-12-25), the next year's first
    assert hard_moment(on_or_after=dt.date(2027, 12, 26)) == taipei(2028, 1, 1, 23, 57)


def test_the_option_names_the_real_clock_the_hard_moment_or_a_moment():
    today = dt.date(2027, 1, 1)
    assert moment_from_option("real", today=today) is None
    assert moment_from_option("hard", today=today) == taipei(2027, 2, 6, 23, 57)
    assert moment_from_option("2027-06-15T10:00+00:00", today=today) == dt.datetime(
        2027, 6, 15, 10, tzinfo=dt.UTC
    )


@pytest.mark.parametrize("value", ["2027-06-15T10:00", "tomorrow", ""])
def test_the_option_refuses_a_moment_without_a_zone_or_a_word_it_does_not_know(value):
    with pytest.raises(ValueError, match="--clock"):
        moment_from_option(value, today=dt.date(2027, 1, 1))


def test_the_suite_clock_starts_at_the_moment_and_ticks():
    moment = taipei(2027, 2, 6, 23, 57)
    with suite_clock(moment):
        first = timezone.now()
        assert moment <= first < moment + dt.timedelta(seconds=5)
        assert timezone.localdate() == dt.date(2027, 2, 6)
        time.sleep(0.01)
        assert timezone.now() > first


def test_the_real_clock_is_left_alone():
    with suite_clock(None):
        assert abs(timezone.now().timestamp() - time.time()) < 1


def test_a_test_that_compares_exact_times_stops_the_clock():
    with at("2026-02-13T16:00+08:00", tick=False):
        first = timezone.now()
        time.sleep(0.01)
        assert timezone.now() == first == taipei(2026, 2, 13, 16)


def test_a_date_means_nine_in_the_morning_in_taipei():
    with at(dt.date(2027, 6, 15), tick=False):
        assert timezone.localtime() == taipei(2027, 6, 15, 9)


def test_a_moment_without_a_zone_is_refused():
    with pytest.raises(ValueError), at(dt.datetime(2027, 6, 15, 9)):
        pass


def test_the_clock_fixture_moves_the_clock_for_the_rest_of_the_test(clock):
    clock.move_to("2031-06-15T10:00+08:00", tick=False)
    assert timezone.localdate() == dt.date(2031, 6, 15)
    clock.move_to(dt.date(2031, 6, 16))
    assert timezone.localdate() == dt.date(2031, 6, 16)


def test_each_test_starts_at_the_moment_the_run_was_given(request):
    moment = request.config.suite_moment
    if moment is None:
        pytest.skip("this run keeps the real clock; bin/test's --clock=hard pass runs this")
    # a minute is generous: the clock ticks only through this test's own set-up
    assert moment <= timezone.now() < moment + dt.timedelta(minutes=1)
