"""customers/services.py: writes to the customer record, with permission checks and history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from careloop.customers.models import (
    Channel,
    ContactPlan,
    ContactPurpose,
    Customer,
    Interaction,
    NeedsProfile,
    Reaction,
    SatisfactionRecord,
    SignOff,
    SignOffKind,
)
from careloop.customers.selectors import customer_history
from careloop.customers.services import (
    LikelyDuplicate,
    SignOffRefused,
    contact_plan_complete,
    customer_create,
    customer_sign_off,
    customer_update,
    interaction_add,
    satisfaction_add,
)
from tests.factories import ContactPlanFactory, CustomerFactory, UserFactory

BIRTHDAY = dt.date(1980, 5, 17)


@pytest.fixture
def values(branch_a):
    return {
        "name": "王小明",
        "phone": "+886912345678",
        "birthday": BIRTHDAY,
        "branch": branch_a,
    }


@pytest.fixture
def customer(front_desk, values):
    return customer_create(values=values, by=front_desk)


def _interaction_values(**overrides):
    return {
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "channel": Channel.PHONE,
        "summary": "電話關懷，詢問肩頸疼痛改善情形",
        "reaction": Reaction.POSITIVE,
        **overrides,
    }


# --- customer_create -----------------------------------------------------------------------


def test_customer_create_numbers_customers_c0000001_upwards(front_desk, branch_a):
    # Given a chain with no customers yet
    # When the front desk registers three customers
    customers = [
        customer_create(values={"name": name, "phone": phone, "branch": branch_a}, by=front_desk)
        for name, phone in [
            ("王小明", "+886912345678"),
            ("李美華", "+886922333444"),
            ("陳大文", "+886223456789"),
        ]
    ]
    # Then they are numbered C0000001, C0000002, C0000003 in order
    assert [c.number for c in customers] == ["C0000001", "C0000002", "C0000003"]
    assert Customer.objects.filter(number__in=["C0000001", "C0000002", "C0000003"]).count() == 3


def test_customer_create_also_creates_the_needs_profile(customer, front_desk):
    # Given a customer just registered
    # When their needs profile is read
    needs = NeedsProfile.objects.get(customer=customer)
    # Then one exists, stamped with the user who registered them
    assert needs.updated_by == front_desk


def test_customer_create_records_history_with_the_acting_user(customer, front_desk):
    # Given a customer registered by the front desk
    # When the customer's history is read
    records = list(customer.history.all())
    # Then there is one creation record and it names the front-desk clerk
    assert len(records) == 1
    assert records[0].history_type == "+"
    assert records[0].history_user == front_desk
    assert customer.created_by == front_desk
    assert NeedsProfile.history.get(customer_id=customer.pk).history_user == front_desk


def test_customer_create_refuses_the_same_phone_in_another_branch(front_desk, branch_b, values):
    # Given a customer already on file at the Taoyuan branch with this phone number
    existing = CustomerFactory(branch=branch_b, name="王大明", phone=values["phone"])
    # When the Taipei front desk registers a person with the same phone
    with pytest.raises(LikelyDuplicate) as raised:
        customer_create(values=values, by=front_desk)
    # Then the existing record is offered and nothing is saved
    assert raised.value.candidates == [existing]
    assert not Customer.objects.filter(name="王小明").exists()


def test_customer_create_refuses_the_same_name_and_birthday_in_another_branch(
    front_desk, branch_b, values
):
    # Given the same person registered at Taoyuan under another phone number
    existing = CustomerFactory(
        branch=branch_b, name=values["name"], birthday=BIRTHDAY, phone="+886933000111"
    )
    # When the Taipei front desk registers them again
    with pytest.raises(LikelyDuplicate) as raised:
        customer_create(values=values, by=front_desk)
    # Then the existing record is offered
    assert raised.value.candidates == [existing]


def test_customer_create_accepts_the_same_name_with_another_birthday_and_phone(
    front_desk, branch_a, values
):
    # Given a different person who shares the name
    CustomerFactory(branch=branch_a, name=values["name"], birthday=dt.date(1990, 1, 1))
    # When the front desk registers this one
    customer = customer_create(values=values, by=front_desk)
    # Then it is saved, as nothing says it is the same person
    assert customer.pk is not None


def test_customer_create_saves_a_confirmed_duplicate(front_desk, branch_b, values):
    # Given a customer with this phone already on file
    CustomerFactory(branch=branch_b, phone=values["phone"])
    # When the clerk confirms it is a new person
    customer = customer_create(values=values, by=front_desk, allow_duplicate=True)
    # Then the record is saved with its own number
    assert Customer.objects.filter(phone=values["phone"]).count() == 2
    assert customer.number == "C0000001"


def test_customer_create_refuses_a_branch_the_user_does_not_belong_to(front_desk, branch_b, values):
    # Given a Taipei clerk
    # When they register a customer at Taoyuan
    with pytest.raises(PermissionDenied):
        customer_create(values={**values, "branch": branch_b}, by=front_desk)
    # Then nothing is saved
    assert not Customer.objects.exists()


@pytest.mark.parametrize("roles", [["administrator"], []])
def test_customer_create_refuses_a_user_without_edit_capability(branch_a, values, roles):
    # Given an administrator (views only) or an account without a role, both at Taipei
    user = UserFactory(home_branch=branch_a, roles=roles)
    # When they register a customer
    with pytest.raises(PermissionDenied):
        customer_create(values=values, by=user)
    # Then nothing is saved
    assert not Customer.objects.exists()


# --- customer_update -----------------------------------------------------------------------


def test_customer_update_keeps_history_with_the_change_and_its_author(
    customer, front_desk, dept_head_a
):
    # Given a customer registered by the front desk
    # When the department head corrects the name
    customer_update(customer=customer, values={"name": "王曉明"}, by=dept_head_a)
    # Then there are two history rows, the newer by the department head
    records = list(customer.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert [r.history_user for r in records] == [front_desk, dept_head_a]
    assert [r.name for r in records] == ["王小明", "王曉明"]
    # And the difference shows which field changed from what to what
    delta = records[1].diff_against(records[0])
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "name"] == [
        ("name", "王小明", "王曉明")
    ]
    edit = next(e for e in customer_history(customer=customer) if e.kind == "修改")
    assert edit.changes == [("客戶姓名", "王小明", "王曉明")]


def test_the_birthday_month_day_follows_the_birthday_on_save_update_and_bulk_create(
    customer, dept_head_a, front_desk
):
    # given a customer born 1980-02-29, saved through the model
    customer.birthday = dt.date(1980, 2, 29)
    customer.save()
    assert Customer.objects.get(pk=customer.pk).birthday_md == 229
    # when the birthday is corrected through the service, then the month-day follows
    customer_update(customer=customer, values={"birthday": dt.date(1980, 11, 3)}, by=dept_head_a)
    assert Customer.objects.get(pk=customer.pk).birthday_md == 1103
    # and when it is removed, so is the month-day
    customer_update(customer=customer, values={"birthday": None}, by=dept_head_a)
    assert Customer.objects.get(pk=customer.pk).birthday_md is None
    # and customers made in bulk (the demo, the importer) get it too
    Customer.objects.bulk_create(
        [
            CustomerFactory.build(
                number="C9999999",
                birthday=dt.date(1990, 12, 31),
                branch=customer.branch,
                created_by=front_desk,
            )
        ]
    )
    assert Customer.objects.get(number="C9999999").birthday_md == 1231


def test_customer_update_refuses_a_user_of_another_branch(customer, therapist_b):
    # Given a Taipei customer
    # When a Taoyuan therapist edits them
    with pytest.raises(PermissionDenied):
        customer_update(customer=customer, values={"name": "改名"}, by=therapist_b)
    # Then the record is unchanged
    customer.refresh_from_db()
    assert customer.name == "王小明"


def test_customer_update_refuses_moving_a_customer_to_a_branch_the_user_lacks(
    customer, front_desk, branch_b
):
    # Given a Taipei customer and a Taipei clerk
    # When the clerk moves the customer to Taoyuan
    with pytest.raises(PermissionDenied):
        customer_update(customer=customer, values={"branch": branch_b}, by=front_desk)
    # Then the customer stays at Taipei
    customer.refresh_from_db()
    assert customer.branch.code == "taipei"


# --- interaction_add / contact plans -------------------------------------------------------


def test_interaction_add_fulfilling_a_plan_closes_it_and_links_the_interaction(
    customer, therapist_a
):
    # Given a contact plan due today for the customer
    plan = ContactPlanFactory(customer=customer, assignee=therapist_a)
    # When the therapist logs the call that answers it
    interaction = interaction_add(
        customer=customer, values=_interaction_values(), by=therapist_a, fulfils=plan
    )
    # Then the plan is done, timed, and points at that interaction
    plan.refresh_from_db()
    assert plan.done is True
    assert plan.done_at is not None
    assert plan.fulfilled_by == interaction
    assert interaction.staff == therapist_a
    assert interaction.history.get().history_user == therapist_a


def test_interaction_add_refuses_a_plan_of_another_customer_and_saves_nothing(
    customer, therapist_a, branch_a
):
    # Given a plan that belongs to someone else
    other_plan = ContactPlanFactory(customer=CustomerFactory(branch=branch_a))
    # When a call with this customer is logged against it
    with pytest.raises(ValidationError):
        interaction_add(
            customer=customer, values=_interaction_values(), by=therapist_a, fulfils=other_plan
        )
    # Then neither the interaction nor the plan changes
    other_plan.refresh_from_db()
    assert not other_plan.done
    assert not Interaction.objects.filter(customer=customer).exists()


def test_interaction_add_schedules_the_next_contact(customer, therapist_a):
    # Given a call whose follow-up needs another call in a week
    due = timezone.localdate() + dt.timedelta(days=7)
    # When it is logged with a next plan
    interaction_add(
        customer=customer,
        values=_interaction_values(follow_up_action="一週後追蹤療效"),
        by=therapist_a,
        next_plan={"due_date": due, "purpose": ContactPurpose.EFFICACY_FOLLOW_UP},
    )
    # Then an open plan for that date is assigned to the therapist
    plan = ContactPlan.objects.get(customer=customer)
    assert (plan.due_date, plan.assignee, plan.done) == (due, therapist_a, False)


def test_contact_plan_complete_twice_changes_nothing_the_second_time(customer, therapist_a):
    # Given a plan closed by a call
    plan = ContactPlanFactory(customer=customer, assignee=therapist_a)
    first_call = interaction_add(customer=customer, values=_interaction_values(), by=therapist_a)
    contact_plan_complete(plan=plan, by=therapist_a, interaction=first_call)
    plan.refresh_from_db()
    done_at, history_rows = plan.done_at, plan.history.count()
    # When it is completed again with another call
    second_call = interaction_add(customer=customer, values=_interaction_values(), by=therapist_a)
    contact_plan_complete(plan=plan, by=therapist_a, interaction=second_call)
    # Then it keeps its first completion and no new history row is written
    plan.refresh_from_db()
    assert plan.done_at == done_at
    assert plan.fulfilled_by == first_call
    assert plan.history.count() == history_rows


# --- customer_sign_off ---------------------------------------------------------------------


def test_supervisor_sign_off_is_refused_before_the_recorder_signs(customer, dept_head_a):
    # Given a record nobody has signed
    # When the department head signs the supervisor review
    with pytest.raises(SignOffRefused):
        customer_sign_off(customer=customer, kind=SignOffKind.SUPERVISOR, by=dept_head_a)
    # Then no signature is stored
    assert not SignOff.objects.filter(customer=customer).exists()


def test_supervisor_sign_off_is_refused_for_a_therapist(customer, therapist_a):
    # Given a record the therapist signed as recorder
    customer_sign_off(customer=customer, kind=SignOffKind.RECORDER, by=therapist_a)
    # When the therapist also signs the supervisor review
    with pytest.raises(PermissionDenied):
        customer_sign_off(customer=customer, kind=SignOffKind.SUPERVISOR, by=therapist_a)
    # Then only the recorder signature exists
    assert list(SignOff.objects.values_list("kind", flat=True)) == [SignOffKind.RECORDER]


def test_department_head_signs_the_review_after_the_recorder(customer, therapist_a, dept_head_a):
    # Given a record the therapist signed as recorder
    customer_sign_off(customer=customer, kind=SignOffKind.RECORDER, by=therapist_a)
    # When the department head signs the supervisor review with a comment
    review = customer_sign_off(
        customer=customer, kind=SignOffKind.SUPERVISOR, by=dept_head_a, comment="  已審核  "
    )
    # Then the review names the head and the moment, and keeps the trimmed comment
    assert review.signed_by == dept_head_a
    assert review.signed_at is not None
    assert review.comment == "已審核"
    assert set(SignOff.objects.values_list("kind", "signed_by")) == {
        (SignOffKind.RECORDER, therapist_a.pk),
        (SignOffKind.SUPERVISOR, dept_head_a.pk),
    }


def test_sign_off_is_refused_for_a_user_of_another_branch(customer, therapist_b):
    # Given a Taipei customer
    # When a Taoyuan therapist signs as recorder
    with pytest.raises(PermissionDenied):
        customer_sign_off(customer=customer, kind=SignOffKind.RECORDER, by=therapist_b)
    # Then nothing is stored
    assert not SignOff.objects.exists()


# --- satisfaction_add ----------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 11])
def test_satisfaction_outside_one_to_ten_is_rejected_and_nothing_saved(customer, front_desk, score):
    # Given a customer
    # When a score outside 1–10 is recorded
    with pytest.raises(ValidationError) as raised:
        satisfaction_add(customer=customer, values={"score": score}, by=front_desk)
    # Then the score field is blamed and no record or history row exists
    assert "score" in raised.value.message_dict
    assert not SatisfactionRecord.objects.exists()
    assert not SatisfactionRecord.history.exists()


@pytest.mark.parametrize("score", [1, 10])
def test_satisfaction_at_the_ends_of_the_scale_is_saved(customer, front_desk, score):
    # Given a customer
    # When the lowest or highest score is recorded
    record = satisfaction_add(customer=customer, values={"score": score}, by=front_desk)
    # Then it is saved with the recorder
    assert SatisfactionRecord.objects.get(pk=record.pk).score == score
    assert record.recorded_by == front_desk
