"""Data-subject requests over JSON: create, list, detail and the copy's download. Thin: the
form parses, the selectors read, the services write. 403 without the role, 404 outside your
branches, 422 for bad input, 409 when a rule refuses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_schemas import RefusedOut
from careloop.core.api_types import Id
from careloop.customers.schemas import ErrorOut
from careloop.customers.selectors import customer_get_for_user
from careloop.privacy import services
from careloop.privacy.forms import DownloadForm, RequestForm
from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.schemas import (
    PrivacyCopyIn,
    PrivacyRequestIn,
    PrivacyRequestListOut,
    PrivacyRequestListQuery,
    PrivacyRequestOut,
)
from careloop.privacy.selectors import request_get_for_user, requests_visible_to
from careloop.privacy.views import copy_response

router = Router(tags=["個資當事人請求"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: RefusedOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _out(r: DataSubjectRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "customer_number": r.customer.number,
        "kind": r.kind,
        "kind_display": r.get_kind_display(),
        "channel": r.channel,
        "received_at": r.received_at,
        "received_by": str(r.received_by),
        "identity_method": r.identity_method,
        "due_at": r.due_at,
        "extended_at": r.extended_at,
        "status": r.status,
        "status_display": r.get_status_display(),
        "answer": r.answer,
        "decided_at": r.decided_at,
    }


@router.post("/privacy/requests", response={201: PrivacyRequestOut, **READ}, summary="受理個資請求")
def request_create(request: HttpRequest, payload: PrivacyRequestIn) -> Status:
    """記錄當事人的請求（已核對身分）；答覆期限依個資法第 13 條自受理起算。"""
    user = _user(request)
    require(user, Capability.PRIVACY_REQUEST)
    customer = customer_get_for_user(user=user, number=payload.customer_number)
    data = payload.dict()
    data.pop("customer_number")
    form = RequestForm(data)
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    created = services.request_create(customer=customer, values=form.cleaned_data, by=user)
    reads_record(request, [customer], kind=ReadKind.VIEW)  # the answer names the customer
    return Status(201, _out(created))


@router.get(
    "/privacy/requests", response={200: PrivacyRequestListOut, **READ}, summary="個資請求列表"
)
def request_list(request: HttpRequest, params: Query[PrivacyRequestListQuery]) -> dict[str, Any]:
    """您所屬院所的請求，新到舊；以 `limit`（最多 100）與 `offset` 分頁。"""
    rows = requests_visible_to(user=_user(request))
    if params.status:
        rows = rows.filter(status=params.status)
    page = list(rows[params.offset : params.offset + params.limit])
    reads_record(request, [r.customer_id for r in page], kind=ReadKind.LIST)
    return {
        "count": rows.count(),
        "offset": params.offset,
        "limit": params.limit,
        "results": [_out(r) for r in page],
    }


@router.get(
    "/privacy/requests/{request_id}", response={200: PrivacyRequestOut, **READ}, summary="個資請求"
)
def request_detail(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    req = request_get_for_user(user=_user(request), request_id=request_id)
    reads_record(request, [req.customer_id], kind=ReadKind.VIEW)
    return _out(req)


@router.post(
    "/privacy/requests/{request_id}/copy",
    response={200: None, **WRITE},
    summary="下載個資複本（JSON 或 PDF）",
)
def copy_download(request: HttpRequest, request_id: Id, payload: PrivacyCopyIn) -> HttpResponse:
    """查閱／複製請求的複本；每次下載都記錄下載者、時間與目的。"""
    user = _user(request)
    req = request_get_for_user(user=user, request_id=request_id)
    form = DownloadForm(payload.dict())
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    try:
        services.copy_download_record(
            request=req,
            fmt=form.cleaned_data["format"],
            purpose=form.cleaned_data["purpose"],
            by=user,
        )
    except services.PrivacyRefused as exc:
        raise ApiError(409, exc.message, reasons=exc.messages) from exc
    return copy_response(request=request, req=req, fmt=form.cleaned_data["format"], by=user)
