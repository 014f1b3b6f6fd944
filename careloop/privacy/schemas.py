"""The privacy API's shapes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from careloop.core.api_types import Offset


class PrivacyRequestIn(Schema):
    customer_number: str = Field(..., max_length=20, description="客戶編號")
    kind: str = Field(
        ..., description="copy 查閱/複製、correction 更正、stop 停止處理、erasure 刪除"
    )
    channel: str = Field(..., description="in_person、phone、email、letter、other")
    identity_method: str = Field(..., description="id_card、phone_check、document、other")
    identity_note: str = Field("", max_length=200, description="核對說明（other 時必填）")
    details: str = Field("", max_length=4000, description="請求內容")


class PrivacyRequestOut(Schema):
    id: int = Field(..., description="請求編號")
    customer_number: str = Field(..., description="客戶編號（刪除後為匿名化的編號）")
    kind: str = Field(..., description="copy、correction、stop、erasure")
    kind_display: str = Field(..., description="請求類型（繁體中文）")
    channel: str = Field(..., description="收件管道代碼")
    received_at: dt.datetime = Field(..., description="收件時間")
    received_by: str = Field(..., description="收件人員")
    identity_method: str = Field(..., description="身分核對方式代碼")
    due_at: dt.datetime = Field(..., description="個資法 §13 的答覆期限")
    extended_at: dt.datetime | None = Field(None, description="延長期限的時間；未延長為 null")
    status: str = Field(..., description="received、done、refused")
    status_display: str = Field(..., description="狀態（繁體中文）")
    answer: str = Field(..., description="答覆內容")
    decided_at: dt.datetime | None = Field(None, description="完成或拒絕的時間")


class PrivacyRequestListOut(Schema):
    count: int = Field(..., description="符合條件的請求總數")
    offset: int = Field(..., description="本頁起點")
    limit: int = Field(..., description="每頁筆數")
    results: list[PrivacyRequestOut] = Field(..., description="本頁的請求")


class PrivacyRequestListQuery(Schema):
    status: Literal["received", "done", "refused"] | None = Field(None, description="篩選狀態")
    offset: Offset = Field(0, description="略過前幾筆（分頁）")
    limit: int = Field(25, ge=1, le=100, description="每頁筆數（1–100）")


class PrivacyCopyIn(Schema):
    format: Literal["json", "pdf"] = Field(
        "json", description="json（完整、機器可讀）或 pdf（列印用摘要）"
    )
    purpose: str = Field(..., max_length=200, description="下載目的（記錄於下載記錄）")
