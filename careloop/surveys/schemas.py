"""Shapes of the survey API. Choices come out as code and zh-Hant label; times in Taipei time
with their offset (2026-03-05T14:30:00+08:00)."""

from __future__ import annotations

from ninja import Field, Schema

from careloop.complaints.schemas import LocalDateTime
from careloop.core.api_types import Offset
from careloop.customers.schemas import BranchOut, CustomerRefOut


class SurveyListQuery(Schema):
    branch: str = Field("", description="院所 ID 或代碼（限您可存取的院所）")
    kind: str = Field("", description="問卷類型：complaint_resolved / package_completed")
    status: str = Field(
        "", description="狀態：sent（待回覆）/ answered（已回覆）/ expired（已過期）"
    )
    month: str = Field("", description="寄出月份，YYYY-MM（台北時間）")
    limit: int = Field(25, ge=1, le=100, description="每頁筆數，1–100，預設 25")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class NpsQuery(Schema):
    branch: str = Field("", description="院所 ID 或代碼；空白為您可存取的全部院所")
    kind: str = Field("", description="問卷類型；空白為全部")
    from_: str = Field("", alias="from", description="回覆日期起（含），YYYY-MM-DD")
    to: str = Field("", description="回覆日期迄（含），YYYY-MM-DD")


class SurveyAnswerOut(Schema):
    satisfaction: int = Field(..., description="整體滿意度 1–10")
    recommend: int = Field(..., description="推薦意願 0–10（NPS）")
    nps_group: str = Field(..., description="promoter（9–10）/ passive（7–8）/ detractor（0–6）")
    went_well: str = Field(..., description="做得好的地方")
    to_improve: str = Field(..., description="需要改進的地方")
    answered_at: LocalDateTime = Field(..., description="回覆時間")


class SurveyOut(Schema):
    id: int = Field(..., description="問卷 ID")
    kind: str = Field(..., description="問卷類型代碼")
    kind_label: str = Field(..., description="問卷類型名稱")
    status: str = Field(..., description="sent / answered / expired")
    status_label: str = Field(..., description="狀態名稱")
    branch: BranchOut = Field(..., description="院所")
    complaint_number: str | None = Field(None, description="客訴編號（客訴處理後的問卷）")
    package: str | None = Field(None, description="療程名稱（療程完成後的問卷）")
    customer: CustomerRefOut | None = Field(None, description="客戶（投訴人尚非客戶時為空）")
    recipient_name: str = Field(..., description="受訪者")
    channel: str = Field(..., description="寄送管道：sms / email")
    sent_at: LocalDateTime = Field(..., description="寄出時間")
    send_count: int = Field(..., description="寄送次數")
    expires_at: LocalDateTime = Field(..., description="連結有效期限")
    answered_at: LocalDateTime | None = Field(None, description="回覆時間")
    answer: SurveyAnswerOut | None = Field(None, description="回覆內容")


class SurveyPageOut(Schema):
    count: int = Field(..., description="符合條件的總數")
    limit: int = Field(..., description="每頁筆數")
    offset: int = Field(..., description="略過的筆數")
    items: list[SurveyOut] = Field(..., description="本頁的問卷")


class NpsMonthOut(Schema):
    branch: BranchOut = Field(..., description="院所")
    month: str = Field(..., description="回覆月份 YYYY-MM（台北時間）")
    nps: int | None = Field(None, description="NPS，−100 至 100")
    responses: int = Field(..., description="回覆數")
    promoters: int = Field(..., description="推薦者（9–10 分）")
    passives: int = Field(..., description="中立者（7–8 分）")
    detractors: int = Field(..., description="批評者（0–6 分）")


class NpsOut(Schema):
    nps: int | None = Field(
        None,
        description="淨推薦值：推薦者（9–10）百分比 − 批評者（0–6）百分比，四捨五入；無回覆時為空",
    )
    responses: int = Field(..., description="回覆數")
    promoters: int = Field(..., description="推薦者（9–10 分）")
    passives: int = Field(..., description="中立者（7–8 分）")
    detractors: int = Field(..., description="批評者（0–6 分）")
    promoter_pct: int | None = Field(None, description="推薦者百分比")
    detractor_pct: int | None = Field(None, description="批評者百分比")
    by_branch_month: list[NpsMonthOut] = Field(..., description="各院所各月份")
