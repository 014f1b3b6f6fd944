"""Who is told what, and when (PT-P020 5.2.3, domain.md §3.3).

- An A case: senior management at once.
- A public submission: the branch's customer service, to complete the PT-F035 record.
- Each unmet milestone: the owner at 75% of its time, the responsible department heads at
  breach, and senior management too for A cases.

Notifications are keyed by case, milestone and due time, so a sweep that runs twice (a worker
restart, two workers) never tells anyone twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import RoleCode, User
from careloop.complaints.deadlines import (
    MILESTONE_LABELS,
    alert_points,
    risk_point,
    unmet_milestones,
)
from careloop.complaints.models import Complaint
from careloop.notifications.services import notification_send

SWEEP_BATCH = 500


def _url(complaint: Complaint) -> str:
    from careloop.complaints.services import complaint_url

    return complaint_url(complaint)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _seniors() -> list[User]:
    return list(
        User.objects.filter(is_active=True, roles__code=RoleCode.SENIOR_MANAGEMENT).distinct()
    )


def _branch_staff(branch_id: int, role: str) -> Q:
    return Q(is_active=True, roles__code=role) & (
        Q(home_branch_id=branch_id) | Q(extra_branches__id=branch_id)
    )


def _department_heads(complaint: Complaint) -> list[User]:
    """The heads of the case's departments; every head of the branch when those departments
    have none, so that a breach never goes unreported."""
    query = _branch_staff(complaint.branch_id, RoleCode.DEPARTMENT_HEAD)
    department_ids = [d.id for d in complaint.departments.all()]
    heads = []
    if department_ids:
        heads = list(User.objects.filter(query & Q(department_id__in=department_ids)).distinct())
    return heads or list(User.objects.filter(query).distinct())


def _warned(complaint: Complaint) -> list[User]:
    """Who hears of a deadline at 75%: the owner; while there is none, the branch's 客服."""
    if complaint.owner and complaint.owner.is_active:
        return [complaint.owner]
    return list(
        User.objects.filter(
            _branch_staff(complaint.branch_id, RoleCode.CUSTOMER_SERVICE)
        ).distinct()
    )


def complaint_alert_grade_a(*, complaint_id: int) -> None:
    complaint = Complaint.objects.select_related("branch").get(pk=complaint_id)
    notification_send(
        recipients=_seniors(),
        key=f"complaint:{complaint.id}:grade_a",
        title=_("A級客訴 %(number)s（%(branch)s）")
        % {"number": complaint.number, "branch": complaint.branch.name},
        body=_("PT-P020 5.2.3：A級投訴應立即上報管理層並優先處理。\n%(text)s")
        % {"text": complaint.description[:300]},
        url=_url(complaint),
    )


def complaint_alert_public_submission(*, complaint_id: int) -> None:
    complaint = Complaint.objects.select_related("branch").get(pk=complaint_id)
    recipients = User.objects.filter(
        _branch_staff(complaint.branch_id, RoleCode.CUSTOMER_SERVICE)
    ).distinct()
    notification_send(
        recipients=list(recipients),
        key=f"complaint:{complaint.id}:public",
        title=_("線上意見表新投訴 %(number)s") % {"number": complaint.number},
        body=_("請於 %(due)s 前完成投訴接收記錄（PT-F035），確認等級與性質。")
        % {"due": _local(complaint.record_due)},
        url=_url(complaint),
    )


def complaint_alerts_sweep(*, now: dt.datetime | None = None) -> int:
    """Notify for every case whose next alert point has passed; returns the cases handled.

    Safe to run concurrently and repeatedly: each case is locked while handled and each
    notification key is sent once.
    """
    now = now or timezone.now()
    handled = 0
    while True:
        ids = list(
            Complaint.objects.filter(next_alert_at__lte=now)
            .order_by("next_alert_at")
            .values_list("id", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return handled
        for complaint_id in ids:
            _sweep_one(complaint_id, now)
            handled += 1


@transaction.atomic
def _sweep_one(complaint_id: int, now: dt.datetime) -> None:
    complaint = (
        # Lock the case row only: PostgreSQL cannot lock the nullable side of the owner join.
        Complaint.objects.select_for_update(of=("self",))
        .select_related("owner", "branch")
        .filter(pk=complaint_id, next_alert_at__lte=now)
        .first()
    )
    if complaint is None:  # another worker got there first
        return
    for milestone, due in unmet_milestones(complaint):
        label = MILESTONE_LABELS[milestone]
        facts = {
            "number": complaint.number,
            "milestone": label,
            "due": _local(due),
            "grade": complaint.grade,
        }
        # The instant in UTC, whatever tzinfo the value carries, so the key never changes.
        key = f"complaint:{complaint.id}:{milestone}:{due.astimezone(dt.UTC).isoformat()}"
        if now >= due:
            recipients = _department_heads(complaint)
            if complaint.grade == "A":
                recipients += _seniors()
            if complaint.owner and complaint.owner.is_active:
                recipients.append(complaint.owner)
            notification_send(
                recipients=list({u.id: u for u in recipients}.values()),
                key=f"{key}:overdue",
                title=_("客訴 %(number)s 已逾期：%(milestone)s") % facts,
                body=_("%(grade)s級客訴 %(number)s 的「%(milestone)s」期限 %(due)s 已過。") % facts,
                url=_url(complaint),
            )
        elif now >= risk_point(complaint.received_at, due):
            notification_send(
                recipients=_warned(complaint),
                key=f"{key}:at_risk",
                title=_("客訴 %(number)s 即將逾期：%(milestone)s") % facts,
                body=_("「%(milestone)s」期限為 %(due)s，已用去 75%% 的時間。") % facts,
                url=_url(complaint),
            )
    upcoming = [point for point in alert_points(complaint) if point > now]
    Complaint.objects.filter(pk=complaint.pk).update(
        next_alert_at=upcoming[0] if upcoming else None
    )
