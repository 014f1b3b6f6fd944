"""處理期限 (PT-P020 §3.3, domain.md §3.3): when each milestone of a case falls due.

Hours are calendar hours after receipt; working days come from the branch's calendar, the day
of receipt not counted, the deadline being the end of the Nth working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.complaints.defaults import POLICIES
from careloop.complaints.models import (
    ONLINE_CHANNELS,
    Complaint,
    DeadlinePolicy,
    Grade,
    State,
)
from careloop.workcalendar.calendar import working_day_end

RECORD_WITHIN = dt.timedelta(hours=24)  # PT-P020 5.1.3
AT_RISK_SHARE = 0.75  # domain.md §3.3: at risk once 75% of the time is used

# Used when an administrator has removed a grade's policy row: the SOP's own values.
SOP_POLICIES = {grade: (amount, unit, days) for grade, amount, unit, days in POLICIES}
TERM_FIELDS = ("start_amount", "start_unit", "resolution_working_days", "follow_up_days")

# domain.md §5: first reply on online channels — urgent 2 h, high 4 h, normal (and e-mail) 24 h.
_URGENT_CRITERIA = frozenset({"a_safety", "a_legal"})
_HIGH_CRITERIA = frozenset({"a_major_loss", "b_moderate_loss", "b_inconvenience"})


@dataclass(frozen=True)
class Deadlines:
    record_due: dt.datetime
    start_due: dt.datetime
    resolution_due: dt.datetime
    first_response_due: dt.datetime | None
    follow_up_days: int


def policy_for(grade: str) -> DeadlinePolicy:
    policy = DeadlinePolicy.objects.filter(grade=grade).first()
    if policy is None:
        start_amount, start_unit, resolution_days = SOP_POLICIES[grade]
        policy = DeadlinePolicy(
            grade=grade,
            start_amount=start_amount,
            start_unit=start_unit,
            resolution_working_days=resolution_days,
            follow_up_days=5,
        )
    return policy


def policy_terms(policy: DeadlinePolicy) -> dict[str, Any]:
    """What a case keeps of its grade's policy (Complaint.deadline_terms)."""
    return {name: getattr(policy, name) for name in TERM_FIELDS}


def policy_from_terms(grade: str, terms: dict[str, Any]) -> DeadlinePolicy:
    """The policy a case was given; today's policy for a case stored before terms were kept."""
    if not terms:
        return policy_for(grade)
    return DeadlinePolicy(grade=grade, **{name: terms[name] for name in TERM_FIELDS})


def deadlines_compute(
    *,
    received_at: dt.datetime,
    grade: str,
    branch_id: int | None,
    channel: str = "",
    criteria: Iterable[str] = (),
    policy: DeadlinePolicy | None = None,
) -> Deadlines:
    """The milestones of a case; `policy` defaults to the grade's policy of today."""
    policy = policy or policy_for(grade)
    received_on = timezone.localtime(received_at).date()
    if policy.start_unit == DeadlinePolicy.StartUnit.HOURS:
        start_due = received_at + dt.timedelta(hours=policy.start_amount)
    else:
        start_due = working_day_end(after=received_on, n=policy.start_amount, branch_id=branch_id)
    resolution_due = working_day_end(
        after=received_on, n=policy.resolution_working_days, branch_id=branch_id
    )
    return Deadlines(
        record_due=received_at + RECORD_WITHIN,
        start_due=start_due,
        resolution_due=resolution_due,
        first_response_due=_first_response_due(received_at, grade, channel, set(criteria)),
        follow_up_days=policy.follow_up_days,
    )


def _first_response_due(
    received_at: dt.datetime, grade: str, channel: str, criteria: set[str]
) -> dt.datetime | None:
    if channel not in ONLINE_CHANNELS:
        return None
    if criteria & _URGENT_CRITERIA:
        hours = 2
    elif criteria & _HIGH_CRITERIA or grade == Grade.A:
        hours = 4
    else:
        hours = 24
    return received_at + dt.timedelta(hours=hours)


class Milestone(StrEnum):
    FIRST_RESPONSE = "first_response"
    START = "start"
    RESOLUTION = "resolution"


MILESTONE_LABELS = {
    Milestone.FIRST_RESPONSE: _("首次回覆"),
    Milestone.START: _("啟動處理"),
    Milestone.RESOLUTION: _("解決方案"),
}


class Standing(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    DONE = "done"


STANDING_LABELS = {
    Standing.ON_TRACK: _("進度正常"),
    Standing.AT_RISK: _("即將逾期"),
    Standing.OVERDUE: _("已逾期"),
    Standing.DONE: _("已完成"),
}


def unmet_milestones(complaint: Complaint) -> list[tuple[Milestone, dt.datetime]]:
    """The milestones not reached yet, soonest first; none once the case is closed."""
    if complaint.state in (State.CLOSED, State.ARCHIVED):
        return []
    pending = []
    if complaint.first_response_due and complaint.first_response_at is None:
        pending.append((Milestone.FIRST_RESPONSE, complaint.first_response_due))
    if complaint.started_at is None:
        pending.append((Milestone.START, complaint.start_due))
    if complaint.resolved_at is None:
        pending.append((Milestone.RESOLUTION, complaint.resolution_due))
    return sorted(pending, key=lambda pair: pair[1])


def risk_point(received_at: dt.datetime, due: dt.datetime) -> dt.datetime:
    return received_at + (due - received_at) * AT_RISK_SHARE


def standing_of(
    *, received_at: dt.datetime, due: dt.datetime | None, now: dt.datetime | None = None
) -> Standing:
    if due is None:
        return Standing.DONE
    now = now or timezone.now()
    if now > due:
        return Standing.OVERDUE
    if now >= risk_point(received_at, due):
        return Standing.AT_RISK
    return Standing.ON_TRACK


def alert_points(complaint: Complaint) -> list[dt.datetime]:
    """The moments someone must be told: 75% and 100% of each unmet milestone."""
    points = []
    for _milestone, due in unmet_milestones(complaint):
        points += [risk_point(complaint.received_at, due), due]
    return sorted(points)


def next_due_refresh(complaint: Complaint) -> None:
    """Keep the row's next deadline and next alert time in step with its milestones.

    The caller saves. Past alert points are kept so the next sweep handles them; the sweep
    moves `next_alert_at` past what it has done, and notifications are keyed by milestone and
    due time, so recomputing never repeats one.
    """
    pending = unmet_milestones(complaint)
    complaint.next_due = pending[0][1] if pending else None
    points = alert_points(complaint)
    complaint.next_alert_at = points[0] if points else None
