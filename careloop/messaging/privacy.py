"""Messages sent to a person: the rows in a copy; on erasure the rows lose their address and
text, and the lines of the file logs (SMS/LINE JSON lines under MESSAGING_LOG_DIR, e-mails
under EMAIL_FILE_PATH) that name the person are removed. Messages of a case kept under
PT-P020 5.6.3 are part of its record (complaints/privacy.py) and stay in the table."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from careloop.customers.models import Customer
from careloop.messaging.models import OutboundMessage
from careloop.privacy.files import jsonl_scrub, mail_dir_scrub, message_log_dir
from careloop.privacy.registry import Contributor, ErasureContext, record, register
from careloop.privacy.rules import ERASED_TEXT


def messages_copy(customer: Customer) -> list[dict]:
    return [
        record(m, ["channel", "to", "subject", "body", "status", "created_at", "sent_at"])
        for m in OutboundMessage.objects.filter(customer=customer).order_by("created_at", "id")
    ]


def messages_erase(ctx: ErasureContext) -> None:
    rows = OutboundMessage.objects.filter(customer=ctx.customer).exclude(
        complaint_id__in=ctx.held_complaint_ids
    )
    ids = list(rows.values_list("pk", flat=True))
    values = {"to": "", "subject": "", "body": ERASED_TEXT, "error": ""}
    ctx.count(
        "messaging.OutboundMessage", OutboundMessage.objects.filter(pk__in=ids).update(**values)
    )
    OutboundMessage.history.filter(id__in=ids).update(**values)
    ctx.protect(OutboundMessage, Q(complaint_id__in=ctx.held_complaint_ids))
    ctx.protect(OutboundMessage.history.model, Q(complaint_id__in=ctx.held_complaint_ids))
    # The file logs are counted now and rewritten once the erasure commits: a rolled-back
    # erasure must leave them as they were.
    directory = message_log_dir()
    customer_id = ctx.customer.pk
    mentions = ctx.mentions
    if directory.is_dir():
        for path in sorted(directory.glob("*.jsonl")):
            found = jsonl_scrub(path, mentions=mentions, customer_id=customer_id, apply=False)
            if found:
                ctx.count("files:message_lines", found)
                transaction.on_commit(
                    lambda path=path: jsonl_scrub(path, mentions=mentions, customer_id=customer_id)
                )
    mails = mail_dir_scrub(mentions=mentions, apply=False)
    if mails:
        ctx.count("files:mail", mails)
        transaction.on_commit(lambda: mail_dir_scrub(mentions=mentions))


register(
    Contributor(
        key="messaging",
        label="寄送給客戶的訊息",
        order=50,
        copy=messages_copy,
        erase=messages_erase,
    )
)
