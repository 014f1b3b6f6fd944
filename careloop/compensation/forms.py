"""Input parsing for compensation, shared by the pages and the API so both answer a mistake
with the same zh-Hant message beside the same field. The rules live in `services.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch
from careloop.compensation import rules
from careloop.compensation.models import Kind, Offer, Status
from careloop.complaints.public_forms import attachment_kind
from careloop.customers.forms import DateInput
from careloop.treatments.models import Purchase

SETTLEMENT_MAX_BYTES = 10 * 1024 * 1024
RATING_CHOICES = [(n, str(n)) for n in range(rules.RATING_MIN, rules.RATING_MAX + 1)]


def errors_apply(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the form's fields (the rest above the form)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, messages in errors.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)


def _money(label: Any, *, required: bool = False, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=rules.VALUE_MAX,
        error_messages={
            "invalid": _("請輸入整數金額（新台幣）。"),
            "min_value": _("金額不可為負數。"),
            "max_value": _("金額不可超過 9,999,999。"),
            "required": _("請填寫金額。"),
        },
        **kwargs,
    )


class PurchaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Purchase) -> str:
        return f"{obj.purchased_on:%Y-%m-%d} {obj.item_name} NT${obj.amount:,}"


class AssessmentForm(forms.Form):
    """補償評估: four factors rated 0–5, the affected purchase and amount."""

    purchase = PurchaseChoiceField(
        label=_("受影響的消費"),
        queryset=Purchase.objects.none(),
        required=False,
        empty_label=_("（未指定）"),
        error_messages={"invalid_choice": _("請選擇此客戶的購買記錄。")},
    )
    affected_amount = _money(
        _("受影響金額（新台幣）"), help_text=_("空白時為所選消費的金額；僅部分受影響時可改小。")
    )
    note = forms.CharField(
        label=_("評估說明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, purchases: QuerySet[Purchase] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if purchases is not None:
            self.fields["purchase"].queryset = purchases.order_by("-purchased_on", "-id")
        factors = {}
        for factor in rules.FACTORS:
            factors[factor.code] = forms.TypedChoiceField(
                label=_("%(label)s（權重 %(weight)d%%）")
                % {"label": factor.label, "weight": factor.weight},
                help_text=factor.help,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "rating"}),
                error_messages={
                    "required": _("請為「%(factor)s」評分（0–5）。") % {"factor": factor.label},
                    "invalid_choice": _("評分須為 0 到 5 的整數。"),
                },
            )
        self.fields = {**factors, **self.fields}

    def ratings(self) -> dict[str, int]:
        return {code: self.cleaned_data[code] for code in rules.FACTOR_CODES}

    def live_ratings(self) -> dict[str, int] | None:
        """The ratings as typed so far, for the live score; None until all four are valid."""
        ratings = {}
        for code in rules.FACTOR_CODES:
            raw = str(self.data.get(self.add_prefix(code), "")).strip()
            if not raw.isdigit() or not rules.RATING_MIN <= int(raw) <= rules.RATING_MAX:
                return None
            ratings[code] = int(raw)
        return ratings


class OfferForm(forms.ModelForm):
    """Editing one option before it is presented."""

    class Meta:
        model = Offer
        fields = ["kind", "title", "description", "refund_amount", "benefit_value"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = _("請填寫方案名稱。")
        for name in ("refund_amount", "benefit_value"):
            money = _money(self.fields[name].label, required=True)
            self.fields[name] = money


class ChoiceForm(forms.Form):
    note = forms.CharField(label=_("客戶選擇說明"), required=False, max_length=500)


class GrantForm(forms.Form):
    """核予補償: the customer's chosen option, or a value and kind typed in."""

    offer = forms.ModelChoiceField(
        label=_("客戶選擇的方案"),
        queryset=Offer.objects.none(),
        required=False,
        empty_label=_("（不依方案，自行填寫）"),
        error_messages={"invalid_choice": _("請選擇客戶已選擇的方案。")},
    )
    value = _money(_("補償價值（新台幣）"), help_text=_("依方案時可留空，即為方案的價值。"))
    kind = forms.ChoiceField(
        label=_("補償類型"),
        required=False,
        choices=[("", _("（依方案）")), *Kind.choices],
        error_messages={"invalid_choice": _("補償類型代碼不正確。")},
    )
    description = forms.CharField(
        label=_("補償內容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("依方案時可留空，即為方案的內容。"),
    )
    # Made with the form, sent back with it: a second click sends the same key and grants once.
    idempotency_key = forms.RegexField(
        regex=r"^[\x21-\x7e]{1,64}$",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("冪等鍵須為 1 至 64 個英數字或符號。")},
    )

    def __init__(self, *args: Any, offers: QuerySet[Offer] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if offers is not None:
            self.fields["offer"].queryset = offers
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("offer") and not self.errors:
            if data.get("value") is None:
                self.add_error("value", _("未依方案時，請填寫補償價值。"))
            if not data.get("kind"):
                self.add_error("kind", _("未依方案時，請選擇補償類型。"))
            if not (data.get("description") or "").strip():
                self.add_error("description", _("未依方案時，請說明補償內容。"))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("審核結果"),
        choices=[("approve", _("核准")), ("reject", _("駁回"))],
        error_messages={
            "required": _("請選擇核准或駁回。"),
            "invalid_choice": _("審核結果須為 approve（核准）或 reject（駁回）。"),
        },
    )
    note = forms.CharField(
        label=_("審核意見"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("駁回時必填。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("駁回時請說明理由。"))
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


def settlement_file_check(upload: UploadedFile) -> None:
    """A scan or photo of the signed settlement: PDF, JPEG or PNG by content, ≤ 10 MB."""
    if upload.size > SETTLEMENT_MAX_BYTES:
        raise ValidationError(
            _("檔案太大（%(size).1f MB），請選擇 10 MB 以內的檔案。")
            % {"size": upload.size / 1024 / 1024}
        )
    kind = attachment_kind(upload)
    if kind is None:
        raise ValidationError(_("只接受 PDF、JPEG 或 PNG 檔；這個檔案的內容不是這些格式。"))
    stem = PurePath(upload.name or "").stem[:80] or "settlement"
    upload.name = f"{stem}.{kind.extension}"


class SettlementForm(forms.Form):
    """和解書."""

    signed_on = forms.DateField(
        label=_("簽署日期"),
        widget=DateInput(),
        error_messages={
            "required": _("請填寫簽署日期。"),
            "invalid": _("日期格式不正確，請用 YYYY-MM-DD。"),
        },
    )
    signed_by = forms.CharField(
        label=_("簽署人"),
        max_length=100,
        help_text=_("客戶或其代理人姓名"),
        error_messages={"required": _("請填寫簽署人。")},
    )
    note = forms.CharField(
        label=_("說明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(
        label=_("和解書掃描檔"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG，10 MB 以內"),
    )

    def clean_signed_on(self) -> dt.date:
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise ValidationError(_("簽署日期不可晚於今天。"))
        return day

    def clean_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        settlement_file_check(upload)
        return upload


class DoneForm(forms.Form):
    note = forms.CharField(label=_("支付／交付說明"), required=False, max_length=500)


class FlagReviewForm(forms.Form):
    note = forms.CharField(
        label=_("審查意見"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("請填寫審查意見。")},
    )


class ListFilterForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("院所"), queryset=Branch.objects.none(), required=False, empty_label=_("全部院所")
    )
    status = forms.ChoiceField(
        label=_("狀態"), required=False, choices=[("", _("全部狀態")), *Status.choices]
    )
    month = forms.CharField(
        label=_("月份"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    flagged = forms.BooleanField(label=_("僅列待審查客戶"), required=False)

    def __init__(self, *args: Any, branches: QuerySet[Branch] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if branches is not None:
            self.fields["branch"].queryset = branches

    def clean_month(self) -> dt.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        try:
            month = dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError as exc:
            raise ValidationError(_("月份格式不正確，請用 YYYY-MM。")) from exc
        if not 2000 <= month.year <= 2099:
            raise ValidationError(_("月份須介於 2000 年與 2099 年之間。"))
        return month
