"""The authority kernel (careloop.grants): one grant service for every kind, counted per case
or per customer over a rolling 30 days, and an approval request tied to no complaint."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from careloop.grants import kinds
from careloop.grants.kinds import GrantKind, kind_register
from careloop.grants.models import Grant, Scope
from careloop.grants.selectors import grants_pending_for
from careloop.grants.services import GrantRefused, grant_decide, grant_request
from careloop.notifications.models import Notification
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

decisions: list[tuple[int, bool, str]] = []


@pytest.fixture
def goodwill():
    """A kind outside any complaint (a goodwill gesture), counted per customer over 30 days.
    The real such kinds (loyalty rewards, campaign budgets) come with their apps."""
    kind = GrantKind(
        code="goodwill-test",
        label="關懷禮",
        scope=Scope.CUSTOMER_30_DAYS,
        lock_scope=lambda grant: None,
        decided=lambda grant, approve, by: decisions.append(
            (grant.subject_id, approve, by.username)
        ),
        url=lambda grant: "/worklist/",
    )
    kind_register(kind)
    decisions.clear()
    yield kind.code
    del kinds._KINDS[kind.code]


@pytest.fixture
def customer(branch_a, cs_a):
    return CustomerFactory(name="王小明", branch=branch_a, created_by=cs_a)


def give(kind, customer, value, by, subject_id):
    return grant_request(
        kind=kind,
        subject_id=subject_id,
        branch_id=customer.branch_id,
        customer_id=customer.pk,
        value=value,
        title=f"關懷禮 {customer.name}",
        by=by,
    )


def test_split_goodwill_within_30_days_asks_for_approval_at_the_grant_that_crosses(
    goodwill, customer, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    first = give(goodwill, customer, 1500, cs_a, subject_id=1)
    second = give(goodwill, customer, 400, cs_a, subject_id=2)
    with django_capture_on_commit_callbacks(execute=True):
        third = give(goodwill, customer, 200, cs_a, subject_id=3)

    assert (first.state, second.state) == ("approved", "approved")
    assert (first.decided_by, second.decided_by) == (cs_a, cs_a)
    assert third.state == "pending" and third.approval_required
    assert third.scope_total == 2100  # 1,500 + 400 + 200 > the NT$2,000 limit
    assert third.case_key == ""  # tied to no complaint
    assert list(grants_pending_for(user=dept_head_a)) == [third]
    note = Notification.objects.get(recipient=dept_head_a, key=f"grant-approval:{third.pk}")
    assert "關懷禮待核准" in note.title and "NT$2,100" in note.body


def test_the_window_rolls_after_30_days(goodwill, customer, cs_a, clock):
    give(goodwill, customer, 1900, cs_a, subject_id=1)
    clock.move_to(timezone.now() + dt.timedelta(days=29))
    assert give(goodwill, customer, 200, cs_a, subject_id=2).state == "pending"
    clock.move_to(timezone.now() + dt.timedelta(days=2))  # the first is now 31 days old
    assert give(goodwill, customer, 1800, cs_a, subject_id=3).state == "approved"


def test_another_customer_counts_on_its_own(goodwill, customer, cs_a, branch_a):
    other = CustomerFactory(branch=branch_a, created_by=cs_a)
    give(goodwill, customer, 1900, cs_a, subject_id=1)
    assert give(goodwill, other, 1900, cs_a, subject_id=2).state == "approved"


def test_the_decision_applies_to_the_kind_and_tells_the_requester(
    goodwill, customer, cs_a, dept_head_a, django_capture_on_commit_callbacks
):
    pending = give(goodwill, customer, 2500, cs_a, subject_id=7)

    with django_capture_on_commit_callbacks(execute=True):
        decided = grant_decide(grant=pending, approve=True, note="同意", by=dept_head_a)

    assert decided.state == "approved" and decided.decided_by == dept_head_a
    assert decisions == [(7, True, dept_head_a.username)]
    assert Notification.objects.filter(
        recipient=cs_a, key=f"grant-approval:{pending.pk}:decided"
    ).exists()
    with pytest.raises(GrantRefused, match="已由"):
        grant_decide(grant=pending, approve=False, note="再想想", by=dept_head_a)
    assert [h.state for h in decided.history.order_by("history_date", "history_id")] == [
        "pending",
        "approved",
    ]


def test_the_decision_counts_what_was_approved_meanwhile(
    goodwill, customer, cs_a, dept_head_a, senior, branch_a
):
    give(goodwill, customer, 1500, cs_a, subject_id=1)
    pending = give(goodwill, customer, 1000, cs_a, subject_id=2)  # NT$2,500 in the window
    assert list(grants_pending_for(user=dept_head_a)) == [pending]
    other_head = UserFactory(home_branch=branch_a, roles=["department_head"])
    give(goodwill, customer, 8000, other_head, subject_id=3)  # within their own NT$10,000

    # Approving the NT$1,000 now means NT$10,500 in the window: above the head's limit.
    assert list(grants_pending_for(user=dept_head_a)) == []
    with pytest.raises(PermissionDenied, match="30 日內累計將達 NT\\$10,500"):
        grant_decide(grant=pending, approve=True, by=dept_head_a)
    assert grant_decide(grant=pending, approve=True, by=senior).state == "approved"


def test_the_requester_and_another_branch_cannot_decide(goodwill, customer, cs_a, branch_b):
    pending = give(goodwill, customer, 2500, cs_a, subject_id=1)
    head_b = UserFactory(home_branch=branch_b, roles=["department_head"])
    with pytest.raises(PermissionDenied, match="不可核准自己"):
        grant_decide(grant=pending, approve=True, by=cs_a)
    with pytest.raises(PermissionDenied, match="院所"):
        grant_decide(grant=pending, approve=True, by=head_b)
    assert list(grants_pending_for(user=head_b)) == []
    assert Grant.objects.get(pk=pending.pk).is_pending
