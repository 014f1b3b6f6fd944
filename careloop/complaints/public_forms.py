"""The public pages' forms: the suggestion box's online form and the status lookup.

No login, so every field is parsed as hostile input: the attachment is judged by its bytes, not
its name or the browser's content type; a hidden field that people leave empty and a signed
render time keep scripts out (the rate limit lives in `public.py`, where the client is known).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader

from careloop.accounts.models import Branch
from careloop.core.text import name_clean
from careloop.customers.forms import PhoneField

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
# A person reads the form before sending it; a script posts at once. Two hours is long enough
# to write a careful account and short enough that a harvested token is soon worthless.
FORM_MIN_SECONDS = 3
FORM_MAX_SECONDS = 2 * 60 * 60
TOKEN_SALT = "careloop.complaints.public.form-rendered"
HONEYPOT_FIELD = "website"


def form_token(*, now: float | None = None) -> str:
    """The signed moment the form was rendered, posted back in a hidden field."""
    return signing.dumps({"t": int(now if now is not None else time.time())}, salt=TOKEN_SALT)


def form_token_age(token: str, *, now: float | None = None) -> float | None:
    """Seconds since the token was made; None when it is forged, garbled or too old."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=FORM_MAX_SECONDS)
        issued = float(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    age = (now if now is not None else time.time()) - issued
    return None if age > FORM_MAX_SECONDS else age


class AttachmentLimitHandler(FileUploadHandler):
    """Drops an upload as soon as it passes the limit, so an anonymous sender cannot fill the
    disk; the rest of the request is read and discarded, and the form says the file was too
    large. Must be the first upload handler, installed before the body is parsed."""

    def __init__(self, request: Any = None, *, limit: int = ATTACHMENT_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@dataclass(frozen=True)
class FileKind:
    extension: str
    label: str


_PDF = FileKind("pdf", "PDF")
_JPEG = FileKind("jpg", "JPEG")
_PNG = FileKind("png", "PNG")
_IMAGE_FORMATS = {"JPEG": _JPEG, "PNG": _PNG}


def attachment_kind(upload: UploadedFile) -> FileKind | None:
    """JPEG, PNG or PDF by content — magic bytes, then Pillow's check of an image's structure
    or pypdf's reading of a PDF's pages — else None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return _PDF if _pdf_has_pages(upload) else None
    if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")):
        return None
    try:
        # verify() walks the structure without decoding the pixels. A hostile file can make
        # Pillow raise almost anything (a bomb of a header, a truncated chunk, a bad struct):
        # whatever it raises, the file is not an image we accept.
        with Image.open(upload) as image:
            kind = _IMAGE_FORMATS.get(image.format or "")
            image.verify()
    except Exception:
        return None
    finally:
        upload.seek(0)
    return kind


def _pdf_has_pages(upload: UploadedFile) -> bool:
    """Whether the file reads as a PDF with at least one page: `%PDF-` before anything else
    (a program, a web page) is not a document staff can open. Lenient about the small flaws
    of phone scanners; whatever a hostile file makes pypdf raise, it is not a PDF we accept."""
    try:
        reader = PdfReader(upload, strict=False)
        # An owner-password PDF (a bank's receipt) hides its pages, but its structure has read.
        return reader.is_encrypted or len(reader.pages) > 0
    except Exception:
        return False
    finally:
        upload.seek(0)


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        return obj.name


class PublicComplaintForm(forms.Form):
    """意見箱 online: who, how to reach them, which branch, what happened, what they hope for."""

    complainant_name = forms.CharField(
        label=_("您的姓名"),
        max_length=50,
        error_messages={"required": _("請填寫您的姓名。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    complainant_phone = PhoneField(
        label=_("聯絡電話"),
        required=False,
        max_length=20,
        help_text=_("查詢處理進度時需要輸入此電話號碼。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    complainant_email = forms.EmailField(
        label=_("電子郵件"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("電子郵件格式不正確，例如 name@example.com。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    branch = BranchChoiceField(
        label=_("院所"),
        queryset=Branch.objects.none(),
        empty_label=_("請選擇院所"),
        error_messages={
            "required": _("請選擇您要反映的院所。"),
            "invalid_choice": _("請從清單中選擇院所。"),
        },
    )
    description = forms.CharField(
        label=_("意見內容"),
        max_length=4000,
        help_text=_("請描述發生的經過，例如日期、時間與相關人員。"),
        error_messages={
            "required": _("請描述您要反映的內容。"),
            "max_length": _("內容請勿超過 %(limit_value)d 字（目前 %(show_value)d 字）。"),
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    expected_resolution = forms.CharField(
        label=_("期望的處理方式（選填）"),
        required=False,
        max_length=2000,
        error_messages={
            "max_length": _("內容請勿超過 %(limit_value)d 字（目前 %(show_value)d 字）。"),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label=_("附件（選填）"),
        required=False,
        help_text=_("可附一個 JPEG、PNG 圖片或 PDF 檔，5 MB 以內。"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    # A field people never see: left empty by a person, filled in by a form-filling script.
    website = forms.CharField(
        label=_("請勿填寫此欄"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    rendered = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, attachment_too_large: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.attachment_too_large = attachment_too_large
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("code")
        self.attachment_kind: FileKind | None = None
        # Always a fresh render time: a re-shown form starts its own count.
        self.fields["rendered"].initial = form_token()
        self._posted_token = str(self.data.get("rendered", "")) if self.is_bound else ""
        # A file chosen but not kept: the browser cannot put it back into a re-shown form.
        self.attachment_posted = bool(
            self.is_bound and (self.files.get("attachment") or attachment_too_large)
        )
        if self.is_bound:
            self.data = self.data.copy()
            self.data["rendered"] = self.fields["rendered"].initial

    def clean_complainant_name(self) -> str:
        return name_clean(self.cleaned_data.get("complainant_name") or "")

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if self.attachment_too_large or (upload and upload.size > ATTACHMENT_MAX_BYTES):
            raise forms.ValidationError(
                _("檔案超過 5 MB，請選擇 5 MB 以內的檔案。"), code="too_large"
            )
        if not upload:
            return None
        kind = attachment_kind(upload)
        if kind is None:
            raise forms.ValidationError(
                _("只接受 JPEG、PNG 圖片或 PDF 檔；這個檔案的內容不是這些格式。"),
                code="bad_type",
            )
        self.attachment_kind = kind
        # The stored name comes from what the bytes are, never from the sender's file name.
        upload.name = f"feedback-upload.{kind.extension}"
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get(HONEYPOT_FIELD):
            raise forms.ValidationError(
                _("無法送出此表單，請重新整理頁面後再試一次。"), code="honeypot"
            )
        age = form_token_age(self._posted_token)
        if age is None:
            raise forms.ValidationError(
                _("表單已逾時（超過 2 小時）或無法辨識，請確認內容後再按一次送出。"),
                code="expired",
            )
        if age < FORM_MIN_SECONDS:
            raise forms.ValidationError(
                _("送出速度過快，請確認內容後再按一次送出。"), code="too_fast"
            )
        if (
            "complainant_phone" not in self.errors
            and "complainant_email" not in self.errors
            and not data.get("complainant_phone")
            and not data.get("complainant_email")
        ):
            self.add_error("complainant_phone", _("請至少留下電話或電子郵件其中一種聯絡方式。"))
        return data

    @property
    def is_spam(self) -> bool:
        """Refused for the hidden field: the view answers 400 without saving anything."""
        return self.has_error(NON_FIELD_ERRORS, "honeypot")

    def values(self) -> dict[str, Any]:
        """What `complaint_public_submit` takes."""
        data = self.cleaned_data
        return {
            "branch": data["branch"],
            "complainant_name": data["complainant_name"].strip(),
            "complainant_phone": data.get("complainant_phone") or "",
            "complainant_email": data.get("complainant_email") or "",
            "description": data["description"].strip(),
            "expected_resolution": (data.get("expected_resolution") or "").strip(),
        }


class StatusLookupForm(forms.Form):
    """客訴編號 and the phone given with it: both must match the same case."""

    number = forms.CharField(
        label=_("案件編號"),
        max_length=20,
        help_text=_("例如 20260213-001"),
        error_messages={"required": _("請輸入案件編號。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    phone = PhoneField(
        label=_("聯絡電話"),
        max_length=20,
        help_text=_("請輸入送出意見時留下的電話號碼。"),
        error_messages={"required": _("請輸入聯絡電話。")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
