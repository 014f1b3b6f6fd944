"""Exporting the filtered customer list to CSV and .xlsx.

Rows are read in chunks (`QuerySet.iterator`) and written as they come, so a chain's whole
customer list never sits in memory. Any text a spreadsheet would take for a formula — starting
with = + - @, a tab or a carriage return — is prefixed with a single quote (OWASP's advice),
and .xlsx cells are typed as strings, so no spreadsheet runs what a customer typed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from careloop.customers.models import Customer

# Spreadsheets take the full-width forms for formulas too (an IME types them): neutralised alike.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

EXPORT_COLUMNS: list[tuple[str, Any]] = [
    ("客戶編號", lambda c: c.number),
    ("客戶姓名", lambda c: c.name),
    ("聯絡電話", lambda c: c.phone_display),
    ("電子郵件", lambda c: c.email),
    ("LINE ID", lambda c: c.line_id),
    ("生日", lambda c: c.birthday.isoformat() if c.birthday else ""),
    ("客戶類型", lambda c: c.get_customer_type_display()),
    ("客戶來源", lambda c: c.get_source_display() if c.source else ""),
    ("其他來源說明", lambda c: c.source_other),
    ("院所", lambda c: c.branch.name),
    ("主治療師", lambda c: c.primary_therapist.full_name if c.primary_therapist else ""),
    ("銷售顧問", lambda c: c.sales_consultant.full_name if c.sales_consultant else ""),
    ("偏好", lambda c: c.preferences),
    ("特殊需求", lambda c: c.special_needs),
    ("同意簡訊行銷", lambda c: "是" if c.consent_sms else "否"),
    ("同意電子郵件行銷", lambda c: "是" if c.consent_email else "否"),
    ("同意LINE行銷", lambda c: "是" if c.consent_line else "否"),
    ("備註", lambda c: c.notes),
    ("建立時間", lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")),
]


def cell_neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def export_rows(customers: QuerySet[Customer]) -> Iterator[list[str]]:
    """The header, then one row per customer, read 500 at a time."""
    yield [name for name, _get in EXPORT_COLUMNS]
    for customer in customers.iterator(chunk_size=500):
        yield [cell_neutralise(get(customer)) for _name, get in EXPORT_COLUMNS]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so Excel in Taiwan opens the Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def xlsx_write(rows: Iterable[list[str]]) -> IO[bytes]:
    """A write-only workbook in a temporary file (on disk past 8 MB); every cell a string."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客戶")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    # Handed to FileResponse, which closes it once sent.
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target
