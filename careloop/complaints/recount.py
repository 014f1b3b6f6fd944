"""A closure or an extra working day declared after cases were received (a typhoon day) moves
their working-day deadlines (§3.3): the open cases of the branches it touches are recounted with
the terms they were given. Milestones already reached keep the deadline they were judged by."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.complaints.deadlines import deadlines_compute, next_due_refresh, policy_from_terms
from careloop.complaints.models import OPEN_STATES, Complaint, State
from careloop.workcalendar.calendar import TAIPEI


def complaints_touched_by(*, branch_id: int | None, day: dt.date):
    """Open cases whose unreached working-day deadline may count `day`: received before it
    (the day of receipt is not counted) and due on or after it."""
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=TAIPEI)
    # A reopened case counts from its reopening (5.6.3), not from receipt: left alone.
    cases = Complaint.objects.filter(state__in=OPEN_STATES, received_at__lt=day_start).exclude(
        transitions__from_state=State.CLOSED
    )
    if branch_id is not None:
        cases = cases.filter(branch_id=branch_id)
    unreached_start = cases.filter(started_at__isnull=True, start_due__gte=day_start)
    unreached_resolution = cases.filter(resolved_at__isnull=True, resolution_due__gte=day_start)
    return unreached_start | unreached_resolution


@transaction.atomic
def complaint_deadlines_recount(*, branch_id: int | None, day: dt.date, by: User | None) -> int:
    """Recount the touched cases; answers how many deadlines moved."""
    moved = 0
    for complaint in complaints_touched_by(branch_id=branch_id, day=day).select_for_update():
        deadlines = deadlines_compute(
            received_at=complaint.received_at,
            grade=complaint.grade,
            branch_id=complaint.branch_id,
            channel=complaint.channel,
            criteria=complaint.criteria,
            policy=policy_from_terms(complaint.grade, complaint.deadline_terms),
        )
        before = (complaint.start_due, complaint.resolution_due)
        if complaint.started_at is None:
            complaint.start_due = deadlines.start_due
        if complaint.resolved_at is None:
            complaint.resolution_due = deadlines.resolution_due
        if (complaint.start_due, complaint.resolution_due) == before:
            continue
        next_due_refresh(complaint)
        complaint._history_user = by
        complaint._change_reason = _("工作天曆變更（%(day)s），重新計算處理期限") % {
            "day": day.isoformat()
        }
        complaint.save(
            update_fields=["start_due", "resolution_due", "next_due", "next_alert_at", "updated_at"]
        )
        moved += 1
    return moved
