"""The read log's pages. Thin: the selectors check who may see it and read it.

- the customer page's panel (loaded when scrolled to; `templatetags/access.py`),
- a customer's full list, paged,
- a staff member's reads of customers in the viewer's branches (where the bulk-read
  notification leads), paged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from careloop.access.rules import PAGE_SIZE, PANEL_SIZE
from careloop.access.selectors import (
    customer_numbers,
    read_log_customer_get,
    reader_get_for_user,
    reads_by_reader,
    reads_of_customer,
)
from careloop.accounts.permissions import user_branch_ids


@login_required
@require_GET
def customer_reads_panel(request: HttpRequest, number: str) -> HttpResponse:
    customer = read_log_customer_get(user=request.user, number=number)
    reads = list(reads_of_customer(user=request.user, customer=customer)[: PANEL_SIZE + 1])
    context = {"customer": customer, "reads": reads[:PANEL_SIZE], "more": len(reads) > PANEL_SIZE}
    return render(request, "access/partials/customer_panel.html", context)


@login_required
@require_GET
def customer_reads(request: HttpRequest, number: str) -> HttpResponse:
    customer = read_log_customer_get(user=request.user, number=number)
    page = Paginator(reads_of_customer(user=request.user, customer=customer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "access/customer_reads.html", {"customer": customer, "page": page})


@login_required
@require_GET
def reader_reads(request: HttpRequest, user_id: int) -> HttpResponse:
    reader = reader_get_for_user(user=request.user, reader_id=user_id)
    page = Paginator(reads_by_reader(user=request.user, reader=reader), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    numbers = customer_numbers(customer_ids=(r.customer_id for r in page))
    for read in page:
        read.customer_number = numbers.get(read.customer_id, "")
    # A supervisor of some branches sees the reads of their customers only (the page says so:
    # the alert that led here counted the reader's reads everywhere).
    scoped = user_branch_ids(request.user) is not None
    context: dict[str, Any] = {"reader": reader, "page": page, "scoped": scoped}
    return render(request, "access/reader_reads.html", context)
