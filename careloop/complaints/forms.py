"""Input parsing for the complaint pages (PT-F035, PT-F020), in the shapes the services take.

The forms only parse: the rules (third party named, a reason for another grade, contact
details, the workflow) live in the model's `clean()` and in `services.py`, and their messages
are put beside the fields by `errors_apply`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch, Department, User
from careloop.accounts.permissions import CHAIN_WIDE_ROLES, user_branch_ids
from careloop.accounts.pickers import staff_picker
from careloop.complaints.criteria import (
    CRITERIA_BY_CODE,
    CRITERION_CHOICES,
    criteria_by_grade,
    grade_suggest,
)
from careloop.complaints.models import (
    THIRD_PARTY_CHANNELS,
    ActionItem,
    Channel,
    Communication,
    Complaint,
    Evidence,
    EvidenceKind,
    Grade,
    Investigation,
    Nature,
    Solution,
)
from careloop.complaints.public_forms import attachment_kind
from careloop.core.text import name_clean
from careloop.customers.forms import DateInput, DateTimeInput, PhoneField, StaffForm
from careloop.customers.models import Customer
from careloop.customers.selectors import customers_visible_to, staff_choices

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Office files are zip archives; audio for recorded interviews. Images and PDF are judged by
# their bytes (public_forms.attachment_kind); the rest by their signature and extension.
_ZIP_EXTENSIONS = {"docx", "xlsx", "pptx"}
_AUDIO_SIGNATURES = (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


def errors_apply(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the form's fields (the rest above the form)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, messages in errors.items():
        field = name if name in form.fields else None
        if name == "customer" and "customer_number" in form.fields:
            field = "customer_number"
        for message in messages:
            form.add_error(field, message)


def branch_staff(branch_id: int | None) -> QuerySet[User]:
    """Active staff who may work on a case of this branch (complaint_assign's own rule)."""
    staff = User.objects.filter(is_active=True)
    if branch_id is not None:
        staff = staff.filter(
            Q(home_branch_id=branch_id)
            | Q(extra_branches__id=branch_id)
            | Q(roles__code__in=CHAIN_WIDE_ROLES)
        )
    return staff.order_by("full_name", "username").distinct()


def _grade_choices() -> list[tuple[str, Any]]:
    return [("", _("依建議等級")), *Grade.choices]


def _criteria_groups() -> list[tuple[Any, list[tuple[str, Any]]]]:
    """Annex 2's criteria grouped under their grade, A first, as the checklist shows them."""
    return [
        (Grade(grade).label, [(c.code, c.text) for c in criteria])
        for grade, criteria in criteria_by_grade()
    ]


class CriteriaField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("投訴等級評估標準（PT-P020 附件2）"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("勾選符合的標準；建議等級為勾選項目中最嚴重的等級，未勾選為 C 級。")
        )
        super().__init__(choices=_criteria_groups, **kwargs)


class DepartmentsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("涉及部門"))
        kwargs.setdefault("required", False)
        super().__init__(queryset=Department.objects.order_by("code"), **kwargs)


class CustomerNumberField(forms.CharField):
    """An existing customer by 客戶編號, among those the user may open."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("既有客戶編號"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text", _("既有客戶請輸入客戶編號，或用上方搜尋挑選；新投訴人請留空。")
        )
        super().__init__(**kwargs)


def _customer_from_number(user: User, number: str) -> Customer | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    customer = customers_visible_to(user=user).filter(number=number).first()
    if customer is None:
        raise forms.ValidationError(_("找不到客戶編號 %(number)s。"), params={"number": number})
    return customer


class _ComplainantMixin:
    """Shared by the intake and its correction: an existing customer or a new complainant."""

    user: User
    cleaned_data: dict[str, Any]
    instance: Complaint

    def clean_customer_number(self) -> Customer | None:
        return _customer_from_number(self.user, self.cleaned_data.get("customer_number", ""))

    def clean_complainant_name(self) -> str:
        return name_clean(self.cleaned_data.get("complainant_name") or "")

    def _complainant_clean(self, cleaned: dict[str, Any]) -> None:
        customer = cleaned.get("customer_number")
        self.instance.customer = customer
        name = (cleaned.get("complainant_name") or "").strip()
        if customer is None and not name and "customer_number" not in self.errors:
            self.add_error(  # type: ignore[attr-defined]
                "complainant_name", _("請填寫投訴人姓名，或選擇既有客戶。")
            )


class IntakeForm(_ComplainantMixin, StaffForm):
    """PT-F035 客戶投訴接收記錄表, as staff record it (5.1.3, 5.2)."""

    customer_number = CustomerNumberField()
    complainant_phone = PhoneField(label=_("聯絡電話"), required=False, max_length=20)
    criteria = CriteriaField()
    grade = forms.ChoiceField(label=_("投訴等級"), required=False, choices=_grade_choices)
    departments = DepartmentsField()
    owner = forms.ModelChoiceField(
        label=_("負責人（選填）"), queryset=User.objects.none(), required=False
    )

    class Meta:
        model = Complaint
        fields = [
            "branch",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "complainant_line_id",
            "channel",
            "third_party",
            "received_at",
            "description",
            "expected_resolution",
            "grade_reason",
            "nature",
        ]
        widgets = {
            "received_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "expected_resolution": forms.Textarea(attrs={"rows": 2}),
            "grade_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["complainant_name"].required = False
        self.fields["description"].error_messages["required"] = _("請填寫投訴內容詳細描述。")
        self.fields["received_at"].error_messages["required"] = _("請填寫接收時間。")
        self.fields["channel"].error_messages["required"] = _("請選擇投訴渠道。")
        self.fields["channel"].choices = [("", _("請選擇")), *Channel.choices]
        self.fields["third_party"].help_text = _(
            "政府部門或消費者保護組織轉來時必填，例：衛生局、消費者文教基金會"
        )
        self.fields["nature"].queryset = Nature.objects.filter(is_active=True)
        self.fields["nature"].empty_label = _("（未分類）")
        self.fields["branch"].empty_label = None
        staff_picker(self.fields["owner"], staff_choices(user=self.user))
        self.fields["owner"].empty_label = _("（稍後指定）")
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._complainant_clean(cleaned)
        # The model's clean() compares the chosen grade with the one annex 2 suggests.
        criteria = cleaned.get("criteria") or []
        self.instance.suggested_grade = grade_suggest(criteria)
        self.instance.grade = cleaned.get("grade") or self.instance.suggested_grade
        return cleaned

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            name: data.get(name)
            for name in (
                "branch",
                "complainant_name",
                "complainant_phone",
                "complainant_email",
                "complainant_line_id",
                "channel",
                "third_party",
                "received_at",
                "description",
                "expected_resolution",
                "nature",
            )
        }
        values["complainant_name"] = (values["complainant_name"] or "").strip()
        values["customer"] = data.get("customer_number")
        if values["channel"] not in THIRD_PARTY_CHANNELS:
            values["third_party"] = ""
        return values


class IntakeUpdateForm(_ComplainantMixin, forms.ModelForm):
    """Correct or complete the PT-F035 record of a case (not its branch or time of receipt)."""

    customer_number = CustomerNumberField()
    complainant_phone = PhoneField(label=_("聯絡電話"), required=False, max_length=20)

    class Meta:
        model = Complaint
        fields = [
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "complainant_line_id",
            "channel",
            "third_party",
            "description",
            "expected_resolution",
            "nature",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "expected_resolution": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["complainant_name"].required = False
        self.fields["description"].error_messages["required"] = _("請填寫投訴內容詳細描述。")
        self.fields["nature"].queryset = Nature.objects.filter(is_active=True)
        self.fields["nature"].empty_label = _("（未分類）")
        self.fields["channel"].choices = Channel.choices
        if self.instance.customer_id and not self.is_bound:
            self.initial["customer_number"] = self.instance.customer.number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._complainant_clean(cleaned)
        return cleaned

    def service_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        values["customer"] = self.cleaned_data.get("customer_number")
        values["complainant_name"] = (values["complainant_name"] or "").strip()
        if values["channel"] not in THIRD_PARTY_CHANNELS:
            values["third_party"] = ""
        return values


class RegradeForm(forms.Form):
    """Annex 2 again: the criteria, the grade, and why when it differs or changes."""

    criteria = CriteriaField()
    grade = forms.ChoiceField(label=_("投訴等級"), required=False, choices=_grade_choices)
    grade_reason = forms.CharField(
        label=_("等級調整理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PublicCompletionForm(IntakeUpdateForm):
    """「完成接收記錄」 for an online submission: the record and its grade at once (5.1.3)."""

    criteria = CriteriaField()
    grade = forms.ChoiceField(label=_("投訴等級"), required=False, choices=_grade_choices)
    grade_reason = forms.CharField(
        label=_("等級調整理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # As on intake: the model's clean() wants a reason for a grade other than suggested.
        self.instance.suggested_grade = grade_suggest(cleaned.get("criteria") or [])
        self.instance.grade = cleaned.get("grade") or self.instance.suggested_grade
        self.instance.grade_reason = cleaned.get("grade_reason") or ""
        return cleaned


class PreviewForm(forms.Form):
    """What the live deadlines preview reads; every field optional, bad values ignored."""

    branch = forms.IntegerField(required=False)
    channel = forms.CharField(required=False)
    received_at = forms.DateTimeField(required=False)
    criteria = forms.MultipleChoiceField(choices=CRITERION_CHOICES, required=False)
    grade = forms.ChoiceField(choices=_grade_choices, required=False)

    def __init__(self, data: Any, *, user: User):
        super().__init__(data)
        self.user = user

    def value(self, name: str) -> Any:
        """The field's value when it parsed, else its blank."""
        self.is_valid()
        if name in self.errors:
            return self.fields[name].to_python(None) if name != "criteria" else []
        return self.cleaned_data.get(name)

    def criteria_codes(self) -> list[str]:
        raw = self.data.getlist("criteria") if hasattr(self.data, "getlist") else []
        return [code for code in raw if code in CRITERIA_BY_CODE]

    def branch_id(self) -> int | None:
        branch_id = self.value("branch")
        allowed = user_branch_ids(self.user)
        if branch_id is None or (allowed is not None and branch_id not in allowed):
            return self.user.home_branch_id
        return branch_id


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("負責人"), queryset=User.objects.none(), required=False)
    departments = DepartmentsField(label=_("負責部門"))

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any):
        super().__init__(*args, **kwargs)
        staff_picker(self.fields["owner"], branch_staff(complaint.branch_id))
        self.fields["owner"].empty_label = _("（未指定）")


def _text(model: type, name: str, *, rows: int = 2, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=model._meta.get_field(name).verbose_name,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class InvestigationPlanForm(forms.Form):
    """調查計劃 (5.3.1)."""

    scope = _text(Investigation, "scope")
    people = _text(Investigation, "people")
    timeline = _text(Investigation, "timeline")


class InvestigationReportForm(forms.Form):
    """調查報告 (5.3.3)."""

    facts = _text(Investigation, "facts", rows=3)
    root_cause = _text(Investigation, "root_cause")
    responsibility = _text(Investigation, "responsibility")
    recommendation = _text(Investigation, "recommendation")


def evidence_file_check(upload: UploadedFile) -> str:
    """The file's kind by its bytes (and, for Office files, its extension); raises if refused."""
    if upload.size > EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(
            _("檔案太大（%(size).1f MB），請選擇 10 MB 以內的檔案。")
            % {"size": upload.size / 1024 / 1024},
            code="too_large",
        )
    kind = attachment_kind(upload)
    if kind is not None:
        return kind.extension
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if head.startswith(b"PK\x03\x04") and extension in _ZIP_EXTENSIONS:
        return extension
    if head.startswith(_AUDIO_SIGNATURES) and extension == "mp3":
        return "mp3"
    if head[4:8] == b"ftyp" and extension in {"m4a", "mp4"}:
        return extension
    raise forms.ValidationError(
        _("只接受 JPEG、PNG、PDF、Word／Excel／PowerPoint 檔或 MP3／M4A 錄音。"),
        code="bad_type",
    )


class EvidenceForm(forms.ModelForm):
    """資料收集 (5.3.2): a file (≤ 10 MB), interview notes or a record."""

    class Meta:
        model = Evidence
        fields = ["kind", "title", "notes", "file"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            c for c in EvidenceKind.choices if c[0] != EvidenceKind.CUSTOMER_UPLOAD
        ]
        self.fields["title"].error_messages["required"] = _("請填寫標題。")
        self.fields["file"].help_text = _(
            "JPEG、PNG、PDF、Word／Excel／PowerPoint 或 MP3／M4A，10 MB 以內；"
            "訪談記錄可直接填寫內容。"
        )

    def clean_file(self) -> UploadedFile | None:
        """The file as its bytes say it is; the stored name gets that true extension (as the
        API does), so a PDF sent as 「報告.html」 is kept and downloaded as 「報告.pdf」."""
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        extension = evidence_file_check(upload)
        stem = PurePath(upload.name or "").stem[:80] or "evidence"
        upload.name = f"{stem}.{extension}"
        return upload

    def service_values(self) -> tuple[dict[str, Any], UploadedFile | None]:
        data = self.cleaned_data
        return {k: data[k] for k in ("kind", "title", "notes")}, data.get("file")


class SolutionForm(forms.ModelForm):
    """解決方案要素 (5.4.1)."""

    class Meta:
        model = Solution
        fields = ["immediate_remedy", "prevention", "training_needs", "policy_change", "cost"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ("immediate_remedy", "prevention", "training_needs", "policy_change")
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["immediate_remedy"].error_messages["required"] = _(
            "請填寫針對客戶問題的立即解決方法。"
        )
        self.fields["prevention"].error_messages["required"] = _(
            "請填寫防止再次發生的系統性改進措施。"
        )

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActionItemForm(forms.ModelForm):
    """行動項目 (5.5.1): what, who, by when."""

    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_date"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "due_date": DateInput()}

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any):
        super().__init__(*args, **kwargs)
        staff_picker(self.fields["owner"], branch_staff(complaint.branch_id))
        self.fields["description"].error_messages["required"] = _("請填寫行動內容。")
        self.fields["owner"].error_messages["required"] = _("請選擇責任人。")
        self.fields["due_date"].error_messages["required"] = _("請填寫完成期限。")

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CommunicationForm(forms.ModelForm):
    """客戶溝通 (5.5.2): channel, time, content and what the customer said."""

    class Meta:
        model = Communication
        fields = [
            "channel",
            "occurred_at",
            "content",
            "is_solution",
            "customer_response",
            "response_note",
        ]
        widgets = {
            "occurred_at": DateTimeInput(),
            "content": forms.Textarea(attrs={"rows": 3}),
            "response_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["content"].error_messages["required"] = _("請填寫溝通內容。")
        self.fields["channel"].choices = Channel.choices
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ClosingRecordForm(forms.Form):
    """投訴摘要 and 客戶滿意度評估 of the handling record (5.6.1)."""

    summary = forms.CharField(
        label=_("投訴摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfaction_score = forms.IntegerField(
        label=_("客戶滿意度評估（1–10）"),
        required=False,
        min_value=1,
        max_value=10,
        error_messages={
            "min_value": _("滿意度請填 1 到 10。"),
            "max_value": _("滿意度請填 1 到 10。"),
            "invalid": _("滿意度請填 1 到 10 的整數。"),
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": 10}),
    )
    satisfaction_note = forms.CharField(
        label=_("滿意度評估說明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_from(cls, complaint: Complaint) -> dict[str, Any]:
        return {
            "summary": complaint.summary,
            "satisfaction_score": complaint.satisfaction_score,
            "satisfaction_note": complaint.satisfaction_note,
        }


class MoveForm(ClosingRecordForm):
    """A workflow move: its reason or approval comment, and for closing the record's last words."""

    reason = forms.CharField(
        label=_("說明理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    comment = forms.CharField(
        label=_("審核意見（選填）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("搜尋"), required=False)
    grade = forms.ChoiceField(label=_("等級"), required=False)
    state = forms.ChoiceField(label=_("處理階段"), required=False)
    branch = forms.ModelChoiceField(label=_("院所"), queryset=Branch.objects.none(), required=False)
    department = forms.ModelChoiceField(
        label=_("部門"), queryset=Department.objects.order_by("code"), required=False
    )
    nature = forms.ModelChoiceField(label=_("性質"), queryset=Nature.objects.all(), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    mine = forms.BooleanField(label=_("只看我負責的"), required=False)
    closed = forms.BooleanField(label=_("已結案／歸檔"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        from careloop.complaints.models import State

        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("全部等級")), *Grade.choices]
        self.fields["state"].choices = [("", _("全部階段")), *State.choices]
        branch_ids = user_branch_ids(user)
        branches = Branch.objects.all()
        if branch_ids is not None:
            branches = branches.filter(id__in=branch_ids)
        self.fields["branch"].queryset = branches
        self.fields["branch"].empty_label = _("全部院所")
        self.fields["department"].empty_label = _("全部部門")
        self.fields["nature"].empty_label = _("全部性質")
