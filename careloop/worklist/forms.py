"""Input for logging a contact from the worklist, shared by the page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from careloop.customers.models import Channel, Interaction, Reaction
from careloop.worklist.selectors import KIND_CHOICES, WorkKind


class WorklistLogForm(forms.ModelForm):
    """The contact itself: channel, reaction, summary and status, as on PT-F025."""

    class Meta:
        model = Interaction
        fields = ["channel", "reaction", "summary", "status"]
        widgets = {"summary": forms.TextInput(attrs={"placeholder": _("聯繫摘要")})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("（請選擇）")), *Channel.choices]
        self.fields["reaction"].choices = [("", _("（請選擇）")), *Reaction.choices]
        self.fields["channel"].error_messages["required"] = _("請選擇互動方式。")
        self.fields["reaction"].error_messages["required"] = _("請選擇客戶反應。")
        self.fields["summary"].error_messages["required"] = _("請填寫互動摘要。")
        if not self.is_bound:
            self.initial.setdefault("channel", Channel.PHONE)

    def clean_summary(self) -> str:
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise forms.ValidationError(_("請填寫互動摘要。"))
        return summary


class WorklistLineForm(forms.Form):
    """Which line the contact answers: the customer, the kind of line and its plan."""

    customer = forms.CharField(max_length=20)
    # The line's key (WorkItem.key), which names its form on the page; the API has no page.
    key = forms.RegexField(regex=r"^[a-z_]+-\d+-\d+$", required=False)
    kind = forms.ChoiceField(choices=KIND_CHOICES)
    plan_id = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == WorkKind.PLAN and not cleaned.get("plan_id"):
            self.add_error("plan_id", _("請指定要完成的聯繫計劃。"))
        return cleaned
