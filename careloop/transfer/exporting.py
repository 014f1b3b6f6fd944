"""Exporting the filtered customer list to CSV and .xlsx.

Rows are read in chunks (`QuerySet.iterator`) and written as they come, so a chain's whole
customer list never sits in memory. Any text a spreadsheet would take for a formula — starting
with = + - @, a tab or a carriage return — is prefixed with a single quote (OWASP's advice),
and .xlsx cells are typed as strings, so no spreadsheet runs what a customer typed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from careloop.customers.models import Customer
from careloop.transfer.models import ExportLog

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


def _text_cells(sheet: Any, values: list[str], cell_class: Any) -> list[Any]:
    cells = []
    for value in values:
        cell = cell_class(sheet, value=value)
        cell.data_type = "s"
        cells.append(cell)
    return cells


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


def export_provenance(log: ExportLog) -> list[tuple[str, str]]:
    """Who took the file out, when, why and what it holds: printed in the file itself, so a
    copy found on a desk says whose it is."""
    return [
        ("匯出者", str(log.user)),
        ("匯出時間", timezone.localtime(log.created_at).strftime("%Y-%m-%d %H:%M")),
        ("匯出目的", log.purpose),
        ("篩選條件", "；".join(f"{k}={v}" for k, v in log.filters.items()) or "（全部）"),
        ("筆數", str(log.rows)),
        ("注意", "本檔含個人資料，請依個人資料保護法妥善保管，用畢即刪除。"),
    ]


def csv_stream(
    rows: Iterable[list[str]], *, provenance: Sequence[tuple[str, str]] = ()
) -> Iterator[bytes]:
    """UTF-8 with a BOM, so Excel in Taiwan opens the Chinese correctly. The provenance comes
    first, one `# 名稱：內容` line each, then a blank line and the header."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    for name, value in provenance:
        yield writer.writerow([f"# {name}：{cell_neutralise(value)}"]).encode("utf-8")
    if provenance:
        yield writer.writerow([]).encode("utf-8")
    for row in rows:
        yield writer.writerow(row).encode("utf-8")


def xlsx_write(
    rows: Iterable[list[str]], *, provenance: Sequence[tuple[str, str]] = ()
) -> IO[bytes]:
    """A write-only workbook in a temporary file (on disk past 8 MB); every cell a string. The
    provenance goes on a second sheet, 匯出資訊, and into the document's properties."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客戶")
    for row in rows:
        sheet.append(_text_cells(sheet, row, WriteOnlyCell))
    if provenance:
        info = workbook.create_sheet("匯出資訊")
        for name, value in provenance:
            info.append(_text_cells(info, [name, cell_neutralise(value)], WriteOnlyCell))
        details = dict(provenance)
        workbook.properties.creator = details.get("匯出者", "")
        workbook.properties.description = details.get("匯出目的", "")
    # Handed to FileResponse, which closes it once sent.
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target
