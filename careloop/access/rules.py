"""Who sees the read log (`Capability.READ_LOG_VIEW`, accounts/permissions.py), and the
limits it runs by."""

from __future__ import annotations

from django.conf import settings

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, user_can

# Reads per request are written in one INSERT; an export's thousands go in batches this size.
EXPORT_BATCH = 2000
# The customer page's panel shows this many of the newest reads; the full list pages by 50.
PANEL_SIZE = 10
PAGE_SIZE = 50


def may_view_read_log(user: User) -> bool:
    return user_can(user, Capability.READ_LOG_VIEW)


def bulk_read_limit() -> int:
    """More distinct customers than this in an hour, by one reader, is reported."""
    return int(settings.CARELOOP_BULK_READ_LIMIT)


def read_log_days() -> int:
    return int(settings.CARELOOP_READ_LOG_DAYS)
