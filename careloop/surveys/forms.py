"""Input parsing for the survey pages and API: the public answer form and the staff filters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch, User
from careloop.surveys.models import SurveyKind, SurveyStatus
from careloop.surveys.selectors import SurveyFilters, branches_visible_to

TEXT_MAX = 2000
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class ScaleWidget(forms.RadioSelect):
    """0–10 / 1–10 as a row of large buttons (radio inputs underneath; works without JS)."""

    template_name = "surveys/widgets/scale.html"
    option_template_name = "surveys/widgets/scale_option.html"


class SurveyAnswerForm(forms.Form):
    """PT-F021: satisfaction 1–10, likelihood to recommend 0–10, what went well, what to
    improve. The satisfaction question reads differently after a complaint."""

    satisfaction = forms.TypedChoiceField(
        label=_("整體而言，您對這次的服務滿意嗎？"),
        help_text=_("1 分表示非常不滿意，10 分表示非常滿意。"),
        choices=[(n, str(n)) for n in range(1, 11)],
        coerce=int,
        widget=ScaleWidget,
        error_messages={
            "required": _("請選擇 1 到 10 分。"),
            "invalid_choice": _("請選擇 1 到 10 分。"),
        },
    )
    recommend = forms.TypedChoiceField(
        label=_("您有多大可能向親友推薦我們？"),
        help_text=_("0 分表示完全不可能，10 分表示非常可能。"),
        choices=[(n, str(n)) for n in range(0, 11)],
        coerce=int,
        widget=ScaleWidget,
        error_messages={
            "required": _("請選擇 0 到 10 分。"),
            "invalid_choice": _("請選擇 0 到 10 分。"),
        },
    )
    went_well = forms.CharField(
        label=_("哪些地方我們做得好？"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    to_improve = forms.CharField(
        label=_("哪些地方需要改進？"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, kind: str = SurveyKind.PACKAGE_COMPLETED, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if kind == SurveyKind.COMPLAINT_RESOLVED:
            self.fields["satisfaction"].label = _("您對這次意見的處理結果滿意嗎？")


def month_parse(text: str) -> dt.date:
    """「2026-03」 → 2026-03-01; ValidationError in zh-Hant otherwise."""
    match = _MONTH.match((text or "").strip())
    if match is None:
        raise ValidationError(_("月份格式不正確，請用 YYYY-MM，例如 2026-03。"))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2099:
        raise ValidationError(_("月份格式不正確，請用 YYYY-MM，例如 2026-03。"))
    return dt.date(year, month, 1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        return month_parse(text) if text else None


class SurveyFilterForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("院所"), queryset=Branch.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("問卷類型"), required=False)
    status = forms.ChoiceField(label=_("狀態"), required=False)
    month = MonthField(label=_("寄出月份"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(user=user)
        self.fields["branch"].empty_label = _("全部院所")
        self.fields["branch"].error_messages["invalid_choice"] = _("找不到此院所。")
        self.fields["kind"].choices = [("", _("全部類型")), *SurveyKind.choices]
        self.fields["status"].choices = [("", _("全部狀態")), *SurveyStatus.choices]

    def filters(self) -> SurveyFilters:
        """The filters of a valid form (an invalid field is left out)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        branch = data.get("branch")
        return SurveyFilters(
            branch=branch.pk if branch else None,
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            month=data.get("month"),
        )
