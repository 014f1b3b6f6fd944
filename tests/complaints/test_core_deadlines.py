"""處理期限 (PT-P020 §3.3, domain.md §3.3): what each case stores and how it stands."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from careloop.complaints.deadlines import (
    Milestone,
    Standing,
    deadlines_compute,
    standing_of,
)
from careloop.complaints.models import Complaint, DeadlinePolicy
from careloop.complaints.selectors import board_rows
from careloop.workcalendar.models import ClosureKind
from careloop.workcalendar.services import closure_create, closure_delete
from tests.factories import UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")
FRI_1600 = dt.datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI)


def at(*args):
    return dt.datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="calendar_admin", home_branch=branch_a, roles=["administrator"])


# --- the SOP's examples --------------------------------------------------------------------


@pytest.mark.django_db
def test_example_b_received_friday_before_lunar_new_year(branch_a):
    # Given a B case received Fri 2026-02-13 16:00 (Lunar New Year and 2026-02-27 off)
    # When its deadlines are computed
    deadlines = deadlines_compute(received_at=FRI_1600, grade="B", branch_id=branch_a.id)
    # Then handling starts within 48 calendar hours and the solution is due end of 2026-03-02
    assert deadlines.start_due == at(2026, 2, 15, 16, 0)
    assert deadlines.resolution_due == at(2026, 3, 2, 23, 59, 59)
    assert deadlines.record_due == at(2026, 2, 14, 16, 0)
    assert deadlines.first_response_due is None
    assert deadlines.follow_up_days == 5


@pytest.mark.django_db
def test_example_a_received_before_a_makeup_saturday(branch_a):
    # Given an A case received Thu 2025-02-06 10:00 (Sat 2025-02-08 is a make-up workday)
    deadlines = deadlines_compute(
        received_at=at(2025, 2, 6, 10, 0), grade="A", branch_id=branch_a.id
    )
    # Then the 3rd working day is Mon 2025-02-10 (Fri 7, Sat 8, Mon 10)
    assert deadlines.resolution_due == at(2025, 2, 10, 23, 59, 59)
    assert deadlines.start_due == at(2025, 2, 7, 10, 0)


@pytest.mark.django_db
def test_c_starts_by_the_end_of_the_third_working_day(branch_a):
    # Given a C case received Fri 2026-02-13 16:00
    deadlines = deadlines_compute(received_at=FRI_1600, grade="C", branch_id=branch_a.id)
    # Then start is due at the end of the 3rd working day (Mon 23, Tue 24, Wed 25)
    assert deadlines.start_due == at(2026, 2, 25, 23, 59, 59)
    # And resolution at the end of the 7th (… Thu 26, Mon 2 Mar, Tue 3, Wed 4)
    assert deadlines.resolution_due == at(2026, 3, 4, 23, 59, 59)


@pytest.mark.django_db
def test_intake_stores_the_example_deadlines(make_complaint):
    # Given a case recorded through the intake service with a B criterion
    complaint = make_complaint(criteria=["b_quality"])
    complaint.refresh_from_db()
    # Then the stored deadlines are the example's
    assert complaint.start_due == at(2026, 2, 15, 16, 0)
    assert complaint.resolution_due == at(2026, 3, 2, 23, 59, 59)
    # And the next deadline on the row is the soonest unmet one
    assert complaint.next_due == complaint.start_due


# --- the branch calendar -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_typhoon_day_of_the_branch_moves_its_new_cases_only(
    make_complaint, administrator, branch_a, branch_b, cs_a
):
    # Given a typhoon closure on Mon 2026-02-23 for branch A only
    closure_create(
        date=dt.date(2026, 2, 23),
        branch=branch_a,
        kind=ClosureKind.TYPHOON,
        reason="颱風停止上班",
        by=administrator,
    )
    cs_a.extra_branches.add(branch_b)
    # When a B case is received Fri 2026-02-13 16:00 in each branch
    in_a = make_complaint(criteria=["b_staff"])
    in_b = make_complaint(criteria=["b_staff"], branch=branch_b)
    # Then branch A's case is due a working day later; branch B's is not moved
    assert in_a.resolution_due == at(2026, 3, 3, 23, 59, 59)
    assert in_b.resolution_due == at(2026, 3, 2, 23, 59, 59)
    # And start, counted in hours, is not moved by a closure
    assert in_a.start_due == in_b.start_due == at(2026, 2, 15, 16, 0)


@pytest.mark.django_db
def test_a_closure_declared_later_moves_the_open_cases_of_its_branch_only(
    make_complaint, administrator, branch_a, branch_b, cs_a, django_capture_on_commit_callbacks
):
    # Given B cases received Fri 2026-02-13 16:00 in branch A and in branch B, and one in A
    # already resolved
    cs_a.extra_branches.add(branch_b)
    open_a = make_complaint(criteria=["b_staff"])
    resolved_a = make_complaint(criteria=["b_staff"])
    Complaint.objects.filter(pk=resolved_a.pk).update(resolved_at=at(2026, 2, 20, 10, 0))
    open_b = make_complaint(criteria=["b_staff"], branch=branch_b)
    # When a typhoon day is declared afterwards for Mon 2026-02-23 in branch A
    with django_capture_on_commit_callbacks(execute=True):
        closure = closure_create(
            date=dt.date(2026, 2, 23),
            branch=branch_a,
            kind=ClosureKind.TYPHOON,
            reason="颱風停止上班",
            by=administrator,
        )
    # Then the open case of branch A is due a working day later, as a new case would be,
    # and the history says who and why
    open_a.refresh_from_db()
    assert open_a.resolution_due == at(2026, 3, 3, 23, 59, 59)
    last = open_a.history.first()
    assert last.history_user == administrator and "2026-02-23" in last.history_change_reason
    # And the start, counted in hours, the reached milestone and the other branch stay put
    assert open_a.start_due == at(2026, 2, 15, 16, 0)
    resolved_a.refresh_from_db()
    open_b.refresh_from_db()
    assert resolved_a.resolution_due == at(2026, 3, 2, 23, 59, 59)
    assert open_b.resolution_due == at(2026, 3, 2, 23, 59, 59)

    # When the closure is removed again, the deadline comes back
    with django_capture_on_commit_callbacks(execute=True):
        closure_delete(closure=closure, by=administrator)
    open_a.refresh_from_db()
    assert open_a.resolution_due == at(2026, 3, 2, 23, 59, 59)


@pytest.mark.django_db
def test_a_recount_keeps_the_terms_the_case_was_given(
    make_complaint, administrator, branch_a, django_capture_on_commit_callbacks
):
    # Given a B case recorded under the SOP's 5 working days, then the policy changed to 7
    complaint = make_complaint(criteria=["b_staff"])
    DeadlinePolicy.objects.filter(grade="B").update(resolution_working_days=7)
    # When a closure within its window is declared
    with django_capture_on_commit_callbacks(execute=True):
        closure_create(
            date=dt.date(2026, 2, 24),
            branch=None,
            kind=ClosureKind.TYPHOON,
            reason="全區颱風假",
            by=administrator,
        )
    # Then it is recounted with its own 5 days, not today's 7
    complaint.refresh_from_db()
    assert complaint.resolution_due == at(2026, 3, 3, 23, 59, 59)


@pytest.mark.django_db
def test_a_closure_after_the_deadline_moves_nothing(
    make_complaint, administrator, branch_a, django_capture_on_commit_callbacks
):
    complaint = make_complaint(criteria=["b_staff"])
    before = complaint.history.count()
    with django_capture_on_commit_callbacks(execute=True):
        closure_create(
            date=dt.date(2026, 3, 5),
            branch=branch_a,
            kind=ClosureKind.OTHER,
            reason="院所整修",
            by=administrator,
        )
    complaint.refresh_from_db()
    assert complaint.resolution_due == at(2026, 3, 2, 23, 59, 59)
    assert complaint.history.count() == before


# --- policy changes ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_policy_change_applies_to_new_cases_and_keeps_old_deadlines(make_complaint):
    # Given a B case recorded under the SOP's policy (resolution within 5 working days)
    old = make_complaint(criteria=["b_staff"])
    # When an administrator changes B to 7 working days and 24 hours to start
    policy = DeadlinePolicy.objects.get(grade="B")
    policy.resolution_working_days = 7
    policy.start_amount = 24
    policy.full_clean()
    policy.save()
    new = make_complaint(criteria=["b_staff"])
    # Then the new case has the new deadlines
    assert new.start_due == at(2026, 2, 14, 16, 0)
    assert new.resolution_due == at(2026, 3, 4, 23, 59, 59)
    # And the old case keeps its own
    old.refresh_from_db()
    assert old.start_due == at(2026, 2, 15, 16, 0)
    assert old.resolution_due == at(2026, 3, 2, 23, 59, 59)


@pytest.mark.django_db
def test_a_removed_policy_row_falls_back_to_the_sop_values(branch_a):
    # Given the C policy row removed by an administrator
    DeadlinePolicy.objects.filter(grade="C").delete()
    # When a C case's deadlines are computed
    deadlines = deadlines_compute(received_at=FRI_1600, grade="C", branch_id=branch_a.id)
    # Then the SOP's 3 and 7 working days apply
    assert deadlines.start_due == at(2026, 2, 25, 23, 59, 59)
    assert deadlines.resolution_due == at(2026, 3, 4, 23, 59, 59)


# --- the 24-hour record ------------------------------------------------------------------


@pytest.mark.django_db
def test_record_is_due_within_24_hours_and_flagged_when_later(make_complaint):
    now = timezone.now()
    # Given a case recorded 1 hour after receipt and one recorded 30 hours after
    prompt = make_complaint(received_at=now - dt.timedelta(hours=1))
    late = make_complaint(received_at=now - dt.timedelta(hours=30))
    # Then each is due 24 hours after its receipt
    assert prompt.record_due == prompt.received_at + dt.timedelta(hours=24)
    assert late.record_due == late.received_at + dt.timedelta(hours=24)
    # And only the one recorded past that is flagged late
    assert prompt.is_record_late is False
    assert late.is_record_late is True


# --- first response on online channels ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "criteria", "hours"),
    [
        ("email", ["a_safety"], 2),
        ("social_media", ["a_legal", "b_staff"], 2),
        ("review_platform", ["a_major_loss"], 4),
        ("email", ["b_moderate_loss"], 4),
        ("social_media", ["b_inconvenience"], 4),
        ("email", ["a_media"], 4),  # an A case is high priority at least
        ("email", ["b_staff"], 24),
        ("review_platform", [], 24),
        ("phone", ["a_safety"], None),
        ("in_person", [], None),
        ("letter", ["b_staff"], None),
    ],
)
def test_first_response_due_on_online_channels(make_complaint, channel, criteria, hours):
    # Given a case received on a channel with the criteria ticked
    complaint = make_complaint(channel=channel, criteria=criteria)
    # Then online channels get a first reply deadline of 2 h (safety/legal), 4 h (high) or 24 h;
    # other channels none
    if hours is None:
        assert complaint.first_response_due is None
    else:
        assert complaint.first_response_due == FRI_1600 + dt.timedelta(hours=hours)


@pytest.mark.django_db
def test_the_first_response_is_the_next_deadline_until_answered(make_complaint):
    # Given an e-mail complaint about safety (first reply within 2 hours)
    complaint = make_complaint(channel="email", criteria=["a_safety"])
    # Then the board sorts it by its first-response deadline
    assert complaint.next_due == FRI_1600 + dt.timedelta(hours=2)
    [row] = board_rows([complaint], now=FRI_1600 + dt.timedelta(hours=1))
    assert row.milestone == Milestone.FIRST_RESPONSE


# --- standing ----------------------------------------------------------------------------


def test_standing_on_track_then_at_risk_at_75_percent_then_overdue():
    received = at(2026, 2, 13, 16, 0)
    due = received + dt.timedelta(hours=100)

    def standing(hours):
        return standing_of(received_at=received, due=due, now=received + dt.timedelta(hours=hours))

    # Given a deadline 100 hours after receipt
    # Then it is on track before 75 hours are used, at risk from 75 to the deadline itself,
    # and overdue after it
    assert standing(0) == Standing.ON_TRACK
    assert standing(74.99) == Standing.ON_TRACK
    assert standing(75) == Standing.AT_RISK
    assert standing(100) == Standing.AT_RISK
    assert standing(100.001) == Standing.OVERDUE
    # And a case without an unmet deadline is done
    assert standing_of(received_at=received, due=None, now=received) == Standing.DONE


@pytest.mark.django_db
def test_board_row_standing_follows_the_next_milestone(make_complaint):
    # Given a B case received Fri 16:00, start due Sun 16:00 (48 h; 75% at Sun 04:00)
    complaint = make_complaint(criteria=["b_staff"])

    def row(now):
        [result] = board_rows([complaint], now=now)
        return result

    # Then on Sat it is on track with 24 h left on the start milestone
    saturday = row(at(2026, 2, 14, 16, 0))
    assert (saturday.standing, saturday.milestone) == (Standing.ON_TRACK, Milestone.START)
    assert saturday.time_left == dt.timedelta(hours=24)
    # At Sun 05:00 it is at risk
    assert row(at(2026, 2, 15, 5, 0)).standing == Standing.AT_RISK
    # After Sun 16:00 it is overdue
    late = row(at(2026, 2, 15, 16, 1))
    assert late.standing == Standing.OVERDUE
    assert late.time_left == -dt.timedelta(minutes=1)
