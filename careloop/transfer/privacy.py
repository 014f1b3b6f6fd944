"""Import uploads and the export log: an uploaded file that names the person is deleted with
the checked plans kept beside it, and export filters that searched for them are cleared."""

from __future__ import annotations

from pathlib import Path

from careloop.privacy.files import after_commit_delete, file_text
from careloop.privacy.registry import Contributor, ErasureContext, register
from careloop.transfer.checked import checked_path
from careloop.transfer.models import ExportLog, ImportJob


def import_upload_discard(job: ImportJob) -> None:
    """Delete an upload and its checked plans; the job row stays as the record of its counts."""
    if job.file:
        checked_path(job).unlink(missing_ok=True)
        job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="", headers=[], errors=[])


def transfer_erase(ctx: ErasureContext) -> None:
    for job in ImportJob.objects.exclude(file=""):
        try:
            path = Path(job.file.path)
        except ValueError:
            continue
        checked = checked_path(job)
        texts = [file_text(path), file_text(checked)]
        if any(t is not None and ctx.mentions(t) for t in texts):
            # The row forgets the upload now; the files go once the erasure commits.
            name = job.file.name
            ImportJob.objects.filter(pk=job.pk).update(file="", headers=[], errors=[])
            ctx.files_delete([name])
            after_commit_delete(paths=[checked])
            ctx.count("files:imports")
    for log in ExportLog.objects.all().only("pk", "filters"):
        if ctx.mentions(str(log.filters)):
            ExportLog.objects.filter(pk=log.pk).update(filters={})
            ctx.count("transfer.ExportLog")


register(Contributor(key="transfer", label="匯入檔案與匯出記錄", order=70, erase=transfer_erase))
