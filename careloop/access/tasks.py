"""Background work for the read log (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from careloop.access.services import bulk_read_alerts_send, reads_purge


@db_periodic_task(crontab(minute="*/5"))
@lock_task("access-bulk-read-alerts")
def bulk_read_alerts_task() -> int:
    """Every five minutes: report readers past the hourly limit to their supervisors."""
    return bulk_read_alerts_send()


@db_periodic_task(crontab(hour="3", minute="41"))
@lock_task("access-reads-purge")
def reads_purge_task() -> int:
    """Nightly: delete reads past CARELOOP_READ_LOG_DAYS."""
    return reads_purge()
