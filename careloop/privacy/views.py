"""The privacy pages (/privacy/): thin — forms parse, selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.permissions import Capability, require, user_can
from careloop.customers.selectors import customer_get_for_user
from careloop.privacy import services
from careloop.privacy.copying import copy_build, copy_json, copy_pdf
from careloop.privacy.forms import (
    AnswerForm,
    DownloadForm,
    EraseForm,
    ReasonForm,
    RequestForm,
    StopForm,
)
from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.retention import retention_schedule
from careloop.privacy.rules import RequestStatus
from careloop.privacy.selectors import request_get_for_user, requests_visible_to


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    rows = requests_visible_to(user=request.user)
    status = request.GET.get("status", "open")
    if status == "open":
        rows = rows.filter(status=RequestStatus.RECEIVED).order_by("due_at", "id")
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    reads_record(request, [r.customer_id for r in page], kind=ReadKind.LIST)
    return render(request, "privacy/list.html", {"page": page, "status": status})


@login_required
def customer_requests(request: HttpRequest, number: str) -> HttpResponse:
    """A customer's requests and the form to record a new one."""
    require(request.user, Capability.PRIVACY_REQUEST)
    customer = customer_get_for_user(user=request.user, number=number)
    form = RequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created = services.request_create(
                customer=customer, values=form.cleaned_data, by=request.user
            )
            messages.success(
                request,
                _("已受理個資請求，答覆期限 %(due)s。")
                % {"due": timezone.localtime(created.due_at).strftime("%Y-%m-%d")},
            )
            return redirect("privacy:detail", created.pk)
        status = 422
    rows = DataSubjectRequest.objects.filter(customer=customer).select_related("received_by")
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return render(
        request,
        "privacy/customer.html",
        {"customer": customer, "form": form, "requests": rows},
        status=status,
    )


def _detail(
    request: HttpRequest, req: DataSubjectRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "req": req,
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "refuse_form": forms.get("refuse_form") or AnswerForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "stop_form": forms.get("stop_form") or StopForm(),
        "erase_form": forms.get("erase_form") or EraseForm(),
        "download_form": forms.get("download_form") or DownloadForm(),
        "can_erase": user_can(request.user, Capability.PRIVACY_ERASE),
        "downloads": req.downloads.select_related("user")[:20],
        "erasures": req.erasures.all(),
        "error": forms.get("error"),
    }
    # The page, and each action sent back with its errors, shows the requester's record.
    reads_record(request, [req.customer_id], kind=ReadKind.VIEW)
    return render(request, "privacy/detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail(request, request_get_for_user(user=request.user, request_id=request_id))


def _act(
    request: HttpRequest, request_id: int, form_class: type, form_key: str, action: Any
) -> HttpResponse:
    """Bind the form, call the service, answer with the page (422/409 and the reason on it)."""
    req = request_get_for_user(user=request.user, request_id=request_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, req, 422, **{form_key: form})
    try:
        action(req, form.cleaned_data)
    except services.PrivacyRefused as exc:
        return _detail(request, req, 409, error=exc.message)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _detail(request, req, 422, **{form_key: form})
    messages.success(request, _("已更新個資請求。"))
    return redirect("privacy:detail", req.pk)


@login_required
@require_POST
def request_complete(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        AnswerForm,
        "answer_form",
        lambda r, d: services.request_complete(request=r, answer=d["answer"], by=request.user),
    )


@login_required
@require_POST
def request_refuse(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        AnswerForm,
        "refuse_form",
        lambda r, d: services.request_refuse(request=r, answer=d["answer"], by=request.user),
    )


@login_required
@require_POST
def request_extend(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        ReasonForm,
        "reason_form",
        lambda r, d: services.request_extend(request=r, reason=d["reason"], by=request.user),
    )


@login_required
@require_POST
def request_stop(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        StopForm,
        "stop_form",
        lambda r, d: services.processing_stop(request=r, answer=d["answer"], by=request.user),
    )


@login_required
@require_POST
def request_erase(request: HttpRequest, request_id: int) -> HttpResponse:
    require(request.user, Capability.PRIVACY_ERASE)
    return _act(
        request,
        request_id,
        EraseForm,
        "erase_form",
        lambda r, d: services.request_erase(request=r, by=request.user),
    )


def copy_response(
    *, request: HttpRequest, req: DataSubjectRequest, fmt: str, by: Any
) -> HttpResponse:
    """The copy file itself (shared with the API); the download is recorded by the caller in
    CopyDownload, and here in the read log (a PDF is a print, JSON an export)."""
    reads_record(
        request, [req.customer_id], kind=ReadKind.PRINT if fmt == "pdf" else ReadKind.EXPORT
    )
    data = copy_build(customer=req.customer, by=by)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"privacy-copy-{req.customer.number}-{stamp}"
    if fmt == "pdf":
        response = HttpResponse(copy_pdf(data=data, by=by), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    response = HttpResponse(copy_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@login_required
@require_POST
def copy_download(request: HttpRequest, request_id: int) -> HttpResponse:
    req = request_get_for_user(user=request.user, request_id=request_id)
    form = DownloadForm(request.POST)
    if not form.is_valid():
        return _detail(request, req, 422, download_form=form)
    try:
        services.copy_download_record(
            request=req,
            fmt=form.cleaned_data["format"],
            purpose=form.cleaned_data["purpose"],
            by=request.user,
        )
    except services.PrivacyRefused as exc:
        return _detail(request, req, 409, error=exc.message)
    return copy_response(request=request, req=req, fmt=form.cleaned_data["format"], by=request.user)


@login_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.PRIVACY_REQUEST)
    return render(request, "privacy/schedule.html", {"items": retention_schedule()})
