"""Reads shared by the reply pages, the case panel and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_can
from careloop.complaints.models import Complaint
from careloop.complaints.workflow import may_handle
from careloop.core.phones import phone_display
from careloop.messaging.models import MessageChannel
from careloop.replies.checker import CheckResult, reply_check
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply


def reply_templates_visible_to(*, user: User, active_only: bool = False) -> QuerySet[ReplyTemplate]:
    """Templates, for anyone who works on complaints; administrators edit them."""
    require(user, Capability.COMPLAINT_VIEW)
    templates = ReplyTemplate.objects.select_related("updated_by")
    return templates.filter(active=True) if active_only else templates


def reply_template_get_for_user(*, user: User, template_id: int) -> ReplyTemplate:
    template = reply_templates_visible_to(user=user).filter(pk=template_id).first()
    if template is None:
        raise Http404
    return template


def avoid_phrases_visible_to(*, user: User) -> QuerySet[AvoidPhrase]:
    require(user, Capability.COMPLAINT_VIEW)
    return AvoidPhrase.objects.select_related("updated_by")


def avoid_phrase_get_for_user(*, user: User, phrase_id: int) -> AvoidPhrase:
    phrase = avoid_phrases_visible_to(user=user).filter(pk=phrase_id).first()
    if phrase is None:
        raise Http404
    return phrase


def case_facts(complaint: Complaint) -> tuple[str, ...]:
    """What a reply about this case should mention at least one of: its number, what the
    customer said, what they asked for."""
    return tuple(
        fact
        for fact in (complaint.number, complaint.description, complaint.expected_resolution)
        if fact and fact.strip()
    )


def customer_name_of(complaint: Complaint) -> str:
    return complaint.customer.name if complaint.customer_id else complaint.complainant_name


def reply_check_for_complaint(
    *, complaint: Complaint, text: str, channel: str | None, by: User | None
) -> CheckResult:
    """The checker with the case's customer, facts and the sender's name filled in."""
    staff_name = (by.full_name or None) if by is not None else None
    return reply_check(
        text=text,
        customer_name=customer_name_of(complaint),
        case_facts=case_facts(complaint),
        channel=channel,
        staff_name=staff_name,
    )


def recipient_defaults(complaint: Complaint) -> dict[str, str]:
    """Where a reply on each channel goes by default: the complainant's own details first,
    then the customer record's."""
    customer = complaint.customer if complaint.customer_id else None
    return {
        MessageChannel.EMAIL: complaint.complainant_email or getattr(customer, "email", ""),
        # Shown the clinic's way (0912-345-678); message_send stores it as E.164 again.
        MessageChannel.SMS: phone_display(
            complaint.complainant_phone or getattr(customer, "phone", "")
        ),
        MessageChannel.LINE: complaint.complainant_line_id or getattr(customer, "line_id", ""),
    }


def sent_replies_for(*, complaint: Complaint) -> list[SentReply]:
    return list(
        SentReply.objects.filter(complaint=complaint)
        .select_related("message", "by", "template")
        .order_by("-sent_at", "-id")
    )


@dataclass
class ReplyPanel:
    """What the case page's reply panel shows (replies/partials/case_panel.html)."""

    complaint: Complaint
    can_compose: bool
    can_override: bool
    templates: list[ReplyTemplate]
    sent: list[SentReply]
    recipients: dict[str, str]
    form: Any = None
    result: CheckResult | None = None
    notice: str = ""
    errors: list[str] = field(default_factory=list)


def reply_panel(*, complaint: Complaint, user: User, **extra: Any) -> ReplyPanel:
    """The reply panel of a case for this user, in three queries (roles, templates, sent)."""
    can_compose = complaint.is_open and may_handle(user, complaint)
    return ReplyPanel(
        complaint=complaint,
        can_compose=can_compose,
        can_override=can_compose and user_can(user, Capability.COMPLAINT_SUPERVISE),
        templates=list(ReplyTemplate.objects.filter(active=True)) if can_compose else [],
        sent=sent_replies_for(complaint=complaint),
        recipients=recipient_defaults(complaint),
        **extra,
    )
