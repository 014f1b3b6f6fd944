"""Printed forms as PDF. Thin: the same permission check as the pages, then render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from careloop.customers.selectors import customer_get_for_user
from careloop.printing.rendering import pdf_render
from careloop.printing.selectors import pt_f025_document


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # inline: the browser shows it and prints from its viewer; the name is used on saving.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def pt_f025_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """PT-F025 客戶互動追蹤記錄表 of one customer; `?roc=1` prints 民國 years."""
    customer = customer_get_for_user(user=request.user, number=number)
    document = pt_f025_document(
        customer=customer, user=request.user, roc=request.GET.get("roc") == "1"
    )
    pdf = pdf_render(template="printing/pt_f025.html", context={"doc": document}, request=request)
    return _pdf_response(pdf, f"PT-F025-{customer.number}.pdf")
