"""Every write to the branch calendar: closures and extra working days, added or removed.

Only administrators keep the calendar (Capability.CALENDAR_ADMIN). Entries are configuration,
not records of care: a past one may be removed (a typhoon day entered for the wrong branch),
and the history tables keep who added and who removed it. Each change is announced after
commit (signals.working_days_changed) so the deadlines counted in working days can be recounted.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from careloop.accounts.models import Branch, User
from careloop.accounts.permissions import Capability, user_can
from careloop.workcalendar.models import CalendarEntry, Closure, ExtraWorkingDay
from careloop.workcalendar.signals import working_days_changed


class CalendarConflict(ValidationError):
    """The day already has an entry of this kind for that branch, or for the whole chain."""


def calendar_may_edit(user: User) -> bool:
    return user_can(user, Capability.CALENDAR_ADMIN)


def _check(by: User) -> None:
    if not calendar_may_edit(by):
        raise PermissionDenied(_("只有系統管理員可以設定工作天曆。"))


def _conflict_message(model: type[CalendarEntry], branch: Branch | None) -> str:
    if model is Closure:
        if branch is None:
            return _("這一天已有全院區的停診設定。")
        return _("「%(branch)s」這一天已有停診設定。") % {"branch": branch}
    if branch is None:
        return _("這一天已有全院區的加開工作天設定。")
    return _("「%(branch)s」這一天已有加開工作天設定。") % {"branch": branch}


def _save_new(entry: CalendarEntry, *, by: User) -> None:
    """Check and insert; a duplicate is a CalendarConflict on `date`, even when another
    request inserted the same day a moment earlier."""
    model = type(entry)
    conflict = CalendarConflict({"date": _conflict_message(model, entry.branch)}, code="duplicate")
    same_day = model.objects.filter(date=entry.date, branch=entry.branch)
    if entry.date is not None and same_day.exists():
        raise conflict
    entry._history_user = by
    entry.full_clean()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise conflict from exc


def _changed(branch_id: int | None, day: dt.date, by: User) -> None:
    transaction.on_commit(
        lambda: working_days_changed.send(sender=None, branch_id=branch_id, day=day, by=by)
    )


@transaction.atomic
def closure_create(
    *, date: dt.date, branch: Branch | None, kind: str, reason: str, by: User
) -> Closure:
    """Close a day for one branch, or for every branch when `branch` is None."""
    _check(by)
    closure = Closure(date=date, branch=branch, kind=kind, reason=reason.strip(), created_by=by)
    _save_new(closure, by=by)
    _changed(closure.branch_id, closure.date, by)
    return closure


@transaction.atomic
def closure_delete(*, closure: Closure, by: User) -> None:
    """Remove a closure, past ones included; the history keeps who removed it."""
    _check(by)
    closure._history_user = by
    closure.delete()
    _changed(closure.branch_id, closure.date, by)


@transaction.atomic
def extra_working_day_create(
    *, date: dt.date, branch: Branch | None, reason: str, by: User
) -> ExtraWorkingDay:
    """Work a day the national calendar has off, for one branch or (None) for every branch."""
    _check(by)
    extra_day = ExtraWorkingDay(date=date, branch=branch, reason=reason.strip(), created_by=by)
    _save_new(extra_day, by=by)
    _changed(extra_day.branch_id, extra_day.date, by)
    return extra_day


@transaction.atomic
def extra_working_day_delete(*, extra_day: ExtraWorkingDay, by: User) -> None:
    """Remove an extra working day, past ones included; the history keeps who removed it."""
    _check(by)
    extra_day._history_user = by
    extra_day.delete()
    _changed(extra_day.branch_id, extra_day.date, by)
