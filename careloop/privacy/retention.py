"""The retention schedule: what has no reason to stay, after how long, and why (個資法 §11 III:
data whose purpose has ended is deleted). `retention_purge` runs every item that this app
purges; the read log is purged by careloop/access itself and is listed here by reference, so
the schedule page shows the whole picture in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from careloop.surveys.models import Survey
from careloop.transfer.models import ImportJob
from careloop.transfer.privacy import import_upload_discard

IMPORT_UPLOAD_DAYS = 30
# A link's answer window (surveys.SURVEY_VALID_DAYS) plus a month for a late resend.
SURVEY_TOKEN_GRACE_DAYS = 30
READ_LOG_DEFAULT_DAYS = 730  # as careloop/access reads it (settings.py)


@dataclass(frozen=True)
class RetentionItem:
    key: str
    label: str
    days: int
    reason: str
    purged_by: str  # who deletes it: this app's daily task, or another app


def read_log_days() -> int:
    return int(getattr(settings, "CARELOOP_READ_LOG_DAYS", READ_LOG_DEFAULT_DAYS))


def retention_schedule() -> list[RetentionItem]:
    return [
        RetentionItem(
            key="import_uploads",
            label="匯入上傳檔案（含試算結果）",
            days=IMPORT_UPLOAD_DAYS,
            reason="資料已寫入客戶記錄，原始檔案僅供核對匯入結果。",
            purged_by="careloop.privacy（每日）",
        ),
        RetentionItem(
            key="survey_tokens",
            label="過期未回覆之滿意度問卷連結與聯絡方式",
            days=SURVEY_TOKEN_GRACE_DAYS,
            reason="連結過期後再給一個月重新寄送的機會，之後連結作廢、聯絡方式清除。",
            purged_by="careloop.privacy（每日）",
        ),
        RetentionItem(
            key="read_log",
            label="個資讀取記錄",
            days=read_log_days(),
            reason="供稽核誰讀取了哪位客戶的資料；期滿後無保存理由（CARELOOP_READ_LOG_DAYS）。",
            purged_by="careloop.access（其自有的每日清除工作）",
        ),
        RetentionItem(
            key="complaints",
            label="客訴記錄（含已刪除客戶之客訴）",
            days=365 * 3,
            reason="PT-P020 5.6.3：結案後至少保存 3 年；已刪除客戶之客訴於期滿時自動完成刪除。",
            purged_by="careloop.privacy（每日，holds_release）",
        ),
    ]


@transaction.atomic
def import_uploads_purge(*, now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=IMPORT_UPLOAD_DAYS)
    jobs = ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="")
    count = 0
    for job in jobs:
        if job.is_running:
            continue
        import_upload_discard(job)
        count += 1
    return count


@transaction.atomic
def survey_tokens_purge(*, now: dt.datetime | None = None) -> int:
    """Unanswered links past expiry and the grace: the nonce goes (the token dies) and with it
    the address the link was sent to. The survey row stays: it is one per case or package."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=SURVEY_TOKEN_GRACE_DAYS)
    stale = Survey.objects.filter(answered_at__isnull=True, expires_at__lt=cutoff).exclude(nonce="")
    return stale.update(nonce="", recipient="")


def retention_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every purge this app runs, as the daily task does; answers how many of each."""
    return {
        "import_uploads": import_uploads_purge(now=now),
        "survey_tokens": survey_tokens_purge(now=now),
    }
