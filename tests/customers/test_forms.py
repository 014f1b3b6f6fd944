"""customers/forms.py: input parsing with zh-Hant messages and branch-limited pickers."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from careloop.customers.forms import ContactPlanForm, CustomerForm, InteractionForm
from careloop.customers.models import Channel, ContactPurpose, CustomerType, Reaction
from tests.factories import BranchFactory, UserFactory

HAN = re.compile(r"[\u4e00-\u9fff]")


def _customer_data(branch, **overrides):
    return {
        "name": "王小明",
        "phone": "0912-345-678",
        "customer_type": CustomerType.PROSPECT,
        "branch": branch.pk,
        **overrides,
    }


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- CustomerForm --------------------------------------------------------------------------


def test_customer_form_reports_bad_phone_future_birthday_and_missing_name_in_chinese(
    front_desk, branch_a
):
    # Given a half-typed phone, a birthday tomorrow and no name
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = CustomerForm(
        data=_customer_data(branch_a, name="", phone="0912-34", birthday=tomorrow.isoformat()),
        user=front_desk,
    )
    # When the form is validated
    valid = form.is_valid()
    # Then exactly those three fields carry one error each, written in Chinese
    assert not valid
    assert set(form.errors) == {"phone", "birthday", "name"}
    for field in ("phone", "birthday", "name"):
        assert len(form.errors[field]) == 1
        assert HAN.search(form.errors[field][0]), form.errors[field][0]


def test_customer_form_rejects_a_name_of_only_spaces(front_desk, branch_a):
    # Given a name that is only spaces
    form = CustomerForm(data=_customer_data(branch_a, name="   "), user=front_desk)
    # When the form is validated
    # Then the name is refused
    assert not form.is_valid()
    assert set(form.errors) == {"name"}


def test_customer_form_normalises_the_phone_to_e164(front_desk, branch_a):
    # Given a landline typed with brackets
    form = CustomerForm(data=_customer_data(branch_a, phone="(02)2345-6789"), user=front_desk)
    # When the form is validated
    assert form.is_valid(), form.errors
    # Then the phone is E.164, and that is what the services receive
    assert form.cleaned_data["phone"] == "+886223456789"
    assert form.service_values()["phone"] == "+886223456789"


def test_customer_form_accepts_no_phone(front_desk, branch_a):
    # Given a walk-in who gave no phone
    form = CustomerForm(data=_customer_data(branch_a, phone=""), user=front_desk)
    # When the form is validated
    # Then it is valid with an empty phone
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == ""


def test_customer_form_offers_only_the_users_branches(front_desk, branch_a, branch_b):
    # Given a Taipei clerk and a Taoyuan branch they do not work at
    # When the form is built for them
    form = CustomerForm(user=front_desk)
    # Then only Taipei is offered, and preselected
    assert list(form.fields["branch"].queryset) == [branch_a]
    assert form.initial["branch"] == branch_a.pk


def test_customer_form_refuses_a_branch_outside_the_users(front_desk, branch_a, branch_b):
    # Given a Taipei clerk
    # When they post a Taoyuan customer
    form = CustomerForm(data=_customer_data(branch_b), user=front_desk)
    # Then the branch is refused
    assert not form.is_valid()
    assert set(form.errors) == {"branch"}


def test_customer_form_offers_extra_branches_and_hides_closed_ones(front_desk, branch_a, branch_b):
    # Given a clerk who also covers Taoyuan and a closed Hsinchu branch they also cover
    closed = BranchFactory(code="hsinchu", name="新竹分院", is_active=False)
    front_desk.extra_branches.add(branch_b, closed)
    # When the form is built for them
    form = CustomerForm(user=front_desk)
    # Then Taipei and Taoyuan are offered, not the closed branch
    assert set(form.fields["branch"].queryset) == {branch_a, branch_b}


def test_customer_form_offers_every_branch_to_senior_management(senior, branch_a, branch_b):
    # Given senior management
    # When the form is built for them
    form = CustomerForm(user=senior)
    # Then every active branch is offered
    assert set(form.fields["branch"].queryset) == {branch_a, branch_b}


def test_customer_form_offers_only_therapists_of_the_users_branches(
    front_desk, therapist_a, therapist_b
):
    # Given therapists at Taipei and Taoyuan
    # When the form is built for the Taipei clerk
    form = CustomerForm(user=front_desk)
    # Then only the Taipei therapist can be picked
    assert list(form.fields["primary_therapist"].queryset) == [therapist_a]


# --- ContactPlanForm -----------------------------------------------------------------------


def test_contact_plan_form_rejects_a_past_due_date(therapist_a):
    # Given a plan dated yesterday
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    form = ContactPlanForm(
        data={"due_date": yesterday.isoformat(), "purpose": ContactPurpose.ROUTINE_CARE},
        user=therapist_a,
    )
    # When the form is validated
    # Then the due date is refused in Chinese
    assert not form.is_valid()
    assert set(form.errors) == {"due_date"}
    assert HAN.search(form.errors["due_date"][0])


def test_contact_plan_form_accepts_today_without_assignee(therapist_a):
    # Given a plan for today with no assignee chosen
    form = ContactPlanForm(
        data={
            "due_date": timezone.localdate().isoformat(),
            "purpose": ContactPurpose.BIRTHDAY_GREETING,
        },
        user=therapist_a,
    )
    # When the form is validated
    # Then it is valid and leaves the assignee to the service (the user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["assignee"] is None


def test_contact_plan_form_rejects_purpose_other_without_text(therapist_a):
    # Given a plan whose purpose is 其他 with no explanation
    form = ContactPlanForm(
        data={"due_date": timezone.localdate().isoformat(), "purpose": ContactPurpose.OTHER},
        user=therapist_a,
    )
    # When the form is validated
    # Then the explanation is asked for
    assert not form.is_valid()
    assert set(form.errors) == {"purpose_other"}
    assert HAN.search(form.errors["purpose_other"][0])


def test_contact_plan_form_says_purpose_other_needs_text_only_once(therapist_a):
    # Given a plan whose purpose is 其他 with no explanation
    form = ContactPlanForm(
        data={"due_date": timezone.localdate().isoformat(), "purpose": ContactPurpose.OTHER},
        user=therapist_a,
    )
    # When the form is validated
    form.is_valid()
    # Then the field shows the message once, not once from the form and again from the model
    assert form.errors["purpose_other"] == ["聯繫目的選「其他」時請說明。"]


def test_contact_plan_form_accepts_purpose_other_with_text(therapist_a):
    # Given a plan whose purpose is 其他, explained
    form = ContactPlanForm(
        data={
            "due_date": timezone.localdate().isoformat(),
            "purpose": ContactPurpose.OTHER,
            "purpose_other": "確認保險理賠文件",
        },
        user=therapist_a,
    )
    # When the form is validated
    # Then it is valid
    assert form.is_valid(), form.errors


def test_contact_plan_form_offers_only_staff_of_the_users_branches(therapist_a, therapist_b):
    # Given staff at Taipei and Taoyuan
    # When the form is built for the Taipei therapist
    form = ContactPlanForm(user=therapist_a)
    # Then no Taoyuan staff member can be assigned
    assert therapist_a in form.fields["assignee"].queryset
    assert therapist_b not in form.fields["assignee"].queryset


# --- InteractionForm -----------------------------------------------------------------------


def _interaction_data(occurred_at: dt.datetime) -> dict:
    return {
        "occurred_at": _local(occurred_at),
        "channel": Channel.PHONE,
        "summary": "電話關懷",
        "reaction": Reaction.NEUTRAL,
        "status": "done",
    }


@pytest.mark.parametrize("ahead", [dt.timedelta(minutes=30), dt.timedelta(days=1)])
def test_interaction_form_rejects_a_time_in_the_future(therapist_a, ahead):
    # Given an interaction dated later than now
    form = InteractionForm(data=_interaction_data(timezone.now() + ahead), user=therapist_a)
    # When the form is validated
    # Then the time is refused in Chinese
    assert not form.is_valid()
    assert set(form.errors) == {"occurred_at"}
    assert HAN.search(form.errors["occurred_at"][0])


def test_interaction_form_accepts_a_time_in_the_past_without_staff(therapist_a):
    # Given a call an hour ago with no staff member chosen
    form = InteractionForm(
        data=_interaction_data(timezone.now() - dt.timedelta(hours=1)), user=therapist_a
    )
    # When the form is validated
    # Then it is valid and the staff is left to the service (the user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["staff"] is None


def test_interaction_form_reads_the_time_as_taipei_time(therapist_a):
    # Given a call typed as 09:30 local time yesterday
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {**_interaction_data(timezone.now()), "occurred_at": f"{yesterday}T09:30"}
    form = InteractionForm(data=data, user=therapist_a)
    # When the form is validated
    assert form.is_valid(), form.errors
    # Then it is 01:30 UTC that day
    assert form.cleaned_data["occurred_at"].astimezone(dt.UTC) == dt.datetime(
        yesterday.year, yesterday.month, yesterday.day, 1, 30, tzinfo=dt.UTC
    )


def test_interaction_form_offers_only_staff_of_the_users_branches(front_desk, therapist_b):
    # Given a Taoyuan therapist
    other = UserFactory(
        username="desk_b", home_branch=therapist_b.home_branch, roles=["front_desk"]
    )
    # When the form is built for the Taipei clerk
    form = InteractionForm(user=front_desk)
    # Then neither Taoyuan staff member can be chosen
    offered = set(form.fields["staff"].queryset)
    assert front_desk in offered
    assert offered.isdisjoint({therapist_b, other})
