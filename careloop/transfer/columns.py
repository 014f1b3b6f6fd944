"""The importable PT-F025 fields, the headers that name them, and the file layout.

Layout: one row per customer. A row may also carry one interaction and/or one purchase; a
customer with several of them is written on several rows that repeat the name and phone (or
name and birthday). The export writes the same headers, so an exported file imports back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    group: str  # customer / interaction / purchase
    aliases: tuple[str, ...] = ()
    example: str = ""


CUSTOMER, INTERACTION, PURCHASE = "customer", "interaction", "purchase"
GROUP_LABELS = {
    CUSTOMER: _("客戶基本資料"),
    INTERACTION: _("互動記錄（選填）"),
    PURCHASE: _("療程/服務購買記錄（選填）"),
}

FIELDS: tuple[Field, ...] = (
    Field("name", "客戶姓名", CUSTOMER, ("姓名", "客戶名稱", "name"), "王小明"),
    Field(
        "phone",
        "聯絡電話",
        CUSTOMER,
        ("電話", "手機", "行動電話", "phone", "mobile"),
        "0912-345-678",
    ),
    Field("email", "電子郵件", CUSTOMER, ("email", "e-mail", "電郵", "信箱"), "ming@example.com"),
    Field("line_id", "LINE ID", CUSTOMER, ("line", "lineid", "line帳號"), "ming0312"),
    Field("birthday", "生日", CUSTOMER, ("出生日期", "生日日期", "birthday"), "1986-03-12"),
    Field("customer_type", "客戶類型", CUSTOMER, ("類型", "客戶分類"), "現有"),
    Field("source", "客戶來源", CUSTOMER, ("來源",), "網路搜尋"),
    Field("source_other", "其他來源說明", CUSTOMER, ("來源說明",), ""),
    Field("referrer_number", "轉介人客戶編號", CUSTOMER, ("轉介人編號",), ""),
    Field("branch", "院所", CUSTOMER, ("所屬院所", "分院", "院區", "branch"), ""),
    Field("primary_therapist", "主治療師", CUSTOMER, ("治療師",), ""),
    Field("sales_consultant", "銷售顧問", CUSTOMER, ("負責銷售顧問", "顧問"), ""),
    Field("preferences", "偏好", CUSTOMER, (), ""),
    Field("special_needs", "特殊需求", CUSTOMER, (), ""),
    Field("consent_sms", "同意簡訊行銷", CUSTOMER, ("簡訊同意",), "是"),
    Field("consent_email", "同意電子郵件行銷", CUSTOMER, ("email同意", "電子郵件同意"), "否"),
    Field("consent_line", "同意LINE行銷", CUSTOMER, ("line同意",), "否"),
    Field("notes", "備註", CUSTOMER, ("備註與其他重要資訊", "附註"), "肩頸痠痛"),
    Field("occurred_at", "互動日期", INTERACTION, ("互動時間",), "2025-05-02 14:30"),
    Field("channel", "互動方式", INTERACTION, (), "電話"),
    Field("staff", "互動人員", INTERACTION, (), ""),
    Field("summary", "互動摘要", INTERACTION, ("互動內容",), "詢問療程效果"),
    Field("reaction", "客戶反應", INTERACTION, (), "正面"),
    Field("follow_up_action", "後續行動", INTERACTION, (), "一週後回訪"),
    Field("status", "完成狀態", INTERACTION, ("互動狀態",), "已完成"),
    Field("purchased_on", "購買日期", PURCHASE, ()),
    Field("item", "療程/產品名稱", PURCHASE, ("療程名稱", "產品名稱", "療程", "產品", "品項"), ""),
    Field("quantity", "數量/次數", PURCHASE, ("數量", "次數")),
    Field("amount", "金額", PURCHASE, ("購買金額", "價格"), ""),
    Field("promotion", "促銷方案", PURCHASE, ("優惠", "促銷"), ""),
    Field("salesperson", "銷售人員", PURCHASE, ("業務", "經手人"), ""),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
GROUP_KEYS = {
    group: tuple(f.key for f in FIELDS if f.group == group)
    for group in (CUSTOMER, INTERACTION, PURCHASE)
}


def header_squash(header: str) -> str:
    return re.sub(r"[\s_\-:：*（）()]", "", str(header or "")).lower()


_BY_HEADER: dict[str, str] = {}
for _field in FIELDS:
    for _name in (_field.label, *_field.aliases):
        _BY_HEADER.setdefault(header_squash(_name), _field.key)


def mapping_propose(headers: list[str]) -> dict[str, int]:
    """{field key: column index} for every header that names a known field (first wins)."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _BY_HEADER.get(header_squash(header))
        if key and key not in mapping:
            mapping[key] = index
    return mapping


TEMPLATE_HEADERS = [f.label for f in FIELDS]
TEMPLATE_EXAMPLE = [f.example for f in FIELDS]
