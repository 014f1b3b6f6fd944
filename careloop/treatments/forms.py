"""Input parsing for purchases, reversals, session use and the catalogue, shared by the
customer page and the API so both answer a mistake with the same zh-Hant message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import User
from careloop.accounts.pickers import staff_picker
from careloop.customers.forms import DateInput
from careloop.customers.selectors import staff_choices
from careloop.treatments.models import Product, Purchase, PurchaseKind, TreatmentPackage


def _with_price(item: TreatmentPackage | Product) -> str:
    return f"{item.name}（NT${item.price:,}）"


class PurchaseForm(forms.ModelForm):
    """A sale as on PT-F025: a package or a product; the amount defaults to the list price."""

    class Meta:
        model = Purchase
        fields = [
            "package",
            "product",
            "quantity",
            "amount",
            "promotion",
            "salesperson",
            "purchased_on",
        ]
        widgets = {"purchased_on": DateInput()}

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = TreatmentPackage.objects.filter(is_active=True)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        for name in ("package", "product"):
            # The list price beside the name: the amount defaults to it.
            self.fields[name].label_from_instance = _with_price
        self.fields["package"].empty_label = _("（不是療程）")
        self.fields["product"].empty_label = _("（不是產品）")
        self.fields["quantity"].min_value = 1
        self.fields["quantity"].widget.attrs["min"] = 1
        self.fields["amount"].required = False
        self.fields["amount"].min_value = 0
        self.fields["amount"].widget.attrs["min"] = 0
        self.fields["amount"].help_text = _("留空則以目錄價格 × 數量計算")
        staff_picker(self.fields["salesperson"], staff_choices(user=user))
        self.fields["salesperson"].required = False
        self.fields["salesperson"].empty_label = _("（本人）")
        self.fields["purchased_on"].required = False
        if not self.is_bound:
            self.initial.setdefault("purchased_on", timezone.localdate())
            self.initial.setdefault("quantity", 1)
        self.user = user

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data.get("quantity")
        if quantity is None:
            return 1
        if quantity < 1:
            raise forms.ValidationError(_("數量至少為 1。"))
        return quantity

    def clean_amount(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("金額不可為負數。"))
        return amount

    def clean_purchased_on(self) -> Any:
        purchased_on = self.cleaned_data.get("purchased_on") or timezone.localdate()
        if purchased_on > timezone.localdate():
            raise forms.ValidationError(_("購買日期不可晚於今天。"))
        return purchased_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        package, product = cleaned.get("package"), cleaned.get("product")
        if "package" in cleaned and "product" in cleaned and bool(package) == bool(product):
            self.add_error("package", _("請選擇一個療程或一項產品（只能選一項）。"))
        item = package or product
        if cleaned.get("amount") is None and "amount" not in self.errors:
            # The list price, or 0 while no item is chosen (that error is shown instead).
            cleaned["amount"] = item.price * (cleaned.get("quantity") or 1) if item else 0
        return cleaned

    def service_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        values["salesperson"] = values["salesperson"] or self.user
        values["promotion"] = values["promotion"] or ""
        return values


class ReverseForm(forms.Form):
    """A refund (part) or cancellation (all that is left) of a sale; a reason is required."""

    kind = forms.ChoiceField(
        label=_("類型"),
        choices=[(PurchaseKind.REFUND, _("退費")), (PurchaseKind.CANCELLATION, _("取消"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("原因"), max_length=200)
    amount = forms.IntegerField(
        label=_("退費金額"),
        required=False,
        min_value=0,
        help_text=_("取消時留空則退還全部未退金額"),
    )
    sessions = forms.IntegerField(
        label=_("退回堂數"), required=False, min_value=0, help_text=_("取消時退回全部剩餘堂數")
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("請說明退費或取消的原因。")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("請說明退費或取消的原因。"))
        return reason


class SessionUseForm(forms.Form):
    """One visit using one session; without a package the one expiring first is used."""

    purchase_id = forms.IntegerField(label=_("療程"), required=False)
    used_on = forms.DateField(label=_("使用日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("備註"), max_length=200, required=False)

    def clean_used_on(self) -> Any:
        used_on = self.cleaned_data.get("used_on") or timezone.localdate()
        if used_on > timezone.localdate():
            raise forms.ValidationError(_("使用日期不可晚於今天。"))
        return used_on


class TreatmentPackageForm(forms.ModelForm):
    class Meta:
        model = TreatmentPackage
        fields = [
            "name",
            "category",
            "sessions",
            "price",
            "validity_months",
            "description",
            "is_active",
        ]


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "category", "price", "description", "is_active"]


def treatment_blank_forms(*, user: User) -> dict[str, Any]:
    """The empty forms of the customer page's 療程/服務購買記錄 panel."""
    return {
        "purchase_form": PurchaseForm(user=user, prefix="purchase"),
        "reverse_form": ReverseForm(prefix="reverse"),
    }
