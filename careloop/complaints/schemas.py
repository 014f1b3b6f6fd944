"""Shapes of the complaint API (PT-P020, PT-F035 over JSON).

Payloads are loose (strings, optional everything), as in the customer API: `api.py` turns
codes into rows and the services check the rules, so the API and the pages answer a mistake
with the same zh-Hant message. Every choice comes out as its code and its zh-Hant label; every
time comes out in Taipei time with its offset (2026-02-15T16:00:00+08:00).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from careloop.core.api_types import Offset
from careloop.core.phones import phone_display
from careloop.customers.schemas import BranchOut, CustomerRefOut, IdLike, Payload, StaffOut


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


# Stored in UTC; shown as the clinic reads it, with the +08:00 offset.
LocalDateTime = Annotated[dt.datetime, AfterValidator(_local)]


# --- references --------------------------------------------------------------------------


class NatureOut(Schema):
    id: int = Field(..., description="投訴性質 ID")
    code: str = Field(..., description="投訴性質代碼，例如 service_quality")
    name: str = Field(..., description="投訴性質名稱，例如「服務質量」")


class DepartmentOut(Schema):
    id: int = Field(..., description="部門 ID")
    code: str = Field(..., description="部門代碼，例如 physiotherapy")
    name: str = Field(..., description="部門名稱，例如「物理治療部」")


class CriterionOut(Schema):
    code: str = Field(..., description="評估標準代碼，例如 b_staff")
    grade: str = Field(..., description="此標準對應的等級：A / B / C")
    text: str = Field(..., description="附件二的原文")


# --- the case ----------------------------------------------------------------------------


def _label(obj: Any, name: str) -> str:
    return str(getattr(obj, f"get_{name}_display")()) if getattr(obj, name) else ""


class ComplaintOut(Schema):
    """The PT-F035 record with its grade, deadlines and stage."""

    number: str = Field(..., description="客訴編號 YYYYMMDD-NNN，例如 20260213-001")
    branch: BranchOut = Field(..., description="院所")
    customer: CustomerRefOut | None = Field(None, description="已連結的客戶；新投訴人為 null")
    complainant_name: str = Field(..., description="投訴人姓名")
    complainant_phone: str = Field(..., description="聯絡電話（E.164）；未填為空字串")
    complainant_phone_display: str = Field(..., description="聯絡電話的顯示格式")
    complainant_email: str = Field(..., description="電子郵件")
    complainant_line_id: str = Field(..., description="LINE ID")
    channel: str = Field(..., description="投訴渠道代碼")
    channel_label: str = Field(..., description="投訴渠道名稱")
    third_party: str = Field(..., description="第三方單位（政府部門、消保組織轉來時）")
    received_at: LocalDateTime = Field(..., description="接收時間")
    received_by: StaffOut | None = Field(None, description="接收人員")
    recorded_at: LocalDateTime | None = Field(None, description="接收記錄（PT-F035）完成時間")
    is_public_submission: bool = Field(..., description="是否由線上意見表提交")
    description: str = Field(..., description="投訴內容詳細描述")
    expected_resolution: str = Field(..., description="期望解決方式")
    criteria: list[str] = Field(..., description="勾選的評估標準代碼（附件二）")
    suggested_grade: str = Field(..., description="依評估標準建議的等級：A / B / C")
    grade: str = Field(..., description="確定的投訴等級：A / B / C")
    grade_label: str = Field(..., description="投訴等級名稱")
    grade_reason: str = Field(..., description="與建議等級不同時的理由")
    nature: NatureOut | None = Field(None, description="投訴性質")
    departments: list[DepartmentOut] = Field(..., description="涉及（負責調查）的部門")
    owner: StaffOut | None = Field(None, description="本案負責人")
    state: str = Field(
        ...,
        description="處理階段代碼：received / investigating / solution_review / executing / "
        "communicating / follow_up / closed / archived",
    )
    state_label: str = Field(..., description="處理階段名稱")
    record_due: LocalDateTime = Field(..., description="接收記錄期限（接收後 24 小時，5.1.3）")
    start_due: LocalDateTime = Field(..., description="啟動處理期限（§3.3）")
    resolution_due: LocalDateTime = Field(..., description="解決期限（§3.3，工作天結束時）")
    first_response_due: LocalDateTime | None = Field(
        None, description="首次回覆期限（僅線上渠道）；其他渠道為 null"
    )
    is_record_late: bool = Field(..., description="接收記錄是否晚於 24 小時")
    started_at: LocalDateTime | None = Field(None, description="開始調查時間")
    resolved_at: LocalDateTime | None = Field(None, description="解決方案告知客戶時間")
    first_response_at: LocalDateTime | None = Field(None, description="首次回覆時間")
    next_due: LocalDateTime | None = Field(None, description="下一個未達成的期限")
    follow_up_due: dt.date | None = Field(None, description="後續跟進日期")
    summary: str = Field(..., description="投訴摘要（處理記錄）")
    customer_accepted: bool = Field(..., description="客戶是否已接受解決方案")
    satisfaction_score: int | None = Field(None, description="客戶滿意度評估，1–10")
    satisfaction_note: str = Field(..., description="滿意度評估說明")
    closed_at: LocalDateTime | None = Field(None, description="結案時間")
    closed_by: StaffOut | None = Field(None, description="結案簽核主管")
    archived_at: LocalDateTime | None = Field(None, description="歸檔時間")
    retention_until: LocalDateTime | None = Field(
        None, description="保存期限（結案後 3 年，5.6.3）；未結案為 null"
    )
    created_at: LocalDateTime = Field(..., description="建立時間")
    updated_at: LocalDateTime = Field(..., description="最後更新時間")

    @staticmethod
    def resolve_complainant_phone_display(obj: Any) -> str:
        return phone_display(obj.complainant_phone) if obj.complainant_phone else ""

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return _label(obj, "channel")

    @staticmethod
    def resolve_grade_label(obj: Any) -> str:
        return _label(obj, "grade")

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return _label(obj, "state")

    @staticmethod
    def resolve_departments(obj: Any) -> list[Any]:
        return list(obj.departments.all())


# --- the board ---------------------------------------------------------------------------


class ComplaintListQuery(Schema):
    grade: str = Field("", description="投訴等級：A / B / C")
    state: str = Field("", description="處理階段代碼")
    branch: str = Field("", description="院所 ID 或代碼（限您可存取的院所）")
    department: str = Field("", description="部門 ID 或代碼")
    nature: str = Field("", description="投訴性質 ID 或代碼")
    overdue: bool = Field(False, description="只列已逾期的案件")
    mine: bool = Field(False, description="只列我負責的案件")
    closed: bool = Field(False, description="改列已結案與已歸檔的案件（最近結案者在前）")
    q: str = Field("", description="客訴編號開頭、投訴人姓名片段、客戶編號或電話")
    limit: int = Field(25, ge=1, le=100, description="每頁筆數，1–100，預設 25")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class BoardRowOut(Schema):
    number: str = Field(..., description="客訴編號")
    branch: BranchOut = Field(..., description="院所")
    complainant_name: str = Field(..., description="投訴人姓名")
    customer_number: str | None = Field(None, description="已連結客戶的客戶編號")
    channel: str = Field(..., description="投訴渠道代碼")
    channel_label: str = Field(..., description="投訴渠道名稱")
    received_at: LocalDateTime = Field(..., description="接收時間")
    grade: str = Field(..., description="投訴等級：A / B / C")
    grade_label: str = Field(..., description="投訴等級名稱")
    state: str = Field(..., description="處理階段代碼")
    state_label: str = Field(..., description="處理階段名稱")
    nature: NatureOut | None = Field(None, description="投訴性質")
    departments: list[DepartmentOut] = Field(..., description="涉及的部門")
    owner: StaffOut | None = Field(None, description="負責人")
    is_record_late: bool = Field(..., description="接收記錄是否晚於 24 小時")
    standing: str = Field(..., description="期限狀況：on_track / at_risk / overdue / done")
    standing_label: str = Field(..., description="期限狀況名稱，例如「即將逾期」")
    milestone: str | None = Field(
        None, description="下一個未達成的期限：first_response / start / resolution；無則 null"
    )
    milestone_label: str | None = Field(None, description="下一個期限的名稱")
    due: LocalDateTime | None = Field(None, description="下一個期限的時間")
    seconds_left: int | None = Field(
        None, description="距下一個期限的秒數；已逾期為負數；無期限為 null"
    )


class BoardOut(Schema):
    count: int = Field(..., description="符合條件的案件總數")
    limit: int = Field(..., description="本頁筆數上限")
    offset: int = Field(..., description="本頁略過的筆數")
    items: list[BoardRowOut] = Field(
        ..., description="本頁的案件：未結案者依下一個期限由近到遠；已結案者依結案時間由新到舊"
    )


# --- the whole case ----------------------------------------------------------------------


class GradeChangeOut(Schema):
    from_grade: str = Field(..., description="原等級；首次定級為空字串")
    to_grade: str = Field(..., description="新等級")
    reason: str = Field(..., description="理由")
    changed_by: StaffOut | None = Field(None, description="調整人；線上意見表預設等級為 null")
    changed_at: LocalDateTime = Field(..., description="時間")


class TransitionOut(Schema):
    from_state: str = Field(..., description="原階段代碼")
    from_state_label: str = Field(..., description="原階段名稱")
    to_state: str = Field(..., description="新階段代碼")
    to_state_label: str = Field(..., description="新階段名稱")
    reason: str = Field(..., description="說明（退回、重新開啟的理由或審核意見）")
    by: StaffOut = Field(..., description="處理人")
    at: LocalDateTime = Field(..., description="時間")

    @staticmethod
    def resolve_from_state_label(obj: Any) -> str:
        return _label(obj, "from_state")

    @staticmethod
    def resolve_to_state_label(obj: Any) -> str:
        return _label(obj, "to_state")


class InvestigationOut(Schema):
    saved: bool = Field(..., description="是否已填寫過；false 時其餘欄位皆為空白")
    scope: str = Field(..., description="調查範圍和目標（調查計劃，5.3.1）")
    people: str = Field(..., description="參與調查的部門和人員（調查計劃）")
    timeline: str = Field(..., description="調查時間表（調查計劃）")
    facts: str = Field(..., description="調查發現的事實（調查報告，5.3.3）")
    root_cause: str = Field(..., description="根本原因（調查報告）")
    responsibility: str = Field(..., description="責任歸屬（調查報告）")
    recommendation: str = Field(..., description="解決方案建議（調查報告）")
    updated_by: StaffOut | None = Field(None, description="最後修改者")
    updated_at: LocalDateTime | None = Field(None, description="最後修改時間")

    @staticmethod
    def resolve_saved(obj: Any) -> bool:
        return obj.pk is not None

    @staticmethod
    def resolve_updated_by(obj: Any) -> Any:
        return obj.updated_by if obj.updated_by_id else None


class InvestigationIn(Payload):
    """The whole investigation: fields left out are cleared (PUT)."""

    scope: str | None = Field(None, description="調查範圍和目標")
    people: str | None = Field(None, description="參與調查的部門和人員")
    timeline: str | None = Field(None, description="調查時間表")
    facts: str | None = Field(None, description="調查發現的事實；僅於已接收、調查中階段可修改")
    root_cause: str | None = Field(None, description="根本原因")
    responsibility: str | None = Field(None, description="責任歸屬")
    recommendation: str | None = Field(None, description="解決方案建議")


class SolutionOut(Schema):
    saved: bool = Field(..., description="是否已填寫過；false 時其餘欄位皆為空白")
    immediate_remedy: str = Field(..., description="針對客戶問題的立即解決方法")
    prevention: str = Field(..., description="防止再次發生的系統性改進措施")
    training_needs: str = Field(..., description="人員培訓或指導需求")
    policy_change: str = Field(..., description="政策或程序調整")
    cost: int = Field(..., description="預估成本（新台幣）")
    updated_by: StaffOut | None = Field(None, description="最後修改者")
    updated_at: LocalDateTime | None = Field(None, description="最後修改時間")

    @staticmethod
    def resolve_saved(obj: Any) -> bool:
        return obj.pk is not None

    @staticmethod
    def resolve_updated_by(obj: Any) -> Any:
        return obj.updated_by if obj.updated_by_id else None


class SolutionIn(Payload):
    """The whole solution (5.4.1): fields left out are cleared (PUT)."""

    immediate_remedy: str | None = Field(None, description="針對客戶問題的立即解決方法（必填）")
    prevention: str | None = Field(None, description="防止再次發生的系統性改進措施（必填）")
    training_needs: str | None = Field(None, description="人員培訓或指導需求")
    policy_change: str | None = Field(None, description="政策或程序調整")
    cost: int | None = Field(None, ge=0, description="預估成本（新台幣，整數）；預設 0")


class ApprovalOut(Schema):
    id: int = Field(..., description="審核記錄 ID")
    decision: str = Field(..., description="審核結果：approved / rejected")
    decision_label: str = Field(..., description="審核結果名稱")
    grade: str = Field(..., description="審核時的投訴等級")
    comment: str = Field(..., description="審核意見或退回理由")
    by: StaffOut = Field(..., description="審核人")
    at: LocalDateTime = Field(..., description="時間")

    @staticmethod
    def resolve_decision_label(obj: Any) -> str:
        return _label(obj, "decision")


class ApprovalIn(Payload):
    decision: str = Field(
        ..., description="approved 核准（進入方案執行）/ rejected 退回（回到調查中，須說明理由）"
    )
    comment: str = Field("", description="審核意見")
    reason: str = Field("", description="退回理由（退回時必填；未填時以 comment 為理由）")


class ApprovalResultOut(Schema):
    approval: ApprovalOut = Field(..., description="這次的審核記錄")
    complaint: ComplaintOut = Field(..., description="審核後的案件")


class ActionItemOut(Schema):
    id: int = Field(..., description="行動項目 ID")
    description: str = Field(..., description="行動內容")
    owner: StaffOut = Field(..., description="責任人")
    due_date: dt.date = Field(..., description="完成期限")
    done: bool = Field(..., description="是否已完成")
    done_at: LocalDateTime | None = Field(None, description="完成時間")
    done_by: StaffOut | None = Field(None, description="完成確認人")
    created_at: LocalDateTime = Field(..., description="建立時間")

    @staticmethod
    def resolve_done(obj: Any) -> bool:
        return obj.done_at is not None


class ActionItemIn(Payload):
    description: str | None = Field(None, description="行動內容（必填）")
    owner: IdLike = Field(None, description="責任人的員工 ID 或登入帳號；未填為本人")
    due_date: str | None = Field(None, description="完成期限 YYYY-MM-DD（必填）")


class ActionItemPatchIn(Payload):
    done: bool = Field(..., description="true 標示完成；false 改回未完成")


class CommunicationOut(Schema):
    id: int = Field(..., description="溝通記錄 ID")
    channel: str = Field(..., description="溝通方式代碼（同投訴渠道）")
    channel_label: str = Field(..., description="溝通方式名稱")
    occurred_at: LocalDateTime = Field(..., description="溝通時間")
    content: str = Field(..., description="溝通內容")
    customer_response: str = Field(
        ..., description="客戶回應：accepted / not_accepted / pending / n_a"
    )
    customer_response_label: str = Field(..., description="客戶回應名稱")
    response_note: str = Field(..., description="客戶回應說明")
    is_solution: bool = Field(..., description="是否為說明調查結果與解決方案的溝通（5.5.2）")
    by: StaffOut = Field(..., description="溝通人員")
    created_at: LocalDateTime = Field(..., description="記錄時間")

    @staticmethod
    def resolve_channel_label(obj: Any) -> str:
        return _label(obj, "channel")

    @staticmethod
    def resolve_customer_response_label(obj: Any) -> str:
        return _label(obj, "customer_response")


class CommunicationIn(Payload):
    channel: str | None = Field(None, description="溝通方式代碼（必填），同投訴渠道代碼")
    occurred_at: str | None = Field(
        None, description="溝通時間，ISO 8601（無時區視為台北時間）；預設為現在"
    )
    content: str | None = Field(None, description="溝通內容（必填）")
    customer_response: str | None = Field(
        None, description="客戶回應：accepted / not_accepted / pending / n_a（預設）"
    )
    response_note: str | None = Field(None, description="客戶回應說明")
    is_solution: bool = Field(
        False, description="說明調查結果與解決方案（方案核准後才可）；進入後續跟進前須有一筆"
    )


class EvidenceOut(Schema):
    id: int = Field(..., description="證據 ID")
    kind: str = Field(
        ..., description="類型：file / interview / record / physical / customer_upload"
    )
    kind_label: str = Field(..., description="類型名稱")
    title: str = Field(..., description="標題")
    notes: str = Field(..., description="內容或說明")
    file_name: str | None = Field(None, description="檔案名稱；無檔案為 null")
    download_url: str | None = Field(None, description="下載檔案的 API 路徑；無檔案為 null")
    added_by: StaffOut | None = Field(None, description="上傳人；投訴人上傳者為 null")
    added_at: LocalDateTime = Field(..., description="時間")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return _label(obj, "kind")

    @staticmethod
    def resolve_file_name(obj: Any) -> str | None:
        return obj.file.name.rsplit("/", 1)[-1] if obj.file else None

    @staticmethod
    def resolve_download_url(obj: Any) -> str | None:
        if not obj.file:
            return None
        return f"/api/v1/complaints/{obj.complaint.number}/evidence/{obj.id}/file"


class EvidenceForm(Schema):
    kind: str = Field(
        "",
        description="類型：file / interview / record / physical / customer_upload；"
        "未填時有檔案為 file，否則為 record",
    )
    title: str = Field("", description="標題（必填），100 字內")
    notes: str = Field("", description="內容或說明；未上傳檔案時必填")


class MilestoneOut(Schema):
    milestone: str = Field(..., description="期限：first_response / start / resolution")
    label: str = Field(..., description="期限名稱")
    due: LocalDateTime | None = Field(None, description="期限時間")
    reached_at: LocalDateTime | None = Field(None, description="達成時間；未達成為 null")
    met: bool | None = Field(
        None, description="true 如期達成；false 逾期（已過期限或晚於期限達成）；null 尚未到期"
    )
    standing: str = Field(..., description="期限狀況：on_track / at_risk / overdue / done")
    standing_label: str = Field(..., description="期限狀況名稱")


class MoveOut(Schema):
    code: str = Field(..., description="動作代碼，例如 submit_solution")
    label: str = Field(..., description="動作名稱，例如「提交方案審核」")
    to: str = Field(..., description="動作後的階段代碼（POST transitions 時的 to）")
    to_label: str = Field(..., description="動作後的階段名稱")
    needs_reason: bool = Field(..., description="是否須說明理由")
    allowed: bool = Field(..., description="您現在是否可執行")
    refusals: list[str] = Field(..., description="不可執行的理由，每項引用 PT-P020 條文")


class CaseOut(Schema):
    """The whole case, as the case page shows it."""

    complaint: ComplaintOut = Field(..., description="接收記錄（PT-F035）、等級、期限與階段")
    grade_history: list[GradeChangeOut] = Field(..., description="等級記錄，依時間排序")
    transitions: list[TransitionOut] = Field(..., description="階段變更，依時間排序")
    investigation: InvestigationOut | None = Field(None, description="調查計劃與報告；未填為 null")
    solution: SolutionOut | None = Field(None, description="解決方案；未填為 null")
    approvals: list[ApprovalOut] = Field(..., description="方案審核記錄")
    action_items: list[ActionItemOut] = Field(..., description="行動項目，依完成期限排序")
    open_action_items: int = Field(..., description="未完成的行動項目數")
    communications: list[CommunicationOut] = Field(..., description="客戶溝通記錄")
    evidence: list[EvidenceOut] = Field(..., description="收集的證據（檔案內容另行下載）")
    milestones: list[MilestoneOut] = Field(..., description="各期限與是否如期達成")
    moves: list[MoveOut] = Field(..., description="目前階段可執行的動作，以及不可執行的理由")


# --- writes ------------------------------------------------------------------------------


class ComplaintCreateIn(Payload):
    """PT-F035 投訴接收記錄."""

    branch: IdLike = Field(None, description="院所 ID 或代碼；預設為您的所屬院所")
    customer: str | None = Field(
        None, description="既有客戶的客戶編號；填寫時投訴人資料未填者取自客戶資料"
    )
    complainant_name: str | None = Field(None, description="投訴人姓名（無客戶編號時必填）")
    complainant_phone: str | None = Field(
        None, description="聯絡電話，任何台灣寫法皆可；電話、電子郵件、LINE 至少一項"
    )
    complainant_email: str | None = Field(None, description="電子郵件")
    complainant_line_id: str | None = Field(None, description="LINE ID")
    channel: str | None = Field(
        None,
        description="投訴渠道代碼（必填）：in_person / phone / email / letter / social_media / "
        "review_platform / suggestion_box / government / consumer_protection",
    )
    third_party: str | None = Field(
        None, description="第三方單位名稱；渠道為 government、consumer_protection 時必填"
    )
    received_at: str | None = Field(
        None,
        description="接收時間，ISO 8601，例如 2026-02-13T16:00+08:00（無時區視為台北時間）；"
        "預設為現在，不可晚於現在",
    )
    description: str | None = Field(None, description="投訴內容詳細描述（必填）")
    expected_resolution: str | None = Field(None, description="期望解決方式")
    criteria: list[str] = Field(
        [], description="勾選的評估標準代碼（附件二），見 /complaints/criteria"
    )
    grade: str | None = Field(None, description="投訴等級 A / B / C；未填時採依評估標準建議的等級")
    grade_reason: str | None = Field(None, description="等級與建議等級不同時的理由（此時必填）")
    nature: IdLike = Field(None, description="投訴性質 ID 或代碼，見 /complaints/natures")
    departments: list[int | str] = Field([], description="涉及部門的 ID 或代碼")
    owner: IdLike = Field(None, description="負責人的員工 ID 或登入帳號")


class ComplaintPatchIn(Payload):
    """Corrections to the PT-F035 record; only the fields sent change. The branch and the time
    of receipt cannot change (the deadlines hang on them)."""

    customer: str | None = Field(None, description="既有客戶的客戶編號")
    complainant_name: str | None = Field(None, description="投訴人姓名")
    complainant_phone: str | None = Field(None, description="聯絡電話")
    complainant_email: str | None = Field(None, description="電子郵件")
    complainant_line_id: str | None = Field(None, description="LINE ID")
    channel: str | None = Field(None, description="投訴渠道代碼")
    third_party: str | None = Field(None, description="第三方單位名稱")
    description: str | None = Field(None, description="投訴內容詳細描述")
    expected_resolution: str | None = Field(None, description="期望解決方式")
    nature: IdLike = Field(None, description="投訴性質 ID 或代碼；null 表示清除")
    departments: list[int | str] | None = Field(
        None, description="涉及部門的 ID 或代碼（整批取代）"
    )


class RegradeIn(Payload):
    criteria: list[str] | None = Field(
        None, description="勾選的評估標準代碼（整批取代）；未送出時沿用目前勾選"
    )
    grade: str | None = Field(None, description="投訴等級 A / B / C；未填時採建議等級")
    reason: str = Field("", description="理由；等級改變或與建議等級不同時必填")


class AssignmentIn(Payload):
    owner: IdLike = Field(
        None, description="負責人的員工 ID 或登入帳號；null 表示取消；未送出時不變"
    )
    departments: list[int | str] | None = Field(
        None, description="負責部門的 ID 或代碼（整批取代）；未送出時不變"
    )


class CustomerLinkIn(Payload):
    allow_duplicate: bool = Field(
        False, description="已確認不是重複客戶時設為 true；否則可能重複時回應 409 並列出既有客戶"
    )


class TransitionIn(Payload):
    to: str = Field(
        ...,
        description="目標階段代碼：investigating / solution_review / executing / communicating / "
        "follow_up / closed / archived（見案件的 moves）",
    )
    reason: str = Field("", description="理由（退回、重新開啟時必填）")
    comment: str = Field("", description="意見（例如審核意見）")
    summary: str | None = Field(None, description="結案時的投訴摘要；未送出時沿用已記錄者")
    satisfaction_score: int | None = Field(
        None, ge=1, le=10, description="結案時的客戶滿意度評估 1–10；未送出時沿用已記錄者"
    )
    satisfaction_note: str | None = Field(None, description="結案時的滿意度評估說明")


class ClosingRecordIn(Payload):
    """The handling record's summary and the satisfaction evaluation (PUT: all three)."""

    summary: str | None = Field(None, description="投訴摘要")
    satisfaction_score: int | None = Field(
        None, ge=1, le=10, description="客戶滿意度評估 1–10；null 表示尚未評估"
    )
    satisfaction_note: str | None = Field(None, description="滿意度評估說明")


# --- calendar preview --------------------------------------------------------------------


class DeadlinePreviewQuery(Schema):
    received_at: str = Field(
        "", description="接收時間 ISO 8601，例如 2026-02-13T16:00+08:00；預設為現在"
    )
    grade: str = Field("", description="投訴等級 A / B / C；未填時依 criteria 建議")
    branch: str = Field("", description="院所 ID 或代碼（必填），依其行事曆計算工作天")
    channel: str = Field("", description="投訴渠道代碼；線上渠道另有首次回覆期限")
    criteria: list[str] = Field([], description="評估標準代碼，可重複或以逗號分隔")


class DeadlinePreviewOut(Schema):
    received_at: LocalDateTime = Field(..., description="接收時間")
    grade: str = Field(..., description="計算所用的投訴等級")
    suggested_grade: str = Field(..., description="依評估標準建議的等級")
    branch: BranchOut = Field(..., description="院所")
    record_due: LocalDateTime = Field(..., description="接收記錄期限（24 小時）")
    start_due: LocalDateTime = Field(..., description="啟動處理期限")
    resolution_due: LocalDateTime = Field(..., description="解決期限（第 N 個工作天結束時）")
    first_response_due: LocalDateTime | None = Field(None, description="首次回覆期限（僅線上渠道）")
    follow_up_days: int = Field(..., description="方案告知後幾天進行後續跟進")
