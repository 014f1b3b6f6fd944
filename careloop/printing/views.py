"""Printed forms as PDF. Thin: the same permission check as the pages, then render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.complaints.selectors import complaint_get_for_user
from careloop.customers.selectors import customer_get_for_user
from careloop.printing.complaint_documents import pt_f020_document, pt_f035_document
from careloop.printing.qr import (
    base_url,
    branch_feedback_url,
    feedback_branch_get_for_user,
    may_print_feedback_qr,
    qr_svg_data_uri,
)
from careloop.printing.rendering import pdf_render
from careloop.printing.selectors import pt_f025_document


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # inline: the browser shows it and prints from its viewer; the name is used on saving.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _roc(request: HttpRequest) -> bool:
    return request.GET.get("roc") == "1"


@login_required
@require_GET
def pt_f025_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """PT-F025 客戶互動追蹤記錄表 of one customer; `?roc=1` prints 民國 years."""
    customer = customer_get_for_user(user=request.user, number=number)
    reads_record(request, [customer], kind=ReadKind.PRINT)
    document = pt_f025_document(customer=customer, user=request.user, roc=_roc(request))
    pdf = pdf_render(template="printing/pt_f025.html", context={"doc": document}, request=request)
    return _pdf_response(pdf, f"PT-F025-{customer.number}.pdf")


@login_required
@require_GET
def complaint_pt_f035_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """PT-F035 客戶投訴接收記錄表 of one case; `?roc=1` prints 民國 years."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    reads_record(request, [complaint.customer_id], kind=ReadKind.PRINT)
    document = pt_f035_document(complaint=complaint, user=request.user, roc=_roc(request))
    pdf = pdf_render(template="printing/pt_f035.html", context={"doc": document}, request=request)
    return _pdf_response(pdf, f"PT-F035-{complaint.number}.pdf")


@login_required
@require_GET
def complaint_pt_f020_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """PT-F020 客訴處理紀錄表 of one case; `?roc=1` prints 民國 years."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    reads_record(request, [complaint.customer_id], kind=ReadKind.PRINT)
    document = pt_f020_document(complaint=complaint, user=request.user, roc=_roc(request))
    pdf = pdf_render(template="printing/pt_f020.html", context={"doc": document}, request=request)
    return _pdf_response(pdf, f"PT-F020-{complaint.number}.pdf")


@login_required
@require_GET
def feedback_poster_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The suggestion box poster of one branch: its QR code, name and address, on A4."""
    if not may_print_feedback_qr(request.user):
        raise PermissionDenied
    branch = feedback_branch_get_for_user(user=request.user, code=code)
    url = branch_feedback_url(branch)
    context = {
        "branch": branch,
        "url": url,
        "qr_src": qr_svg_data_uri(url),
        "status_url": base_url() + reverse("feedback:status"),
    }
    pdf = pdf_render(template="printing/feedback_poster.html", context=context, request=request)
    return _pdf_response(pdf, f"feedback-qr-{branch.code}.pdf")
