"""Writes of the read log beyond recording reads (`recorder.py`): the bulk-read alert and the
purge of reads past their retention period. Both run from Huey every few minutes or daily and
are safe to run twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.access.models import BulkReadAlert, PersonalDataRead, ReadChannel
from careloop.access.rules import bulk_read_limit, read_log_days
from careloop.accounts.models import RoleCode, User
from careloop.notifications.services import notification_send

BULK_WINDOW = dt.timedelta(hours=1)
PURGE_BATCH = 10_000


def bulk_readers(*, now: dt.datetime, limit: int) -> dict[int, int]:
    """Readers with more than `limit` distinct customers read in the hour up to `now`:
    {user id: distinct customers}. One query over the hour's rows (the `at` index)."""
    rows = (
        PersonalDataRead.objects.filter(at__gt=now - BULK_WINDOW, at__lte=now, user__isnull=False)
        .values("user_id")
        .annotate(customers=Count("customer_id", distinct=True))
        .filter(customers__gt=limit)
    )
    return {row["user_id"]: row["customers"] for row in rows}


def bulk_read_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Tell the supervisors of each reader who read more than CARELOOP_BULK_READ_LIMIT
    distinct customers in the past hour; answer how many readers were reported.

    A reader is reported once an hour at most (a reader still at it an hour later is reported
    again), whichever worker runs the sweep and however often.
    """
    now = now or timezone.now()
    reported = 0
    for user_id, customers in bulk_readers(now=now, limit=bulk_read_limit()).items():
        if bulk_read_alert(user_id=user_id, customers=customers, now=now) is not None:
            reported += 1
    return reported


@transaction.atomic
def bulk_read_alert(*, user_id: int, customers: int, now: dt.datetime) -> BulkReadAlert | None:
    """Record and send one reader's alert, unless one went out within the hour."""
    # The reader's row lock makes two sweeps running at once report the reader once.
    reader = User.objects.select_for_update().filter(pk=user_id).first()
    if reader is None:
        return None
    if BulkReadAlert.objects.filter(user_id=user_id, at__gt=now - BULK_WINDOW).exists():
        return None
    since = now - BULK_WINDOW
    alert = BulkReadAlert.objects.create(
        user_id=user_id,
        at=now,
        since=since,
        customers=customers,
        detail=_channels_detail(user_id=user_id, since=since, now=now),
    )
    notification_send(
        recipients=bulk_read_supervisors(reader=reader),
        key=f"access:bulk-read:{alert.pk}",
        title=_("大量查閱個資：%(reader)s 一小時內查閱 %(count)s 位客戶")
        % {"reader": reader, "count": customers},
        body=_(
            "%(reader)s 在 %(since)s 至 %(until)s 查閱了 %(count)s 位不同客戶的資料，"
            "超過每小時 %(limit)s 位的上限。請確認是否為業務所需。\n經由：%(detail)s"
        )
        % {
            "reader": reader,
            "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
            "until": timezone.localtime(now).strftime("%H:%M"),
            "count": customers,
            "limit": bulk_read_limit(),
            "detail": alert.detail,
        },
        url=reverse("access:reader_reads", args=[reader.pk]),
    )
    return alert


def bulk_read_supervisors(*, reader: User) -> list[User]:
    """The department heads of the reader's branch (home or extra) and senior management;
    never the reader themself."""
    heads = Q(roles__code=RoleCode.DEPARTMENT_HEAD) & (
        Q(home_branch_id=reader.home_branch_id) | Q(extra_branches__id=reader.home_branch_id)
    )
    who = Q(roles__code=RoleCode.SENIOR_MANAGEMENT)
    if reader.home_branch_id is not None:
        who |= heads
    return list(User.objects.filter(who, is_active=True).exclude(pk=reader.pk).distinct())


def _channels_detail(*, user_id: int, since: dt.datetime, now: dt.datetime) -> str:
    """「頁面 120 位、API（金鑰 整合 (abcd1234…)）81 位」: distinct customers per way in."""
    rows = (
        PersonalDataRead.objects.filter(user_id=user_id, at__gt=since, at__lte=now)
        .values("channel", "api_token_label")
        .annotate(customers=Count("customer_id", distinct=True))
        .order_by("-customers")
    )
    labels = dict(ReadChannel.choices)
    parts: dict[str, int] = defaultdict(int)
    for row in rows:
        label = str(labels.get(row["channel"], row["channel"]))
        if row["api_token_label"]:
            label = _("%(channel)s（金鑰 %(token)s）") % {
                "channel": label,
                "token": row["api_token_label"],
            }
        parts[label] += row["customers"]
    return "、".join(_("%(way)s %(count)s 位") % {"way": k, "count": v} for k, v in parts.items())


def reads_purge(*, now: dt.datetime | None = None) -> int:
    """Delete reads (and bulk-read alerts) older than CARELOOP_READ_LOG_DAYS; answer how many
    reads. In batches, so a first run over years of rows does not hold the database in one
    long transaction."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=read_log_days())
    BulkReadAlert.objects.filter(at__lt=cutoff).delete()
    deleted = 0
    while True:
        ids = list(
            PersonalDataRead.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += PersonalDataRead.objects.filter(pk__in=ids).delete()[0]
