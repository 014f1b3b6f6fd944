"""Staff pages for surveys: the list with NPS, one survey, sending from the case page, and
PT-F021 as PDF (blank for paper, or one survey). Thin: forms parse, selectors read, services
write. A send refused by a rule answers 422 with the reason in the panel (htmx) or as a
message (without JavaScript, POST → redirect)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.permissions import Capability, require
from careloop.complaints.selectors import complaint_get_for_user
from careloop.printing.rendering import pdf_render
from careloop.printing.survey_documents import pt_f021_document
from careloop.surveys import services
from careloop.surveys.forms import SurveyFilterForm
from careloop.surveys.selectors import (
    PAGE_SIZE,
    SurveyFilters,
    month_bounds,
    nps_by_branch_month,
    nps_compute,
    responses_filter,
    responses_visible_to,
    survey_case_panel,
    survey_counts,
    survey_get_for_user,
    survey_list,
)

NPS_MONTHS = 12


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _nps_range(filters: SurveyFilters) -> tuple[dt.date, dt.date]:
    """The answer days the NPS table covers: the chosen month, or the last twelve months."""
    if filters.month:
        start, end = month_bounds(filters.month)
        return start.date(), (end - dt.timedelta(days=1)).date()
    today = timezone.localdate()
    month = today.month - (NPS_MONTHS - 1)
    year = today.year
    while month < 1:
        month += 12
        year -= 1
    return today.replace(year=year, month=month, day=1), today


@login_required
@require_GET
def survey_list_view(request: HttpRequest) -> HttpResponse:
    """滿意度調查: the surveys sent, answered and expired, and NPS per branch and month."""
    form = SurveyFilterForm(request.GET or None, user=request.user)
    filters = SurveyFilters()
    if form.is_bound:
        form.is_valid()  # a wrong field shows its error beside it; the others still filter
        filters = form.filters()
    surveys = survey_list(user=request.user, filters=filters)
    page = Paginator(surveys, PAGE_SIZE).get_page(request.GET.get("page"))
    reads_record(request, [s.customer_id for s in page], kind=ReadKind.LIST)
    answered_from, answered_to = _nps_range(filters)
    responses = responses_filter(
        responses_visible_to(user=request.user),
        branch=filters.branch,
        kind=filters.kind,
        answered_from=answered_from,
        answered_to=answered_to,
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "counts": survey_counts(queryset=surveys),
        "nps_rows": nps_by_branch_month(responses=responses),
        "nps_total": nps_compute(responses=responses),
        "nps_from": answered_from,
        "nps_to": answered_to,
        "query_string": query_string.urlencode(),
        "now": timezone.now(),
    }
    template = "surveys/partials/list_results.html" if _is_htmx(request) else "surveys/list.html"
    return render(request, template, context)


@login_required
@require_GET
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = survey_get_for_user(user=request.user, survey_id=survey_id)
    reads_record(request, [survey.customer_id], kind=ReadKind.VIEW)
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "response": getattr(survey, "response", None) if survey.answered_at else None,
            "may_send": services.survey_may_send(user=request.user, subject=survey)
            and survey.answered_at is None,
        },
    )


@login_required
@require_POST
def survey_resend(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = survey_get_for_user(user=request.user, survey_id=survey_id)
    # The link goes to their phone or e-mail, read from the record for it (the answer is a
    # redirect, but the send is a use of the record like a page's showing of it).
    reads_record(request, [survey.customer_id], kind=ReadKind.VIEW)
    try:
        services.survey_resend(survey=survey, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        for text in _texts(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("已重新寄出問卷連結。"))
    return redirect("surveys:detail", survey_id=survey.pk)


def _texts(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("您沒有權限執行此操作。")]


@login_required
@require_POST
def complaint_send(request: HttpRequest, number: str) -> HttpResponse:
    """The case panel's 寄送／重新寄送: the case's survey, or its link again."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    errors: list[str] = []
    notice = ""
    try:
        _survey, created = services.survey_send_or_resend_for_complaint(
            complaint=complaint, by=request.user
        )
    except (ValidationError, PermissionDenied) as exc:
        errors = _texts(exc)
    else:
        notice = _("已寄出滿意度問卷。") if created else _("已重新寄出問卷連結。")
    # The send reads the customer's phone or e-mail, with or without the panel shown after.
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    if _is_htmx(request):
        context = {
            "survey_panel": survey_case_panel(complaint=complaint, user=request.user),
            "survey_errors": errors,
            "survey_notice": notice,
        }
        return render(
            request, "surveys/partials/case_panel.html", context, status=422 if errors else 200
        )
    for text in errors:
        messages.error(request, text)
    if notice:
        messages.success(request, notice)
    return redirect(reverse("complaints:detail", args=[complaint.number]) + "#survey-panel")


# --- PT-F021 -------------------------------------------------------------------------------


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def pt_f021_blank_pdf(request: HttpRequest) -> HttpResponse:
    """PT-F021 客戶滿意度調查表, blank, for the counter; `?roc=1` prints 民國 years."""
    require(request.user, Capability.CUSTOMER_VIEW)
    document = pt_f021_document(survey=None, user=request.user, roc=request.GET.get("roc") == "1")
    pdf = pdf_render(template="printing/pt_f021.html", context={"doc": document}, request=request)
    return _pdf(pdf, "PT-F021.pdf")


@login_required
@require_GET
def pt_f021_pdf(request: HttpRequest, survey_id: int) -> HttpResponse:
    """PT-F021 of one survey: as answered, or with its QR code while it waits."""
    survey = survey_get_for_user(user=request.user, survey_id=survey_id)
    reads_record(request, [survey.customer_id], kind=ReadKind.PRINT)
    document = pt_f021_document(survey=survey, user=request.user, roc=request.GET.get("roc") == "1")
    pdf = pdf_render(template="printing/pt_f021.html", context={"doc": document}, request=request)
    return _pdf(pdf, f"PT-F021-{survey.pk}.pdf")
