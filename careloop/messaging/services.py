"""Sending a message to a customer: store it, then deliver it once, after commit.

`message_send` is infrastructure: it checks the message, not the sender. Callers (replies,
surveys, compensation) check what the user may do before they call it.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.core.phones import phone_normalize
from careloop.messaging.backends import backend_for, backend_path_for
from careloop.messaging.models import MessageChannel, MessageStatus, OutboundMessage

if TYPE_CHECKING:
    from careloop.accounts.models import User
    from careloop.complaints.models import Complaint
    from careloop.customers.models import Customer

logger = logging.getLogger(__name__)

LINE_TEXT_MAX = 5000  # the Messaging API's limit for one text message
ERROR_MAX = 2000


def _clean(*, channel: str, to: str, subject: str, body: str) -> tuple[str, str, str]:
    """The recipient, subject and body as stored; raises ValidationError by field."""
    errors: dict[str, str] = {}
    to, subject = (to or "").strip(), (subject or "").strip()
    if channel not in MessageChannel.values:
        errors["channel"] = _("請選擇電子郵件、簡訊或 LINE。")
    if not to:
        errors["to"] = _("請填寫收件者。")
    elif channel == MessageChannel.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            errors["to"] = _("請輸入有效的電子郵件地址。")
    elif channel == MessageChannel.SMS:
        normalized = phone_normalize(to)
        if normalized is None:
            errors["to"] = _("請輸入有效的手機號碼。")
        else:
            to = normalized
    elif len(to) > OutboundMessage._meta.get_field("to").max_length or any(c.isspace() for c in to):
        errors["to"] = _("LINE 收件者格式不正確。")
    if channel == MessageChannel.EMAIL and not subject:
        errors["subject"] = _("電子郵件請填寫主旨。")
    elif len(subject) > OutboundMessage._meta.get_field("subject").max_length:
        errors["subject"] = _("主旨最多 200 字。")
    if not (body or "").strip():
        errors["body"] = _("請填寫訊息內容。")
    elif channel == MessageChannel.LINE and len(body) > LINE_TEXT_MAX:
        errors["body"] = _("LINE 訊息最多 %(max)s 字。") % {"max": LINE_TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return to, subject, body


@transaction.atomic
def message_send(
    *,
    channel: str,
    to: str,
    subject: str,
    body: str,
    customer: Customer | None = None,
    complaint: Complaint | None = None,
    by: User | None = None,
    key: str | None = None,
) -> OutboundMessage:
    """Store a message to one recipient and deliver it after the outermost commit.

    `key` makes the call idempotent: a second call with the same key, sequential or
    concurrent, answers the first message and sends nothing. A rolled-back caller sends
    nothing. The message's customer defaults to the complaint's. An e-mail address is
    validated, a mobile number is stored as E.164. Raises ValidationError by field
    (``channel``, ``to``, ``subject``, ``body``).
    """
    key = (key or "").strip() or None
    if key is not None:
        existing = OutboundMessage.objects.filter(key=key).first()
        if existing is not None:
            return existing
    to, subject, body = _clean(channel=channel, to=to, subject=subject, body=body)
    if customer is None and complaint is not None:
        customer = complaint.customer
    values = {
        "channel": channel,
        "to": to,
        "subject": subject,
        "body": body,
        "customer": customer,
        "complaint": complaint,
        "sent_by": by,
        "backend": backend_path_for(channel),
    }
    try:
        with transaction.atomic():
            message = OutboundMessage(key=key, **values)
            message._history_user = by
            message.save()
    except IntegrityError:
        # Another caller stored this key between our read and our insert: theirs stands.
        if key is not None and (existing := OutboundMessage.objects.filter(key=key).first()):
            return existing
        raise
    from careloop.messaging.tasks import message_deliver_task

    transaction.on_commit(partial(message_deliver_task, message.pk))
    return message


def message_deliver(*, message_id: int) -> OutboundMessage | None:
    """Deliver one queued message; answer it, or None when another caller has claimed it.

    The row is claimed with a conditional UPDATE (queued → sending), so a retried task, a
    restarted worker or two workers never send it twice. The outcome is recorded: ``sent``,
    or ``failed`` with the error (the message is kept either way). A worker that dies between
    the claim and the outcome leaves the message ``sending``: it is not sent again by itself,
    since it may have left; staff see it in the admin.
    """
    claimed_at = timezone.now()
    claimed = OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, claimed_at=claimed_at
    )
    if not claimed:
        return None
    message = OutboundMessage.objects.get(pk=message_id)
    try:
        backend = backend_for(message.channel)
        message.backend = backend.path()
        backend.send(message)
    except Exception as exc:
        logger.exception("outbound message %s: delivery failed", message.pk)
        message.status = MessageStatus.FAILED
        message.error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
    else:
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.error = ""
    message._history_user = None
    message.save(update_fields=["status", "error", "sent_at", "backend"])
    return message
