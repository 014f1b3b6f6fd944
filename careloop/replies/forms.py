"""Input parsing for the reply pages and the API, so both answer with the same zh-Hant words."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.messaging.models import MessageChannel
from careloop.replies.models import AvoidPhrase, ReplyTemplate, TemplateChannel
from careloop.replies.placeholders import PLACEHOLDER_NAMES, PLACEHOLDERS

_FIELD = re.compile(r"\{([^{}\n]{1,20})\}")


def placeholders_help() -> str:
    return "、".join("{" + p.name + "}" for p in PLACEHOLDERS)


def _unknown_fields(text: str) -> list[str]:
    return [
        m.group(0) for m in _FIELD.finditer(text) if m.group(1).strip() not in PLACEHOLDER_NAMES
    ]


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["name", "channel", "subject", "body", "position", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("請填寫範本名稱。")
        self.fields["body"].error_messages["required"] = _("請填寫範本內容。")
        self.fields["body"].help_text = _("可用的欄位：%(fields)s") % {
            "fields": placeholders_help()
        }
        self.fields["channel"].choices = TemplateChannel.choices
        self.fields["channel"].error_messages["invalid_choice"] = _("回覆管道選項不正確。")

    def _check_fields(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        unknown = _unknown_fields(value)
        if unknown:
            raise forms.ValidationError(
                _("「%(fields)s」不是可用的欄位。可用的欄位：%(known)s")
                % {"fields": "、".join(unknown), "known": placeholders_help()}
            )
        return value

    def clean_subject(self) -> str:
        return self._check_fields("subject")

    def clean_body(self) -> str:
        return self._check_fields("body")

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AvoidPhraseForm(forms.ModelForm):
    class Meta:
        model = AvoidPhrase
        fields = ["phrase", "category", "suggestion", "active"]
        widgets = {"suggestion": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["phrase"].error_messages["required"] = _("請輸入應避免的用語。")
        self.fields["category"].error_messages["required"] = _("請選擇類別。")
        self.fields["category"].error_messages["invalid_choice"] = _("類別選項不正確。")

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ComposeForm(forms.Form):
    """The composer on the case page: a template, the text, and where it goes."""

    template = forms.ModelChoiceField(
        label=gettext_lazy("範本"),
        queryset=ReplyTemplate.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("（不使用範本）"),
    )
    channel = forms.ChoiceField(label=gettext_lazy("傳送方式"), choices=MessageChannel.choices)
    to = forms.CharField(label=gettext_lazy("收件者"), max_length=254)
    subject = forms.CharField(
        label=gettext_lazy("主旨"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("僅電子郵件使用；簡訊與 LINE 只傳送內容。"),
    )
    body = forms.CharField(
        label=gettext_lazy("回覆內容"), widget=forms.Textarea(attrs={"rows": 14})
    )
    is_solution = forms.BooleanField(
        label=gettext_lazy("此回覆說明調查結果與解決方案（方案核准後才可）"), required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("主管放行理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("回覆含應避免用語而確有必要時，由部門主管以上填寫。"),
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to"].error_messages["required"] = _("請填寫收件者。")
        self.fields["body"].error_messages["required"] = _("請填寫回覆內容。")
        self.fields["channel"].error_messages["invalid_choice"] = _("請選擇電子郵件、簡訊或 LINE。")
        self.fields["template"].error_messages["invalid_choice"] = _("找不到此範本。")

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "to": data["to"],
            "subject": data["subject"],
            "body": data["body"],
            "template": data["template"],
            "is_solution": data["is_solution"],
            "override_reason": data["override_reason"],
            "key": data["key"] or None,
        }


class CheckForm(forms.Form):
    """Just the text to check (the composer's 「檢查」, and the API)."""

    text = forms.CharField(strip=False, required=True)
    channel = forms.ChoiceField(choices=TemplateChannel.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = _("請填寫要檢查的回覆內容。")
        self.fields["channel"].error_messages["invalid_choice"] = _("回覆管道代碼不正確。")

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text
