"""The worklist page. Thin: the selector reads, the service writes, htmx swaps the list.

Logging a line answers with the whole list again (counts included), so the line is gone and
nothing else moves; bad input answers 422 with that line's form and its errors, retargeted
there, and nothing is saved. Without JavaScript the same URL redirects back to the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.permissions import Capability, require
from careloop.compensation.panels import approvals_context
from careloop.worklist.forms import WorklistLineForm, WorklistLogForm
from careloop.worklist.selectors import (
    Scope,
    WorkItem,
    WorkKind,
    worklist_approvals,
    worklist_for,
    worklist_groups,
    worklist_line_get,
    worklist_scopes,
)
from careloop.worklist.services import worklist_contact_log


@dataclass(frozen=True)
class Line:
    item: WorkItem
    # Only a line whose logging failed has its own form (with its errors); the others show
    # the page's blank fields.
    form: WorklistLogForm | None = None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _scope(value: str | None) -> Scope:
    try:
        return Scope(value or Scope.MINE)
    except ValueError as exc:
        raise Http404 from exc


def _log_form(key: str, data: Any = None) -> WorklistLogForm:
    # A line's own form (one that failed): ids unique per line beside the blank ones, names plain.
    return WorklistLogForm(data, auto_id=f"id_{key}_%s")


def _context(
    request: HttpRequest, scope: Scope, failed: tuple[str, WorklistLogForm] | None = None
) -> dict[str, Any]:
    items = worklist_for(user=request.user, scope=scope)
    reads_record(request, [item.customer for item in items], kind=ReadKind.LIST)
    failed_key, failed_form = failed or (None, None)
    groups = [
        (
            group,
            [Line(item, failed_form if item.key == failed_key else None) for item in group.items],
        )
        for group in worklist_groups(items)
    ]
    return {
        "log_url": reverse("worklist:log"),  # once, not twice for each of the lines
        "blank_fields": render_to_string(
            "worklist/partials/log_fields.html", {"form": WorklistLogForm(auto_id=False)}
        ),
        "scope": scope,
        "scopes": worklist_scopes(user=request.user),
        "groups": groups,
        "total": len(items),
        "show_assignee": scope != Scope.MINE,
    }


def _approvals(request: HttpRequest) -> dict[str, Any]:
    """The section of compensation approvals waiting for this user (full page only)."""
    approvals = worklist_approvals(user=request.user)
    reads_record(request, [r.compensation.customer_id for r in approvals], kind=ReadKind.LIST)
    return approvals_context(user=request.user, requests=approvals)


def _add_errors(form: WorklistLogForm, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


@login_required
@require_GET
def worklist_today(request: HttpRequest) -> HttpResponse:
    scope = _scope(request.GET.get("scope"))
    context = _context(request, scope)
    if _is_htmx(request):
        return render(request, "worklist/partials/list.html", context)
    return render(request, "worklist/today.html", {**context, **_approvals(request)})


@login_required
@require_POST
def worklist_log(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.CUSTOMER_EDIT)
    scope = _scope(request.POST.get("scope"))
    line = WorklistLineForm(request.POST)
    if not line.is_valid() or not line.cleaned_data["key"]:
        raise Http404
    customer, plan = worklist_line_get(
        user=request.user,
        customer_number=line.cleaned_data["customer"],
        plan_id=line.cleaned_data["plan_id"],
    )
    kind = WorkKind(line.cleaned_data["kind"])
    key = line.cleaned_data["key"]
    form = _log_form(key, request.POST)
    if form.is_valid():
        try:
            worklist_contact_log(
                user=request.user,
                customer=customer,
                kind=kind,
                plan=plan,
                values=form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
    if form.is_valid():
        if _is_htmx(request):
            return render(request, "worklist/partials/list.html", _context(request, scope))
        return redirect(f"{reverse('worklist:today')}?{urlencode({'scope': scope.value})}")
    if _is_htmx(request):
        response = render(
            request,
            "worklist/partials/log_form.html",
            {
                "form": form,
                "log_url": reverse("worklist:log"),
                "key": key,
                "customer": customer,
                "kind": kind,
                "plan": plan,
                "scope": scope,
            },
            status=422,
        )
        response["HX-Retarget"] = f"#form-{key}"
        response["HX-Reswap"] = "outerHTML"
        return response
    context = {
        **_context(request, scope, failed=(key, form)),
        **_approvals(request),
    }
    return render(request, "worklist/today.html", context, status=422)
