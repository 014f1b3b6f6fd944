"""A person's copy (個資法 §3 查閱/複製): every contributor's section as JSON, and a printable
PDF summary through careloop/printing's base form (WeasyPrint, CJK embedded)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from careloop.accounts.models import User
from careloop.customers.models import Customer
from careloop.printing.registry import FormControl
from careloop.printing.rendering import pdf_render
from careloop.privacy.registry import contributors

# The copy's own document-control header (the clinic's register has no entry for it yet).
COPY_CONTROL = FormControl(
    code="PDPA-C01",
    version="A",
    title="個人資料複本摘要",
    department="客戶服務部",
    approver="總院長",
    drafted_on=dt.date(2026, 12, 1),
    effective_on=dt.date(2026, 12, 1),
)

# Column names of the summary, in the clinic's words; an unknown key is shown as it is.
LABELS = {
    "number": "編號",
    "name": "姓名",
    "phone": "電話",
    "email": "電子郵件",
    "line_id": "LINE ID",
    "birthday": "生日",
    "customer_type_display": "客戶類型",
    "source_display": "來源",
    "source_other": "來源說明",
    "referrer": "轉介人",
    "branch": "院所",
    "primary_therapist": "主治療師",
    "sales_consultant": "銷售顧問",
    "preferences": "偏好",
    "special_needs": "特殊需求",
    "consent_sms": "簡訊行銷同意",
    "consent_email": "電子郵件行銷同意",
    "consent_line": "LINE 行銷同意",
    "processing_stopped_at": "停止處理時間",
    "notes": "備註",
    "created_at": "建立時間",
    "updated_at": "更新時間",
    "at": "時間",
    "by": "人員",
    "occurred_at": "時間",
    "channel_display": "方式",
    "staff": "人員",
    "summary": "摘要",
    "reaction_display": "反應",
    "follow_up_action": "後續行動",
    "status_display": "狀態",
    "recorded_on": "日期",
    "score": "評分",
    "positive_feedback": "正面回饋",
    "improvement_suggestions": "改進建議",
    "occurred_on": "日期",
    "kind_display": "類型",
    "description": "說明",
    "outcome": "結果",
    "purchased_on": "購買日期",
    "item_name": "品項",
    "quantity": "數量",
    "sessions": "堂數",
    "amount": "金額",
    "promotion": "促銷",
    "salesperson": "銷售人員",
    "complainant_name": "投訴人",
    "received_at": "受理時間",
    "expected_resolution": "期望處理",
    "state_display": "狀態",
    "grade_display": "等級",
    "closed_at": "結案時間",
    "value": "價值",
    "requested_at": "申請時間",
    "complaint": "客訴",
    "recipient_name": "收件人",
    "sent_at": "寄送時間",
    "answered_at": "回覆時間",
    "subject": "主旨",
    "body": "內容",
    "to": "收件者",
    "label": "名稱",
    "date": "日期",
    "due_date": "預定日期",
    "purpose_display": "目的",
    "used_on": "使用日期",
    "therapist": "治療師",
}
_HIDDEN = {
    "customer_type",
    "source",
    "channel",
    "reaction",
    "status",
    "kind",
    "state",
    "grade",
    "purpose",
    "budget",
    "nature",
}


def copy_build(*, customer: Customer, by: User) -> dict[str, Any]:
    """Everything each app holds about the customer, section by section."""
    sections = {}
    for contributor in contributors():
        if contributor.copy is not None:
            sections[contributor.key] = {
                "label": contributor.label,
                "data": contributor.copy(customer),
            }
    return {
        "customer_number": customer.number,
        "generated_at": timezone.now().isoformat(),
        "generated_by": str(by),
        "sections": sections,
    }


def copy_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode("utf-8")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, dict)):
        return f"{len(value)} 筆" if isinstance(value, list) else "…"
    return str(value)


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    keys = [k for k in (rows[0] if rows else {}) if k not in _HIDDEN]
    return Table(
        title=title,
        columns=[LABELS.get(k, k) for k in keys],
        rows=[[_cell(row.get(k)) for k in keys] for row in rows],
    )


def copy_tables(data: dict[str, Any]) -> list[Table]:
    """The copy as tables for print: a record as one two-column table, a list as rows."""
    tables = []
    for section in data["sections"].values():
        content = section["data"]
        parts = content.items() if isinstance(content, dict) else [("", content)]
        for key, value in parts:
            title = section["label"] + (f"：{LABELS.get(key, key)}" if key else "")
            if isinstance(value, dict):
                pairs = [[LABELS.get(k, k), _cell(v)] for k, v in value.items() if k not in _HIDDEN]
                tables.append(Table(title=title, columns=["項目", "內容"], rows=pairs))
            elif isinstance(value, list):
                tables.append(_table(title, value))
    return tables


def copy_pdf(*, data: dict[str, Any], by: User) -> bytes:
    doc = {
        "control": COPY_CONTROL,
        "roc": False,
        "printed_at": timezone.now(),
        "printed_by": by.full_name or by.username,
        "customer_number": data["customer_number"],
        "tables": copy_tables(data),
    }
    return pdf_render(template="privacy/copy_pdf.html", context={"doc": doc})
