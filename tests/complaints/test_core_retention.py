"""PT-P020 5.6.3: a case is kept at least three years after closing (retention.py).

The admin's missing delete permission is tested with the admin; here the model and the
queryset, which every other path goes through.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from careloop.complaints.models import Complaint, GradeChange, State
from careloop.complaints.retention import RetentionRefused

TAIPEI = ZoneInfo("Asia/Taipei")


def closed(complaint, closed_at):
    """The case as the close move leaves it, closed at `closed_at`."""
    Complaint.objects.filter(pk=complaint.pk).update(state=State.CLOSED, closed_at=closed_at)
    return Complaint.objects.get(pk=complaint.pk)


@pytest.mark.django_db
def test_an_open_case_cannot_be_deleted(make_complaint):
    # Given an open case
    complaint = make_complaint()
    # When it is deleted, one by one or through a queryset
    with pytest.raises(RetentionRefused) as refused:
        complaint.delete()
    with pytest.raises(RetentionRefused):
        Complaint.objects.filter(pk=complaint.pk).delete()
    # Then it stays, citing 5.6.3
    assert str(refused.value.args[0]).startswith("PT-P020 5.6.3：")
    assert complaint.number in str(refused.value.args[0])
    assert Complaint.objects.filter(pk=complaint.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.CLOSED, State.ARCHIVED])
def test_a_case_closed_within_three_years_cannot_be_deleted(make_complaint, state):
    # Given a case closed (or archived) two years and 364 days ago
    complaint = closed(make_complaint(), timezone.now() - dt.timedelta(days=3 * 365 - 1))
    Complaint.objects.filter(pk=complaint.pk).update(state=state)
    complaint.refresh_from_db()
    # When it is deleted
    with pytest.raises(RetentionRefused):
        complaint.delete()
    with pytest.raises(RetentionRefused):
        Complaint.objects.filter(pk=complaint.pk).delete()
    with pytest.raises(RetentionRefused):
        Complaint.objects.all().delete()
    # Then it and its records stay
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    assert GradeChange.objects.filter(complaint_id=complaint.pk).exists()


@pytest.mark.django_db
def test_a_case_closed_more_than_three_years_ago_can_be_deleted(make_complaint):
    # Given a case closed three years and a day ago
    complaint = closed(make_complaint(), timezone.now() - dt.timedelta(days=3 * 366 + 1))
    assert complaint.retention_until < timezone.now()
    pk = complaint.pk
    # When it is deleted
    complaint.delete()
    # Then it is gone, with its records
    assert not Complaint.objects.filter(pk=pk).exists()
    assert not GradeChange.objects.filter(complaint_id=pk).exists()


@pytest.mark.django_db
def test_a_queryset_delete_is_refused_whole_when_one_case_is_still_kept(make_complaint):
    # Given one case past its retention and one still kept
    old = closed(make_complaint(), timezone.now() - dt.timedelta(days=3 * 366 + 1))
    kept = closed(make_complaint(), timezone.now() - dt.timedelta(days=30))
    # When both are deleted at once
    with pytest.raises(RetentionRefused):
        Complaint.objects.filter(pk__in=[old.pk, kept.pk]).delete()
    # Then neither is deleted
    assert Complaint.objects.filter(pk__in=[old.pk, kept.pk]).count() == 2
    # And the old one alone may go
    Complaint.objects.filter(pk=old.pk).delete()
    assert list(Complaint.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_retention_of_a_case_closed_on_29_february(make_complaint):
    # Given a case closed on 29 February 2020 (2023 has no 29 February)
    complaint = closed(make_complaint(), dt.datetime(2020, 2, 29, 10, 0, tzinfo=TAIPEI))
    # Then it is kept until 1 March 2023, no less than three years
    until = complaint.retention_until
    assert timezone.localtime(until).date() == dt.date(2023, 3, 1)
    # And now, past that, it can be deleted
    complaint.delete()
    assert not Complaint.objects.filter(pk=complaint.pk).exists()


@pytest.mark.django_db
def test_a_reopened_case_is_kept_again(make_complaint):
    # Given a case closed four years ago and then reopened (no closing date any more)
    complaint = closed(make_complaint(), timezone.now() - dt.timedelta(days=4 * 365))
    Complaint.objects.filter(pk=complaint.pk).update(state=State.INVESTIGATING, closed_at=None)
    complaint.refresh_from_db()
    # Then it cannot be deleted
    with pytest.raises(RetentionRefused):
        complaint.delete()
