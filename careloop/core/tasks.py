"""Periodic housekeeping run by the Huey worker (`manage.py run_huey`)."""

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="17"))
def sessions_clear() -> None:
    """Expired login sessions are deleted nightly so the session table stays small."""
    call_command("clearsessions")
