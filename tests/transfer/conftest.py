"""Fixtures for import/export: files built in the test, uploads run through the services."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from careloop.transfer import services
from careloop.transfer.columns import mapping_propose
from careloop.transfer.models import ImportJob


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def upload() -> Callable[..., ImportJob]:
    """Upload a file and map its columns as proposed; returns the job, not yet checked."""

    def _upload(content: bytes, *, by, name: str = "customers.xlsx") -> ImportJob:
        return services.import_job_create(upload=SimpleUploadedFile(name, content), by=by)

    return _upload


@pytest.fixture
def dry_run(upload) -> Callable[..., ImportJob]:
    """Upload and check a file (Huey runs immediately in tests)."""

    def _dry_run(content: bytes, *, by, name: str = "customers.xlsx", update_existing=False):
        job = upload(content, by=by, name=name)
        return services.import_job_map(
            job=job,
            mapping=mapping_propose(job.headers),
            update_existing=update_existing,
            by=by,
        )

    return _dry_run


@pytest.fixture
def run_import(dry_run) -> Callable[..., ImportJob]:
    """Check a file and, when the check is clean, import it."""

    def _run(content: bytes, *, by, name: str = "customers.xlsx", update_existing=False):
        job = dry_run(content, by=by, name=name, update_existing=update_existing)
        assert job.errors == [], job.errors
        return services.import_job_confirm(job=job, by=by)

    return _run
