"""Reading uploaded spreadsheets: .xlsx, and CSV in UTF-8 (with or without BOM) or Big5/cp950.

Rows come out as lists of stripped strings with the row number the spreadsheet shows (the
header is row 1), so every message can point at the row a person will look for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}
ALLOWED_SUFFIXES = XLSX_SUFFIXES | CSV_SUFFIXES


class UnreadableFile(Exception):
    """The file is not a spreadsheet we can read; the message says why, in zh-Hant."""


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> str:
    # Taiwanese Excel saves "CSV" as cp950 (Big5 with Microsoft's extensions); everything else
    # we meet is UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(_("無法辨識檔案的文字編碼，請另存為 UTF-8 或 Big5 的 CSV。"))


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = _decode(path.read_bytes())
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [cell_text(v) for v in row]


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableFile(_("無法開啟此 Excel 檔案，請確認是 .xlsx 格式。")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [cell_text(v) for v in row]
    finally:
        workbook.close()


def rows_read(path: Path) -> Iterator[list[str]]:
    """Every row of the file, header included."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _xlsx_rows(path)
    if suffix in CSV_SUFFIXES:
        return _csv_rows(path)
    raise UnreadableFile(_("只接受 .xlsx 或 .csv 檔案。"))


# The mapping page offers every column a choice of field: a header of thousands of columns,
# or one cell holding a whole document, made a page of tens of megabytes.
HEADER_MAX_COLUMNS = 100
HEADER_MAX_CHARS = 100


def header_read(path: Path) -> list[str]:
    """The first non-empty row, trailing empty cells dropped; refused when it cannot be a
    header (too many columns, a cell too long to be a column's name)."""
    for row in rows_read(path):
        if any(row):
            while not row[-1]:
                row.pop()
            if len(row) > HEADER_MAX_COLUMNS:
                raise UnreadableFile(
                    _("標題列最多 %(max)s 欄，此檔有 %(n)s 欄。請確認第一列是欄位名稱。")
                    % {"max": HEADER_MAX_COLUMNS, "n": len(row)}
                )
            for column, cell in enumerate(row, start=1):
                if len(cell) > HEADER_MAX_CHARS:
                    raise UnreadableFile(
                        _("標題列第 %(column)s 欄超過 %(max)s 字，請確認第一列是欄位名稱。")
                        % {"column": column, "max": HEADER_MAX_CHARS}
                    )
            return row
    raise UnreadableFile(_("檔案是空的，找不到標題列。"))


def data_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for each non-empty row after the header."""
    header_seen = False
    for number, row in enumerate(rows_read(path), start=1):
        if not any(row):
            continue
        if not header_seen:
            header_seen = True
            continue
        yield number, row


_ISO_DATE = re.compile(r"^(\d{2,4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def date_parse(text: str) -> dt.date:
    """2025-05-02, 2025/5/2, 2025年5月2日, and 民國 dates (114/5/2, 民國114年5月2日)."""
    text = text.strip().replace("民國", "").replace(" ", "")
    text = re.sub(r"[T]00:00(:00)?$", "", text)
    match = _ISO_DATE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    if year < 1000:  # 民國 year
        year += 1911
    return dt.date(year, month, day)


def datetime_parse(text: str) -> tuple[dt.date, dt.time | None]:
    """A date, optionally followed by HH:MM."""
    parts = text.strip().replace("T", " ").split()
    if not parts:
        raise ValueError(text)
    day = date_parse(parts[0])
    if len(parts) == 1:
        return day, None
    match = _TIME.match(parts[1])
    if len(parts) > 2 or not match:
        raise ValueError(text)
    return day, dt.time(int(match.group(1)), int(match.group(2)))
