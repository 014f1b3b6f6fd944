"""The working-day calendar page (工作天曆). Thin: the selectors read, the services write.

Every member of staff sees the coming 90 days, or a month they pick. Administrators also get
the forms that add a closure or an extra working day and a delete button on each entry. Each
write answers htmx with the page body again (field errors beside the field and 422 on bad
input); without JavaScript it redirects back to the same period, or shows the page with the
errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from careloop.workcalendar import services
from careloop.workcalendar.forms import (
    DEFAULT_DAYS,
    CalendarPeriodForm,
    ClosureForm,
    ExtraWorkingDayForm,
)
from careloop.workcalendar.models import CalendarEntry
from careloop.workcalendar.selectors import (
    calendar_rows,
    closure_get,
    extra_working_day_get,
)
from careloop.workcalendar.templatetags.workcalendar import day_label

PAGE = "workcalendar/calendar.html"
BODY = "workcalendar/partials/body.html"
# Every change is followed by a recount of the open cases it touches (complaints/recount.py).
RECOUNT = gettext_lazy("未結案客訴的工作天期限將自動重新計算。")


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    # The first of the month shown; None for the coming 90 days.
    month: dt.date | None

    @property
    def month_value(self) -> str:
        return f"{self.month:%Y-%m}" if self.month else ""

    @property
    def previous_month(self) -> str:
        first = self.month or timezone.localdate().replace(day=1)
        return f"{first - dt.timedelta(days=1):%Y-%m}"

    @property
    def next_month(self) -> str:
        first = self.month or timezone.localdate().replace(day=1)
        return f"{first + dt.timedelta(days=31):%Y-%m}"


def _period(data: QueryDict) -> tuple[Period, CalendarPeriodForm]:
    form = CalendarPeriodForm({"month": data.get("month", "")})
    month = form.cleaned_data["month"] if form.is_valid() else None
    if month is None:
        today = timezone.localdate()
        return Period(today, today + dt.timedelta(days=DEFAULT_DAYS - 1), None), form
    next_first = (month + dt.timedelta(days=31)).replace(day=1)
    return Period(month, next_first - dt.timedelta(days=1), month), form


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _admin(request: HttpRequest) -> None:
    if not services.calendar_may_edit(request.user):
        raise PermissionDenied(_("只有系統管理員可以設定工作天曆。"))


def _render(
    request: HttpRequest,
    period: Period,
    *,
    period_form: CalendarPeriodForm | None = None,
    status: int = 200,
    notice: str = "",
    **forms: Form,
) -> HttpResponse:
    may_edit = services.calendar_may_edit(request.user)
    context: dict[str, Any] = {
        "period": period,
        "period_form": period_form,
        "rows": calendar_rows(date_from=period.date_from, date_to=period.date_to),
        "may_edit": may_edit,
        "notice": notice,
    }
    if may_edit:
        context["closure_form"] = forms.get("closure_form") or ClosureForm(prefix="closure")
        context["extra_form"] = forms.get("extra_form") or ExtraWorkingDayForm(prefix="extra")
    template = BODY if _is_htmx(request) and request.method == "POST" else PAGE
    return render(request, template, context, status=status)


def _done(request: HttpRequest, period: Period, message: str) -> HttpResponse:
    if _is_htmx(request):
        return _render(request, period, notice=message)
    messages.success(request, message)
    query = f"?{urlencode({'month': period.month_value})}" if period.month else ""
    return redirect(reverse("workcalendar:calendar") + query)


def _add_errors(form: Form, exc: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _entry_text(entry: CalendarEntry) -> str:
    return f"{day_label(entry.date)} {entry.branch_label}"


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    period, period_form = _period(request.GET)
    return _render(request, period, period_form=period_form)


@login_required
@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    _admin(request)
    period, _form = _period(request.POST)
    form = ClosureForm(request.POST, prefix="closure")
    if form.is_valid():
        try:
            closure = services.closure_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(
                request,
                period,
                _("已新增停診日：%(entry)s。%(recount)s")
                % {"entry": _entry_text(closure), "recount": RECOUNT},
            )
    return _render(request, period, status=422, closure_form=form)


@login_required
@require_POST
def extra_working_day_add(request: HttpRequest) -> HttpResponse:
    _admin(request)
    period, _form = _period(request.POST)
    form = ExtraWorkingDayForm(request.POST, prefix="extra")
    if form.is_valid():
        try:
            extra_day = services.extra_working_day_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(
                request,
                period,
                _("已新增加開工作天：%(entry)s。%(recount)s")
                % {"entry": _entry_text(extra_day), "recount": RECOUNT},
            )
    return _render(request, period, status=422, extra_form=form)


@login_required
@require_POST
def closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    _admin(request)
    period, _form = _period(request.POST)
    closure = closure_get(closure_id=closure_id)
    text = _entry_text(closure)
    services.closure_delete(closure=closure, by=request.user)
    return _done(
        request,
        period,
        _("已刪除停診日：%(entry)s。%(recount)s") % {"entry": text, "recount": RECOUNT},
    )


@login_required
@require_POST
def extra_working_day_delete(request: HttpRequest, extra_day_id: int) -> HttpResponse:
    _admin(request)
    period, _form = _period(request.POST)
    extra_day = extra_working_day_get(extra_day_id=extra_day_id)
    text = _entry_text(extra_day)
    services.extra_working_day_delete(extra_day=extra_day, by=request.user)
    return _done(
        request,
        period,
        _("已刪除加開工作天：%(entry)s。%(recount)s") % {"entry": text, "recount": RECOUNT},
    )
