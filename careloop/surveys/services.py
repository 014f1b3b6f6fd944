"""Sending PT-F021 links and taking their answers (domain.md §6).

- `survey_send_for_complaint` / `survey_send_for_package` create the one survey of a case or
  a package and send its link through `messaging.message_send` (SMS to a mobile number,
  otherwise e-mail). Called twice, they answer the survey already there and send nothing.
- `survey_on_complaint_resolved` / `survey_on_package_completed` are what the complaint
  workflow and the session-use service hand to `transaction.on_commit`: the survey goes out
  once the move or the session is committed, and a refusal (no contact) never undoes them.
- `survey_resend` sends the same link again, renewing an expired one.
- `survey_answer` stores the one answer under the survey's row lock and feeds the customer's
  satisfaction history (PT-F025) and, for a complaint, the case's satisfaction evaluation.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import phonenumbers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, user_can, user_may_see_branch
from careloop.complaints.models import Complaint, State
from careloop.complaints.workflow import may_handle
from careloop.customers.models import Customer, SatisfactionRecord
from careloop.customers.selectors import customer_processing_allowed
from careloop.printing.dates import date_long
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse, survey_valid_days
from careloop.surveys.tokens import nonce_new, survey_url
from careloop.treatments.models import Purchase, PurchaseKind

logger = logging.getLogger(__name__)

# A survey goes out once the solution has been carried out and communicated (§3.4 follow-up).
COMPLAINT_SURVEY_STATES = frozenset({State.FOLLOW_UP, State.CLOSED})
# A second click on 重新寄送 within this time is taken as the same click.
RESEND_COOLDOWN = dt.timedelta(minutes=10)


class SurveyRefused(Exception):
    """The link cannot take an answer: `reason` is "answered" or "expired"."""

    ANSWERED = "answered"
    EXPIRED = "expired"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


# --- who may send ------------------------------------------------------------------------


def survey_may_send(*, user: User, subject: Survey | Complaint | Purchase) -> bool:
    """Complaint surveys: whoever handles the case (PT-P020 §4.1); package surveys: staff who
    edit customers. Both within the user's branches."""
    if isinstance(subject, Survey):
        subject = subject.complaint if subject.complaint_id else subject.purchase
    if isinstance(subject, Complaint):
        return user_may_see_branch(user, subject.branch_id) and may_handle(user, subject)
    return user_may_see_branch(user, subject.customer.branch_id) and user_can(
        user, Capability.CUSTOMER_EDIT
    )


def _require_sender(user: User, subject: Survey | Complaint | Purchase) -> None:
    if not survey_may_send(user=user, subject=subject):
        raise PermissionDenied(_("您沒有權限寄送此問卷。"))


# --- the address -------------------------------------------------------------------------


def _is_mobile(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def contact_choose(*, phone: str, email: str) -> tuple[str, str]:
    """(channel, to): SMS to a mobile number, else e-mail, else ("", "") — a landline cannot
    take an SMS, and a LINE ID is not an address the Messaging API can push to."""
    if phone and _is_mobile(phone):
        return "sms", phone
    if email:
        return "email", email
    return "", ""


def _require_processing_allowed(customer: Customer | None) -> None:
    """個資法 §11: a customer who asked us to stop processing gets no survey."""
    if not customer_processing_allowed(customer=customer):
        raise ValidationError(
            {"customer": _("客戶已要求停止處理個人資料（個資法第 11 條），不寄送滿意度問卷。")}
        )


def _no_contact() -> ValidationError:
    return ValidationError(
        {
            "channel": _(
                "沒有手機號碼或電子郵件，無法寄送問卷連結；可列印 PT-F021 紙本問卷請客戶填寫。"
            )
        }
    )


# --- sending -----------------------------------------------------------------------------


def _message_text(survey: Survey) -> tuple[str, str]:
    """(subject, body) in the clinic's words; the SMS stays short enough for one or two parts."""
    url = survey_url(survey)
    until = date_long(survey.expires_at)
    if survey.kind == SurveyKind.COMPLAINT_RESOLVED:
        reason = _("感謝您日前提供寶貴意見，想請您花一分鐘告訴我們處理結果是否令您滿意")
    else:
        reason = _("您的療程「%(item)s」已全部完成，想請您花一分鐘告訴我們這段療程的感受") % {
            "item": survey.purchase.item_name
        }
    subject = _("%(branch)s 客戶滿意度調查") % {"branch": survey.branch.name}
    body = _("【%(branch)s】%(name)s 您好，%(reason)s：%(url)s （%(until)s 前有效）") % {
        "branch": survey.branch.name,
        "name": survey.recipient_name,
        "reason": reason,
        "url": url,
        "until": until,
    }
    return subject, body


def _deliver(survey: Survey, *, by: User, key: str) -> Survey:
    """Send the link now (after commit) and note it on the survey."""
    from careloop.messaging.services import message_send

    subject, body = _message_text(survey)
    message = message_send(
        channel=survey.channel,
        to=survey.recipient,
        subject=subject,
        body=body,
        customer=survey.customer,
        complaint=survey.complaint,
        by=by,
        key=key,
    )
    survey.last_message = message
    survey.last_sent_at = timezone.now()
    survey.send_count += 1
    survey._history_user = by
    survey.save(update_fields=["last_message", "last_sent_at", "send_count"])
    return survey


def _create_once(survey: Survey, *, lookup: dict[str, Any], by: User) -> tuple[Survey, bool]:
    """Save a new survey unless its complaint or package already has one (a concurrent trigger
    included: the unique constraint decides, and the loser answers the winner's survey)."""
    existing = Survey.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    survey.nonce = nonce_new()
    survey.sent_at = now
    survey.expires_at = now + dt.timedelta(days=survey_valid_days())
    survey.sent_by = by
    survey._history_user = by
    try:
        with transaction.atomic():
            survey.full_clean(exclude=["nonce"], validate_constraints=False)
            survey.save()
    except IntegrityError:
        existing = Survey.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    return survey, True


@transaction.atomic
def survey_send_for_complaint(*, complaint: Complaint, by: User) -> Survey:
    """The case's survey, sent once the solution has been carried out and communicated
    (PT-P020 5.5.3 確認客戶滿意度). Idempotent: a second call answers the first survey.

    Raises PermissionDenied (not a handler of the case), ValidationError (the case is not at
    follow-up or later, or the complainant left neither a mobile number nor an e-mail).
    """
    complaint = Complaint.objects.select_related("branch", "customer").get(pk=complaint.pk)
    _require_sender(by, complaint)
    lookup = {"complaint": complaint, "kind": SurveyKind.COMPLAINT_RESOLVED}
    existing = Survey.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    if complaint.state not in COMPLAINT_SURVEY_STATES:
        raise ValidationError(
            {"complaint": _("方案執行並告知客戶、進入後續跟進後，才寄送滿意度問卷。")}
        )
    _require_processing_allowed(complaint.customer)
    channel, to = contact_choose(
        phone=complaint.complainant_phone, email=complaint.complainant_email
    )
    if not channel and complaint.customer is not None:
        channel, to = contact_choose(phone=complaint.customer.phone, email=complaint.customer.email)
    if not channel:
        raise _no_contact()
    survey = Survey(
        kind=SurveyKind.COMPLAINT_RESOLVED,
        branch=complaint.branch,
        complaint=complaint,
        customer=complaint.customer,
        recipient_name=complaint.complainant_name,
        channel=channel,
        recipient=to,
    )
    survey, created = _create_once(survey, lookup=lookup, by=by)
    if created:
        _deliver(survey, by=by, key=f"survey:{survey.pk}")
    return survey


@transaction.atomic
def survey_send_for_package(*, purchase: Purchase, by: User) -> Survey:
    """The survey after a package is used up (domain.md §6). Idempotent per package.

    Raises PermissionDenied, or ValidationError when the purchase is not a package whose
    sessions have all been used, or the customer has neither a mobile number nor an e-mail.
    """
    purchase = Purchase.objects.select_related("customer", "branch").get(pk=purchase.pk)
    _require_sender(by, purchase)
    lookup = {"purchase": purchase, "kind": SurveyKind.PACKAGE_COMPLETED}
    existing = Survey.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    cancelled = purchase.reversals.filter(kind=PurchaseKind.CANCELLATION).exists()
    if not purchase.is_package or cancelled or purchase.sessions_remaining > 0:
        raise ValidationError({"purchase": _("只有堂數已全部使用完畢的療程才寄送滿意度問卷。")})
    customer: Customer = purchase.customer
    _require_processing_allowed(customer)
    channel, to = contact_choose(phone=customer.phone, email=customer.email)
    if not channel:
        raise _no_contact()
    survey = Survey(
        kind=SurveyKind.PACKAGE_COMPLETED,
        branch=purchase.branch,
        purchase=purchase,
        customer=customer,
        recipient_name=customer.name,
        channel=channel,
        recipient=to,
    )
    survey, created = _create_once(survey, lookup=lookup, by=by)
    if created:
        _deliver(survey, by=by, key=f"survey:{survey.pk}")
    return survey


@transaction.atomic
def survey_resend(*, survey: Survey, by: User) -> Survey:
    """Send the same link again; an expired link is renewed for another 30 days first.

    Raises PermissionDenied, or ValidationError when it has been answered or was sent in the
    last ten minutes (a double click).
    """
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("branch", "complaint", "purchase__customer", "customer")
        .get(pk=survey.pk)
    )
    _require_sender(by, survey)
    now = timezone.now()
    if survey.answered_at is not None:
        raise ValidationError({"survey": _("客戶已回覆此問卷，不需再寄送。")})
    if survey.last_sent_at and now - survey.last_sent_at < RESEND_COOLDOWN:
        raise ValidationError({"survey": _("問卷剛剛已寄出，請 10 分鐘後再重新寄送。")})
    _require_processing_allowed(survey.customer)
    if not survey.channel:
        raise _no_contact()
    if now > survey.expires_at:
        survey.expires_at = now + dt.timedelta(days=survey_valid_days())
        survey._history_user = by
        survey.save(update_fields=["expires_at"])
    return _deliver(survey, by=by, key=f"survey:{survey.pk}:{survey.send_count + 1}")


def survey_send_or_resend_for_complaint(*, complaint: Complaint, by: User) -> tuple[Survey, bool]:
    """「寄送問卷」 on the case page and the API: the first survey, or the same one again.
    Answers (survey, created)."""
    existing = Survey.objects.filter(
        complaint=complaint, kind=SurveyKind.COMPLAINT_RESOLVED
    ).first()
    if existing is None:
        return survey_send_for_complaint(complaint=complaint, by=by), True
    return survey_resend(survey=existing, by=by), False


# --- the triggers (run after commit) -------------------------------------------------------


def survey_on_complaint_resolved(*, complaint_id: int, by_id: int) -> Survey | None:
    """complaint_transition → follow-up hands this to on_commit. A case whose complainant
    cannot be reached by link gets no survey (staff print PT-F021); the move stands."""
    try:
        complaint = Complaint.objects.get(pk=complaint_id)
        by = User.objects.get(pk=by_id)
        return survey_send_for_complaint(complaint=complaint, by=by)
    except (ValidationError, PermissionDenied) as exc:
        logger.info("complaint %s: no survey sent: %s", complaint_id, exc)
        return None


def survey_on_package_completed(*, purchase_id: int, by_id: int) -> Survey | None:
    """session_use → the last session hands this to on_commit; the session stands regardless."""
    try:
        purchase = Purchase.objects.get(pk=purchase_id)
        by = User.objects.get(pk=by_id)
        return survey_send_for_package(purchase=purchase, by=by)
    except (ValidationError, PermissionDenied) as exc:
        logger.info("purchase %s: no survey sent: %s", purchase_id, exc)
        return None


# --- answering ---------------------------------------------------------------------------


@transaction.atomic
def survey_answer(
    *, survey: Survey, values: dict[str, Any], now: dt.datetime | None = None
) -> SurveyResponse:
    """Store the one answer of a link. No user: the customer answers through the signed link.

    The survey row is locked first, so two submissions of the same link queue here and the
    second finds it answered; the unique survey column stops anything that slips past.
    Raises SurveyRefused ("answered" / "expired") or ValidationError (bad values, by field).
    """
    now = now or timezone.now()
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("complaint", "customer", "sent_by")
        .get(pk=survey.pk)
    )
    if survey.answered_at is not None:
        raise SurveyRefused(SurveyRefused.ANSWERED, _("此問卷已經填寫過了，感謝您的回覆。"))
    if now > survey.expires_at:
        raise SurveyRefused(SurveyRefused.EXPIRED, _("此問卷連結已過期。"))
    response = SurveyResponse(
        survey=survey,
        satisfaction=values.get("satisfaction"),
        recommend=values.get("recommend"),
        went_well=(values.get("went_well") or "").strip(),
        to_improve=(values.get("to_improve") or "").strip(),
        answered_at=now,
    )
    response.full_clean(exclude=["survey", "satisfaction_record"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise SurveyRefused(
            SurveyRefused.ANSWERED, _("此問卷已經填寫過了，感謝您的回覆。")
        ) from exc
    survey.answered_at = now
    survey._history_user = None
    survey.save(update_fields=["answered_at"])
    response.satisfaction_record = _satisfaction_history_add(survey, response)
    if response.satisfaction_record is not None:
        response.save(update_fields=["satisfaction_record"])
    if survey.complaint_id is not None:
        _case_evaluation_feed(survey, response)
    return response


def _customer_of(survey: Survey) -> Customer | None:
    """The survey's customer; for a complainant linked to a customer after the survey went
    out, the case's customer now."""
    if survey.customer_id is not None:
        return survey.customer
    if survey.complaint_id is not None:
        return Complaint.objects.select_related("customer").get(pk=survey.complaint_id).customer
    return None


def _satisfaction_history_add(
    survey: Survey, response: SurveyResponse
) -> SatisfactionRecord | None:
    """One line of PT-F025's 客戶滿意度與反饋. `customers.services.satisfaction_add` is a staff
    action (it checks the acting user's capability and branch); here the customer wrote it,
    so the record is written directly, validated the same way, and credited to the member of
    staff who sent the survey (記錄人 cannot be empty). The survey response links to it."""
    customer = _customer_of(survey)
    if customer is None:
        return None
    record = SatisfactionRecord(
        customer=customer,
        score=response.satisfaction,
        recorded_on=timezone.localtime(response.answered_at).date(),
        positive_feedback=response.went_well,
        improvement_suggestions=response.to_improve,
        recorded_by=survey.sent_by,
    )
    record._history_user = None
    record.full_clean()
    record.save()
    return record


def _case_evaluation_feed(survey: Survey, response: SurveyResponse) -> None:
    from careloop.complaints.services import complaint_satisfaction_from_survey

    parts = [
        _("滿意度問卷（%(date)s）：滿意度 %(score)s/10，推薦意願 %(recommend)s/10")
        % {
            "date": date_long(response.answered_at),
            "score": response.satisfaction,
            "recommend": response.recommend,
        }
    ]
    if response.went_well:
        parts.append(_("做得好的地方：%s") % response.went_well)
    if response.to_improve:
        parts.append(_("需要改進的地方：%s") % response.to_improve)
    complaint_satisfaction_from_survey(
        complaint=survey.complaint, score=response.satisfaction, note="；".join(parts)
    )
