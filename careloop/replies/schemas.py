"""Shapes of the reply API: the checker, templates, the avoid-list and sending a reply."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from careloop.complaints.schemas import LocalDateTime
from careloop.customers.schemas import Payload, StaffOut


class ReplyFindingOut(Schema):
    kind: str = Field(
        ..., description="類型：avoid-phrase / placeholder / structure / personalisation"
    )
    kind_label: str = Field(..., description="類型名稱")
    code: str = Field(..., description="項目代碼，例如 avoid:3、structure:apology")
    message: str = Field(..., description="說明（繁體中文）")
    spans: list[list[int]] = Field(
        ..., description="標示的文字位置 [起, 迄)，以字元（Unicode code point）計；缺少的要素為空"
    )
    suggestion: str = Field(..., description="建議改寫（應避免用語）")
    blocking: bool = Field(..., description="是否阻擋傳送（應避免用語與未填入的欄位）")


class ReplyCheckIn(Payload):
    text: str | None = Field(None, description="要檢查的回覆內容（必填）")
    complaint: str | None = Field(
        None, description="客訴編號；提供時一併檢查客戶姓名與案件內容是否出現在回覆中"
    )
    channel: str | None = Field(
        None,
        description="範本管道：email / social_public / private_message / phone_script / letter；"
        "social_public 只檢查感謝、道歉與轉私訊",
    )


class ReplyCheckOut(Schema):
    sendable: bool = Field(..., description="沒有阻擋傳送的項目")
    clean: bool = Field(..., description="沒有任何檢查項目")
    findings: list[ReplyFindingOut] = Field(..., description="檢查結果，依類型排列")


class ReplyTemplateOut(Schema):
    id: int = Field(..., description="範本 ID")
    name: str = Field(..., description="範本名稱")
    channel: str = Field(..., description="回覆管道代碼")
    channel_label: str = Field(..., description="回覆管道名稱")
    subject: str = Field(..., description="主旨（可含欄位）")
    body: str = Field(..., description="內容，欄位寫成 {客戶姓名}")
    active: bool = Field(..., description="是否啟用")
    position: int = Field(..., description="排序，小的在前")
    updated_at: LocalDateTime = Field(..., description="最後修改時間")

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return str(obj.get_channel_display())


class ReplyTemplateIn(Payload):
    name: str | None = Field(None, description="範本名稱（必填，不可重複）")
    channel: str | None = Field(None, description="回覆管道代碼（必填）")
    subject: str | None = Field(None, description="主旨")
    body: str | None = Field(None, description="內容（必填）；可用欄位見 GET /reply-placeholders")
    position: int | None = Field(None, description="排序，小的在前")
    active: bool | None = Field(None, description="是否啟用（預設啟用）")


class ReplyRenderedOut(Schema):
    template: int = Field(..., description="範本 ID")
    subject: str = Field(..., description="填入案件資料後的主旨")
    body: str = Field(..., description="填入案件資料後的內容；案件沒有資料的欄位保留原樣")


class ReplyPlaceholderOut(Schema):
    name: str = Field(..., description="欄位名稱，範本中寫成 {名稱}")
    help: str = Field(..., description="填入的內容")


class AvoidPhraseOut(Schema):
    id: int = Field(..., description="用語 ID")
    phrase: str = Field(..., description="應避免用語（可含 … 與 (甲|乙)）")
    category: str = Field(
        ..., description="類別：blame_shifting / doubting / blaming / over_promising / other"
    )
    category_label: str = Field(..., description="類別名稱")
    suggestion: str = Field(..., description="建議改寫")
    active: bool = Field(..., description="是否啟用")
    updated_at: LocalDateTime = Field(..., description="最後修改時間")

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return str(obj.get_category_display())


class AvoidPhraseIn(Payload):
    phrase: str | None = Field(None, description="應避免用語（必填）")
    category: str | None = Field(None, description="類別代碼（必填）")
    suggestion: str | None = Field(None, description="建議改寫")
    active: bool | None = Field(None, description="是否啟用（預設啟用）")


class ReplyIn(Payload):
    channel: str | None = Field(None, description="傳送方式：email / sms / line（必填）")
    to: str | None = Field(
        None, description="收件者：電子郵件、手機號碼或 LINE 使用者 ID；空白時用案件的聯絡方式"
    )
    subject: str | None = Field(None, description="主旨（電子郵件必填）")
    body: str | None = Field(None, description="回覆內容（必填）")
    template: int | None = Field(None, description="使用的範本 ID")
    is_solution: bool = Field(False, description="此回覆說明調查結果與解決方案（方案核准後才可）")
    override_reason: str | None = Field(
        None, description="含應避免用語時的放行理由（限部門主管以上）；未填入的欄位不能放行"
    )
    key: str | None = Field(None, description="冪等鍵：同一個鍵重送只會傳送一次")


class OutboundMessageOut(Schema):
    id: int = Field(..., description="外發訊息 ID")
    channel: str = Field(..., description="管道：email / sms / line")
    to: str = Field(..., description="收件者（手機號碼為 E.164）")
    subject: str = Field(..., description="主旨（僅電子郵件）")
    body: str = Field(..., description="內容")
    status: str = Field(..., description="queued / sending / sent / failed")
    error: str = Field(..., description="發送失敗的原因")
    created_at: LocalDateTime = Field(..., description="建立時間")
    sent_at: LocalDateTime | None = Field(None, description="發送時間")


class SentReplyOut(Schema):
    id: int = Field(..., description="已傳送回覆 ID")
    complaint: str = Field(..., description="客訴編號")
    message: OutboundMessageOut = Field(..., description="外發訊息與發送狀態")
    communication: int = Field(..., description="客戶溝通記錄 ID")
    template: int | None = Field(None, description="使用的範本 ID")
    findings: list[dict[str, Any]] = Field(..., description="傳送時的檢查結果（警告）")
    override_reason: str = Field(..., description="主管放行理由（含應避免用語時）")
    by: StaffOut = Field(..., description="傳送人員")
    sent_at: LocalDateTime = Field(..., description="傳送時間")

    @staticmethod
    def resolve_complaint(obj: Any) -> str:
        return obj.complaint.number

    @staticmethod
    def resolve_communication(obj: Any) -> int:
        return obj.communication_id

    @staticmethod
    def resolve_template(obj: Any) -> int | None:
        return obj.template_id


class ReplyBlockedOut(Schema):
    detail: str = Field(..., description="不能傳送的原因（繁體中文）")
    errors: dict[str, list[str]] | None = Field(None, description="各欄位的錯誤訊息")
    findings: list[ReplyFindingOut] = Field(..., description="全部檢查結果")
