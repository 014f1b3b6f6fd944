"""Shapes of the compensation API. Payloads are loose (numbers may come as strings): the forms
in `forms.py` check the values, so the API and the pages give the same zh-Hant messages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator

from careloop.core.api_types import Offset
from careloop.customers.schemas import Payload, StaffOut


def _local(value: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(value) if timezone.is_aware(value) else value


LocalDateTime = Annotated[dt.datetime, AfterValidator(_local)]
Loose = int | str | None


# --- assessment --------------------------------------------------------------------------------


class AssessmentIn(Payload):
    actual_loss: Loose = Field(None, description="實際損失（權重 30%），0–5")
    time_cost: Loose = Field(None, description="時間成本（權重 20%），0–5")
    emotional_distress: Loose = Field(None, description="精神損害（權重 30%），0–5")
    trust_loss: Loose = Field(None, description="信任損害（權重 20%），0–5")
    purchase: Loose = Field(None, description="受影響的購買記錄 ID（此客戶的購買）；選填")
    affected_amount: Loose = Field(
        None, description="受影響金額（新台幣）；空白時為購買記錄的金額，未指定購買時為 0"
    )
    note: str = Field("", description="評估說明")


class FactorOut(Schema):
    code: str = Field(..., description="因素代碼")
    label: str = Field(..., description="因素名稱")
    weight: int = Field(..., description="權重（%）")
    rating: int | None = Field(None, description="評分 0–5；尚未評估為 null")


class PurchaseRefOut(Schema):
    id: int = Field(..., description="購買記錄 ID")
    item_name: str = Field(..., description="療程／產品名稱")
    purchased_on: dt.date = Field(..., description="購買日期")
    amount: int = Field(..., description="金額（新台幣）")


class AbuseOut(Schema):
    compensated_complaints: int = Field(..., description="12 個月內獲補償的客訴件數")
    threshold: int = Field(..., description="達此件數即列入審查")
    flagged: bool = Field(..., description="是否有待審查的標記")
    flag_id: int | None = Field(None, description="最近一次標記的 ID")
    raised_at: LocalDateTime | None = Field(None, description="最近一次標記時間")
    reviewed_by: StaffOut | None = Field(None, description="審查人；待審查為 null")
    reviewed_at: LocalDateTime | None = Field(None, description="審查時間")
    review_note: str = Field("", description="審查意見")


class CostOut(Schema):
    transaction_amount: int = Field(..., description="受影響消費金額（新台幣）")
    total_spend: int = Field(..., description="客戶累計消費（扣除退費與取消）")
    case_total: int = Field(..., description="本案補償合計（不含未核准）")
    case_vs_transaction: str = Field(..., description="本案補償佔受影響消費的比例，例如「50.0%」")
    case_vs_spend: str = Field(..., description="本案補償佔客戶累計消費的比例")
    customer_granted: int = Field(..., description="客戶歷來獲核補償合計（所有案件）")


class AssessmentOut(Schema):
    complaint: str = Field(..., description="客訴編號")
    assessed: bool = Field(..., description="是否已評估")
    factors: list[FactorOut] = Field(..., description="四項因素、權重與評分")
    score: int | None = Field(None, description="評估分數 0–100 = Σ 權重 × 評分 / 5 × 100")
    level: str | None = Field(None, description="補償等級：minor（<35）/ moderate / severe（≥70）")
    level_label: str | None = Field(None, description="補償等級名稱")
    purchase: PurchaseRefOut | None = Field(None, description="受影響的購買記錄")
    affected_amount: int = Field(0, description="受影響金額（新台幣）")
    note: str = Field("", description="評估說明")
    assessed_by: StaffOut | None = Field(None, description="評估人")
    assessed_at: LocalDateTime | None = Field(None, description="評估時間")
    abuse: AbuseOut | None = Field(None, description="濫用防範（客戶 12 個月內獲補償的客訴）")
    cost: CostOut = Field(..., description="補償成本對照")


# --- offers ------------------------------------------------------------------------------------


class OfferOut(Schema):
    id: int = Field(..., description="方案 ID")
    position: int = Field(..., description="順序")
    level: str = Field(..., description="產生時的補償等級")
    kind: str = Field(..., description="方案類型代碼")
    kind_label: str = Field(..., description="方案類型名稱")
    title: str = Field(..., description="方案名稱")
    description: str = Field(..., description="方案內容")
    refund_amount: int = Field(..., description="退費金額（新台幣）")
    benefit_value: int = Field(..., description="贈品／服務／折扣／額外補償的價值（新台幣）")
    value: int = Field(..., description="方案價值 = 退費 + 贈品等價值")
    presented_at: LocalDateTime | None = Field(None, description="向客戶提出的時間")
    presented_by: StaffOut | None = Field(None, description="提出人")
    chosen: bool = Field(..., description="客戶是否選擇此方案")
    chosen_at: LocalDateTime | None = Field(None, description="記錄客戶選擇的時間")
    chosen_by: StaffOut | None = Field(None, description="記錄客戶選擇的人員")
    choice_note: str = Field("", description="客戶選擇說明")


class OffersOut(Schema):
    complaint: str = Field(..., description="客訴編號")
    level: str | None = Field(None, description="目前評估的補償等級；尚未評估為 null")
    affected_amount: int = Field(0, description="受影響金額（新台幣）")
    presented: bool = Field(..., description="方案是否已向客戶提出（提出後不可修改）")
    offers: list[OfferOut] = Field(..., description="目前的 2–3 個方案")


class OfferPatchIn(Payload):
    kind: str | None = Field(None, description="方案類型代碼")
    title: str | None = Field(None, description="方案名稱")
    description: str | None = Field(None, description="方案內容")
    refund_amount: Loose = Field(None, description="退費金額（新台幣）")
    benefit_value: Loose = Field(None, description="贈品／服務等價值（新台幣）")


class ChoiceIn(Payload):
    note: str = Field("", description="客戶選擇說明")


# --- compensations -----------------------------------------------------------------------------


class CompensationIn(Payload):
    offer: Loose = Field(None, description="客戶選擇的方案 ID；給定時其餘欄位可省略")
    value: Loose = Field(None, description="補償價值（新台幣）；依方案時省略即為方案價值")
    kind: str = Field(
        "",
        description="補償類型：refund / refund_benefit / gift / discount / free_session / "
        "non_monetary；依方案時可省略",
    )
    description: str = Field("", description="補償內容；依方案時可省略")


class CompensationApprovalOut(Schema):
    id: int = Field(..., description="核准申請 ID")
    state: str = Field(..., description="pending / approved / rejected")
    state_label: str = Field(..., description="審核狀態名稱")
    value: int = Field(..., description="申請金額（新台幣）")
    case_total: int = Field(
        ..., description="申請時本案補償累計（含此筆，新台幣）：核准人的授權上限須涵蓋此數"
    )
    requested_by: StaffOut = Field(..., description="申請人")
    requested_at: LocalDateTime = Field(..., description="申請時間")
    decided_by: StaffOut | None = Field(None, description="審核人")
    decided_at: LocalDateTime | None = Field(None, description="審核時間")
    note: str = Field("", description="審核意見")


class SettlementOut(Schema):
    signed_on: dt.date = Field(..., description="簽署日期")
    signed_by: str = Field(..., description="簽署人")
    note: str = Field("", description="說明")
    has_file: bool = Field(..., description="是否附掃描檔")
    recorded_by: StaffOut = Field(..., description="登錄人員")
    recorded_at: LocalDateTime = Field(..., description="登錄時間")


class CompensationOut(Schema):
    id: int = Field(..., description="補償 ID")
    complaint: str = Field(..., description="客訴編號")
    grade: str = Field(..., description="客訴等級")
    branch: str = Field(..., description="院所名稱")
    customer: str | None = Field(None, description="客戶編號")
    offer_id: int | None = Field(None, description="依據的方案 ID")
    kind: str = Field(..., description="補償類型代碼")
    kind_label: str = Field(..., description="補償類型名稱")
    description: str = Field(..., description="補償內容")
    value: int = Field(..., description="補償價值（新台幣）")
    status: str = Field(
        ...,
        description="proposed / pending_approval / approved / rejected / paid / delivered",
    )
    status_label: str = Field(..., description="狀態名稱")
    requested_by: StaffOut = Field(..., description="提出人")
    requested_at: LocalDateTime = Field(..., description="提出時間")
    requester_limit: int | None = Field(None, description="提出人的授權上限；null 為不設上限")
    approved_by: StaffOut | None = Field(None, description="核准人（授權上限內時為提出人本人）")
    approved_at: LocalDateTime | None = Field(None, description="核准時間")
    approval: CompensationApprovalOut | None = Field(None, description="超過授權上限時的核准申請")
    settlement_required: bool = Field(
        ...,
        description="是否須先登錄和解書才能標記已支付（A 級客訴，或本案補償累計超過 NT$10,000）",
    )
    case_granted_total: int = Field(
        ...,
        description="和解書規則所讀的本案補償累計：尚待支付時為本案已核予（已核准、已支付、"
        "已交付）加此筆；已支付、已交付或未核准時為此筆金額",
    )
    settlement: SettlementOut | None = Field(None, description="和解書")
    done_by: StaffOut | None = Field(None, description="標記已支付／已交付的人員")
    done_at: LocalDateTime | None = Field(None, description="已支付／已交付時間")
    done_note: str = Field("", description="支付／交付說明")
    customer_flagged: bool = Field(False, description="客戶是否有待審查的濫用防範標記")


class CompensationListQuery(Schema):
    customer: str = Field("", description="客戶編號")
    status: str = Field("", description="狀態代碼")
    month: str = Field("", description="提出月份 YYYY-MM")
    branch: str = Field("", description="院所代碼或 ID")
    flagged: bool = Field(False, description="只列有待審查標記的客戶")
    limit: int = Field(50, ge=1, le=100, description="每頁筆數，最多 100")
    offset: Offset = Field(0, description="略過的筆數")


class CompensationListOut(Schema):
    count: int = Field(..., description="符合條件的總筆數")
    limit: int = Field(..., description="每頁筆數")
    offset: int = Field(..., description="略過的筆數")
    items: list[CompensationOut] = Field(..., description="補償，新到舊")


class DecisionIn(Payload):
    decision: str = Field(..., description="approve（核准）或 reject（駁回）")
    note: str = Field("", description="審核意見；駁回時必填")


class SettlementForm(Schema):
    signed_on: str = Field("", description="簽署日期 YYYY-MM-DD（不可晚於今天）")
    signed_by: str = Field("", description="簽署人（客戶或其代理人）")
    note: str = Field("", description="說明")


class DoneIn(Payload):
    note: str = Field("", description="支付／交付說明")


class ReviewIn(Payload):
    note: str = Field("", description="審查意見（必填）")


# --- the approvals waiting for a user (the worklist and /compensation-approvals) --------------


class ApprovalLineOut(Schema):
    id: int = Field(
        ..., description="核准申請編號；以 POST /compensation-approvals/{id}/decision 審核"
    )
    complaint: str = Field(..., description="客訴編號")
    grade: str = Field(..., description="投訴等級：A / B / C")
    branch: str = Field(..., description="院所名稱")
    customer: str | None = Field(None, description="客戶編號；投訴人尚未建立客戶資料時為 null")
    customer_name: str = Field(..., description="客戶或投訴人姓名")
    value: int = Field(..., description="申請的補償價值（新台幣）")
    kind: str = Field(..., description="補償類型代碼")
    kind_label: str = Field(..., description="補償類型名稱")
    description: str = Field(..., description="補償內容")
    requested_by: str = Field(..., description="申請人姓名")
    requester_limit: int | None = Field(None, description="申請人的授權上限；null 為不設上限")
    requested_at: dt.datetime = Field(..., description="申請時間")


def approval_line_out(request: Any) -> dict[str, Any]:
    """One request waiting for a decision, as the worklist and /compensation-approvals show it."""
    from django.utils import timezone

    compensation = request.compensation
    complaint = compensation.complaint
    customer = compensation.customer
    return {
        "id": request.pk,
        "complaint": complaint.number,
        "grade": complaint.grade,
        "branch": request.branch.name,
        "customer": customer.number if customer else None,
        "customer_name": customer.name if customer else complaint.complainant_name,
        "value": request.value,
        "kind": compensation.kind,
        "kind_label": compensation.get_kind_display(),
        "description": compensation.description,
        "requested_by": str(request.requested_by),
        "requester_limit": compensation.requester_limit,
        "requested_at": timezone.localtime(request.requested_at),
    }


class FlagOut(Schema):
    id: int = Field(..., description="標記 ID")
    customer: str = Field(..., description="客戶編號")
    compensated_complaints: int = Field(..., description="標記時 12 個月內獲補償的客訴件數")
    threshold: int = Field(..., description="達此件數即列入審查")
    reviewed_by: StaffOut | None = Field(None, description="審查人")
    reviewed_at: LocalDateTime | None = Field(None, description="審查時間")
    review_note: str = Field("", description="審查意見")
