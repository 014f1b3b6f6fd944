"""Reads of the working-day calendar, shared by the page and the API.

The calendar is configuration every member of staff may read, whichever their branches: a
therapist covering at another branch needs its closures as much as their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from careloop.workcalendar.calendar import DaySource, applies_to, national_year
from careloop.workcalendar.models import CalendarEntry, Closure, ExtraWorkingDay


def _entries(
    model: type[CalendarEntry], *, date_from: dt.date, date_to: dt.date, branch_id: int | None
) -> QuerySet:
    entries = model.objects.filter(date__range=(date_from, date_to)).select_related(
        "branch", "created_by"
    )
    if branch_id is not None:
        entries = entries.filter(applies_to(branch_id))
    return entries.order_by("date", "branch__code")


def closure_list(
    *, date_from: dt.date, date_to: dt.date, branch_id: int | None = None
) -> QuerySet[Closure]:
    """Closures in the range; with a branch, those binding it (its own and chain-wide)."""
    return _entries(Closure, date_from=date_from, date_to=date_to, branch_id=branch_id)


def extra_working_day_list(
    *, date_from: dt.date, date_to: dt.date, branch_id: int | None = None
) -> QuerySet[ExtraWorkingDay]:
    """Extra working days in the range; with a branch, its own and the chain-wide ones."""
    return _entries(ExtraWorkingDay, date_from=date_from, date_to=date_to, branch_id=branch_id)


def closure_get(*, closure_id: int) -> Closure:
    closure = Closure.objects.select_related("branch").filter(pk=closure_id).first()
    if closure is None:
        raise Http404(_("找不到此停診日。"))
    return closure


def extra_working_day_get(*, extra_day_id: int) -> ExtraWorkingDay:
    extra_day = ExtraWorkingDay.objects.select_related("branch").filter(pk=extra_day_id).first()
    if extra_day is None:
        raise Http404(_("找不到此加開工作天。"))
    return extra_day


@dataclass
class CalendarRow:
    """One day of the calendar page worth a line: a national holiday or make-up workday, or a
    day with closures or extra working days of some branch."""

    day: dt.date
    national_source: DaySource | None = None
    national_name: str = ""
    closures: list[Closure] = field(default_factory=list)
    extra_days: list[ExtraWorkingDay] = field(default_factory=list)

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def calendar_rows(*, date_from: dt.date, date_to: dt.date) -> list[CalendarRow]:
    """The days of [date_from, date_to] that differ from an ordinary week, in date order:
    national holidays, make-up workdays, and every branch's closures and extra days.
    Two queries, whatever the range."""
    rows: dict[dt.date, CalendarRow] = {}

    def row(day: dt.date) -> CalendarRow:
        return rows.setdefault(day, CalendarRow(day=day))

    for year in range(date_from.year, date_to.year + 1):
        national = national_year(year)
        for day, name in national.holidays.items():
            if date_from <= day <= date_to:
                row(day).national_source = DaySource.NATIONAL_HOLIDAY
                row(day).national_name = name
        for day in national.makeup_workdays:
            if date_from <= day <= date_to:
                row(day).national_source = DaySource.MAKEUP_WORKDAY
                row(day).national_name = _("補行上班日")
    for closure in closure_list(date_from=date_from, date_to=date_to):
        row(closure.date).closures.append(closure)
    for extra_day in extra_working_day_list(date_from=date_from, date_to=date_to):
        row(extra_day.date).extra_days.append(extra_day)
    for item in rows.values():
        # 全院區 first, then the branches by code.
        item.closures.sort(key=lambda e: e.branch_id is not None)
        item.extra_days.sort(key=lambda e: e.branch_id is not None)
    return [rows[day] for day in sorted(rows)]
