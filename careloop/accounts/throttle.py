"""Password spraying: one address trying one password on many accounts stays under each
account's lock-out (django-axes counts an account and address together), so the address
itself is stopped once it has failed on too many different accounts within the hour.

A clinic's staff share one public address, so the threshold counts *accounts*, not failures:
a colleague's typos lock nobody else out, forty names tried in a row do.
"""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

WINDOW = dt.timedelta(hours=1)


def address_spraying(*, address: str, now: dt.datetime | None = None) -> bool:
    """Whether this address has failed on CARELOOP_LOGIN_ADDRESS_ACCOUNTS accounts or more
    within the hour."""
    if not address or not settings.AXES_ENABLED:
        return False
    since = (now or timezone.now()) - WINDOW
    accounts = (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )
    return accounts >= settings.CARELOOP_LOGIN_ADDRESS_ACCOUNTS
