"""Writes of the transfer app: import jobs through their steps, and the export log."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_can
from careloop.transfer.columns import FIELDS_BY_KEY
from careloop.transfer.models import ExportLog, ImportJob, ImportStatus
from careloop.transfer.reading import ALLOWED_SUFFIXES, UnreadableFile, header_read

EXPORT_REFUSED = gettext_lazy(
    "匯出客戶資料限主管與客服部人員；如因工作需要，請洽主管代為匯出或申請權限。"
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def import_job_create(*, upload: UploadedFile, by: User) -> ImportJob:
    """Store the upload under MEDIA_ROOT/imports/ and read its header row.

    Raises ValidationError (zh-Hant) for a file that is not a readable spreadsheet."""
    require(by, Capability.CUSTOMER_EDIT)
    suffix = os.path.splitext(upload.name or "")[1].lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(_("只接受 .xlsx 或 .csv 檔案。"))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("檔案超過 20 MB，請分成幾個檔案匯入。"))
    job = ImportJob(created_by=by, original_name=os.path.basename(upload.name)[:200])
    job.file.save(f"import{suffix}", upload, save=False)
    try:
        job.headers = header_read(Path(job.file.path))
    except UnreadableFile as exc:
        job.file.delete(save=False)
        raise ValidationError(str(exc)) from exc
    job.save()
    return job


def _check_owner(job: ImportJob, by: User) -> None:
    require(by, Capability.CUSTOMER_EDIT)
    if job.created_by_id != by.pk:
        raise PermissionDenied


def import_job_map(
    *, job: ImportJob, mapping: dict[str, int], update_existing: bool, by: User
) -> ImportJob:
    """Save the column mapping and start the dry run in the background."""
    from careloop.transfer.tasks import import_job_run

    _check_owner(job, by)
    if job.is_running or job.status == ImportStatus.DONE:
        raise ValidationError(_("此匯入作業已在進行或已完成。"))
    width = len(job.headers)
    clean = {k: int(v) for k, v in mapping.items() if k in FIELDS_BY_KEY and 0 <= int(v) < width}
    if "name" not in clean:
        raise ValidationError(_("請指定「客戶姓名」對應的欄位。"))
    job.mapping = clean
    job.update_existing = update_existing
    job.status = ImportStatus.CHECKING
    job.phase = "checking"
    job.processed_rows = 0
    job.errors, job.result = [], {}
    job.save()
    import_job_run(job.pk, False)
    job.refresh_from_db()
    return job


def import_job_confirm(*, job: ImportJob, by: User) -> ImportJob:
    """Run the real import of a file whose dry run found nothing wrong."""
    from careloop.transfer.tasks import import_job_run

    _check_owner(job, by)
    with transaction.atomic():
        # Only one confirmation wins, however often the button is pressed.
        started = not job.errors and ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.CHECKED
        ).update(status=ImportStatus.IMPORTING, phase="checking", processed_rows=0)
    if not started:
        raise ValidationError(_("只有試算無誤的檔案可以匯入。"))
    import_job_run(job.pk, True)
    job.refresh_from_db()
    return job


def export_log_record(
    *, by: User, filters: dict[str, Any], fmt: str, rows: int, purpose: str
) -> ExportLog:
    """Record an export before its first byte leaves: who, which customers, how many, why."""
    if not user_can(by, Capability.CUSTOMER_EXPORT):
        raise PermissionDenied(EXPORT_REFUSED)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": _("請說明匯出目的。")})
    return ExportLog.objects.create(
        user=by, filters=filters, format=fmt, rows=rows, purpose=purpose
    )
