"""worklist_contact_log: one transaction, an interaction, and the line gone."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from careloop.customers.models import ContactPlan, ContactPurpose, Interaction
from careloop.treatments.services import session_use
from careloop.worklist.selectors import WorkKind, worklist_for
from careloop.worklist.services import worklist_contact_log
from tests.factories import (
    ContactPlanFactory,
    InteractionFactory,
    TreatmentPackageFactory,
    package_sold,
)

pytestmark = pytest.mark.django_db

CALL = {
    "channel": "phone",
    "reaction": "positive",
    "summary": "提醒續購，客戶考慮中",
    "status": "done",
}


def test_logging_a_plan_line_closes_the_plan_with_the_interaction(customer, consultant, today):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)

    interaction = worklist_contact_log(
        user=consultant, customer=customer, kind="plan", plan=plan, values=CALL
    )

    plan.refresh_from_db()
    assert plan.done and plan.fulfilled_by == interaction
    assert interaction.staff == consultant and interaction.summary == CALL["summary"]
    assert worklist_for(user=consultant) == []


def test_logging_a_renewal_records_a_done_reminder_and_removes_the_line(
    customer, consultant, therapist
):
    package_sold(customer=customer, by=consultant, package=TreatmentPackageFactory(sessions=10))
    for _ in range(8):
        session_use(customer=customer, by=therapist)
    assert [i.kind for i in worklist_for(user=consultant)] == [WorkKind.RENEWAL]

    interaction = worklist_contact_log(
        user=consultant, customer=customer, kind="renewal_reminder", values=CALL
    )

    record = ContactPlan.objects.get(customer=customer)
    assert record.purpose == ContactPurpose.RENEWAL_REMINDER
    assert record.done and record.fulfilled_by == interaction and record.assignee == consultant
    assert worklist_for(user=consultant) == []


@pytest.mark.parametrize(
    ("kind", "purpose"),
    [
        ("birthday_greeting", ContactPurpose.BIRTHDAY_GREETING),
        ("efficacy_follow_up", ContactPurpose.EFFICACY_FOLLOW_UP),
        ("care", ContactPurpose.ROUTINE_CARE),
    ],
)
def test_each_derived_kind_is_recorded_with_its_purpose(customer, consultant, kind, purpose):
    worklist_contact_log(user=consultant, customer=customer, kind=kind, values=CALL)

    assert ContactPlan.objects.get(customer=customer, done=True).purpose == purpose


def test_a_care_call_that_goes_badly_again_does_not_bring_the_line_straight_back(
    customer, consultant, therapist
):
    InteractionFactory(customer=customer, staff=consultant, reaction="negative")
    assert [i.kind for i in worklist_for(user=therapist)] == [WorkKind.CARE]

    worklist_contact_log(
        user=therapist, customer=customer, kind="care", values={**CALL, "reaction": "negative"}
    )

    assert worklist_for(user=therapist) == []


def test_plan_line_needs_its_open_plan_and_derived_lines_take_none(customer, consultant, today):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)
    with pytest.raises(ValidationError):
        worklist_contact_log(user=consultant, customer=customer, kind="plan", values=CALL)
    with pytest.raises(ValidationError):
        worklist_contact_log(
            user=consultant, customer=customer, kind="care", plan=plan, values=CALL
        )
    assert not Interaction.objects.exists()


def test_nothing_is_saved_when_the_interaction_is_refused(customer, consultant, therapist_b):
    with pytest.raises(PermissionDenied):
        worklist_contact_log(user=therapist_b, customer=customer, kind="care", values=CALL)
    with pytest.raises(ValidationError):
        worklist_contact_log(
            user=consultant, customer=customer, kind="care", values={**CALL, "channel": "fax"}
        )
    assert not Interaction.objects.exists() and not ContactPlan.objects.exists()
