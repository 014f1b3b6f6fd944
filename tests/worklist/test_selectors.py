"""worklist_for: which lines each person sees, why, and in how many queries."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.customers.models import ContactPurpose
from careloop.treatments.services import purchase_reverse, session_use
from careloop.worklist.selectors import (
    CARE_WITHIN_DAYS,
    WorkKind,
    worklist_for,
    worklist_groups,
)
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    InteractionFactory,
    TreatmentPackageFactory,
    UserFactory,
    package_sold,
)

pytestmark = pytest.mark.django_db

D = dt.timedelta


def _kinds(items, kind):
    return [item for item in items if item.kind == kind]


def _one(items, kind):
    found = _kinds(items, kind)
    assert len(found) == 1, found
    return found[0]


# --- (a) contact plans ---------------------------------------------------------------------


def test_plans_due_today_and_overdue_are_listed_with_their_reason(customer, consultant, today):
    # Given a plan due today, one 3 days overdue, one tomorrow and one done
    ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    ContactPlanFactory(
        customer=customer,
        assignee=consultant,
        due_date=today - D(3),
        purpose=ContactPurpose.EFFICACY_FOLLOW_UP,
    )
    ContactPlanFactory(customer=customer, assignee=consultant, due_date=today + D(1))
    ContactPlanFactory(customer=customer, assignee=consultant, due_date=today, done=True)

    # When the consultant opens the worklist
    plans = _kinds(worklist_for(user=consultant), WorkKind.PLAN)

    # Then the overdue one comes first, then today's; the future and done ones are absent
    assert [p.reason for p in plans] == ["逾期 3 天：療效追蹤", "今天：常規關懷"]
    assert all(p.plan is not None and p.assignee == consultant for p in plans)


def test_plans_of_someone_else_are_not_mine(customer, consultant, consultant_2, today):
    ContactPlanFactory(customer=customer, assignee=consultant_2, due_date=today)

    assert _kinds(worklist_for(user=consultant), WorkKind.PLAN) == []
    assert len(_kinds(worklist_for(user=consultant_2), WorkKind.PLAN)) == 1


# --- (b) birthdays ---------------------------------------------------------------------------


def test_birthday_within_seven_days_goes_to_the_sales_consultant(make_customer, consultant):
    today = dt.date(2026, 5, 10)
    make_customer(name="近", birthday=dt.date(1980, 5, 13))
    make_customer(name="邊界", birthday=dt.date(1990, 5, 17))
    make_customer(name="太遠", birthday=dt.date(1990, 5, 18))
    make_customer(name="已過", birthday=dt.date(1990, 5, 9))

    items = _kinds(worklist_for(user=consultant, today=today), WorkKind.BIRTHDAY)

    assert [(i.customer.name, i.reason, i.due) for i in items] == [
        ("近", "5/13 生日（3 天後）", dt.date(2026, 5, 13)),
        ("邊界", "5/17 生日（7 天後）", dt.date(2026, 5, 17)),
    ]
    assert all(i.assignee == consultant for i in items)


def test_birthday_wraps_from_december_into_january(make_customer, consultant):
    # Given today is 12/28 and a customer born on 1/2
    make_customer(name="新年", birthday=dt.date(1985, 1, 2))
    make_customer(name="今天", birthday=dt.date(1985, 12, 28))

    # When the worklist is read on 2026-12-28
    items = _kinds(worklist_for(user=consultant, today=dt.date(2026, 12, 28)), WorkKind.BIRTHDAY)

    # Then the January birthday shows, due next year, and today's says so
    assert [(i.customer.name, i.reason, i.due) for i in items] == [
        ("今天", "今天生日", dt.date(2026, 12, 28)),
        ("新年", "1/2 生日（5 天後）", dt.date(2027, 1, 2)),
    ]


def test_february_29_birthday_is_greeted_on_february_28_in_a_common_year(make_customer, consultant):
    make_customer(name="閏日", birthday=dt.date(1996, 2, 29))

    common = _kinds(worklist_for(user=consultant, today=dt.date(2027, 2, 25)), WorkKind.BIRTHDAY)
    leap = _kinds(worklist_for(user=consultant, today=dt.date(2028, 2, 25)), WorkKind.BIRTHDAY)
    after = _kinds(worklist_for(user=consultant, today=dt.date(2027, 3, 1)), WorkKind.BIRTHDAY)

    assert [(i.due, i.reason) for i in common] == [(dt.date(2027, 2, 28), "2/28 生日（3 天後）")]
    assert [(i.due, i.reason) for i in leap] == [(dt.date(2028, 2, 29), "2/29 生日（4 天後）")]
    assert after == []


def test_birthday_with_a_greeting_planned_or_done_is_left_out(make_customer, consultant):
    today = dt.date(2026, 5, 10)
    planned = make_customer(name="已排", birthday=dt.date(1980, 5, 14))
    ContactPlanFactory(
        customer=planned,
        assignee=consultant,
        purpose=ContactPurpose.BIRTHDAY_GREETING,
        due_date=dt.date(2026, 5, 14),
    )
    greeted = make_customer(name="已祝", birthday=dt.date(1980, 5, 12))
    ContactPlanFactory(
        customer=greeted,
        assignee=consultant,
        purpose=ContactPurpose.BIRTHDAY_GREETING,
        due_date=dt.date(2026, 5, 8),
        done=True,
        done_at=timezone.make_aware(dt.datetime(2026, 5, 8, 10)),
    )
    # A greeting from last year does not count, nor does a plan of another purpose
    old = make_customer(name="去年", birthday=dt.date(1980, 5, 12))
    ContactPlanFactory(
        customer=old,
        assignee=consultant,
        purpose=ContactPurpose.BIRTHDAY_GREETING,
        due_date=dt.date(2025, 5, 12),
        done=True,
        done_at=timezone.make_aware(dt.datetime(2025, 5, 12, 10)),
    )
    other = make_customer(name="他事", birthday=dt.date(1980, 5, 12))
    ContactPlanFactory(customer=other, assignee=consultant, due_date=dt.date(2026, 5, 12))

    items = _kinds(worklist_for(user=consultant, today=today), WorkKind.BIRTHDAY)

    assert sorted(i.customer.name for i in items) == ["他事", "去年"]


def test_birthday_goes_to_the_therapist_when_there_is_no_consultant(make_customer, therapist):
    make_customer(name="無業務", sales_consultant=None, birthday=dt.date(1980, 5, 12))

    items = worklist_for(user=therapist, today=dt.date(2026, 5, 10))

    assert _one(items, WorkKind.BIRTHDAY).assignee == therapist


# --- (c) renewals ----------------------------------------------------------------------------


def test_ten_session_package_with_eight_used_is_a_renewal_for_the_consultant(
    customer, consultant, therapist
):
    # Given a 10-session package bought and 8 sessions used
    sale = package_sold(
        customer=customer,
        by=consultant,
        package=TreatmentPackageFactory(name="肩頸 10 堂", sessions=10, validity_months=6),
    )
    for _ in range(8):
        session_use(customer=customer, by=therapist)

    # When the consultant and the therapist read their worklists
    mine = worklist_for(user=consultant)
    theirs = worklist_for(user=therapist)

    # Then the consultant has 續約提醒 saying 剩 2 堂; the therapist has none
    line = _one(mine, WorkKind.RENEWAL)
    assert line.reason == "剩 2 堂"
    assert line.kind_label == "續約提醒"
    assert line.detail == "肩頸 10 堂"
    assert line.assignee == consultant and line.ref == sale.pk
    assert _kinds(theirs, WorkKind.RENEWAL) == []


def test_package_expiring_within_30_days_is_a_renewal(customer, consultant, today):
    # Given a 3-month package bought almost 3 months ago, sessions aplenty
    sale = package_sold(
        customer=customer,
        by=consultant,
        package=TreatmentPackageFactory(sessions=10, validity_months=3),
        purchased_on=today - D(80),
    )

    line = _one(worklist_for(user=consultant), WorkKind.RENEWAL)

    assert line.reason == f"{sale.expires_on.month}/{sale.expires_on.day} 到期"
    assert line.due == sale.expires_on


def test_packages_not_due_for_renewal_are_left_out(make_customer, consultant, today):
    package = TreatmentPackageFactory(sessions=10, validity_months=6)
    # plenty left and far from expiry
    package_sold(customer=make_customer(name="充足"), by=consultant, package=package)
    # expired
    expired = package_sold(
        customer=make_customer(name="過期"),
        by=consultant,
        package=TreatmentPackageFactory(sessions=2, validity_months=1),
        purchased_on=today - D(40),
    )
    assert expired.expires_on < today
    # used up
    used_up = package_sold(
        customer=make_customer(name="用完"),
        by=consultant,
        package=TreatmentPackageFactory(sessions=1, validity_months=6),
    )
    session_use(customer=used_up.customer, by=consultant)
    # cancelled
    cancelled = package_sold(
        customer=make_customer(name="取消"),
        by=consultant,
        package=TreatmentPackageFactory(sessions=2, validity_months=6),
    )
    purchase_reverse(sale=cancelled, kind="cancellation", by=consultant, reason="客戶搬家")

    assert _kinds(worklist_for(user=consultant), WorkKind.RENEWAL) == []


def test_renewal_reminder_planned_after_the_purchase_removes_the_line(
    make_customer, consultant, today
):
    package = TreatmentPackageFactory(sessions=2, validity_months=6)
    planned = make_customer(name="已排")
    package_sold(customer=planned, by=consultant, package=package)
    ContactPlanFactory(
        customer=planned,
        assignee=consultant,
        purpose=ContactPurpose.RENEWAL_REMINDER,
        due_date=today + D(5),
    )
    # A reminder made before an older purchase does not cover a newer one
    stale = make_customer(name="舊提醒")
    old_plan = ContactPlanFactory(
        customer=stale, assignee=consultant, purpose=ContactPurpose.RENEWAL_REMINDER, done=True
    )
    type(old_plan).objects.filter(pk=old_plan.pk).update(created_at=timezone.now() - D(10))
    package_sold(customer=stale, by=consultant, package=package, purchased_on=today - D(2))

    items = _kinds(worklist_for(user=consultant), WorkKind.RENEWAL)

    assert [i.customer.name for i in items] == ["舊提醒"]


# --- (d) efficacy follow-up ------------------------------------------------------------------


def _first_session(customer, by, on):
    sale = package_sold(customer=customer, by=by, purchased_on=on - D(1))
    session_use(customer=customer, by=by, purchase=sale, used_on=on)
    return sale


def test_efficacy_follow_up_seven_days_after_the_first_session(
    make_customer, consultant, therapist, today
):
    seven = make_customer(name="七天")
    _first_session(seven, therapist, today - D(7))
    six = make_customer(name="六天")
    _first_session(six, therapist, today - D(6))
    old = make_customer(name="太久")
    _first_session(old, therapist, today - D(31))

    items = _kinds(worklist_for(user=therapist), WorkKind.EFFICACY)

    assert [i.customer.name for i in items] == ["七天"]
    first = today - D(7)
    assert items[0].reason == f"{first.month}/{first.day} 首次療程，已 7 天"
    assert items[0].assignee == therapist and items[0].due == today
    assert _kinds(worklist_for(user=consultant), WorkKind.EFFICACY) == []


def test_efficacy_follow_up_planned_since_the_first_session_removes_the_line(
    customer, therapist, today
):
    _first_session(customer, therapist, today - D(10))
    ContactPlanFactory(
        customer=customer,
        assignee=therapist,
        purpose=ContactPurpose.EFFICACY_FOLLOW_UP,
        due_date=today + D(2),
    )

    assert _kinds(worklist_for(user=therapist), WorkKind.EFFICACY) == []


# --- (e) care after a negative contact --------------------------------------------------------


def test_latest_negative_interaction_with_nothing_planned_asks_for_care(
    customer, therapist, consultant
):
    InteractionFactory(customer=customer, staff=consultant, reaction="positive")
    InteractionFactory(
        customer=customer,
        staff=consultant,
        reaction="negative",
        summary="抱怨等候太久",
        occurred_at=timezone.now() - D(1) + D(hours=1),
    )

    line = _one(worklist_for(user=therapist), WorkKind.CARE)

    assert "互動反應負面：抱怨等候太久" in line.reason
    assert line.assignee == therapist
    assert _kinds(worklist_for(user=consultant), WorkKind.CARE) == []


def test_negative_interaction_followed_up_or_planned_is_not_a_care_line(
    make_customer, therapist, consultant, today
):
    later = make_customer(name="已回電")
    InteractionFactory(
        customer=later, staff=consultant, reaction="negative", occurred_at=timezone.now() - D(2)
    )
    InteractionFactory(customer=later, staff=consultant, reaction="neutral")
    planned = make_customer(name="已排")
    InteractionFactory(customer=planned, staff=consultant, reaction="negative")
    ContactPlanFactory(customer=planned, assignee=therapist, due_date=today + D(3))

    assert _kinds(worklist_for(user=therapist), WorkKind.CARE) == []


def test_a_negative_contact_older_than_the_care_window_is_not_a_care_line(
    make_customer, therapist, consultant
):
    recent = make_customer(name="上月不滿")
    InteractionFactory(
        customer=recent,
        staff=consultant,
        reaction="negative",
        occurred_at=timezone.now() - D(CARE_WITHIN_DAYS - 1),
    )
    old = make_customer(name="去年不滿")
    InteractionFactory(
        customer=old,
        staff=consultant,
        reaction="negative",
        occurred_at=timezone.now() - D(CARE_WITHIN_DAYS + 1),
    )

    lines = [line for line in worklist_for(user=therapist) if line.kind == WorkKind.CARE]

    assert [line.customer.name for line in lines] == ["上月不滿"]


# --- scope and branches ---------------------------------------------------------------------


def test_therapist_of_branch_b_never_sees_branch_a_lines(
    customer, consultant, therapist_b, senior, today
):
    # Given branch-A lines of every kind, all of them the branch-B therapist's responsibility
    customer.primary_therapist = therapist_b
    customer.sales_consultant = therapist_b
    customer.birthday = dt.date(2000, (today + D(2)).month, (today + D(2)).day)
    customer.save()
    ContactPlanFactory(customer=customer, assignee=therapist_b, due_date=today)
    package_sold(customer=customer, by=consultant, package=TreatmentPackageFactory(sessions=2))
    _first_session(customer, consultant, today - D(8))
    InteractionFactory(customer=customer, staff=consultant, reaction="negative")
    # (the open plan hides the care line; a second customer carries it)
    upset = CustomerFactory(
        branch=customer.branch, created_by=consultant, primary_therapist=therapist_b
    )
    InteractionFactory(customer=upset, staff=consultant, reaction="negative")
    assert {i.kind for i in worklist_for(user=senior, scope="branch")} == set(WorkKind)

    # When the branch-B therapist reads the worklist, Then nothing of branch A is there
    assert worklist_for(user=therapist_b) == []


def test_scopes_team_and_branch(
    make_customer, consultant, consultant_2, therapist, sales_head, today
):
    mine = make_customer(name="甲")
    colleague = make_customer(name="乙", sales_consultant=consultant_2)
    physio = make_customer(name="丙")
    ContactPlanFactory(customer=mine, assignee=consultant, due_date=today)
    ContactPlanFactory(customer=colleague, assignee=consultant_2, due_date=today)
    ContactPlanFactory(customer=physio, assignee=therapist, due_date=today)

    team = worklist_for(user=sales_head, scope="team")
    branch = worklist_for(user=sales_head, scope="branch")

    assert sorted(i.customer.name for i in team) == ["乙", "甲"]
    assert sorted(i.customer.name for i in branch) == ["丙", "乙", "甲"]
    assert worklist_for(user=sales_head) == []


def test_team_and_branch_scopes_are_refused_to_staff(consultant, senior):
    with pytest.raises(PermissionDenied):
        worklist_for(user=consultant, scope="team")
    with pytest.raises(PermissionDenied):
        worklist_for(user=consultant, scope="branch")
    with pytest.raises(PermissionDenied):
        worklist_for(user=senior, scope="team")
    assert worklist_for(user=senior, scope="branch") == []


def test_customers_without_anyone_responsible_appear_only_branch_wide(
    branch_a, consultant, sales_head, today
):
    orphan = CustomerFactory(branch=branch_a, created_by=consultant, name="無人")
    package_sold(customer=orphan, by=consultant, package=TreatmentPackageFactory(sessions=1))

    assert _kinds(worklist_for(user=consultant), WorkKind.RENEWAL) == []
    line = _one(worklist_for(user=sales_head, scope="branch"), WorkKind.RENEWAL)
    assert line.assignee is None


# --- the query budget ------------------------------------------------------------------------


def _queries(user, scope="branch"):
    with CaptureQueriesContext(connection) as ctx:
        items = worklist_for(user=user, scope=scope)
        # Touch everything a page or the API shows of a line.
        for item in items:
            str(item.assignee), item.customer.name, item.customer.phone_display, item.plan
    return len(ctx.captured_queries), items


def test_worklist_runs_the_same_number_of_queries_for_3_or_40_lines_of_each_kind(
    lines_of_every_kind, sales_head
):
    # Given 3 lines of each kind, read once (warming per-process caches)
    lines_of_every_kind(3)
    head = type(sales_head).objects.get(pk=sales_head.pk)
    small, items = _queries(head)
    assert len(items) == 15

    # When 37 more of each kind are added and the list is read again by a fresh user object
    lines_of_every_kind(37)
    head = type(sales_head).objects.get(pk=sales_head.pk)
    large, items = _queries(head)

    # Then it holds 200 lines and took exactly as many queries
    assert len(items) == 200
    assert {g.kind: len(g.items) for g in worklist_groups(items)} == {k: 40 for k in WorkKind}
    assert large == small
    assert large <= 8, large


def test_team_scope_query_count_is_bounded_too(lines_of_every_kind, sales_head):
    lines_of_every_kind(3)
    small, _ = _queries(type(sales_head).objects.get(pk=sales_head.pk), scope="team")
    lines_of_every_kind(20)
    large, items = _queries(type(sales_head).objects.get(pk=sales_head.pk), scope="team")

    # The team (sales) owns the plans, birthdays and renewals, not the therapist's kinds
    assert {item.kind for item in items} == {WorkKind.PLAN, WorkKind.BIRTHDAY, WorkKind.RENEWAL}
    assert large == small


def test_a_user_without_roles_cannot_read_a_worklist(branch_a):
    nobody = UserFactory(home_branch=branch_a)
    with pytest.raises(PermissionDenied):
        worklist_for(user=nobody)
