"""Grading (annex 2, domain.md §3.2) and the case number (§3.1), through the services."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.complaints.criteria import CRITERIA, grade_suggest
from careloop.complaints.models import Complaint, GradeChange
from careloop.complaints.services import complaint_regrade
from careloop.core.models import Sequence

TAIPEI = ZoneInfo("Asia/Taipei")
UTC = dt.UTC


# --- grade_suggest ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], "C"),
        (["c_general"], "C"),
        (["c_general", "b_staff"], "B"),
        (["b_quality", "c_no_loss", "a_safety"], "A"),
        (["a_fraud"], "A"),
        (["b_recurring", "b_cross_department"], "B"),
    ],
)
def test_grade_suggest_is_the_most_severe_ticked_grade(codes, expected):
    # Given the criteria ticked on the intake checklist
    # When the grade is suggested
    # Then it is the most severe grade among them, C when none is ticked
    assert grade_suggest(codes) == expected


def test_every_annex_criterion_suggests_its_own_grade():
    # Given each criterion of annex 2 ticked alone
    # Then the suggestion is that criterion's grade
    for criterion in CRITERIA:
        assert grade_suggest([criterion.code]) == criterion.grade


# --- intake ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intake_stores_the_suggested_grade_when_it_is_kept(make_complaint, cs_a):
    # Given a case with a B criterion ticked and no other grade chosen
    complaint = make_complaint(criteria=["b_staff", "c_general"])
    # Then the suggested and chosen grades are both B, with no reason needed
    assert (complaint.suggested_grade, complaint.grade, complaint.grade_reason) == ("B", "B", "")
    assert complaint.criteria == ["b_staff", "c_general"]
    # And the first grade is kept with who gave it
    change = GradeChange.objects.get(complaint=complaint)
    assert (change.from_grade, change.to_grade, change.changed_by) == ("", "B", cs_a)


@pytest.mark.django_db
def test_intake_with_another_grade_keeps_both_grades_and_the_reason(make_complaint, cs_a):
    # Given a B criterion ticked but grade A chosen with a reason
    complaint = make_complaint(criteria=["b_staff"], grade="A", grade_reason="記者已來電詢問")
    # Then both the suggestion and the choice are stored, with the reason
    complaint.refresh_from_db()
    assert complaint.suggested_grade == "B"
    assert complaint.grade == "A"
    assert complaint.grade_reason == "記者已來電詢問"
    change = GradeChange.objects.get(complaint=complaint)
    assert (change.to_grade, change.reason, change.changed_by) == ("A", "記者已來電詢問", cs_a)


@pytest.mark.django_db
def test_intake_with_another_grade_and_no_reason_is_refused_on_grade_reason(make_complaint):
    # Given a B criterion ticked and grade C chosen without a reason
    # When the case is recorded
    with pytest.raises(ValidationError) as refused:
        make_complaint(criteria=["b_staff"], grade="C", grade_reason="   ")
    # Then the refusal sits on the grade reason and nothing is stored
    assert "grade_reason" in refused.value.message_dict
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_intake_refuses_unknown_criterion_codes(make_complaint):
    # Given a criterion code that annex 2 does not have
    # When the case is recorded
    with pytest.raises(ValidationError) as refused:
        make_complaint(criteria=["b_staff", "z_made_up"])
    # Then the refusal names the code on the criteria field
    assert "z_made_up" in refused.value.message_dict["criteria"][0]
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["government", "consumer_protection"])
def test_a_third_party_channel_needs_the_third_party(make_complaint, channel):
    # Given a complaint passed on by a third party without naming it
    # When it is recorded
    with pytest.raises(ValidationError) as refused:
        make_complaint(channel=channel)
    # Then the third party is asked for
    assert "third_party" in refused.value.message_dict
    # And with the third party named it is recorded
    complaint = make_complaint(channel=channel, third_party="臺北市政府衛生局")
    assert complaint.third_party == "臺北市政府衛生局"


# --- regrade ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_regrade_recomputes_deadlines_from_receipt_and_records_the_change(
    make_complaint, cs_a, pt_head_a
):
    # Given a B case received Fri 2026-02-13 16:00
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a)
    assert complaint.start_due == dt.datetime(2026, 2, 15, 16, 0, tzinfo=TAIPEI)
    before = timezone.now()
    # When a department head regrades it A for a safety risk, with a reason
    complaint = complaint_regrade(
        complaint=complaint,
        criteria=["a_safety", "b_staff"],
        grade=None,
        reason="治療中跌倒，涉及安全",
        by=pt_head_a,
    )
    # Then the deadlines are A's, counted from the time of receipt (not from now)
    complaint.refresh_from_db()
    assert (complaint.suggested_grade, complaint.grade) == ("A", "A")
    assert complaint.start_due == dt.datetime(2026, 2, 14, 16, 0, tzinfo=TAIPEI)
    # 3 working days after Fri 2026-02-13, Lunar New Year off: Mon 23, Tue 24, Wed 25
    assert complaint.resolution_due == dt.datetime(2026, 2, 25, 23, 59, 59, tzinfo=TAIPEI)
    assert complaint.record_due == dt.datetime(2026, 2, 14, 16, 0, tzinfo=TAIPEI)
    # And the change is kept with who and when
    change = complaint.grade_changes.last()
    assert (change.from_grade, change.to_grade) == ("B", "A")
    assert change.reason == "治療中跌倒，涉及安全"
    assert change.changed_by == pt_head_a
    assert before <= change.changed_at <= timezone.now()
    assert complaint.grade_changes.count() == 2


@pytest.mark.django_db
def test_regrade_without_a_reason_is_refused_and_changes_nothing(make_complaint, cs_a):
    # Given a B case
    complaint = make_complaint(criteria=["b_staff"])
    # When it is regraded C without a reason
    with pytest.raises(ValidationError) as refused:
        complaint_regrade(complaint=complaint, criteria=["b_staff"], grade="C", reason="", by=cs_a)
    # Then the reason is asked for and the case keeps its grade and deadlines
    assert "grade_reason" in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.grade == "B"
    assert complaint.grade_changes.count() == 1


@pytest.mark.django_db
def test_regrade_refuses_unknown_criterion_codes(make_complaint, cs_a):
    complaint = make_complaint(criteria=["b_staff"])
    with pytest.raises(ValidationError) as refused:
        complaint_regrade(
            complaint=complaint, criteria=["a_unknown"], grade=None, reason="x", by=cs_a
        )
    assert "criteria" in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.criteria == ["b_staff"]


@pytest.mark.django_db
def test_regrade_with_the_same_grade_adds_no_grade_change(make_complaint, cs_a):
    # Given a B case
    complaint = make_complaint(criteria=["b_staff"])
    # When another B criterion is ticked (the grade stays B)
    complaint = complaint_regrade(
        complaint=complaint, criteria=["b_staff", "b_quality"], grade=None, reason="", by=cs_a
    )
    # Then the criteria are stored and no grade change is recorded
    assert complaint.criteria == ["b_staff", "b_quality"]
    assert complaint.grade_changes.count() == 1


# --- case number -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_number_uses_the_local_date_of_receipt(make_complaint):
    # Given a case received 2026-02-13 23:30 in Taipei, which is 15:30 UTC the same day,
    # and one received 00:30 Taipei on the 14th, which is still the 13th in UTC
    late_evening = make_complaint(received_at=dt.datetime(2026, 2, 13, 15, 30, tzinfo=UTC))
    after_midnight = make_complaint(received_at=dt.datetime(2026, 2, 13, 16, 30, tzinfo=UTC))
    # Then each is numbered by its Taipei date
    assert late_evening.number == "20260213-001"
    assert after_midnight.number == "20260214-001"


@pytest.mark.django_db
def test_number_sequence_counts_per_day_from_001(make_complaint):
    # Given cases received on two days, interleaved
    first = make_complaint(received_at=dt.datetime(2026, 2, 13, 9, 0, tzinfo=TAIPEI))
    other_day = make_complaint(received_at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=TAIPEI))
    second = make_complaint(received_at=dt.datetime(2026, 2, 13, 8, 0, tzinfo=TAIPEI))
    # Then each day counts from 001 on its own, in the order recorded
    assert [first.number, other_day.number, second.number] == [
        "20260213-001",
        "20260212-001",
        "20260213-002",
    ]


@pytest.mark.django_db
def test_number_grows_wider_past_999(make_complaint):
    # Given the day's counter already at 999
    Sequence.objects.create(key="complaint-20260213", last_value=999)
    # When two more cases are received that day
    first = make_complaint(received_at=dt.datetime(2026, 2, 13, 10, 0, tzinfo=TAIPEI))
    second = make_complaint(received_at=dt.datetime(2026, 2, 13, 11, 0, tzinfo=TAIPEI))
    # Then the numbers widen instead of wrapping
    assert (first.number, second.number) == ("20260213-1000", "20260213-1001")
