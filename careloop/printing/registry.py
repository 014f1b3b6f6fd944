"""Document control of every printed form (domain.md §7).

The clinic's forms carry the same header table: 文件編號, 版本, 標題, 頁碼 and 擬制部門, 批准,
制定日期, 實施日期. The values belong to the clinic's document-control register, not to a
template, so they live here, once; PT-F035, PT-F020 and PT-F021 add an entry each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FormControl:
    code: str  # 文件編號
    version: str  # 版本
    title: str  # 標題
    department: str  # 擬制部門
    approver: str  # 批准
    drafted_on: date  # 制定日期
    effective_on: date  # 實施日期


FORMS: dict[str, FormControl] = {
    "PT-F025": FormControl(
        code="PT-F025",
        version="A",
        title="客戶互動追蹤記錄表",
        department="營運管理部",
        approver="執行長",
        drafted_on=date(2024, 3, 1),
        effective_on=date(2024, 3, 15),
    ),
    # The complaint forms are issued with their procedure, PT-P020: the SOP's own header values.
    "PT-F035": FormControl(
        code="PT-F035",
        version="A",
        title="客戶投訴接收記錄表",
        department="客戶服務部",
        approver="總院長",
        drafted_on=date(2024, 6, 1),
        effective_on=date(2024, 6, 1),
    ),
    "PT-F020": FormControl(
        code="PT-F020",
        version="A",
        title="客訴處理紀錄表",
        department="客戶服務部",
        approver="總院長",
        drafted_on=date(2024, 6, 1),
        effective_on=date(2024, 6, 1),
    ),
    "PT-F021": FormControl(
        code="PT-F021",
        version="A",
        title="客戶滿意度調查表",
        department="客戶服務部",
        approver="總院長",
        drafted_on=date(2024, 6, 1),
        effective_on=date(2024, 6, 1),
    ),
}


def form_control(code: str) -> FormControl:
    """The register entry of a form; KeyError for a form the clinic has not issued."""
    return FORMS[code]
