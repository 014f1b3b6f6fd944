"""Input of the privacy pages and API: one form each, so both give the same zh-Hant messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.rules import IdentityMethod


class RequestForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = ["kind", "channel", "identity_method", "identity_note", "details"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "kind": {"required": _("請選擇請求類型。"), "invalid_choice": _("請求類型不正確。")},
            "channel": {"required": _("請選擇提出方式。"), "invalid_choice": _("提出方式不正確。")},
            "identity_method": {
                "required": _("請選擇身分核對方式（個資法施行細則：須確認為當事人本人）。"),
                "invalid_choice": _("身分核對方式不正確。"),
            },
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("identity_method") == IdentityMethod.OTHER and not data.get("identity_note"):
            self.add_error("identity_note", _("核對方式選「其他」時請說明。"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("延長理由"),
        max_length=200,
        error_messages={"required": _("請說明延長理由（將以書面告知當事人）。")},
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答覆內容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("請填寫答覆內容。")},
    )


class StopForm(forms.Form):
    answer = forms.CharField(
        label=_("答覆內容（可留空，使用預設文字）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已確認身分並了解刪除無法回復"),
        error_messages={"required": _("請勾選確認後再執行刪除。")},
    )


class DownloadForm(forms.Form):
    FORMATS = [("json", "JSON"), ("pdf", "PDF")]
    format = forms.ChoiceField(
        label=_("格式"),
        choices=FORMATS,
        error_messages={
            "invalid_choice": _("格式請選 json 或 pdf。"),
            "required": _("請選擇格式。"),
        },
    )
    purpose = forms.CharField(
        label=_("下載目的"),
        max_length=200,
        help_text=_("例如：提供當事人查閱之複本。會記錄於下載記錄。"),
        error_messages={
            "required": _("請說明下載目的。"),
            "max_length": _("下載目的最多 200 字。"),
        },
    )
