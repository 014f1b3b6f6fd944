"""Background work for imports: a large file is checked and imported outside the request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from careloop.transfer.importing import import_job_process


@db_task()
def import_job_run(job_id: int, commit: bool) -> None:
    import_job_process(job_id=job_id, commit=commit)
