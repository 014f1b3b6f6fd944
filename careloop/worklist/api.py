"""The worklist over JSON (/api/v1/worklist…): the page's selector, form and service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.compensation.schemas import ApprovalLineOut, approval_line_out
from careloop.core.api_errors import ApiError, form_errors
from careloop.customers.schemas import ErrorOut
from careloop.worklist.forms import WorklistLineForm, WorklistLogForm
from careloop.worklist.selectors import (
    Scope,
    WorkItem,
    worklist_approvals,
    worklist_for,
    worklist_line_get,
)
from careloop.worklist.services import worklist_contact_log

router = Router(tags=["每日待辦"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE = {**READ, 422: ErrorOut}


class WorklistQuery(Schema):
    scope: Scope = Field(
        Scope.MINE,
        description="mine 自己的；team 部門團隊（部門主管）；branch 全院（主管、高級管理層）",
    )


class WorkCustomerOut(Schema):
    number: str = Field(..., description="客戶編號")
    name: str = Field(..., description="客戶姓名")
    phone: str = Field(..., description="聯絡電話，E.164，例如 +886912345678；未填為空字串")


class WorkItemOut(Schema):
    key: str = Field(..., description="此項待辦的識別字串")
    kind: str = Field(
        ..., description="plan / birthday_greeting / renewal_reminder / efficacy_follow_up / care"
    )
    kind_label: str = Field(..., description="待辦類別名稱，例如「續約提醒」")
    reason: str = Field(..., description="列入待辦的原因，例如「剩 2 堂」")
    detail: str = Field("", description="相關療程名稱")
    customer: WorkCustomerOut = Field(..., description="客戶")
    due: dt.date = Field(
        ..., description="日期：計劃預定日、生日、療程到期日、應追蹤日或負面互動日"
    )
    plan_id: int | None = Field(None, description="聯繫計劃編號；僅 kind 為 plan 時有值")
    assignee: str | None = Field(None, description="負責人員姓名")


class WorklistOut(Schema):
    scope: str = Field(..., description="清單範圍：mine / team / branch")
    count: int = Field(..., description="待辦項目數（不含待核准補償）")
    items: list[WorkItemOut] = Field(..., description="待辦項目，依類別再依日期排序")
    approvals: list[ApprovalLineOut] = Field(
        ...,
        description="等待您核准的補償（超過申請人授權上限、在您的授權上限與院所內、非您本人申請），"
        "依申請時間排序",
    )


class WorklistLogIn(Schema):
    customer: str = Field(..., description="客戶編號")
    kind: str = Field(
        ...,
        description="待辦類別：plan / birthday_greeting / renewal_reminder / "
        "efficacy_follow_up / care",
    )
    plan_id: int | None = Field(None, description="聯繫計劃編號；kind 為 plan 時必填")
    channel: str = Field(..., description="phone / message / in_person / other")
    reaction: str = Field(..., description="positive / neutral / negative")
    summary: str = Field(..., description="互動摘要")
    status: str = Field("done", description="done / in_progress / pending")


class WorklistLogOut(Schema):
    interaction_id: int = Field(..., description="新建互動記錄的編號")
    customer: str = Field(..., description="客戶編號")
    kind: str = Field(..., description="已處理的待辦類別")


def _item_out(item: WorkItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "kind": item.kind.value,
        "kind_label": item.kind_label,
        "reason": item.reason,
        "detail": item.detail,
        "customer": {
            "number": item.customer.number,
            "name": item.customer.name,
            "phone": item.customer.phone,
        },
        "due": item.due,
        "plan_id": item.plan.pk if item.plan else None,
        "assignee": str(item.assignee) if item.assignee else None,
    }


def _invalid(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, _("輸入資料有誤。"), errors)


@router.get("/worklist", response={200: WorklistOut, **READ}, summary="今日待辦")
def worklist_get(request: HttpRequest, params: Query[WorklistQuery]) -> dict[str, Any]:
    """到期或逾期的聯繫計劃、7 天內生日、續約提醒、療效追蹤與負面反應後的關懷，每項附原因；
    以及等待您核准的補償（`approvals`）。"""
    user: User = request.auth  # type: ignore[attr-defined]
    items = worklist_for(user=user, scope=params.scope)
    approvals = worklist_approvals(user=user)
    reads_record(request, [item.customer for item in items], kind=ReadKind.LIST)
    reads_record(request, [r.compensation.customer_id for r in approvals], kind=ReadKind.LIST)
    return {
        "scope": params.scope.value,
        "count": len(items),
        "items": [_item_out(item) for item in items],
        "approvals": [approval_line_out(r) for r in approvals],
    }


@router.post("/worklist/log", response={201: WorklistLogOut, **WRITE}, summary="記錄待辦聯繫")
def worklist_log(request: HttpRequest, payload: WorklistLogIn) -> Status[dict[str, Any]]:
    """建立互動記錄；聯繫計劃同時結案，其他類待辦記錄一筆已完成的聯繫計劃，此項即離開清單。"""
    user: User = request.auth  # type: ignore[attr-defined]
    require(user, Capability.CUSTOMER_EDIT)
    data = payload.model_dump()
    line = WorklistLineForm({k: data[k] for k in ("customer", "kind", "plan_id") if data[k]})
    form = WorklistLogForm({k: data[k] for k in ("channel", "reaction", "summary", "status")})
    errors = {}
    if not line.is_valid():
        errors.update(form_errors(line))
    if not form.is_valid():
        errors.update(form_errors(form))
    if errors:
        raise _invalid(errors)
    # 404 (customer or open plan not found, or outside the user's branches) via the handler.
    customer, plan = worklist_line_get(
        user=user,
        customer_number=line.cleaned_data["customer"],
        plan_id=line.cleaned_data["plan_id"],
    )
    interaction = worklist_contact_log(
        user=user,
        customer=customer,
        kind=line.cleaned_data["kind"],
        plan=plan,
        values=form.cleaned_data,
    )
    return Status(
        201,
        {
            "interaction_id": interaction.pk,
            "customer": customer.number,
            "kind": line.cleaned_data["kind"],
        },
    )
