"""What the complaints app does when other apps announce a change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from careloop.complaints.tasks import complaint_deadlines_recount_task
from careloop.workcalendar.signals import working_days_changed


@receiver(working_days_changed, dispatch_uid="complaints-recount-deadlines")
def recount_deadlines(*, branch_id: int | None, day: dt.date, by: Any, **kwargs: Any) -> None:
    # The worker does it: a chain-wide closure may touch every open case.
    complaint_deadlines_recount_task(branch_id, day.isoformat(), getattr(by, "pk", None))
