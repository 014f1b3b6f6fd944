"""Sending notifications and marking them read.

Other apps call `notification_send`; it may run twice, or in two workers at once, with the
same key (a deadline sweep after a worker restart), and each recipient still gets one
notification and at most one e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.notifications.models import Notification, is_site_path

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
SUBJECT_PREFIX = "[CareLoop] "
KEY_MAX_LENGTH = Notification._meta.get_field("key").max_length
TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
URL_MAX_LENGTH = Notification._meta.get_field("url").max_length


def _one_line(text: str) -> str:
    return " ".join(text.split())


@transaction.atomic
def notification_send(
    *,
    recipients: Iterable[User],
    key: str,
    title: str,
    body: str,
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each active recipient who does not yet hold `key`; answer only the new ones.

    `key` is the caller's idempotency key ("complaint:42:start:at_risk"): a second call with
    it, sequential or concurrent, creates nothing and sends nothing. `url` is a path on this
    site ("/complaints/42/") or empty. E-mail goes after the outermost transaction commits,
    to recipients with an address, once per notification; a rolled-back caller sends none.
    Raises ValueError for an empty or over-long key or a URL that is not a relative path.
    """
    key = key.strip()
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"notification key must be 1 to {KEY_MAX_LENGTH} characters")
    if url and (len(url) > URL_MAX_LENGTH or not is_site_path(url)):
        raise ValueError("notification url must be a path on this site, such as /complaints/1/")
    title = Truncator(_one_line(title)).chars(TITLE_MAX_LENGTH)
    # Inactive staff get nothing; a recipient named twice gets one.
    users = {user.pk: user for user in recipients if user.is_active}
    if not users:
        return []
    # The common case for a repeated sweep: everyone already has it, one query and done.
    held = set(
        Notification.objects.filter(key=key, recipient_id__in=users).values_list(
            "recipient_id", flat=True
        )
    )
    now = timezone.now()
    created = []
    for user in users.values():
        if user.pk in held:
            continue
        notification = _create_once(
            recipient=user, key=key, title=title, body=body, url=url, created_at=now
        )
        if notification is not None:
            created.append(notification)
    to_email = [n.pk for n in created if n.recipient.email]
    if email and to_email:
        transaction.on_commit(partial(notifications_email_send, notification_ids=to_email))
    return created


def _create_once(*, recipient: User, key: str, **values: object) -> Notification | None:
    """Insert the recipient's notification, or None when they hold the key already.

    The unique constraint decides, not the read before it: of two callers that both passed
    that read, the database lets one insert (PostgreSQL makes the other wait for it to
    commit; SQLite's IMMEDIATE transactions run them one after the other) and the other's
    insert fails and is rolled back to its savepoint.
    """
    try:
        with transaction.atomic():
            return Notification.objects.create(recipient=recipient, key=key, **values)
    except IntegrityError:
        if Notification.objects.filter(recipient=recipient, key=key).exists():
            return None
        raise


def notifications_email_send(*, notification_ids: Iterable[int]) -> int:
    """E-mail each of these notifications not e-mailed yet; answer how many were sent.

    Safe to call again, or from two workers at once: see `notification_email_send`.
    """
    pending = Notification.objects.filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    ).select_related("recipient")
    return sum(notification_email_send(notification=n) for n in pending)


def notification_email_send(*, notification: Notification) -> bool:
    """E-mail one notification to its recipient unless it has been; True when it was sent.

    The notification is claimed first with a conditional UPDATE (`emailed_at` still empty
    → now) and only the caller whose UPDATE changed the row sends, so no retry or concurrent
    worker sends it twice. A recipient who is inactive or has no address gets none. When
    sending fails the claim is given back, so the record does not claim an e-mail that never
    left, and the failure is logged rather than raised: the notification itself stands.
    """
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return False
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=claimed_at
    )
    if not claimed:
        return False
    try:
        send_mail(
            subject=SUBJECT_PREFIX + _one_line(notification.title),
            message=_email_body(notification),
            from_email=None,
            recipient_list=[recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification.pk, emailed_at=claimed_at).update(
            emailed_at=None
        )
        logger.exception("notification %s: e-mail to its recipient failed", notification.pk)
        return False
    notification.emailed_at = claimed_at
    return True


def notification_link(*, notification: Notification) -> str:
    """The absolute link an e-mail carries: the notification's page, else the inbox."""
    base = getattr(settings, "CARELOOP_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    return base + (notification.target or reverse("notifications:list"))


def _email_body(notification: Notification) -> str:
    parts = [
        notification.body.strip(),
        _("查看詳情：%(link)s") % {"link": notification_link(notification=notification)},
        _("此信由 CareLoop 自動寄出，請勿直接回覆。"),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


@transaction.atomic
def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark the notification read (its first reading stays). Only its recipient may."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("這不是您的通知。"))
    if notification.read_at is None:
        now = timezone.now()
        marked = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        )
        if marked:
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; answer how many were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
