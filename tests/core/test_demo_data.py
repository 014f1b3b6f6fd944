"""The demo loader: a small run of the same generator `manage.py demo_data` runs at 500."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import models, transaction
from django.utils import timezone

from careloop.accounts.models import Branch, RoleCode, User
from careloop.compensation.models import Compensation, Status
from careloop.complaints.deadlines import Standing
from careloop.complaints.selectors import BoardFilters, board_rows, complaint_board
from careloop.core.demo import DEMO_PASSWORD, demo_load
from careloop.customers.models import (
    Anniversary,
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    SatisfactionRecord,
    SignOff,
)
from careloop.customers.selectors import CustomerFilters, customer_search
from careloop.grants.models import Grant
from careloop.replies.models import SentReply
from careloop.surveys.models import SurveyResponse
from careloop.workcalendar.calendar import TAIPEI
from careloop.worklist.selectors import Scope, worklist_for
from tests.clock import at, hard_moment

TINY = 30
RECORD_MODELS = (
    Customer,
    NeedsProfile,
    Anniversary,
    Interaction,
    ContactPlan,
    SatisfactionRecord,
    ImportantEvent,
    SignOff,
)


@pytest.fixture
def demo(db):
    return demo_load(customers=TINY)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (*RECORD_MODELS, Branch, User)}


def test_tiny_run_creates_branches_staff_and_history(demo):
    # given a tiny demo run (fixture)
    # then
    assert set(Branch.objects.values_list("code", flat=True)) == {"taipei", "banqiao", "zhongli"}
    assert Customer.objects.count() == TINY == demo.customers
    assert NeedsProfile.objects.count() == TINY
    assert Interaction.objects.count() == demo.interactions > TINY
    assert ContactPlan.objects.filter(done=True, fulfilled_by__isnull=False).exists()
    assert Customer.history.count() == TINY
    assert Interaction.history.count() == demo.interactions


def test_staff_cover_every_role_and_share_the_demo_password(demo):
    # when
    held = set(User.roles.through.objects.values_list("role__code", flat=True))
    admin = User.objects.get(username="admin")
    two_roles = User.objects.get(username="head_pt")

    # then
    assert held == set(RoleCode.values)
    assert admin.is_superuser and admin.is_staff
    assert set(two_roles.roles.values_list("code", flat=True)) == {
        RoleCode.THERAPIST,
        RoleCode.DEPARTMENT_HEAD,
    }
    assert all(u.home_branch_id and u.department_id for u in User.objects.all())
    assert User.objects.get(username="therapist_banqiao").check_password(DEMO_PASSWORD)
    assert {login.username for login in demo.logins} == set(
        User.objects.values_list("username", flat=True)
    )


def test_wang_xiaoming_is_found_by_his_phone(demo):
    # given
    desk = User.objects.get(username="desk_taipei")

    # when
    found = list(customer_search(user=desk, filters=CustomerFilters(query="0912-345-678")))

    # then
    assert [c.name for c in found] == ["王小明"]
    wang = found[0]
    assert wang.phone == "+886912345678"
    assert wang.phone_display == "0912-345-678"
    assert wang.branch.code == "taipei"
    assert wang.interactions.exists()


def test_nothing_is_dated_in_the_future(demo):
    # given
    now = timezone.now()
    today = timezone.localdate()

    # then
    for model in RECORD_MODELS:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField):
                latest = model.objects.aggregate(m=models.Max(f.name))["m"]
                assert latest is None or latest <= now, f"{model.__name__}.{f.name}"
            elif isinstance(f, models.DateField) and f.name not in {"due_date", "date"}:
                latest = model.objects.aggregate(m=models.Max(f.name))["m"]
                assert latest is None or latest <= today, f"{model.__name__}.{f.name}"
        history = getattr(model, "history", None)
        if history is not None:
            assert history.aggregate(m=models.Max("history_date"))["m"] <= now
    oldest = Interaction.objects.aggregate(m=models.Min("occurred_at"))["m"]
    assert (now - oldest).days <= 365


def test_auto_timestamps_work_again_after_loading(demo):
    # given the loader let bulk_create keep its own created_at values
    # when a customer is saved the ordinary way
    customer = Customer.objects.first()
    customer.save()

    # then auto_now stamps it again
    assert (timezone.now() - customer.updated_at).total_seconds() < 60


def test_people_on_a_record_belong_to_its_branch(demo):
    # given
    customers = Customer.objects.select_related("primary_therapist", "sales_consultant")

    # then
    with_therapist = [c for c in customers if c.primary_therapist]
    assert len(with_therapist) > TINY // 2
    for c in with_therapist:
        assert c.primary_therapist.home_branch_id == c.branch_id
        assert c.primary_therapist.roles.filter(code=RoleCode.THERAPIST).exists()
    for c in customers:
        assert c.sales_consultant is None or c.sales_consultant.home_branch_id == c.branch_id
    for i in Interaction.objects.select_related("staff", "customer"):
        assert i.staff.home_branch_id == i.customer.branch_id
    for p in ContactPlan.objects.select_related("assignee", "customer"):
        assert p.assignee.home_branch_id == p.customer.branch_id


def test_a_second_run_changes_nothing(demo):
    # given
    before = _counts()
    out = io.StringIO()

    # when
    summary = demo_load(customers=TINY, stdout=out)

    # then
    assert not summary.loaded
    assert _counts() == before
    assert "已有客戶資料" in out.getvalue()


class _Rollback(Exception):
    pass


def _fresh_run(customers: int) -> list[tuple[str, str, str]]:
    """Customers of a run on an empty database, which is then rolled back."""
    try:
        with transaction.atomic():
            demo_load(customers=customers)
            rows = list(Customer.objects.order_by("number").values_list("number", "name", "phone"))
            raise _Rollback
    except _Rollback:
        pass
    assert not Customer.objects.exists()
    return rows


def test_fresh_runs_are_identical(db):
    # when
    first = _fresh_run(TINY)
    second = _fresh_run(TINY)

    # then
    assert first == second
    assert len({name for _, name, _ in first}) > TINY // 2


def test_command_prints_the_logins(db):
    # given
    out = io.StringIO()

    # when
    call_command("demo_data", customers=5, stdout=out)

    # then
    text = out.getvalue()
    assert "帳號" in text and "密碼" in text and DEMO_PASSWORD in text
    assert "head_pt" in text and "治療師、部門主管" in text
    assert Customer.objects.count() == 5


def test_timestamps_are_aware_and_in_taipei_hours(demo):
    # then most visits sit inside clinic hours, local time
    times: list[datetime] = list(Interaction.objects.values_list("occurred_at", flat=True))
    local_hours = [timezone.localtime(t).hour for t in times]
    assert all(timezone.is_aware(t) for t in times)
    assert sum(9 <= h <= 21 for h in local_hours) / len(local_hours) > 0.9


def test_an_account_made_before_the_demo_keeps_its_password(db):
    # given an administrator created with createsuperuser before loading the demo
    User.objects.create_superuser(username="admin", password="my-own-secret-1")

    # when
    summary = demo_load(customers=3)

    # then
    admin = User.objects.get(username="admin")
    assert admin.check_password("my-own-secret-1")
    assert admin.roles.filter(code=RoleCode.ADMINISTRATOR).exists()
    assert next(x for x in summary.logins if x.username == "admin").password != DEMO_PASSWORD


def test_the_demo_cases_use_the_handling_tools(demo):
    # given a tiny demo run (fixture): its complaints were handled through the real services
    # then some compensations were carried out, and one waits in a head's worklist
    statuses = set(Compensation.objects.values_list("status", flat=True))
    assert {Status.PAID, Status.DELIVERED} <= statuses
    assert Grant.objects.filter(kind="compensation", decided_at__isnull=True).exists()
    # and replies went out from a template, and surveys came back with scores
    assert SentReply.objects.filter(template__isnull=False).exists()
    assert SurveyResponse.objects.filter(satisfaction__gte=1).exists()


def _weekday_morning_months_ahead(months: int) -> datetime:
    day = timezone.localdate() + timedelta(days=30 * months)
    day += timedelta(days=-day.weekday())  # the Monday of that week
    return datetime.combine(day, time(10, 0), tzinfo=TAIPEI)


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(lambda: hard_moment(on_or_after=timezone.localdate()), id="hard-moment"),
        pytest.param(lambda: _weekday_morning_months_ahead(7), id="a-monday-months-ahead"),
    ],
)
def test_a_demo_loaded_on_another_day_has_work_for_that_day(db, moment):
    # given the clock moved to another day (the demo is written relative to the day it runs)
    with at(moment(), tick=False):
        # when the demo is loaded on that day
        demo_load(customers=TINY)
        today = timezone.localdate()
        ceo = User.objects.get(username="ceo")
        head = User.objects.get(username="head_pt")

        # then the branch's worklist has contacts due that very day
        lines = worklist_for(user=head, scope=Scope.BRANCH)
        assert sum(line.due == today for line in lines) >= 1
        # and the board has cases on time, at risk and overdue
        board = complaint_board(user=ceo, filters=BoardFilters())
        standings = Counter(row.standing for row in board_rows(list(board)))
        assert standings[Standing.ON_TRACK] >= 1, standings
        assert standings[Standing.AT_RISK] >= 1, standings
        assert standings[Standing.OVERDUE] >= 1, standings
