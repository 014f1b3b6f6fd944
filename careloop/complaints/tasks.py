"""Background work for complaint cases (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from careloop.complaints.alerts import complaint_alerts_sweep


@db_periodic_task(crontab(minute="*/5"))
@lock_task("complaint-alerts-sweep")
def complaint_alerts_sweep_task() -> int:
    """Every five minutes: 75% and breach notifications for open cases (domain.md §3.3)."""
    return complaint_alerts_sweep()
