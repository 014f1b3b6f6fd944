"""Sending surveys at the right moments, once; answering once; where the answer goes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.complaints.models import Complaint, State
from careloop.complaints.services import complainant_to_customer, complaint_transition
from careloop.complaints.workflow import MoveInput
from careloop.customers.models import SatisfactionRecord
from careloop.messaging.backends import message_log_read
from careloop.messaging.models import OutboundMessage
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse, SurveyStatus
from careloop.surveys.services import (
    SurveyRefused,
    survey_answer,
    survey_on_complaint_resolved,
    survey_on_package_completed,
    survey_resend,
    survey_send_for_complaint,
    survey_send_for_package,
)
from careloop.surveys.tokens import survey_url
from careloop.treatments.services import purchase_reverse
from tests.complaints.test_core_workflow import advance
from tests.surveys.conftest import expire

pytestmark = pytest.mark.django_db

ANSWER = {
    "satisfaction": 9,
    "recommend": 10,
    "went_well": "處理很迅速",
    "to_improve": "希望更早通知",
}


# --- complaint: the survey goes out on entering follow-up ---------------------------------


def test_given_a_case_when_it_enters_follow_up_then_exactly_one_survey_is_sent_by_sms(
    case_a, to_follow_up, customer_a
):
    # when the solution has been communicated and the case moves to follow-up
    complaint = to_follow_up(case_a)
    # then one survey exists for the case, for its customer, valid 30 days
    survey = Survey.objects.get()
    assert survey.kind == SurveyKind.COMPLAINT_RESOLVED
    assert survey.complaint == complaint
    assert survey.customer == customer_a
    assert survey.branch == complaint.branch
    assert survey.channel == "sms"
    assert survey.recipient == "+886912000111"
    assert survey.expires_at - survey.sent_at == dt.timedelta(days=30)
    assert survey.status == SurveyStatus.SENT
    # and its message is stored, keyed by the survey, carrying the link, and was delivered
    message = OutboundMessage.objects.get()
    assert message.key == f"survey:{survey.pk}"
    assert message.complaint == complaint
    assert survey_url(survey) in message.body
    assert message.status == "sent"
    assert [m["id"] for m in message_log_read(channel="sms")] == [message.pk]
    assert survey.last_message == message
    assert survey.send_count == 1


def test_given_the_trigger_runs_twice_then_one_survey_and_one_message(resolved_case, cs_a):
    # when the after-commit hook is run again (a retried request, a second worker)
    again = survey_on_complaint_resolved(complaint_id=resolved_case.pk, by_id=cs_a.pk)
    # then it answers the survey already there and sends nothing more
    assert again == Survey.objects.get()
    assert OutboundMessage.objects.count() == 1


def test_given_a_case_reopened_and_resolved_again_then_still_one_survey(
    resolved_case, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    # given the case closed, then reopened with a reason
    closed = advance(resolved_case, State.CLOSED, handler=cs_a, approver=pt_head_a)
    reopened = complaint_transition(
        complaint=closed, to=State.INVESTIGATING, by=pt_head_a, data=MoveInput(reason="客戶再反映")
    )
    # when it reaches follow-up a second time
    with django_capture_on_commit_callbacks(execute=True):
        advance(reopened, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    # then the survey is not sent again
    assert Survey.objects.count() == 1
    assert OutboundMessage.objects.filter(key__startswith="survey:").count() == 1


def test_given_moves_before_follow_up_then_no_survey(case_a, cs_a, pt_head_a):
    advance(case_a, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    assert not Survey.objects.exists()


def test_given_a_rolled_back_move_then_no_survey(
    case_a, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    complaint = advance(case_a, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
        raise RuntimeError("the request failed after the move")
    assert callbacks == []
    assert not Survey.objects.exists()


def test_given_only_an_email_then_the_survey_goes_by_email(make_complaint, cs_a, to_follow_up):
    case = make_complaint(
        criteria=["b_staff"], owner=cs_a, complainant_phone="", complainant_email="a@example.test"
    )
    to_follow_up(case)
    survey = Survey.objects.get()
    assert (survey.channel, survey.recipient) == ("email", "a@example.test")
    assert survey.customer is None  # a complainant who is not a customer yet
    assert survey.recipient_name == "林美玲"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a@example.test"]
    assert survey_url(survey) in mail.outbox[0].body


def test_given_a_landline_and_no_email_then_no_survey_and_the_move_stands(
    make_complaint, cs_a, to_follow_up
):
    # given a complainant who left only a landline (no SMS) — staff print PT-F021 instead
    case = make_complaint(criteria=["b_staff"], owner=cs_a, complainant_phone="+886223456789")
    # when the case enters follow-up
    complaint = to_follow_up(case)
    # then the move is kept and nothing is sent
    assert Complaint.objects.get(pk=complaint.pk).state == State.FOLLOW_UP
    assert not Survey.objects.exists()
    assert not OutboundMessage.objects.exists()
    # and sending by hand says why
    with pytest.raises(ValidationError) as refused:
        survey_send_for_complaint(complaint=complaint, by=cs_a)
    assert "沒有手機號碼或電子郵件" in refused.value.messages[0]


def test_given_a_case_still_investigating_then_sending_by_hand_is_refused(case_a, cs_a):
    with pytest.raises(ValidationError) as refused:
        survey_send_for_complaint(complaint=case_a, by=cs_a)
    assert "後續跟進" in refused.value.messages[0]


def test_given_staff_who_do_not_handle_the_case_then_they_cannot_send(
    resolved_case, therapist_a, therapist_b
):
    Survey.objects.all().delete()
    for user in (therapist_a, therapist_b):
        with pytest.raises(PermissionDenied):
            survey_send_for_complaint(complaint=resolved_case, by=user)
    assert not Survey.objects.exists()


def test_the_database_holds_one_survey_per_complaint(complaint_survey, cs_a):
    duplicate = Survey(
        kind=SurveyKind.COMPLAINT_RESOLVED,
        branch=complaint_survey.branch,
        complaint=complaint_survey.complaint,
        recipient_name="x",
        nonce="n",
        sent_by=cs_a,
        expires_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


# --- package: the survey goes out with the last session ----------------------------------


def test_given_a_package_when_its_last_session_is_used_then_one_survey_is_sent(
    three_sessions, use_sessions, customer_a
):
    # when two of three sessions are used
    use_sessions(three_sessions, 2)
    # then no survey yet
    assert not Survey.objects.exists()
    # when the last one is used
    use_sessions(three_sessions, 1)
    # then one survey about the package, and its message
    survey = Survey.objects.get()
    assert survey.kind == SurveyKind.PACKAGE_COMPLETED
    assert survey.purchase == three_sessions
    assert survey.customer == customer_a
    assert survey.complaint is None
    message = OutboundMessage.objects.get()
    assert message.key == f"survey:{survey.pk}"
    assert message.customer == customer_a
    assert "肩頸放鬆療程 3 堂組" in message.body
    assert survey_url(survey) in message.body


def test_given_the_package_trigger_runs_twice_then_one_survey(
    three_sessions, use_sessions, front_desk
):
    use_sessions(three_sessions, 3)
    survey_on_package_completed(purchase_id=three_sessions.pk, by_id=front_desk.pk)
    survey_send_for_package(purchase=three_sessions, by=front_desk)
    assert Survey.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_given_a_cancelled_package_then_no_survey(three_sessions, front_desk):
    purchase_reverse(sale=three_sessions, kind="cancellation", by=front_desk, reason="客戶搬家")
    with pytest.raises(ValidationError):
        survey_send_for_package(purchase=three_sessions, by=front_desk)
    assert not Survey.objects.exists()


def test_given_a_package_with_sessions_left_then_sending_by_hand_is_refused(
    three_sessions, front_desk
):
    with pytest.raises(ValidationError):
        survey_send_for_package(purchase=three_sessions, by=front_desk)


def test_given_staff_of_another_branch_then_they_cannot_send_a_package_survey(
    three_sessions, use_sessions, therapist_b
):
    use_sessions(three_sessions, 3)
    Survey.objects.all().delete()
    with pytest.raises(PermissionDenied):
        survey_send_for_package(purchase=three_sessions, by=therapist_b)


# --- answering ---------------------------------------------------------------------------


def test_given_an_answer_then_it_feeds_the_customer_history_and_the_case(
    complaint_survey, customer_a, cs_a
):
    # when the customer answers
    response = survey_answer(survey=complaint_survey, values=ANSWER)
    # then the answer is stored and the link is answered
    complaint_survey.refresh_from_db()
    assert complaint_survey.answered_at == response.answered_at
    assert complaint_survey.status == SurveyStatus.ANSWERED
    assert (response.satisfaction, response.recommend) == (9, 10)
    # and the customer's satisfaction history has the score and both texts
    record = SatisfactionRecord.objects.get(customer=customer_a)
    assert record.score == 9
    assert record.positive_feedback == "處理很迅速"
    assert record.improvement_suggestions == "希望更早通知"
    assert record.recorded_by == cs_a  # who sent the survey
    assert response.satisfaction_record == record
    # and the case's satisfaction evaluation
    complaint = Complaint.objects.get(pk=complaint_survey.complaint_id)
    assert complaint.satisfaction_score == 9
    assert "滿意度 9/10" in complaint.satisfaction_note
    assert "推薦意願 10/10" in complaint.satisfaction_note
    assert "希望更早通知" in complaint.satisfaction_note


def test_given_an_answered_survey_then_a_second_answer_is_refused(complaint_survey):
    survey_answer(survey=complaint_survey, values=ANSWER)
    with pytest.raises(SurveyRefused) as refused:
        survey_answer(survey=complaint_survey, values={**ANSWER, "satisfaction": 2})
    assert refused.value.reason == SurveyRefused.ANSWERED
    assert SurveyResponse.objects.get().satisfaction == 9
    assert SatisfactionRecord.objects.count() == 1


def test_given_a_stale_copy_of_the_survey_then_the_row_lock_still_refuses(complaint_survey):
    # given two submissions that both read the survey before either answered
    first_copy = Survey.objects.get(pk=complaint_survey.pk)
    second_copy = Survey.objects.get(pk=complaint_survey.pk)
    survey_answer(survey=first_copy, values=ANSWER)
    # then the second, re-reading under the lock, finds it answered
    assert second_copy.answered_at is None
    with pytest.raises(SurveyRefused):
        survey_answer(survey=second_copy, values=ANSWER)
    assert SurveyResponse.objects.count() == 1


def test_the_database_holds_one_response_per_survey(complaint_survey):
    survey_answer(survey=complaint_survey, values=ANSWER)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=complaint_survey, satisfaction=5, recommend=5)


def test_given_an_expired_link_then_the_answer_is_refused(complaint_survey):
    expire(complaint_survey)
    with pytest.raises(SurveyRefused) as refused:
        survey_answer(survey=complaint_survey, values=ANSWER)
    assert refused.value.reason == SurveyRefused.EXPIRED
    assert str(refused.value) == "此問卷連結已過期。"
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "values, field",
    [
        ({**ANSWER, "satisfaction": 0}, "satisfaction"),
        ({**ANSWER, "satisfaction": 11}, "satisfaction"),
        ({**ANSWER, "recommend": 11}, "recommend"),
        ({**ANSWER, "recommend": None}, "recommend"),
    ],
)
def test_given_scores_out_of_range_then_nothing_is_stored(complaint_survey, values, field):
    with pytest.raises(ValidationError) as refused:
        survey_answer(survey=complaint_survey, values=values)
    assert field in refused.value.message_dict
    complaint_survey.refresh_from_db()
    assert complaint_survey.answered_at is None
    assert not SurveyResponse.objects.exists()


def test_given_a_complainant_who_is_not_a_customer_then_only_the_case_gets_the_score(
    make_complaint, cs_a, to_follow_up
):
    case = make_complaint(criteria=["b_staff"], owner=cs_a)
    to_follow_up(case)
    survey_answer(survey=Survey.objects.get(), values=ANSWER)
    assert not SatisfactionRecord.objects.exists()
    assert Complaint.objects.get(pk=case.pk).satisfaction_score == 9


def test_given_the_complainant_became_a_customer_after_the_survey_then_the_history_is_theirs(
    make_complaint, cs_a, to_follow_up
):
    case = make_complaint(criteria=["b_staff"], owner=cs_a, complainant_phone="+886933111222")
    complaint = to_follow_up(case)
    complaint = complainant_to_customer(complaint=complaint, by=cs_a)
    survey_answer(survey=Survey.objects.get(), values=ANSWER)
    assert SatisfactionRecord.objects.get().customer == complaint.customer


def test_given_a_closed_case_then_the_answer_leaves_its_signed_evaluation(
    complaint_survey, cs_a, pt_head_a
):
    # given the case closed with the evaluation its supervisor signed (8)
    advance(complaint_survey.complaint, State.CLOSED, handler=cs_a, approver=pt_head_a)
    # when the customer answers afterwards
    survey_answer(survey=complaint_survey, values={**ANSWER, "satisfaction": 4})
    # then the closed case is not edited (5.6.3), the customer's history still is
    complaint = Complaint.objects.get(pk=complaint_survey.complaint_id)
    assert complaint.satisfaction_score == 8
    assert SatisfactionRecord.objects.get().score == 4


def test_given_the_answer_then_the_case_can_close_on_it(complaint_survey, cs_a, pt_head_a):
    # given the customer's answer is the only satisfaction evaluation (5.6.1)
    survey_answer(survey=complaint_survey, values=ANSWER)
    complaint = Complaint.objects.get(pk=complaint_survey.complaint_id)
    for item in complaint.action_items.all():
        from careloop.complaints.services import action_item_set_done

        action_item_set_done(item=item, done=True, by=cs_a)
    # when the supervisor closes without typing a score
    closed = complaint_transition(
        complaint=complaint, to=State.CLOSED, by=pt_head_a, data=MoveInput(summary="已補課")
    )
    assert closed.state == State.CLOSED
    assert closed.satisfaction_score == 9


# --- resending ---------------------------------------------------------------------------


def test_given_a_survey_just_sent_then_a_resend_is_refused_as_a_double_click(
    complaint_survey, cs_a
):
    with pytest.raises(ValidationError) as refused:
        survey_resend(survey=complaint_survey, by=cs_a)
    assert "10 分鐘" in refused.value.messages[0]
    assert OutboundMessage.objects.count() == 1


def test_given_an_expired_survey_when_resent_then_the_same_link_works_30_more_days(
    complaint_survey, cs_a, django_capture_on_commit_callbacks
):
    expire(complaint_survey)
    Survey.objects.filter(pk=complaint_survey.pk).update(
        last_sent_at=timezone.now() - dt.timedelta(days=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        survey = survey_resend(survey=complaint_survey, by=cs_a)
    assert survey.status == SurveyStatus.SENT
    assert survey.expires_at > timezone.now() + dt.timedelta(days=29)
    assert survey.send_count == 2
    messages = OutboundMessage.objects.order_by("pk")
    assert [m.key for m in messages] == [f"survey:{survey.pk}", f"survey:{survey.pk}:2"]
    assert survey_url(survey) in messages[1].body
    assert survey_answer(survey=survey, values=ANSWER).satisfaction == 9


def test_given_an_answered_survey_then_it_is_not_resent(complaint_survey, cs_a):
    survey_answer(survey=complaint_survey, values=ANSWER)
    with pytest.raises(ValidationError) as refused:
        survey_resend(survey=complaint_survey, by=cs_a)
    assert "已回覆" in refused.value.messages[0]
