"""Staff pages for complaints (PT-P020): intake (PT-F035) and the board.

The case page and its actions live in `case_views.py`. Thin: forms parse, services write,
selectors read; bad input shows beside its field (422).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_can
from careloop.complaints import services
from careloop.complaints.criteria import grade_suggest
from careloop.complaints.deadlines import (
    MILESTONE_LABELS,
    STANDING_LABELS,
    Deadlines,
    deadlines_compute,
)
from careloop.complaints.forms import (
    BoardFilterForm,
    IntakeForm,
    PreviewForm,
    errors_apply,
)
from careloop.complaints.models import ONLINE_CHANNELS, Complaint, Grade
from careloop.complaints.selectors import (
    BOARD_PAGE_SIZE,
    BoardFilters,
    BoardRow,
    board_rows,
    complaint_board,
    complaint_get_for_user,
)
from careloop.customers.selectors import CustomerFilters, customer_search
from careloop.printing.qr import may_print_feedback_qr

# The picker fills one of these inputs: the intake's, or the case page's correction form's.
_PICKER_FIELDS = frozenset({"customer_number", "intake-customer_number"})


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (it then wants a fragment, not the page)."""
    return request.headers.get("HX-Request") == "true"


# --- intake (PT-F035) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What the intake form shows while it is filled in: the grade and its deadlines."""

    suggested_grade: str
    grade: str
    deadlines: Deadlines | None
    received_at: dt.datetime | None
    online: bool
    late: bool

    @property
    def suggested_label(self) -> str:
        return str(Grade(self.suggested_grade).label)

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label)


def grade_preview(
    *, user: User, data: Any, complaint: Complaint | None = None, prefix: str = ""
) -> Preview:
    """The grade annex 2 suggests and the deadlines it brings, from the form's current values
    (a case's own branch, channel and time of receipt when it is regraded)."""
    if prefix:
        data = _unprefixed(data, prefix)
    form = PreviewForm(data, user=user)
    criteria = form.criteria_codes()
    suggested = grade_suggest(criteria)
    grade = form.value("grade") or suggested
    if complaint is not None:
        received_at, branch_id, channel = (
            complaint.received_at,
            complaint.branch_id,
            complaint.channel,
        )
    else:
        received_at = form.value("received_at")
        branch_id, channel = form.branch_id(), form.value("channel") or ""
    deadlines = None
    if received_at is not None:
        deadlines = deadlines_compute(
            received_at=received_at,
            grade=grade,
            branch_id=branch_id,
            channel=channel,
            criteria=criteria,
        )
    late = (
        complaint is None
        and received_at is not None
        and timezone.now() > received_at + dt.timedelta(hours=24)
    )
    return Preview(suggested, grade, deadlines, received_at, channel in ONLINE_CHANNELS, late)


def _unprefixed(data: Any, prefix: str) -> Any:
    plain = QueryDict(mutable=True)
    for key in data:
        if key.startswith(f"{prefix}-"):
            plain.setlist(key[len(prefix) + 1 :], data.getlist(key))
    return plain


@login_required
@require_http_methods(["GET", "POST"])
def complaint_intake(request: HttpRequest) -> HttpResponse:
    """新增客訴: record a complaint from any channel; the case page opens on save."""
    require(request.user, Capability.COMPLAINT_INTAKE)
    form = IntakeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_intake(
                values=form.service_values(),
                criteria=data["criteria"],
                departments=data["departments"],
                grade=data["grade"] or None,
                grade_reason=data["grade_reason"],
                owner=data["owner"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(
                request,
                _("已記錄客訴 %(number)s（%(grade)s）。")
                % {"number": complaint.number, "grade": complaint.get_grade_display()},
            )
            return redirect("complaints:detail", number=complaint.number)
    if form.is_bound:
        preview = grade_preview(user=request.user, data=request.POST)
    else:
        preview = grade_preview(
            user=request.user,
            data=_initial_data(form),
        )
    return render(
        request,
        "complaints/intake.html",
        {"form": form, "preview": preview},
        status=422 if request.method == "POST" else 200,
    )


def _initial_data(form: IntakeForm) -> Any:
    data = QueryDict(mutable=True)
    received_at = form.initial.get("received_at")
    if received_at:
        data["received_at"] = timezone.localtime(received_at).strftime("%Y-%m-%dT%H:%M")
    if form.initial.get("branch"):
        data["branch"] = str(form.initial["branch"])
    return data


@login_required
@require_GET
def intake_preview(request: HttpRequest) -> HttpResponse:
    """The live grade and deadlines (htmx). `number` previews a regrade of that case."""
    require(request.user, Capability.COMPLAINT_VIEW)
    complaint = None
    prefix = ""
    if request.GET.get("number"):
        complaint = complaint_get_for_user(user=request.user, number=request.GET["number"])
        prefix = request.GET.get("prefix", "grade")
    preview = grade_preview(user=request.user, data=request.GET, complaint=complaint, prefix=prefix)
    return render(request, "complaints/partials/preview.html", {"preview": preview, "c": complaint})


@login_required
@require_GET
def customer_picker(request: HttpRequest) -> HttpResponse:
    """Find an existing customer for the intake (the customers' own search), or pick one."""
    require(request.user, Capability.COMPLAINT_INTAKE)
    field = request.GET.get("field", "customer_number")
    if field not in _PICKER_FIELDS:
        raise Http404
    number = request.GET.get("pick", "").strip()
    if number:
        customer = (
            customer_search(user=request.user, filters=CustomerFilters())
            .filter(number=number)
            .first()
        )
        reads_record(request, [customer], kind=ReadKind.VIEW)
        return render(
            request,
            "complaints/partials/customer_choice.html",
            {"field_name": field, "customer": customer, "value": number},
        )
    query = request.GET.get("customer_q", "").strip()
    found = []
    if len(query) >= 2:
        found = list(customer_search(user=request.user, filters=CustomerFilters(query=query))[:8])
    reads_record(request, found, kind=ReadKind.LIST)
    return render(
        request,
        "complaints/partials/customer_results.html",
        {"found": found, "query": query, "field_name": field},
    )


# --- the board --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardLine:
    row: BoardRow
    standing_label: str
    milestone_label: str


def _board_filters(form: BoardFilterForm) -> BoardFilters:
    form.is_valid()
    data = form.cleaned_data
    return BoardFilters(
        grade=data.get("grade") or "",
        state=data.get("state") or "",
        branch=data["branch"].pk if data.get("branch") else None,
        department=data["department"].pk if data.get("department") else None,
        nature=data["nature"].pk if data.get("nature") else None,
        overdue=bool(data.get("overdue")),
        mine=bool(data.get("mine")),
        closed=bool(data.get("closed")),
        query=(data.get("q") or "").strip(),
    )


@login_required
@require_GET
def complaint_board_view(request: HttpRequest) -> HttpResponse:
    """客訴看板: open cases, soonest deadline first, each with its standing."""
    require(request.user, Capability.COMPLAINT_VIEW)
    form = BoardFilterForm(request.GET or None, user=request.user)
    filters = _board_filters(form) if form.is_bound else BoardFilters()
    queryset = complaint_board(user=request.user, filters=filters)
    page = Paginator(queryset, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [
        BoardLine(
            row,
            str(STANDING_LABELS[row.standing]),
            str(MILESTONE_LABELS[row.milestone]) if row.milestone else "",
        )
        for row in board_rows(list(page.object_list))
    ]
    reads_record(request, [line.row.complaint.customer_id for line in lines], kind=ReadKind.LIST)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "lines": lines,
        "filters": filters,
        "query_string": query_string.urlencode(),
        "can_intake": user_can(request.user, Capability.COMPLAINT_INTAKE),
        "can_print_qr": may_print_feedback_qr(request.user),
    }
    template = (
        "complaints/partials/board_results.html" if is_htmx(request) else "complaints/board.html"
    )
    return render(request, template, context)


# --- the case page: reading -------------------------------------------------------------------
