"""Who sees the read log, and the limits it runs by.

The role set belongs beside the other capabilities in `accounts/permissions.py`
(`Capability.READ_LOG_VIEW`); it is kept here until that module is free to edit, and nothing
outside this app asks it.
"""

from __future__ import annotations

from django.conf import settings

from careloop.accounts.models import RoleCode, User
from careloop.accounts.permissions import user_has_role

# Department heads, senior management and administrators: those who answer for how their
# staff use customer data. Front-line roles do not see who else opened a record.
READ_LOG_ROLES = (
    RoleCode.DEPARTMENT_HEAD,
    RoleCode.SENIOR_MANAGEMENT,
    RoleCode.ADMINISTRATOR,
)

# Reads per request are written in one INSERT; an export's thousands go in batches this size.
EXPORT_BATCH = 2000
# The customer page's panel shows this many of the newest reads; the full list pages by 50.
PANEL_SIZE = 10
PAGE_SIZE = 50


def may_view_read_log(user: User) -> bool:
    return user_has_role(user, *READ_LOG_ROLES)


def bulk_read_limit() -> int:
    """More distinct customers than this in an hour, by one reader, is reported."""
    return int(settings.CARELOOP_BULK_READ_LIMIT)


def read_log_days() -> int:
    return int(settings.CARELOOP_READ_LOG_DAYS)
