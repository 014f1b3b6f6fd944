"""Writes to the branch calendar: who may, duplicates, and the history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from careloop.workcalendar.models import Closure, ClosureKind, ExtraWorkingDay
from careloop.workcalendar.services import (
    CalendarConflict,
    closure_create,
    closure_delete,
    extra_working_day_create,
    extra_working_day_delete,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 2, 23)


def test_administrator_adds_a_closure_recorded_with_its_author(administrator, branch_a):
    closure = closure_create(
        date=DAY, branch=branch_a, kind=ClosureKind.TYPHOON, reason=" 颱風停班 ", by=administrator
    )
    assert (closure.reason, closure.created_by) == ("颱風停班", administrator)
    assert closure.history.get().history_user == administrator


@pytest.mark.parametrize("role", ["front_desk", "department_head", "senior_management"])
def test_only_administrators_keep_the_calendar(role, branch_a):
    from tests.factories import UserFactory

    user = UserFactory(username=f"u_{role}", home_branch=branch_a, roles=[role])
    with pytest.raises(PermissionDenied):
        closure_create(date=DAY, branch=None, kind=ClosureKind.OTHER, reason="x", by=user)
    with pytest.raises(PermissionDenied):
        extra_working_day_create(date=DAY, branch=None, reason="x", by=user)
    assert not Closure.objects.exists() and not ExtraWorkingDay.objects.exists()


def test_one_closure_per_branch_and_day_and_one_chain_wide(administrator, branch_a, branch_b):
    def add(branch):
        return closure_create(
            date=DAY, branch=branch, kind=ClosureKind.TYPHOON, reason="颱風", by=administrator
        )

    add(branch_a)
    add(branch_b)
    add(None)
    with pytest.raises(CalendarConflict) as branch_dup:
        add(branch_a)
    assert branch_dup.value.message_dict == {"date": ["「台北總院」這一天已有停診設定。"]}
    with pytest.raises(CalendarConflict) as chain_dup:
        add(None)
    assert chain_dup.value.message_dict == {"date": ["這一天已有全院區的停診設定。"]}
    assert Closure.objects.count() == 3


def test_extra_days_are_unique_the_same_way(administrator, branch_a):
    extra_working_day_create(date=DAY, branch=None, reason="補班", by=administrator)
    with pytest.raises(CalendarConflict):
        extra_working_day_create(date=DAY, branch=None, reason="again", by=administrator)
    # a closure on the same day is allowed: the closure wins when counting
    closure_create(date=DAY, branch=None, kind=ClosureKind.TYPHOON, reason="颱風", by=administrator)


def test_bad_values_are_refused_by_the_model(administrator):
    with pytest.raises(ValidationError) as exc:
        closure_create(date=DAY, branch=None, kind="holiday", reason="   ", by=administrator)
    assert {"kind", "reason"} <= set(exc.value.message_dict)


def test_deleting_a_past_closure_is_recorded_with_who(administrator, branch_a):
    closure = closure_create(
        date=dt.date(2024, 7, 25),
        branch=branch_a,
        kind=ClosureKind.TYPHOON,
        reason="凱米颱風",
        by=administrator,
    )
    closure_delete(closure=closure, by=administrator)
    assert not Closure.objects.exists()
    deleted = Closure.history.filter(history_type="-").get()
    assert (deleted.history_user, deleted.reason) == (administrator, "凱米颱風")


def test_deleting_an_extra_day_is_recorded_and_checked(administrator, front_desk):
    extra_day = extra_working_day_create(date=DAY, branch=None, reason="加班", by=administrator)
    with pytest.raises(PermissionDenied):
        extra_working_day_delete(extra_day=extra_day, by=front_desk)
    extra_working_day_delete(extra_day=extra_day, by=administrator)
    assert ExtraWorkingDay.history.filter(history_type="-").get().history_user == administrator
