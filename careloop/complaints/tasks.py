"""Background work for complaint cases (Huey)."""

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from careloop.accounts.models import User
from careloop.complaints.alerts import complaint_alerts_sweep
from careloop.complaints.recount import complaint_deadlines_recount


@db_periodic_task(crontab(minute="*/5"))
@lock_task("complaint-alerts-sweep")
def complaint_alerts_sweep_task() -> int:
    """Every five minutes: 75% and breach notifications for open cases (domain.md §3.3)."""
    return complaint_alerts_sweep()


@db_task(retries=2, retry_delay=30)
def complaint_deadlines_recount_task(branch_id: int | None, day: str, by_id: int | None) -> int:
    """After a calendar change: recount the open cases it touches (safe to run twice)."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return complaint_deadlines_recount(branch_id=branch_id, day=dt.date.fromisoformat(day), by=by)
