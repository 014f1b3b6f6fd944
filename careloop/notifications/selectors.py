"""Reads of a user's notifications, shared by the page, the API and the header badge.

A user sees only their own: someone else's notification is 404, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.notifications.models import Notification


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def notification_unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread: one indexed COUNT."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """The user's notification with this id; 404 when it is missing or someone else's."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise Http404(_("找不到此通知。"))
    return notification
