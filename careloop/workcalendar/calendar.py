"""Working days (domain.md §3.3): the functions other apps call to count deadlines.

A day is a working day when it is Monday to Friday and not a Taiwan national holiday
(observed days included), or when it is a make-up workday (補行上班日); then the branch
calendar applies: a closure of that branch or of the whole chain removes the day, an extra
working day of that branch or of the whole chain adds it.

The national part comes from the `holidays` package's Taiwan calendar, public category only
(the DGPA office calendar, 人事行政總處辦公日曆表). Its make-up workdays are the Saturdays
that `special_public_holidays` moves a day off from: the package keeps them in
`weekend_workdays`, and `HolidayBase.is_working_day` answers with them, so a make-up Saturday
is a working day and the bridge day it paid for is a holiday named 「放假日（… 補班）」.
Each year is built once per process (`national_year`).

The counting itself is pure (`nth_working_day_after`, `day_status`): it takes the branch's
closures and extra days as sets, which the public functions read with one query per call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q, QuerySet, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TAIPEI = ZoneInfo("Asia/Taipei")
END_OF_DAY = dt.time(23, 59, 59)

# The first window read from the database covers the deadlines of domain.md §3.3 (at most 7
# working days) even across Lunar New Year; a longer count reads further windows.
_WINDOW_DAYS = 60


# --- the national calendar ---------------------------------------------------------------


@dataclass(frozen=True)
class NationalYear:
    """One year of Taiwan's national calendar: holidays by name (those on a weekend too, so
    the calendar page can show them) and make-up workdays."""

    year: int
    holidays: dict[dt.date, str]
    makeup_workdays: frozenset[dt.date]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@lru_cache(maxsize=32)
def national_year(year: int) -> NationalYear:
    """The national calendar of one year, built from `holidays.TW` once per process.

    `weekend_workdays` also holds make-up days of other years that the package lists with
    their holiday (e.g. 2014-12-27 for 2015-01-02); only this year's are kept, and the year
    that lists them keeps the bridge day off.
    """
    calendar = holidays.TW(years=year, language="zh_TW", categories=(holidays.PUBLIC,))
    return NationalYear(
        year=year,
        holidays={day: name for day, name in calendar.items() if day.year == year},
        makeup_workdays=frozenset(d for d in calendar.weekend_workdays if d.year == year),
    )


def national_is_working_day(day: dt.date) -> bool:
    return national_year(day.year).is_working_day(day)


# --- the pure core -----------------------------------------------------------------------


@dataclass(frozen=True)
class BranchDays:
    """The branch calendar over some window: days closed and extra days worked, each with the
    reason shown to staff. Entries of the branch and chain-wide ones are merged."""

    closures: dict[dt.date, str]
    extra_days: dict[dt.date, str]

    @classmethod
    def empty(cls) -> BranchDays:
        return cls(closures={}, extra_days={})

    @classmethod
    def of(
        cls, *, closures: Iterable[dt.date] = (), extra_days: Iterable[dt.date] = ()
    ) -> BranchDays:
        """Sets of days without reasons, for callers (and tests) that only count."""
        return cls(closures=dict.fromkeys(closures, ""), extra_days=dict.fromkeys(extra_days, ""))


def is_working_day_in(day: dt.date, branch_days: BranchDays) -> bool:
    # A closure wins over an extra working day on the same day: a closure is the later,
    # shorter-notice decision (a typhoon day is declared the evening before; a chain-wide
    # closure must also stop a branch's planned Saturday), and on a day nobody is in the
    # clinic a deadline would be missed through no one's fault. Counting the day as closed
    # can only move a deadline later, never earlier.
    if day in branch_days.closures:
        return False
    if day in branch_days.extra_days:
        return True
    return national_is_working_day(day)


def nth_working_day_after(*, start: dt.date, n: int, branch_days: BranchDays) -> dt.date:
    """The Nth working day after `start`, `start` itself not counted (民法第120條)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_working_day_in(day, branch_days):
            n -= 1
    return day


class DaySource(StrEnum):
    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    NATIONAL_HOLIDAY = "national_holiday"
    MAKEUP_WORKDAY = "makeup_workday"
    CLOSURE = "closure"
    EXTRA_WORKING_DAY = "extra_working_day"

    @property
    def label(self) -> str:
        return str(_SOURCE_LABELS[self])


_SOURCE_LABELS = {
    DaySource.WEEKDAY: gettext_lazy("平日"),
    DaySource.WEEKEND: gettext_lazy("週末"),
    DaySource.NATIONAL_HOLIDAY: gettext_lazy("國定假日"),
    DaySource.MAKEUP_WORKDAY: gettext_lazy("補行上班日"),
    DaySource.CLOSURE: gettext_lazy("停診"),
    DaySource.EXTRA_WORKING_DAY: gettext_lazy("加開工作天"),
}


@dataclass(frozen=True)
class DayStatus:
    day: dt.date
    is_working: bool
    source: DaySource
    # The national holiday's name, 補行上班日, or the closure's or extra day's reason;
    # empty on an ordinary weekday or weekend day.
    reason: str


def day_status(day: dt.date, branch_days: BranchDays) -> DayStatus:
    """Whether the day is worked, and what decided it (the branch calendar first)."""
    if day in branch_days.closures:
        return DayStatus(day, False, DaySource.CLOSURE, branch_days.closures[day])
    if day in branch_days.extra_days:
        return DayStatus(day, True, DaySource.EXTRA_WORKING_DAY, branch_days.extra_days[day])
    national = national_year(day.year)
    if day in national.makeup_workdays:
        return DayStatus(day, True, DaySource.MAKEUP_WORKDAY, _("補行上班日"))
    if day in national.holidays:
        return DayStatus(day, False, DaySource.NATIONAL_HOLIDAY, national.holidays[day])
    if day.weekday() >= 5:
        return DayStatus(day, False, DaySource.WEEKEND, "")
    return DayStatus(day, True, DaySource.WEEKDAY, "")


# --- the branch calendar from the database -----------------------------------------------


def applies_to(branch_id: int | None) -> Q:
    """Entries that bind a branch: its own and the chain-wide ones; None: chain-wide only."""
    if branch_id is None:
        return Q(branch__isnull=True)
    return Q(branch_id=branch_id) | Q(branch__isnull=True)


def branch_days_between(
    *, date_from: dt.date, date_to: dt.date, branch_id: int | None
) -> BranchDays:
    """Closures and extra working days binding the branch in [date_from, date_to], read with
    one query (a UNION of the two tables)."""
    from careloop.workcalendar.models import Closure, ExtraWorkingDay

    def rows(model: type, tag: str) -> QuerySet:
        return (
            model.objects.filter(applies_to(branch_id), date__range=(date_from, date_to))
            .order_by()
            .values_list("date", "reason", "branch_id", Value(tag))
        )

    closures: dict[dt.date, str] = {}
    extra_days: dict[dt.date, str] = {}
    # A branch's own entry names the day rather than the chain-wide one: sort those last.
    found = sorted(
        rows(Closure, "c").union(rows(ExtraWorkingDay, "e"), all=True),
        key=lambda row: row[2] is not None,
    )
    for day, reason, _branch, tag in found:
        (closures if tag == "c" else extra_days)[day] = reason
    return BranchDays(closures=closures, extra_days=extra_days)


def is_working_day(*, day: dt.date, branch_id: int | None) -> bool:
    branch_days = branch_days_between(date_from=day, date_to=day, branch_id=branch_id)
    return is_working_day_in(day, branch_days)


def working_days_after(*, start: dt.date, n: int, branch_id: int | None) -> dt.date:
    """The Nth working day after `start` for the branch, `start` not counted (民法第120條).

    Reads the branch calendar for a window after `start` (one query for any count of
    domain.md §3.3) and counts with the pure core; a count that runs past the window reads
    a window twice as long.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    window = max(_WINDOW_DAYS, 2 * n)
    while True:
        date_to = start + dt.timedelta(days=window)
        branch_days = branch_days_between(
            date_from=start + dt.timedelta(days=1), date_to=date_to, branch_id=branch_id
        )
        day = nth_working_day_after(start=start, n=n, branch_days=branch_days)
        if day <= date_to:
            return day
        window *= 2


def working_day_end(*, after: dt.date, n: int, branch_id: int | None) -> dt.datetime:
    """The end (23:59:59 Asia/Taipei) of the Nth working day after `after`: a deadline."""
    day = working_days_after(start=after, n=n, branch_id=branch_id)
    return end_of_day(day)


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=TAIPEI)


def day_statuses(*, date_from: dt.date, date_to: dt.date, branch_id: int | None) -> list[DayStatus]:
    """Every day of [date_from, date_to] for the branch (None: chain-wide), one query."""
    branch_days = branch_days_between(date_from=date_from, date_to=date_to, branch_id=branch_id)
    days = (date_to - date_from).days + 1
    return [day_status(date_from + dt.timedelta(days=i), branch_days) for i in range(days)]
