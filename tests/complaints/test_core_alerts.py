"""Deadline alerts and intake notices (alerts.py, tasks.py; PT-P020 5.2.3, domain.md §3.3).

The sweep is called with explicit `now` values around the deadlines of a case received
Fri 2026-02-13 16:00 Asia/Taipei: B start due Sun 15 16:00 (75% at 04:00), A start due
Sat 14 16:00 (75% at Sat 14 10:00).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from careloop.complaints.alerts import complaint_alerts_sweep
from careloop.complaints.deadlines import next_due_refresh
from careloop.complaints.models import Complaint
from careloop.complaints.services import complaint_public_submit, complaint_regrade
from careloop.complaints.tasks import complaint_alerts_sweep_task
from careloop.notifications.models import Notification
from tests.factories import UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")


def at(*args):
    return dt.datetime(*args, tzinfo=TAIPEI)


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def told() -> list[tuple[str, str]]:
    """(username, key) of every notification, sorted."""
    return sorted(Notification.objects.values_list("recipient__username", "key"))


def mailed() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def staff(branch_a, branch_b, departments, cs_a, pt_head_a, dept_head_a):
    """Everyone who might be told, with an e-mail address each."""
    users = {
        "cs_a": cs_a,
        "pt_head_a": pt_head_a,
        "dept_head_a": dept_head_a,  # a department head without a department
        "pt_head_b": UserFactory(
            username="pt_head_b",
            home_branch=branch_b,
            department=departments["physiotherapy"],
            roles=["department_head"],
            email="pt_head_b@example.test",
        ),
        "sales_head_a": UserFactory(
            username="sales_head_a",
            home_branch=branch_a,
            department=departments["sales"],
            roles=["department_head"],
            email="sales_head_a@example.test",
        ),
        "senior": UserFactory(
            username="ceo",
            home_branch=branch_a,
            roles=["senior_management"],
            email="ceo@example.test",
        ),
        "cs_b": UserFactory(
            username="cs_b",
            home_branch=branch_b,
            department=departments["customer_service"],
            roles=["customer_service"],
            email="cs_b@example.test",
        ),
    }
    dept_head_a.email = "head_a@example.test"
    dept_head_a.save()
    return users


def sweep(now, capture):
    with capture(execute=True):
        return complaint_alerts_sweep(now=now)


@pytest.mark.django_db
def test_the_owner_is_told_once_at_75_percent(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # Given a B case owned by cs_a; 75% of the 48 hours to start is Sun 04:00
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    # When the sweep runs just before that, nothing is sent
    assert sweep(at(2026, 2, 15, 3, 59), django_capture_on_commit_callbacks) == 0
    assert told() == [] and mail.outbox == []
    # When it runs at Sun 05:00
    handled = sweep(at(2026, 2, 15, 5, 0), django_capture_on_commit_callbacks)
    # Then the owner, and only the owner, gets one notification and one e-mail
    assert handled == 1
    key = f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:at_risk"
    assert told() == [("cs_a", key)]
    assert mailed() == ["cs_a@example.test"]
    notification = Notification.objects.get()
    assert complaint.number in notification.title
    assert notification.url == reverse("complaints:detail", args=[complaint.number])
    assert notification.emailed_at is not None
    # And the next alert is the start deadline itself
    complaint.refresh_from_db()
    assert complaint.next_alert_at == complaint.start_due


@pytest.mark.django_db
def test_breach_tells_the_responsible_heads_of_the_branch(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # Given a B case of 物理治療部 at branch A, owned by cs_a
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    # When the sweep runs a minute after the start deadline
    sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks)
    # Then the head of 物理治療部 at branch A and the owner are told — not branch B's head,
    # not another department's head, not senior management for a B case
    key = f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:overdue"
    assert told() == [("cs_a", key), ("pt_head_a", key)]
    assert mailed() == ["cs_a@example.test", "pt_head_a@example.test"]


@pytest.mark.django_db
def test_breach_of_an_a_case_also_tells_senior_management(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # Given an A case (senior management was told at intake)
    complaint = make_complaint(criteria=["a_safety"], owner=staff["cs_a"])
    Notification.objects.all().delete()
    # When its 24-hour start deadline passes
    sweep(at(2026, 2, 14, 16, 0, 1), django_capture_on_commit_callbacks)
    # Then senior management is told beside the responsible head and the owner
    key = f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:overdue"
    assert told() == [("ceo", key), ("cs_a", key), ("pt_head_a", key)]
    assert mailed() == ["ceo@example.test", "cs_a@example.test", "pt_head_a@example.test"]


@pytest.mark.django_db
def test_sweeping_again_sends_nothing_new(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # Given a case whose 75% and breach alerts have been sent
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    sweep(at(2026, 2, 15, 5, 0), django_capture_on_commit_callbacks)
    sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks)
    sent = (told(), mailed())
    assert len(sent[0]) == 3
    # When the sweep runs again at the same moment
    assert sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks) == 0
    # And after next_alert_at is reset, as a worker restart or a recomputation leaves it
    Complaint.objects.filter(pk=complaint.pk).update(next_alert_at=complaint.received_at)
    assert sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks) == 1
    complaint.refresh_from_db()
    next_due_refresh(complaint)
    complaint.save(update_fields=["next_due", "next_alert_at"])
    sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks)
    # Then no one is told twice and no e-mail is sent twice
    assert (told(), mailed()) == sent


@pytest.mark.django_db
def test_a_met_milestone_is_not_alerted(make_complaint, staff, django_capture_on_commit_callbacks):
    # Given a case whose investigation started Sat 10:00, before the start deadline
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    complaint.started_at = at(2026, 2, 14, 10, 0)
    next_due_refresh(complaint)
    complaint.save(update_fields=["started_at", "next_due", "next_alert_at"])
    # When the sweep runs past the start deadline (and its 75% point)
    sweep(at(2026, 2, 15, 17, 0), django_capture_on_commit_callbacks)
    # Then nobody is told; the next alert is the resolution's 75% point
    assert told() == [] and mail.outbox == []
    complaint.refresh_from_db()
    assert complaint.next_due == complaint.resolution_due
    assert at(2026, 2, 15, 17, 0) < complaint.next_alert_at < complaint.resolution_due


@pytest.mark.django_db
def test_a_closed_case_is_not_alerted(make_complaint, staff, django_capture_on_commit_callbacks):
    # Given a case closed before its deadlines (its next alert left over on the row)
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    Complaint.objects.filter(pk=complaint.pk).update(state="closed")
    # When the sweep runs past every deadline
    sweep(at(2026, 3, 5, 0, 0), django_capture_on_commit_callbacks)
    # Then nobody is told and the row has no next alert any more
    assert told() == []
    complaint.refresh_from_db()
    assert complaint.next_alert_at is None


@pytest.mark.django_db
def test_an_a_case_tells_senior_management_at_intake(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # When an A case is recorded
    with django_capture_on_commit_callbacks(execute=True):
        complaint = make_complaint(criteria=["a_safety"], owner=staff["cs_a"])
    # Then senior management is told at once, in the app and by e-mail, and nobody else
    assert told() == [("ceo", f"complaint:{complaint.id}:grade_a")]
    assert mailed() == ["ceo@example.test"]
    assert "PT-P020 5.2.3" in Notification.objects.get().body


@pytest.mark.django_db
def test_a_b_case_tells_nobody_at_intake(make_complaint, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    assert told() == [] and mail.outbox == []


@pytest.mark.django_db
def test_regrading_to_a_tells_senior_management(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    with django_capture_on_commit_callbacks(execute=True):
        complaint_regrade(
            complaint=complaint,
            criteria=["a_safety"],
            grade=None,
            reason="治療中跌倒",
            by=staff["cs_a"],
        )
    assert told() == [("ceo", f"complaint:{complaint.id}:grade_a")]


@pytest.mark.django_db
def test_a_public_submission_tells_the_branchs_customer_service(
    branch_a, staff, django_capture_on_commit_callbacks
):
    # When the suggestion box receives a complaint for branch A
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_public_submit(
            values={
                "branch": branch_a,
                "complainant_name": "陳先生",
                "complainant_phone": "+886912000222",
                "description": "櫃台人員態度不佳",
            },
            attachment=None,
            fingerprint="a" * 64,
        )
    # Then branch A's customer service is told to complete the record; branch B's is not
    assert told() == [("cs_a", f"complaint:{complaint.id}:public")]
    assert mailed() == ["cs_a@example.test"]


@pytest.mark.django_db
def test_the_huey_task_runs_the_sweep(make_complaint, staff, django_capture_on_commit_callbacks):
    # Given a case from February 2026, long past its deadlines
    complaint = make_complaint(criteria=["b_staff"], owner=staff["cs_a"])
    # When the periodic task runs (now)
    with django_capture_on_commit_callbacks(execute=True):
        handled = complaint_alerts_sweep_task.call_local()
    # Then the case is handled: both missed milestones reported to the head and the owner
    assert handled == 1
    keys = {key for _user, key in told()}
    assert keys == {
        f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:overdue",
        f"complaint:{complaint.id}:resolution:{utc(complaint.resolution_due)}:overdue",
    }
    assert {user for user, _key in told()} == {"cs_a", "pt_head_a"}
    complaint.refresh_from_db()
    assert complaint.next_alert_at is None


@pytest.mark.django_db
def test_without_an_owner_the_branchs_customer_service_is_warned_at_75_percent(
    make_complaint, staff, django_capture_on_commit_callbacks
):
    # Given a B case nobody owns yet
    complaint = make_complaint(criteria=["b_staff"], owner=None)
    # When 75% of its 48 hours to start have gone
    sweep(at(2026, 2, 15, 5, 0), django_capture_on_commit_callbacks)
    # Then the customer service of its branch is warned, not branch B's
    key = f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:at_risk"
    assert told() == [("cs_a", key)]


@pytest.mark.django_db
def test_breach_in_a_department_without_a_head_tells_every_head_of_the_branch(
    make_complaint, staff, departments, django_capture_on_commit_callbacks
):
    # Given an unowned B case of 營運管理部, which has no head at branch A
    complaint = make_complaint(criteria=["b_staff"], depts=[departments["operations"]])
    # When its start deadline passes
    sweep(at(2026, 2, 15, 16, 1), django_capture_on_commit_callbacks)
    # Then every department head of branch A hears of it, and nobody of branch B
    key = f"complaint:{complaint.id}:start:{utc(complaint.start_due)}:overdue"
    assert told() == [("head_a", key), ("pt_head_a", key), ("sales_head_a", key)]
