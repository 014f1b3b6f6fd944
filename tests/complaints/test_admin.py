"""Complaints in the admin: administrators read every case, but no case is edited, reverted or
deleted there — the case page holds PT-P020's rules, and 5.6.3 keeps every case."""

import pytest
from django.urls import reverse

from careloop.complaints.models import (
    ActionItem,
    Approval,
    Communication,
    Complaint,
    Evidence,
    GradeChange,
    Investigation,
    Solution,
    State,
    Transition,
)
from careloop.complaints.services import complaint_regrade
from tests.admin_forms import admin_form_posted
from tests.complaints.test_pages_case import advance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    """The system administrator: staff, superuser, the administrator role."""
    return UserFactory(username="root", is_staff=True, is_superuser=True, roles=["administrator"])


@pytest.fixture
def open_case(make_complaint, cs_a):
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a)
    return complaint_regrade(
        complaint=complaint, criteria=["a_safety"], grade=None, reason="有受傷", by=cs_a
    )


@pytest.fixture
def closed_case(make_complaint, cs_a, pt_head_a):
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a, complainant_name="王大明")
    return advance(complaint, State.CLOSED, handler=cs_a, approver=pt_head_a)


def _admin(name, *args):
    return reverse(f"admin:complaints_{name}", args=args)


def _row(complaint):
    return Complaint.objects.filter(pk=complaint.pk).values().get()


def test_administrator_lists_searches_and_filters_cases(client, root, open_case, closed_case):
    client.force_login(root)

    listing = client.get(_admin("complaint_changelist"))
    found = client.get(_admin("complaint_changelist"), {"q": closed_case.number})
    closed = client.get(_admin("complaint_changelist"), {"state__exact": State.CLOSED})

    assert listing.status_code == 200
    html = listing.content.decode()
    assert open_case.number in html and closed_case.number in html
    assert found.status_code == 200 and open_case.number not in found.content.decode()
    assert closed.status_code == 200
    assert closed_case.number in closed.content.decode()
    assert open_case.number not in closed.content.decode()


@pytest.mark.parametrize("which", ["open_case", "closed_case"])
def test_the_change_page_shows_a_case_read_only(client, root, request, which):
    complaint = request.getfixturevalue(which)
    client.force_login(root)

    response = client.get(_admin("complaint_change", complaint.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.number in html and complaint.complainant_name in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert _admin("complaint_delete", complaint.pk) not in html
    # the grade history and the stage changes are shown with the case
    assert "等級記錄" in html and "階段變更" in html
    history = client.get(_admin("complaint_history", complaint.pk))
    assert history.status_code == 200


@pytest.mark.parametrize("which", ["open_case", "closed_case"])
def test_posting_a_change_is_refused_and_nothing_changes(client, root, request, which):
    complaint = request.getfixturevalue(which)
    before = _row(complaint)
    client.force_login(root)

    response = client.post(
        _admin("complaint_change", complaint.pk),
        {"complainant_name": "改名", "state": State.RECEIVED, "description": "改寫", "_save": "1"},
    )

    assert response.status_code == 403
    assert _row(complaint) == before


@pytest.mark.parametrize("which", ["open_case", "closed_case"])
def test_reverting_to_an_earlier_version_is_refused(client, root, request, which):
    # Given a case with earlier versions in its history
    complaint = request.getfixturevalue(which)
    first = complaint.history.order_by("history_date").first()
    before = _row(complaint)
    history_count = complaint.history.count()
    client.force_login(root)
    url = _admin("complaint_simple_history", complaint.pk, first.history_id)

    # When the administrator opens the first version, Then it is shown without a revert button
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()

    # And posting it back (a revert, every field as the version had it) is refused
    data = admin_form_posted(page.context["adminform"].form)
    assert data["state"] == State.RECEIVED
    response = client.post(url, data)
    assert response.status_code == 403
    assert _row(complaint) == before
    assert complaint.history.count() == history_count


@pytest.mark.parametrize("which", ["open_case", "closed_case"])
def test_no_case_can_be_deleted_from_the_admin(client, root, request, which):
    # Given an open case and one closed today (PT-P020 5.6.3 keeps both three years)
    complaint = request.getfixturevalue(which)
    client.force_login(root)

    # When the delete page is asked for or posted to, Then it is refused
    assert client.get(_admin("complaint_delete", complaint.pk)).status_code == 403
    response = client.post(_admin("complaint_delete", complaint.pk), {"post": "yes"})
    assert response.status_code == 403

    # And no bulk delete is offered on the list, nor obeyed when posted
    listing = client.get(_admin("complaint_changelist"))
    assert "delete_selected" not in listing.content.decode()
    assert not listing.context["cl"].model_admin.get_actions(listing.wsgi_request)
    client.post(
        _admin("complaint_changelist"),
        {"action": "delete_selected", "_selected_action": [complaint.pk], "post": "yes"},
    )
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_no_case_is_added_in_the_admin(client, root, open_case):
    client.force_login(root)
    assert client.get(_admin("complaint_add")).status_code == 403
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    "model",
    [Investigation, Solution, Evidence, Approval, ActionItem, Communication],
)
def test_the_records_of_a_case_are_read_only_in_the_admin(client, root, closed_case, model):
    # Given a closed case with its investigation, solution, approvals, items and contacts
    if model is Evidence:
        Evidence.objects.create(complaint=closed_case, kind="interview", title="訪談", notes="內容")
    record = model.objects.filter(complaint=closed_case).first()
    name = model._meta.model_name
    client.force_login(root)

    # Then each is listed and shown, but not added, changed or deleted
    assert client.get(_admin(f"{name}_changelist")).status_code == 200
    change = client.get(_admin(f"{name}_change", record.pk))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(_admin(f"{name}_add")).status_code == 403
    assert client.post(_admin(f"{name}_change", record.pk), {}).status_code == 403
    assert client.post(_admin(f"{name}_delete", record.pk), {"post": "yes"}).status_code == 403
    if hasattr(model, "history"):  # nor reverted to an earlier version
        version = record.history.earliest("history_date")
        revert = _admin(f"{name}_simple_history", record.pk, version.history_id)
        assert client.get(revert).status_code == 200
        assert client.post(revert, {}).status_code == 403
    assert model.objects.filter(pk=record.pk).exists()


def test_grade_changes_and_transitions_stay_with_the_case(client, root, closed_case):
    client.force_login(root)
    html = client.get(_admin("complaint_change", closed_case.pk)).content.decode()
    assert GradeChange.objects.filter(complaint=closed_case).exists()
    assert Transition.objects.filter(complaint=closed_case).count() == 6
    assert "已接收" in html and "後續跟進" in html and "已結案" in html


def test_staff_without_admin_rights_cannot_open_the_admin(client, cs_a, closed_case):
    client.force_login(cs_a)
    response = client.get(_admin("complaint_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]
