"""Shapes of the treatments API: catalogue, purchases (PT-F025 療程/服務購買記錄), packages and
session use. Payloads are loose; the forms in `forms.py` check the values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from careloop.customers.schemas import IdLike, Payload, StaffOut
from careloop.treatments.models import ServiceCategory


def _category_label(code: str) -> str:
    return str(ServiceCategory(code).label) if code in ServiceCategory.values else ""


# --- catalogue ---------------------------------------------------------------------------


class PackageOut(Schema):
    id: int = Field(..., description="療程 ID")
    name: str = Field(..., description="療程名稱")
    category: str = Field(
        ...,
        description="服務類別代碼：physiotherapy / sports_recovery / pain_management / "
        "rehabilitation / health_products",
    )
    category_label: str = Field(..., description="服務類別名稱")
    sessions: int = Field(..., description="堂數")
    price: int = Field(..., description="價格（新台幣）")
    validity_months: int = Field(..., description="有效月數（自購買日起算）")
    description: str = Field(..., description="說明")
    is_active: bool = Field(..., description="是否販售中")

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return _category_label(obj.category)


class PackageIn(Payload):
    """On PATCH only the fields sent are changed."""

    name: str | None = Field(None, description="療程名稱（不可重複）")
    category: str | None = Field(None, description="服務類別代碼")
    sessions: IdLike = Field(None, description="堂數，至少 1")
    price: IdLike = Field(None, description="價格（新台幣，整數）")
    validity_months: IdLike = Field(None, description="有效月數，至少 1")
    description: str | None = Field(None, description="說明")
    is_active: bool | None = Field(None, description="是否販售中")


class ProductOut(Schema):
    id: int = Field(..., description="產品 ID")
    name: str = Field(..., description="產品名稱")
    category: str = Field(..., description="服務類別代碼")
    category_label: str = Field(..., description="服務類別名稱")
    price: int = Field(..., description="價格（新台幣）")
    description: str = Field(..., description="說明")
    is_active: bool = Field(..., description="是否販售中")

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return _category_label(obj.category)


class ProductIn(Payload):
    name: str | None = Field(None, description="產品名稱（不可重複）")
    category: str | None = Field(None, description="服務類別代碼；預設 health_products")
    price: IdLike = Field(None, description="價格（新台幣，整數）")
    description: str | None = Field(None, description="說明")
    is_active: bool | None = Field(None, description="是否販售中")


# --- purchases ---------------------------------------------------------------------------


class PurchaseOut(Schema):
    id: int = Field(..., description="購買記錄 ID")
    kind: str = Field(
        ..., description="類型代碼：sale（購買）/ refund（退費）/ cancellation（取消）"
    )
    kind_label: str = Field(..., description="類型名稱")
    reverses_id: int | None = Field(None, description="退費或取消所沖銷的購買記錄 ID")
    purchased_on: date = Field(..., description="日期")
    package_id: int | None = Field(None, description="療程 ID")
    product_id: int | None = Field(None, description="產品 ID")
    item_name: str = Field(..., description="療程/產品名稱（購買當時）")
    quantity: int = Field(..., description="數量")
    sessions: int = Field(..., description="堂數；退費或取消為負數")
    amount: int = Field(..., description="金額（新台幣）；退費或取消為負數")
    promotion: str = Field(..., description="促銷方案")
    salesperson: StaffOut | None = Field(None, description="銷售人員")
    expires_on: date | None = Field(None, description="療程到期日")
    sessions_remaining: int = Field(..., description="療程剩餘堂數（僅購買記錄）")
    reason: str = Field(..., description="退費或取消的原因")
    created_at: datetime = Field(..., description="建立時間")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class PurchaseIn(Payload):
    package: IdLike = Field(None, description="療程 ID（與 product 擇一）")
    product: IdLike = Field(None, description="產品 ID（與 package 擇一）")
    quantity: IdLike = Field(None, description="數量，預設 1")
    amount: IdLike = Field(None, description="金額（新台幣）；未填為目錄價格 × 數量")
    promotion: str | None = Field(None, description="促銷方案")
    salesperson: IdLike = Field(None, description="銷售人員的員工 ID；空白表示本人")
    purchased_on: str | None = Field(None, description="購買日期，YYYY-MM-DD；預設今天")


class ReverseIn(Payload):
    kind: str | None = Field(None, description="refund（退費）或 cancellation（取消）")
    reason: str | None = Field(None, description="原因（必填）")
    amount: IdLike = Field(None, description="退費金額；取消時未填為全部未退金額")
    sessions: IdLike = Field(None, description="退回堂數；取消時為全部剩餘堂數")


class PackageLineOut(Schema):
    purchase_id: int = Field(..., validation_alias="id", description="購買記錄 ID")
    name: str = Field(..., description="療程名稱")
    purchased_on: date = Field(..., description="購買日期")
    sessions: int = Field(..., description="購買堂數")
    sessions_remaining: int = Field(..., description="剩餘堂數")
    expires_on: date | None = Field(None, description="到期日")
    last_used_on: date | None = Field(None, description="最近使用日期")
    status: str = Field(
        ..., description="狀態代碼：active / expired / used_up / cancelled / refunded"
    )
    status_label: str = Field(..., description="狀態名稱：有效 / 已到期 / 已用完 / 已取消 / 已退費")
    usable: bool = Field(..., description="今天是否可使用一堂")


class SessionUseIn(Payload):
    purchase_id: IdLike = Field(None, description="使用的療程購買記錄 ID；未填為最先到期的有效療程")
    used_on: str | None = Field(None, description="使用日期，YYYY-MM-DD；預設今天")
    note: str | None = Field(None, description="備註")


class SessionUseOut(Schema):
    id: int = Field(..., description="使用記錄 ID")
    purchase_id: int = Field(..., description="療程購買記錄 ID")
    item_name: str = Field(..., description="療程名稱")
    used_on: date = Field(..., description="使用日期")
    sessions_remaining: int = Field(..., description="使用後剩餘堂數")
    therapist: StaffOut | None = Field(None, description="治療師")
    note: str = Field(..., description="備註")

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return obj.purchase.item_name

    @staticmethod
    def resolve_sessions_remaining(obj: Any) -> int:
        return obj.purchase.sessions_remaining


class SuggestionOut(Schema):
    kind: str = Field(..., description="package（療程）或 product（產品）")
    id: int = Field(..., description="療程或產品 ID")
    name: str = Field(..., description="名稱")
    price: int = Field(..., description="價格（新台幣）")
    reason: str = Field(..., description="建議理由")

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return obj.offer.kind

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return obj.offer.id

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.offer.name

    @staticmethod
    def resolve_price(obj: Any) -> int:
        return obj.offer.price
