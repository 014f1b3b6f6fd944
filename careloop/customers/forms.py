"""Input parsing for the customer record, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch, RoleCode, User
from careloop.accounts.permissions import user_branch_ids
from careloop.accounts.pickers import staff_picker
from careloop.core.phones import phone_display, phone_normalize
from careloop.core.text import name_clean
from careloop.customers.models import (
    Anniversary,
    Budget,
    Channel,
    ContactPlan,
    Customer,
    DecisionFactor,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    Reaction,
    SatisfactionRecord,
    ServiceInterest,
    Source,
)
from careloop.customers.selectors import customers_visible_to, staff_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PhoneField(forms.CharField):
    """Any Taiwanese way of writing a number in, E.164 out."""

    default_error_messages = {
        "invalid": _("電話號碼格式不正確，請輸入如 0912-345-678 或 (02)2345-6789。"),
    }

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if not value:
            return ""
        e164 = phone_normalize(value)
        if e164 is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return e164

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("+"):
            return phone_display(value)
        return value


class StaffForm(forms.ModelForm):
    """A form whose pickers only offer the user's own branches and their staff."""

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        if "branch" in self.fields:
            branch_ids = user_branch_ids(user)
            branches = Branch.objects.filter(is_active=True)
            if branch_ids is not None:
                branches = branches.filter(id__in=branch_ids)
            self.fields["branch"].queryset = branches
            if not self.initial.get("branch") and user.home_branch_id:
                self.initial["branch"] = user.home_branch_id
        for name, role in (
            ("primary_therapist", RoleCode.THERAPIST),
            ("sales_consultant", RoleCode.SALES_CONSULTANT),
            ("staff", None),
            ("assignee", None),
        ):
            if name in self.fields:
                choices = staff_choices(user=user, role=role)
                current = getattr(self.instance, f"{name}_id", None)
                if current:
                    # Keep the person already chosen even when they work elsewhere now, so
                    # an edit of another field is not refused over this one.
                    choices = User.objects.filter(
                        Q(pk__in=choices.values("pk")) | Q(pk=current)
                    ).order_by("full_name")
                staff_picker(self.fields[name], choices)


class CustomerForm(StaffForm):
    phone = PhoneField(label=_("聯絡電話"), required=False)
    referrer_number = forms.CharField(
        label=_("轉介人客戶編號"), required=False, help_text=_("客戶轉介時填寫轉介人的客戶編號")
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "phone",
            "email",
            "line_id",
            "birthday",
            "customer_type",
            "source",
            "referrer_number",
            "source_other",
            "branch",
            "primary_therapist",
            "sales_consultant",
            "preferences",
            "special_needs",
            "consent_sms",
            "consent_email",
            "consent_line",
            "notes",
        ]
        widgets = {
            "birthday": DateInput(),
            "preferences": forms.Textarea(attrs={"rows": 2}),
            "special_needs": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("請填寫客戶姓名。")
        self.fields["source"].choices = [("", _("（未填）")), *Source.choices]
        self.fields["primary_therapist"].empty_label = _("（未指定）")
        self.fields["sales_consultant"].empty_label = _("（未指定）")
        if self.instance.referrer_id and not self.is_bound:
            self.initial["referrer_number"] = self.instance.referrer.number

    def clean_name(self) -> str:
        name = name_clean(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("請填寫客戶姓名。"))
        return name

    def clean_birthday(self) -> Any:
        birthday = self.cleaned_data.get("birthday")
        if birthday and birthday > timezone.localdate():
            raise forms.ValidationError(_("生日不可晚於今天。"))
        return birthday

    def clean_referrer_number(self) -> Customer | None:
        number = self.cleaned_data.get("referrer_number", "").strip().upper()
        if not number:
            return None
        # Only customers the user may open: a referrer's name is shown on the record.
        referrer = customers_visible_to(user=self.user).filter(number=number).first()
        if referrer is None:
            raise forms.ValidationError(_("找不到客戶編號 %(number)s。"), params={"number": number})
        if referrer.pk == self.instance.pk:
            raise forms.ValidationError(_("客戶不能轉介自己。"))
        return referrer

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Customer.clean() checks the referral against the instance's referrer.
        self.instance.referrer = cleaned.get("referrer_number")
        return cleaned

    def _update_errors(self, errors: forms.ValidationError) -> None:
        # The model names the field `referrer`; the form asks for its number.
        if hasattr(errors, "error_dict") and "referrer" in errors.error_dict:
            moved = errors.error_dict.pop("referrer")
            errors.error_dict.setdefault("referrer_number", []).extend(moved)
        super()._update_errors(errors)

    def service_values(self) -> dict[str, Any]:
        """The cleaned values in the shape the services take."""
        values = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}
        values["referrer"] = values.pop("referrer_number", None)
        return values


class NeedsForm(forms.ModelForm):
    service_interests = forms.MultipleChoiceField(
        label=_("服務/產品興趣"),
        choices=ServiceInterest.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decision_factors = forms.MultipleChoiceField(
        label=_("決策因素"),
        choices=DecisionFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = NeedsProfile
        fields = [
            "main_concerns",
            "service_interests",
            "service_interest_other",
            "budget",
            "decision_factors",
            "decision_factor_other",
        ]
        widgets = {
            "main_concerns": forms.Textarea(attrs={"rows": 3}),
            "budget": forms.RadioSelect(choices=Budget.choices),
        }


class InteractionForm(StaffForm):
    class Meta:
        model = Interaction
        fields = [
            "occurred_at",
            "channel",
            "staff",
            "summary",
            "reaction",
            "follow_up_action",
            "status",
        ]
        widgets = {
            "occurred_at": DateTimeInput(),
            "summary": forms.Textarea(attrs={"rows": 2}),
            "channel": forms.RadioSelect,
            "reaction": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["staff"].required = False
        self.fields["staff"].empty_label = _("（本人）")
        # Radio buttons need no blank "---------" choice: the field is required.
        self.fields["channel"].choices = Channel.choices
        self.fields["reaction"].choices = Reaction.choices
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))

    def clean_occurred_at(self) -> Any:
        occurred_at = self.cleaned_data.get("occurred_at")
        if occurred_at and occurred_at > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("互動時間不可晚於現在。"))
        return occurred_at


class ContactPlanForm(StaffForm):
    class Meta:
        model = ContactPlan
        fields = ["due_date", "purpose", "purpose_other", "assignee"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].required = False
        self.fields["assignee"].empty_label = _("（本人）")

    def clean_due_date(self) -> Any:
        due = self.cleaned_data.get("due_date")
        if due and due < timezone.localdate() and not self.instance.pk:
            raise forms.ValidationError(_("預定聯繫日期不可早於今天。"))
        return due


class SatisfactionForm(forms.ModelForm):
    class Meta:
        model = SatisfactionRecord
        fields = ["score", "recorded_on", "positive_feedback", "improvement_suggestions"]
        widgets = {
            "recorded_on": DateInput(),
            "score": forms.NumberInput(attrs={"min": 1, "max": 10}),
            "positive_feedback": forms.Textarea(attrs={"rows": 2}),
            "improvement_suggestions": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_recorded_on(self) -> Any:
        recorded_on = self.cleaned_data.get("recorded_on")
        if recorded_on and recorded_on > timezone.localdate():
            raise forms.ValidationError(_("評價日期不可晚於今天。"))
        return recorded_on


class ImportantEventForm(forms.ModelForm):
    class Meta:
        model = ImportantEvent
        fields = ["kind", "occurred_on", "description", "outcome"]
        widgets = {
            "occurred_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("搜尋"), required=False)
    customer_type = forms.ChoiceField(label=_("客戶類型"), required=False)
    branch = forms.ModelChoiceField(label=_("院所"), queryset=Branch.objects.none(), required=False)
    therapist = forms.ModelChoiceField(
        label=_("主治療師"), queryset=User.objects.none(), required=False
    )
    consultant = forms.ModelChoiceField(
        label=_("銷售顧問"), queryset=User.objects.none(), required=False
    )
    source = forms.ChoiceField(label=_("客戶來源"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        from careloop.customers.models import CustomerType

        super().__init__(*args, **kwargs)
        self.fields["customer_type"].choices = [("", _("全部類型")), *CustomerType.choices]
        self.fields["source"].choices = [("", _("全部來源")), *Source.choices]
        branch_ids = user_branch_ids(user)
        branches = Branch.objects.all()
        if branch_ids is not None:
            branches = branches.filter(id__in=branch_ids)
        self.fields["branch"].queryset = branches
        staff_picker(self.fields["therapist"], staff_choices(user=user, role=RoleCode.THERAPIST))
        staff_picker(
            self.fields["consultant"], staff_choices(user=user, role=RoleCode.SALES_CONSULTANT)
        )
        self.fields["branch"].empty_label = _("全部院所")
        self.fields["therapist"].empty_label = _("全部治療師")
        self.fields["consultant"].empty_label = _("全部銷售顧問")


class AnniversaryForm(forms.ModelForm):
    class Meta:
        model = Anniversary
        fields = ["label", "date"]
        widgets = {"date": DateInput()}
