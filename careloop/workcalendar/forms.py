"""Input for the working-day calendar, shared by the page and the API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch
from careloop.customers.forms import DateInput
from careloop.workcalendar.models import ClosureKind

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
# The range shown when none is asked for, and the longest one read at once (page and API).
DEFAULT_DAYS = 90
MAX_RANGE_DAYS = 366


def _check_year(day: dt.date | None) -> None:
    # The national calendar is known for these years; a typo such as 0226 would otherwise
    # be accepted and never apply.
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(_("日期須介於 2000 年與 2099 年之間。"), code="out_of_range")


class BranchChoiceField(forms.ModelChoiceField):
    """A branch, or nothing for the whole chain (全院區)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("queryset", Branch.objects.filter(is_active=True))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("全院區"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("找不到此院所。")})
        super().__init__(**kwargs)


class CalendarDateField(forms.DateField):
    """A day of the calendar: YYYY-MM-DD within the years the national calendar knows."""

    widget = DateInput
    default_error_messages = {
        "required": _("請填寫日期。"),
        "invalid": _("日期格式不正確，請用 YYYY-MM-DD。"),
    }

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        _check_year(value)


class _EntryForm(forms.Form):
    """A day, a branch or the whole chain, and why. A plain form, not a ModelForm: a day
    already taken is the service's answer (a conflict, 409 in the API), not a form error."""

    date = CalendarDateField(label=_("日期"))
    branch = BranchChoiceField(label=_("院所"), help_text=_("選「全院區」表示所有院所"))


def _reason_field(placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=_("原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": placeholder}),
        error_messages={"required": _("請填寫原因。")},
    )


class ClosureForm(_EntryForm):
    kind = forms.ChoiceField(
        label=_("類別"),
        choices=[("", _("（請選擇）")), *ClosureKind.choices],
        error_messages={
            "required": _("請選擇停診類別。"),
            "invalid_choice": _("停診類別不正確。"),
        },
    )
    reason = _reason_field(_("例如：台北市政府公告停止上班"))


class ExtraWorkingDayForm(_EntryForm):
    reason = _reason_field(_("例如：週六加開門診"))


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class CalendarPeriodForm(forms.Form):
    """Which days the calendar page shows: a month (YYYY-MM), or the coming 90 days."""

    month = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = _MONTH.match(value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError(_("月份格式不正確，請用 YYYY-MM。"), code="invalid")
        first = dt.date(int(match[1]), int(match[2]), 1)
        _check_year(first)
        return first


class CalendarRangeForm(forms.Form):
    """A range of days and, optionally, a branch (the API's list and working-days queries).
    Left out, the range is the coming 90 days, as on the page."""

    date_from = CalendarDateField(required=False)
    date_to = CalendarDateField(required=False)
    branch = BranchChoiceField(queryset=Branch.objects.all())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        date_from = cleaned.get("date_from") or timezone.localdate()
        date_to = cleaned.get("date_to") or date_from + dt.timedelta(days=DEFAULT_DAYS - 1)
        if date_to < date_from:
            self.add_error("date_to", _("結束日期不可早於開始日期。"))
        elif (date_to - date_from).days >= MAX_RANGE_DAYS:
            self.add_error("date_to", _("一次最多查詢 %(days)d 天。") % {"days": MAX_RANGE_DAYS})
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned
