"""Staff pickers read (id, name) pairs, offer what Django's own picker offers, and still
validate a choice to the whole user."""

from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.customers.forms import ContactPlanForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(branch_a, front_desk, therapist_a):
    # One without a full name: the picker shows the username, as User.__str__ does.
    UserFactory(username="no_name", full_name="", home_branch=branch_a, roles=["therapist"])
    UserFactory(username="gone", full_name="離職者", home_branch=branch_a, is_active=False)
    return front_desk


def test_picker_offers_what_djangos_own_iteration_offers(staff):
    field = ContactPlanForm(user=staff, prefix="plan").fields["assignee"]
    ours = [(str(value), label) for value, label in field.choices]
    django = [(str(value), label) for value, label in ModelChoiceIterator(field)]
    assert ours == django
    assert ours[0] == ("", "（本人）")
    assert "no_name" in [label for _, label in ours]
    assert "離職者" not in [label for _, label in ours]


def test_picker_reads_ids_and_names_not_whole_users(staff):
    field = ContactPlanForm(user=staff, prefix="plan").fields["assignee"]
    with CaptureQueriesContext(connection) as queries:
        html = field.widget.render("assignee", None)
    assert len(queries) == 1
    assert "password" not in queries[0]["sql"] and "last_login" not in queries[0]["sql"]
    assert f'<option value="{staff.pk}">{staff.full_name}</option>' in html


def test_a_chosen_person_is_the_whole_user_and_an_outsider_is_refused(staff, therapist_b):
    # a plan may not be due before today: tomorrow holds even if midnight passes mid-test
    due = (timezone.localdate() + timedelta(days=1)).isoformat()
    form = ContactPlanForm(
        {"plan-due_date": due, "plan-purpose": "routine_care", "plan-assignee": staff.pk},
        user=staff,
        prefix="plan",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["assignee"] == staff
    assert form.cleaned_data["assignee"].home_branch_id == staff.home_branch_id

    outsider = ContactPlanForm(
        {
            "plan-due_date": due,
            "plan-purpose": "routine_care",
            "plan-assignee": therapist_b.pk,
        },
        user=staff,
        prefix="plan",
    )
    assert not outsider.is_valid()
    assert "assignee" in outsider.errors
