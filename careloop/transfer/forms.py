"""Input parsing for the import and export pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from careloop.customers.forms import CustomerFilterForm
from careloop.customers.selectors import CustomerFilters
from careloop.transfer.columns import FIELDS, GROUP_LABELS
from careloop.transfer.models import ExportFormat


class ExportForm(forms.Form):
    """Why a file of customers is taken out, and in which format (個資法: every export has a
    stated purpose, kept in the export log and printed in the file)."""

    purpose = forms.CharField(
        label=_("匯出目的"),
        max_length=200,
        help_text=_("例如：寄送年度回診通知、提供會計師查核。會記錄於匯出記錄並印在檔案中。"),
        error_messages={
            "required": _("請說明匯出目的。"),
            "max_length": _("匯出目的最多 200 字。"),
        },
    )
    format = forms.ChoiceField(
        label=_("格式"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        error_messages={"invalid_choice": _("格式請選 xlsx 或 csv。")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("檔案"),
        help_text=_(".xlsx 或 .csv（UTF-8 或 Big5），第一列為標題列"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class MappingForm(forms.Form):
    """One select per PT-F025 field, offering the file's columns; proposed from the headers."""

    update_existing = forms.BooleanField(
        label=_("已存在的客戶：以檔案中有填寫的欄位更新資料（不勾選則略過，只加入互動與購買）"),
        required=False,
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("（不匯入）"))] + [
            (str(i), f"{chr(65 + i) if i < 26 else i + 1}：{h or '（空白）'}")
            for i, h in enumerate(headers)
        ]
        for f in FIELDS:
            self.fields[f"col_{f.key}"] = forms.ChoiceField(
                label=f.label, choices=choices, required=(f.key == "name")
            )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (label, [self[f"col_{f.key}"] for f in FIELDS if f.group == group])
            for group, label in GROUP_LABELS.items()
        ]

    def mapping(self) -> dict[str, int]:
        return {
            f.key: int(self.cleaned_data[f"col_{f.key}"])
            for f in FIELDS
            if self.cleaned_data.get(f"col_{f.key}") not in (None, "")
        }


def export_filters(form: CustomerFilterForm) -> tuple[CustomerFilters, dict[str, Any]]:
    """The same filters as the customer list, and a readable copy for the export log."""
    data = form.cleaned_data if form.is_valid() else {}
    filters = CustomerFilters(
        query=data.get("q", ""),
        customer_type=data.get("customer_type", ""),
        branch_id=data["branch"].pk if data.get("branch") else None,
        therapist_id=data["therapist"].pk if data.get("therapist") else None,
        consultant_id=data["consultant"].pk if data.get("consultant") else None,
        source=data.get("source", ""),
    )
    logged = {
        "q": filters.query,
        "customer_type": filters.customer_type,
        "branch": str(data["branch"]) if data.get("branch") else "",
        "therapist": str(data["therapist"]) if data.get("therapist") else "",
        "consultant": str(data["consultant"]) if data.get("consultant") else "",
        "source": filters.source,
    }
    return filters, {k: v for k, v in logged.items() if v}
