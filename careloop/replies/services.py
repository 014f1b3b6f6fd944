"""Writing replies: templates and the avoid-list (administrators), rendering a template for a
case, and sending a reply, which is checked, sent through messaging and logged on the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_can, user_may_see_branch
from careloop.complaints.models import Channel, Complaint
from careloop.complaints.services import communication_add
from careloop.complaints.workflow import editable_check, may_handle
from careloop.messaging.models import MessageChannel
from careloop.messaging.services import message_send
from careloop.replies.checker import CheckResult, FindingKind
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply
from careloop.replies.placeholders import placeholder_values, placeholders_fill
from careloop.replies.selectors import reply_check_for_complaint

# How a reply sent on a messaging channel is logged on the case (complaints has no SMS/LINE).
COMMUNICATION_CHANNEL = {
    MessageChannel.EMAIL: Channel.EMAIL,
    MessageChannel.SMS: Channel.PHONE,
    MessageChannel.LINE: Channel.SOCIAL_MEDIA,
}
# The template channel the checker applies to a reply sent on each messaging channel.
TEMPLATE_CHANNEL_FOR = {
    MessageChannel.EMAIL: "email",
    MessageChannel.SMS: "private_message",
    MessageChannel.LINE: "private_message",
}


class ReplyBlocked(ValidationError):
    """The checker found what must not reach a customer; `result` holds every finding."""

    def __init__(self, result: CheckResult, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.result = result


def _save(instance: Any, *, by: User) -> None:
    instance._history_user = by
    instance.full_clean()
    instance.save()


# --- templates and the avoid-list (administrators) --------------------------------------------


@transaction.atomic
def reply_template_save(
    *, values: dict[str, Any], by: User, template: ReplyTemplate | None = None
) -> ReplyTemplate:
    """Create a template, or change one. Administrators only; raises ValidationError by field."""
    require(by, Capability.STAFF_ADMIN)
    template = template or ReplyTemplate()
    for name, value in values.items():
        setattr(template, name, value)
    template.updated_by = by
    _save(template, by=by)
    return template


@transaction.atomic
def avoid_phrase_save(
    *, values: dict[str, Any], by: User, phrase: AvoidPhrase | None = None
) -> AvoidPhrase:
    """Add a phrase to the avoid-list, or change one; the next check reads it. Administrators
    only; raises ValidationError by field (a pattern that cannot be used says why)."""
    require(by, Capability.STAFF_ADMIN)
    phrase = phrase or AvoidPhrase()
    for name, value in values.items():
        setattr(phrase, name, value)
    phrase.updated_by = by
    _save(phrase, by=by)
    return phrase


@transaction.atomic
def avoid_phrase_delete(*, phrase: AvoidPhrase, by: User) -> None:
    """Remove a phrase from the avoid-list (its versions stay in the history)."""
    require(by, Capability.STAFF_ADMIN)
    phrase._history_user = by
    phrase.delete()


# --- composing and sending ----------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedReply:
    template: ReplyTemplate
    subject: str
    body: str


def _require_composer(complaint: Complaint, by: User) -> None:
    if not user_may_see_branch(by, complaint.branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))
    if not may_handle(by, complaint):
        raise PermissionDenied(_("只有客戶服務部、主管或本案負責人可以回覆客戶。"))


def reply_render(*, template: ReplyTemplate, complaint: Complaint, by: User) -> RenderedReply:
    """The template with its fields filled from the case; a field the case has no value for
    (no solution yet, no compensation granted) stays as written, for the checker to flag."""
    _require_composer(complaint, by)
    values = placeholder_values(complaint=complaint, by=by)
    return RenderedReply(
        template=template,
        subject=placeholders_fill(template.subject, values),
        body=placeholders_fill(template.body, values),
    )


def _blocked_errors(result: CheckResult, *, override: bool) -> dict[str, list[str]]:
    """The reasons a reply may not leave, first the one that says what to do."""
    placeholders = [f.message for f in result.blocking if f.kind == FindingKind.PLACEHOLDER]
    avoid = [f.message for f in result.blocking if f.kind == FindingKind.AVOID_PHRASE]
    if placeholders:
        heading = _("回覆中還有未填入的欄位，請改成實際內容後再傳送。")
        return {"body": [heading, *placeholders, *avoid]}
    if avoid and not override:
        heading = _("回覆含應避免的用語，請修改後再傳送；確有必要時，可由主管填寫理由後傳送。")
        return {"body": [heading, *avoid]}
    return {}


@transaction.atomic
def reply_send(
    *,
    complaint: Complaint,
    channel: str,
    to: str,
    subject: str,
    body: str,
    by: User,
    override_reason: str | None = None,
    template: ReplyTemplate | None = None,
    is_solution: bool = False,
    key: str | None = None,
) -> SentReply:
    """Check the reply, send it through messaging and log it as a communication on the case.

    Refused (ReplyBlocked, a ValidationError on ``body``) while an unfilled field remains, or
    an avoid-phrase, unless a supervisor (部門主管以上) gives `override_reason`; structure and
    personalisation findings are warnings, kept with the sent reply. The communication sets
    the case's first response when it is the first (complaints.services.communication_add),
    and refuses a closed case or a user who may not handle it (WorkflowRefused). `key` makes
    a repeated submission (a double click) answer the first reply. The message leaves after
    commit.
    """
    if key:
        existing = SentReply.objects.filter(message__key=f"reply:{key}").first()
        if existing is not None:
            return existing
    _require_composer(complaint, by)
    editable_check(complaint)
    if channel not in COMMUNICATION_CHANNEL:
        raise ValidationError({"channel": _("請選擇電子郵件、簡訊或 LINE。")})
    if channel != MessageChannel.EMAIL:
        subject = ""  # an SMS or a LINE message is its text alone
    reason = (override_reason or "").strip()
    if reason and not user_can(by, Capability.COMPLAINT_SUPERVISE):
        raise ValidationError(
            {"override_reason": _("只有部門主管以上可以放行含應避免用語的回覆。")}
        )
    result = reply_check_for_complaint(
        complaint=complaint, text=f"{subject}\n{body}" if subject else body,
        channel=TEMPLATE_CHANNEL_FOR[channel], by=by,
    )  # fmt: skip
    errors = _blocked_errors(result, override=bool(reason))
    if errors:
        raise ReplyBlocked(result, errors)
    message = message_send(
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        complaint=complaint,
        by=by,
        key=f"reply:{key}" if key else None,
    )
    medium = MessageChannel(channel).label
    heading = _("［%(medium)s回覆］收件者：%(to)s") % {"medium": medium, "to": message.to}
    if message.subject:
        heading += "\n" + _("主旨：%(subject)s") % {"subject": message.subject}
    communication = communication_add(
        complaint=complaint,
        values={
            "channel": COMMUNICATION_CHANNEL[channel],
            "occurred_at": timezone.now(),
            "content": f"{heading}\n\n{message.body}",
            "is_solution": is_solution,
        },
        by=by,
    )
    sent = SentReply(
        complaint=complaint,
        message=message,
        communication=communication,
        template=template,
        findings=[f.as_dict() for f in result.findings],
        override_reason=reason if result.blocking else "",
        by=by,
    )
    sent.full_clean()
    sent.save()
    return sent
