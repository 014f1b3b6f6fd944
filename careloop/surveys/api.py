"""Surveys over JSON: the list, NPS, and sending a case's survey now. Thin: codes into rows
here, reads in selectors, writes in services. The public answer has no API: the page is it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import Branch
from careloop.complaints.selectors import complaint_get_for_user
from careloop.core.api_errors import ApiError
from careloop.customers.api import _user
from careloop.customers.schemas import ErrorOut
from careloop.surveys import services
from careloop.surveys.forms import month_parse
from careloop.surveys.models import Survey, SurveyKind, SurveyStatus
from careloop.surveys.schemas import (
    NpsOut,
    NpsQuery,
    SurveyListQuery,
    SurveyOut,
    SurveyPageOut,
)
from careloop.surveys.selectors import (
    SurveyFilters,
    branches_visible_to,
    nps_by_branch_month,
    nps_compute,
    responses_filter,
    responses_visible_to,
    survey_list,
)

router = Router(tags=["滿意度調查"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: ErrorOut}


class _Fields:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def check(self) -> None:
        if self.errors:
            raise ApiError(422, _("輸入資料有誤。"), self.errors)


def _branch(request: HttpRequest, value: str, fields: _Fields) -> Branch | None:
    """A branch of the user's by ID or code; one outside them reads as not found."""
    text = (value or "").strip()
    if not text:
        return None
    branches = branches_visible_to(user=_user(request))
    branch = branches.filter(pk=int(text)).first() if text.isdigit() else None
    branch = branch or branches.filter(code=text).first()
    if branch is None:
        fields.add("branch", _("找不到此院所：%s。") % text)
    return branch


def _choice(value: str, allowed: list[str], name: str, fields: _Fields) -> str:
    text = (value or "").strip()
    if text and text not in allowed:
        fields.add(name, _("選項不正確：%s。") % text)
        return ""
    return text


def _day(value: str, name: str, fields: _Fields) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        fields.add(name, _("日期格式不正確，請用 YYYY-MM-DD。"))
    return day


def survey_out(survey: Survey) -> dict[str, Any]:
    response = getattr(survey, "response", None) if survey.answered_at else None
    return {
        "id": survey.pk,
        "kind": survey.kind,
        "kind_label": survey.get_kind_display(),
        "status": survey.status,
        "status_label": survey.status_label,
        "branch": survey.branch,
        "complaint_number": survey.complaint.number if survey.complaint_id else None,
        "package": survey.purchase.item_name if survey.purchase_id else None,
        "customer": survey.customer,
        "recipient_name": survey.recipient_name,
        "channel": survey.channel,
        "sent_at": survey.sent_at,
        "send_count": survey.send_count,
        "expires_at": survey.expires_at,
        "answered_at": survey.answered_at,
        "answer": None
        if response is None
        else {
            "satisfaction": response.satisfaction,
            "recommend": response.recommend,
            "nps_group": response.nps_group,
            "went_well": response.went_well,
            "to_improve": response.to_improve,
            "answered_at": response.answered_at,
        },
    }


@router.get("/surveys", response={200: SurveyPageOut, **READ}, summary="滿意度調查列表")
def survey_list_api(request: HttpRequest, params: Query[SurveyListQuery]) -> dict[str, Any]:
    """您可存取院所寄出的問卷，最新者在前，可依院所、類型、狀態與寄出月份篩選。
    以 `limit`（最多 100）與 `offset` 分頁。"""
    user = _user(request)
    fields = _Fields()
    branch = _branch(request, params.branch, fields)
    kind = _choice(params.kind, SurveyKind.values, "kind", fields)
    status = _choice(params.status, SurveyStatus.values, "status", fields)
    month = None
    if params.month.strip():
        try:
            month = month_parse(params.month)
        except ValidationError as exc:
            fields.add("month", exc.messages[0])
    fields.check()
    surveys = survey_list(
        user=user,
        filters=SurveyFilters(
            branch=branch.pk if branch else None, kind=kind, status=status, month=month
        ),
    )
    page = list(surveys[params.offset : params.offset + params.limit])
    reads_record(request, [s.customer_id for s in page], kind=ReadKind.LIST)
    return {
        "count": surveys.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [survey_out(s) for s in page],
    }


@router.get("/surveys/nps", response={200: NpsOut, **READ}, summary="NPS 淨推薦值")
def survey_nps(request: HttpRequest, params: Query[NpsQuery]) -> dict[str, Any]:
    """推薦意願 0–10 分：9–10 為推薦者、7–8 為中立者、0–6 為批評者；NPS = 推薦者百分比 −
    批評者百分比（四捨五入）。依回覆日期（台北時間，含起迄兩日）與院所、類型篩選，並列出
    各院所各月份的 NPS。"""
    user = _user(request)
    fields = _Fields()
    branch = _branch(request, params.branch, fields)
    kind = _choice(params.kind, SurveyKind.values, "kind", fields)
    answered_from = _day(params.from_, "from", fields)
    answered_to = _day(params.to, "to", fields)
    if answered_from and answered_to and answered_from > answered_to:
        fields.add("to", _("結束日期不可早於開始日期。"))
    fields.check()
    responses = responses_filter(
        responses_visible_to(user=user),
        branch=branch.pk if branch else None,
        kind=kind,
        answered_from=answered_from,
        answered_to=answered_to,
    )
    total = nps_compute(responses=responses)
    return {
        "nps": total.score,
        "responses": total.total,
        "promoters": total.promoters,
        "passives": total.passives,
        "detractors": total.detractors,
        "promoter_pct": total.promoter_pct,
        "detractor_pct": total.detractor_pct,
        "by_branch_month": [
            {
                "branch": row.branch,
                "month": f"{row.month:%Y-%m}",
                "nps": row.nps.score,
                "responses": row.nps.total,
                "promoters": row.nps.promoters,
                "passives": row.nps.passives,
                "detractors": row.nps.detractors,
            }
            for row in nps_by_branch_month(responses=responses)
        ],
    }


@router.post(
    "/complaints/{number}/surveys",
    response={200: SurveyOut, 201: SurveyOut, **WRITE},
    summary="寄送客訴滿意度問卷",
)
def complaint_survey_send(request: HttpRequest, number: str) -> Status[dict[str, Any]]:
    """立即寄送本案的滿意度問卷（PT-F021）：尚未寄送時建立並寄出（201）；已寄出但未回覆時
    重新寄送同一連結，已過期者延長 30 天（200）。案件須已進入後續跟進或結案；已回覆、
    10 分鐘內剛寄過時回應 409；沒有手機或電子郵件時回應 422。"""
    user = _user(request)
    try:
        complaint = complaint_get_for_user(user=user, number=number)
    except Http404 as exc:
        raise Http404(_("找不到此客訴案件。")) from exc
    try:
        survey, created = services.survey_send_or_resend_for_complaint(complaint=complaint, by=user)
    except ValidationError as exc:
        # The case's state or the survey's own state says no: 409; a missing contact: 422.
        if set(getattr(exc, "error_dict", {})) & {"survey", "complaint"}:
            raise ApiError(409, exc.messages[0]) from exc
        raise
    survey = Survey.objects.select_related(
        "branch", "complaint", "purchase", "customer", "response"
    ).get(pk=survey.pk)
    reads_record(request, [survey.customer_id], kind=ReadKind.VIEW)  # the answer names them
    return Status(201 if created else 200, survey_out(survey))
