"""The working-day calendar over JSON (/api/v1/calendar/…). Thin: the page's forms parse,
the selectors read, the services write. Every member of staff reads; administrators write."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from careloop.accounts.models import User
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_types import Id
from careloop.customers.schemas import ErrorOut
from careloop.workcalendar import services
from careloop.workcalendar.calendar import day_statuses
from careloop.workcalendar.forms import CalendarRangeForm, ClosureForm, ExtraWorkingDayForm
from careloop.workcalendar.schemas import (
    ClosureIn,
    ClosureOut,
    EntryIn,
    ExtraWorkingDayOut,
    RangeQuery,
    WorkingDaysOut,
)
from careloop.workcalendar.selectors import (
    closure_get,
    closure_list,
    extra_working_day_get,
    extra_working_day_list,
)
from careloop.workcalendar.templatetags.workcalendar import weekday_label

router = Router(tags=["工作天與停班日"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _admin(request: HttpRequest) -> User:
    """The user, once it is known they keep the calendar: a 403 comes before a 422."""
    user = _user(request)
    if not services.calendar_may_edit(user):
        raise ApiError(403, _("只有系統管理員可以設定工作天曆。"))
    return user


def _range(params: RangeQuery) -> dict[str, Any]:
    form = CalendarRangeForm(params.model_dump())
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    data = form.cleaned_data
    return {
        "date_from": data["date_from"],
        "date_to": data["date_to"],
        "branch_id": data["branch"].pk if data["branch"] else None,
    }


def _entry_data(form_class: type, payload: EntryIn) -> dict[str, Any]:
    data = payload.model_dump()
    form = form_class({k: "" if v is None else v for k, v in data.items()})
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    return form.cleaned_data


def _create(create: Any, **values: Any) -> Any:
    try:
        return create(**values)
    except services.CalendarConflict as exc:
        raise ApiError(409, exc.messages[0], {"date": exc.messages}) from exc


# --- closures ----------------------------------------------------------------------------


@router.get("/calendar/closures", response={200: list[ClosureOut], **READ}, summary="停診日清單")
def closure_list_get(request: HttpRequest, params: Query[RangeQuery]) -> Any:
    """期間內的停診日（颱風假、院所停診、其他），依日期排序。"""
    return list(closure_list(**_range(params)))


@router.post(
    "/calendar/closures", response={201: ClosureOut, **WRITE}, summary="新增停診日（系統管理員）"
)
def closure_create(request: HttpRequest, payload: ClosureIn) -> Status[Any]:
    """同一院所同一天只能有一筆停診日，全院區同一天也只能有一筆；重複時回應 409。"""
    user = _admin(request)
    data = _entry_data(ClosureForm, payload)
    return Status(201, _create(services.closure_create, **data, by=user))


@router.delete(
    "/calendar/closures/{closure_id}",
    response={204: None, **READ},
    summary="刪除停診日（系統管理員）",
)
def closure_delete(request: HttpRequest, closure_id: Id) -> Status[None]:
    """過去的停診日也可刪除；異動記錄保留刪除者。"""
    user = _admin(request)
    services.closure_delete(closure=closure_get(closure_id=closure_id), by=user)
    return Status(204, None)


# --- extra working days ------------------------------------------------------------------


@router.get(
    "/calendar/extra-working-days",
    response={200: list[ExtraWorkingDayOut], **READ},
    summary="加開工作天清單",
)
def extra_working_day_list_get(request: HttpRequest, params: Query[RangeQuery]) -> Any:
    return list(extra_working_day_list(**_range(params)))


@router.post(
    "/calendar/extra-working-days",
    response={201: ExtraWorkingDayOut, **WRITE},
    summary="新增加開工作天（系統管理員）",
)
def extra_working_day_create(request: HttpRequest, payload: EntryIn) -> Status[Any]:
    """同一院所同一天只能有一筆，全院區同一天也只能有一筆；重複時回應 409。
    同一天另有停診日時，停診日優先（該日不是工作天）。"""
    user = _admin(request)
    data = _entry_data(ExtraWorkingDayForm, payload)
    return Status(201, _create(services.extra_working_day_create, **data, by=user))


@router.delete(
    "/calendar/extra-working-days/{extra_day_id}",
    response={204: None, **READ},
    summary="刪除加開工作天（系統管理員）",
)
def extra_working_day_delete(request: HttpRequest, extra_day_id: Id) -> Status[None]:
    user = _admin(request)
    extra_day = extra_working_day_get(extra_day_id=extra_day_id)
    services.extra_working_day_delete(extra_day=extra_day, by=user)
    return Status(204, None)


# --- working days ------------------------------------------------------------------------


@router.get(
    "/calendar/working-days", response={200: WorkingDaysOut, **READ}, summary="每日是否為工作天"
)
def working_days(request: HttpRequest, params: Query[RangeQuery]) -> dict[str, Any]:
    """週一至週五（國定假日與補假除外）及補行上班日為工作天，再依院所的停診日扣除、
    加開工作天增加；同一天兩者皆有時停診日優先。客訴處理期限依此計算（不含收件當日）。"""
    span = _range(params)
    days = day_statuses(**span)
    return {
        "branch": span["branch_id"],
        "date_from": span["date_from"],
        "date_to": span["date_to"],
        "working_days": sum(d.is_working for d in days),
        "days": [
            {
                "date": d.day,
                "weekday": weekday_label(d.day),
                "is_working": d.is_working,
                "source": d.source.value,
                "source_label": d.source.label,
                "reason": d.reason,
            }
            for d in days
        ],
    }
