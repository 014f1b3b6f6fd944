"""Shapes of the customer API (PT-F025 over JSON).

Payloads are deliberately loose (strings, optional everything): the ModelForms in `forms.py`
check the values, so the API and the pages answer a mistake with the same zh-Hant message.
Outputs give every choice both as its code and as its zh-Hant label.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from careloop.core.api_types import Offset
from careloop.customers.models import Budget, DecisionFactor, ServiceInterest

IdLike = int | str | None


class Payload(Schema):
    # A misspelt field would otherwise be dropped without a word and the change lost.
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(..., description="錯誤說明（繁體中文）")
    errors: dict[str, list[str]] | None = Field(
        None, description="各欄位的錯誤訊息，鍵為欄位名稱；`__all__` 為整體錯誤"
    )


class DuplicateCandidateOut(Schema):
    number: str = Field(..., description="既有客戶的客戶編號")
    name: str | None = Field(
        None, description="既有客戶姓名；該客戶不在您可存取的院所時為 null（個資保護）"
    )
    branch: str = Field(..., description="既有客戶的所屬院所名稱")
    accessible: bool = Field(..., description="您是否可開啟此客戶資料")

    @staticmethod
    def resolve_accessible(obj: Any) -> bool:
        return bool(getattr(obj, "visible_to_user", False))

    @staticmethod
    def resolve_name(obj: Any) -> str | None:
        return obj.name if getattr(obj, "visible_to_user", False) else None

    @staticmethod
    def resolve_branch(obj: Any) -> str:
        return obj.branch.name


class DuplicateOut(Schema):
    detail: str = Field(..., description="錯誤說明（繁體中文）")
    candidates: list[DuplicateCandidateOut] = Field(
        ..., description="可能重複的既有客戶（電話相同，或姓名與生日相同）"
    )


# --- small references --------------------------------------------------------------------


class BranchOut(Schema):
    id: int = Field(..., description="院所 ID")
    code: str = Field(..., description="院所代碼")
    name: str = Field(..., description="院所名稱")


class StaffOut(Schema):
    id: int = Field(..., description="員工 ID")
    username: str = Field(..., description="登入帳號")
    full_name: str = Field(..., description="姓名")


class CustomerRefOut(Schema):
    number: str = Field(..., description="客戶編號")
    name: str = Field(..., description="客戶姓名")


# --- customer ----------------------------------------------------------------------------


class CustomerListItemOut(Schema):
    number: str = Field(..., description="客戶編號，例如 C0000012")
    name: str = Field(..., description="客戶姓名")
    phone: str = Field(..., description="聯絡電話（E.164，例如 +886912345678）；無則為空字串")
    phone_display: str = Field(..., description="聯絡電話的顯示格式，例如 0912-345-678")
    birthday: date | None = Field(None, description="生日")
    customer_type: str = Field(..., description="客戶類型代碼：prospect / current / lost / vip")
    customer_type_label: str = Field(..., description="客戶類型名稱")
    source: str = Field(..., description="客戶來源代碼；未填為空字串")
    source_label: str = Field(..., description="客戶來源名稱")
    branch: BranchOut = Field(..., description="所屬院所")
    primary_therapist: StaffOut | None = Field(None, description="主治療師")
    sales_consultant: StaffOut | None = Field(None, description="負責銷售顧問")
    created_at: datetime = Field(..., description="建立時間")

    @staticmethod
    def resolve_customer_type_label(obj: Any) -> str:
        return str(obj.get_customer_type_display())

    @staticmethod
    def resolve_source_label(obj: Any) -> str:
        return str(obj.get_source_display()) if obj.source else ""


class CustomerOut(CustomerListItemOut):
    email: str = Field(..., description="電子郵件")
    line_id: str = Field(..., description="LINE ID")
    source_other: str = Field(..., description="其他來源說明")
    referrer: CustomerRefOut | None = Field(None, description="轉介人（客戶轉介時）")
    preferences: str = Field(..., description="偏好")
    special_needs: str = Field(..., description="特殊需求")
    consent_sms: bool = Field(..., description="同意接收行銷簡訊")
    consent_email: bool = Field(..., description="同意接收行銷電子郵件")
    consent_line: bool = Field(..., description="同意接收 LINE 行銷訊息")
    notes: str = Field(..., description="備註與其他重要資訊")
    created_by: StaffOut = Field(..., description="建立者")
    updated_at: datetime = Field(..., description="最後更新時間")


class CustomerListOut(Schema):
    count: int = Field(..., description="符合條件的客戶總數")
    items: list[CustomerListItemOut] = Field(..., description="本頁的客戶，最新建立者在前")


class CustomerListQuery(Schema):
    q: str = Field("", description="姓名片段、任何格式的電話（或末幾碼）、或客戶編號")
    customer_type: str = Field("", description="客戶類型代碼：prospect / current / lost / vip")
    branch: str = Field("", description="院所 ID（限您可存取的院所）")
    therapist: str = Field("", description="主治療師的員工 ID")
    consultant: str = Field("", description="銷售顧問的員工 ID")
    source: str = Field("", description="客戶來源代碼")
    limit: int = Field(25, ge=1, le=100, description="每頁筆數，1–100，預設 25")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class CustomerIn(Payload):
    """PT-F025 basic data. On PATCH only the fields sent are changed."""

    name: str | None = Field(None, description="客戶姓名（必填）")
    phone: str | None = Field(
        None, description="聯絡電話，任何台灣寫法皆可：0912-345-678、(02)2345-6789、+886…"
    )
    email: str | None = Field(None, description="電子郵件")
    line_id: str | None = Field(None, description="LINE ID")
    birthday: str | None = Field(None, description="生日，YYYY-MM-DD，不可晚於今天")
    customer_type: str | None = Field(
        None, description="客戶類型代碼：prospect / current / lost / vip；新增時預設 prospect"
    )
    source: str | None = Field(
        None, description="客戶來源代碼：web_search / social_media / referral / event / other"
    )
    referrer_number: str | None = Field(None, description="轉介人的客戶編號（客戶轉介時）")
    source_other: str | None = Field(None, description="其他來源說明（來源為 other 時必填）")
    branch: IdLike = Field(None, description="所屬院所 ID；新增時預設為您的所屬院所")
    primary_therapist: IdLike = Field(None, description="主治療師的員工 ID")
    sales_consultant: IdLike = Field(None, description="銷售顧問的員工 ID")
    preferences: str | None = Field(None, description="偏好")
    special_needs: str | None = Field(None, description="特殊需求")
    consent_sms: bool | None = Field(None, description="同意接收行銷簡訊")
    consent_email: bool | None = Field(None, description="同意接收行銷電子郵件")
    consent_line: bool | None = Field(None, description="同意接收 LINE 行銷訊息")
    notes: str | None = Field(None, description="備註與其他重要資訊")


class CustomerCreateIn(CustomerIn):
    allow_duplicate: bool = Field(
        False,
        description="已確認不是重複客戶時設為 true；否則可能重複時回應 409 並列出既有客戶",
    )


# --- needs -------------------------------------------------------------------------------


def _labels(codes: list[str], choices: Any) -> list[str]:
    labels = dict(choices)
    return [str(labels[code]) for code in codes if code in labels]


class NeedsOut(Schema):
    main_concerns: str = Field(..., description="主要訴求/問題")
    service_interests: list[str] = Field(
        ...,
        description="服務/產品興趣代碼：physiotherapy / sports_recovery / pain_management / "
        "rehabilitation / health_products / other",
    )
    service_interest_labels: list[str] = Field(..., description="服務/產品興趣名稱")
    service_interest_other: str = Field(..., description="其他興趣說明")
    budget: str = Field(..., description="預算考量代碼：economy / standard / premium / unstated")
    budget_label: str = Field(..., description="預算考量名稱")
    decision_factors: list[str] = Field(
        ...,
        description="決策因素代碼：price / quality / efficacy / convenience / expertise / other",
    )
    decision_factor_labels: list[str] = Field(..., description="決策因素名稱")
    decision_factor_other: str = Field(..., description="其他決策因素說明")
    updated_at: datetime | None = Field(None, description="最後更新時間")

    @staticmethod
    def resolve_service_interest_labels(obj: Any) -> list[str]:
        return _labels(obj.service_interests, ServiceInterest.choices)

    @staticmethod
    def resolve_decision_factor_labels(obj: Any) -> list[str]:
        return _labels(obj.decision_factors, DecisionFactor.choices)

    @staticmethod
    def resolve_budget_label(obj: Any) -> str:
        return str(Budget(obj.budget).label) if obj.budget in Budget.values else ""


class NeedsIn(Payload):
    """The whole needs profile: fields left out are cleared (PUT)."""

    main_concerns: str | None = Field(None, description="主要訴求/問題")
    service_interests: list[str] | None = Field(None, description="服務/產品興趣代碼，可複選")
    service_interest_other: str | None = Field(None, description="其他興趣說明")
    budget: str | None = Field(None, description="預算考量代碼；未填為 unstated（未表明）")
    decision_factors: list[str] | None = Field(None, description="決策因素代碼，可複選")
    decision_factor_other: str | None = Field(None, description="其他決策因素說明")


# --- interactions and contact plans ------------------------------------------------------


class InteractionOut(Schema):
    id: int = Field(..., description="互動記錄 ID")
    occurred_at: datetime = Field(..., description="互動日期時間")
    channel: str = Field(..., description="互動方式代碼：phone / message / in_person / other")
    channel_label: str = Field(..., description="互動方式名稱")
    staff: StaffOut = Field(..., description="互動人員")
    summary: str = Field(..., description="互動摘要")
    reaction: str = Field(..., description="客戶反應代碼：positive / neutral / negative")
    reaction_label: str = Field(..., description="客戶反應名稱")
    follow_up_action: str = Field(..., description="後續行動")
    status: str = Field(..., description="完成狀態代碼：done / in_progress / pending")
    status_label: str = Field(..., description="完成狀態名稱")

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_reaction_label(obj: Any) -> str:
        return str(obj.get_reaction_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ContactPlanIn(Payload):
    due_date: str | None = Field(None, description="預定聯繫日期，YYYY-MM-DD，不可早於今天")
    purpose: str | None = Field(
        None,
        description="聯繫目的代碼：routine_care / efficacy_follow_up / renewal_reminder / "
        "birthday_greeting / event_invitation / other",
    )
    purpose_other: str | None = Field(None, description="其他目的說明（目的為 other 時必填）")
    assignee: IdLike = Field(None, description="負責人員的員工 ID；空白表示本人")


class InteractionIn(Payload):
    occurred_at: str | None = Field(
        None, description="互動日期時間，ISO 8601（無時區視為台北時間）；預設為現在"
    )
    channel: str | None = Field(
        None, description="互動方式代碼：phone / message / in_person / other"
    )
    staff: IdLike = Field(None, description="互動人員的員工 ID；空白表示本人")
    summary: str | None = Field(None, description="互動摘要")
    reaction: str | None = Field(None, description="客戶反應代碼：positive / neutral / negative")
    follow_up_action: str | None = Field(None, description="後續行動")
    status: str | None = Field(
        None, description="完成狀態代碼：done / in_progress / pending；預設 done"
    )
    fulfils_plan_id: int | None = Field(
        None, description="這次互動完成的聯繫計劃 ID（須為此客戶未完成的計劃），該計劃隨之結案"
    )
    next_plan: ContactPlanIn | None = Field(
        None, description="同時排定的下次聯繫計劃（選填），與互動記錄一起儲存"
    )


class ContactPlanOut(Schema):
    id: int = Field(..., description="聯繫計劃 ID")
    due_date: date = Field(..., description="預定聯繫日期")
    purpose: str = Field(..., description="聯繫目的代碼")
    purpose_label: str = Field(..., description="聯繫目的名稱")
    purpose_other: str = Field(..., description="其他目的說明")
    assignee: StaffOut = Field(..., description="負責人員")
    done: bool = Field(..., description="是否已完成")
    done_at: datetime | None = Field(None, description="完成時間")
    fulfilled_by_id: int | None = Field(None, description="完成此計劃的互動記錄 ID")

    @staticmethod
    def resolve_purpose_label(obj: Any) -> str:
        return str(obj.get_purpose_display())


# --- satisfaction, events, sign-offs -----------------------------------------------------


class SatisfactionIn(Payload):
    score: IdLike = Field(None, description="滿意度評分，1–10")
    recorded_on: str | None = Field(None, description="評價日期，YYYY-MM-DD；預設今天")
    positive_feedback: str | None = Field(None, description="正面回饋")
    improvement_suggestions: str | None = Field(None, description="改進建議")


class SatisfactionOut(Schema):
    id: int = Field(..., description="滿意度記錄 ID")
    score: int = Field(..., description="滿意度評分，1–10")
    recorded_on: date = Field(..., description="評價日期")
    positive_feedback: str = Field(..., description="正面回饋")
    improvement_suggestions: str = Field(..., description="改進建議")
    recorded_by: StaffOut = Field(..., description="記錄人")


class EventIn(Payload):
    kind: str | None = Field(
        None,
        description="事件類型代碼：complaint / service_delay / poor_efficacy / "
        "refund_request / other",
    )
    occurred_on: str | None = Field(None, description="發生日期，YYYY-MM-DD；預設今天")
    description: str | None = Field(None, description="說明")
    outcome: str | None = Field(None, description="處理結果")


class EventOut(Schema):
    id: int = Field(..., description="重要事件 ID")
    kind: str = Field(..., description="事件類型代碼")
    kind_label: str = Field(..., description="事件類型名稱")
    occurred_on: date = Field(..., description="發生日期")
    description: str = Field(..., description="說明")
    outcome: str = Field(..., description="處理結果")
    recorded_by: StaffOut = Field(..., description="記錄人")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class SignOffIn(Payload):
    kind: str | None = Field(
        None, description="簽核類型：recorder（記錄人員簽名）/ supervisor（主管審核簽名）"
    )
    comment: str | None = Field(None, description="意見（選填，200 字內）")


class SignOffOut(Schema):
    id: int = Field(..., description="簽核 ID")
    kind: str = Field(..., description="簽核類型代碼：recorder / supervisor")
    kind_label: str = Field(..., description="簽核類型名稱")
    signed_by: StaffOut = Field(..., description="簽核人")
    signed_at: datetime = Field(..., description="簽核時間")
    comment: str = Field(..., description="意見")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class TypeSuggestionOut(Schema):
    customer_type: str = Field(..., description="系統建議的客戶類型代碼")
    label: str = Field(..., description="系統建議的客戶類型名稱")
    reason: str = Field(..., description="建議的理由")


# --- the whole record --------------------------------------------------------------------


class CustomerRecordOut(Schema):
    """The whole PT-F025 record of one customer, as the customer page shows it."""

    customer: CustomerOut = Field(..., description="客戶基本資料")
    needs: NeedsOut | None = Field(None, description="客戶需求與期望")
    interactions: list[InteractionOut] = Field(..., description="互動記錄，最新在前")
    open_contact_plans: list[ContactPlanOut] = Field(
        ..., validation_alias="open_plans", description="未完成的下次聯繫計劃，依預定日期排序"
    )
    done_contact_plans: list[ContactPlanOut] = Field(
        ..., validation_alias="done_plans", description="已完成的聯繫計劃（最多 20 筆）"
    )
    satisfaction: list[SatisfactionOut] = Field(..., description="滿意度記錄，最新在前")
    events: list[EventOut] = Field(..., description="重要事件記錄，最新在前")
    recorder_sign_off: SignOffOut | None = Field(None, description="最近一次記錄人員簽名")
    supervisor_sign_off: SignOffOut | None = Field(None, description="最近一次主管審核簽名")
    type_suggestion: TypeSuggestionOut = Field(..., description="系統建議的客戶類型")
    likely_duplicates: list[DuplicateCandidateOut] = Field(
        ..., validation_alias="duplicates", description="可能重複的其他客戶資料"
    )


class ContactPlansOut(Schema):
    open: list[ContactPlanOut] = Field(
        ..., validation_alias="open_plans", description="未完成的聯繫計劃，依預定日期排序"
    )
    done: list[ContactPlanOut] = Field(
        ..., validation_alias="done_plans", description="已完成的聯繫計劃（最近 20 筆）"
    )


class AnniversaryIn(Payload):
    label: str | None = Field(None, description="紀念日名稱，例如 結婚紀念日、首次到診日")
    date: str | None = Field(None, description="日期，YYYY-MM-DD")


class AnniversaryOut(Schema):
    id: int = Field(..., description="紀念日 ID")
    label: str = Field(..., description="紀念日名稱")
    date: dt.date = Field(..., description="日期")
