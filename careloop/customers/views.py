"""Customer pages. Thin: parse with forms, call selectors and services, render.

Actions on the customer page are htmx posts that answer with the panel they changed (and the
change history, out of band); without JavaScript the same URLs redirect back to the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.permissions import Capability, require
from careloop.core.phones import phone_normalize
from careloop.customers import services
from careloop.customers.forms import (
    AnniversaryForm,
    ContactPlanForm,
    CustomerFilterForm,
    CustomerForm,
    ImportantEventForm,
    InteractionForm,
    NeedsForm,
    SatisfactionForm,
)
from careloop.customers.models import Anniversary, ContactPlan, Customer, SignOffKind
from careloop.customers.selectors import (
    TIMELINE_PAGE_SIZE,
    CustomerFilters,
    customer_get_for_user,
    customer_history,
    customer_likely_duplicates,
    customer_page,
    customer_search,
    customer_timeline,
)
from careloop.treatments.forms import treatment_blank_forms


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.CUSTOMER_VIEW)
    form = CustomerFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    filters = CustomerFilters(
        query=data.get("q", ""),
        customer_type=data.get("customer_type", ""),
        branch_id=data["branch"].pk if data.get("branch") else None,
        therapist_id=data["therapist"].pk if data.get("therapist") else None,
        consultant_id=data["consultant"].pk if data.get("consultant") else None,
        source=data.get("source", ""),
    )
    page = Paginator(customer_search(user=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    reads_record(request, page.object_list, kind=ReadKind.LIST)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": form, "page": page, "query_string": query_string.urlencode()}
    template = (
        "customers/partials/list_results.html" if _is_htmx(request) else "customers/list.html"
    )
    return render(request, template, context)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.CUSTOMER_EDIT)
    form = CustomerForm(request.POST or None, user=request.user)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                values=form.service_values(),
                by=request.user,
                allow_duplicate=request.POST.get("confirm_new") == "1",
            )
        except services.LikelyDuplicate as exc:
            duplicates = exc.candidates
            reads_record(request, _shown(duplicates), kind=ReadKind.LIST)
        else:
            messages.success(request, _("已建立客戶 %(name)s。") % {"name": customer.name})
            return redirect("customers:detail", number=customer.number)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "customers/form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
        status=status,
    )


@login_required
@require_GET
def customer_duplicate_check(request: HttpRequest) -> HttpResponse:
    """Live check while the new-customer form is filled in (htmx)."""
    require(request.user, Capability.CUSTOMER_EDIT)
    from django.utils.dateparse import parse_date

    phone = phone_normalize(request.GET.get("phone", "")) or ""
    try:
        birthday = parse_date(request.GET.get("birthday", "") or "")
    except ValueError:
        birthday = None
    duplicates = customer_likely_duplicates(
        user=request.user, phone=phone, name=request.GET.get("name", ""), birthday=birthday
    )
    reads_record(request, _shown(duplicates), kind=ReadKind.LIST)
    return render(request, "customers/partials/duplicates.html", {"duplicates": duplicates})


def _shown(duplicates: list[Customer]) -> list[Customer]:
    # A candidate in another branch is shown by its number and branch only, nothing personal.
    return [d for d in duplicates if getattr(d, "visible_to_user", False)]


@login_required
def customer_edit(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    require(request.user, Capability.CUSTOMER_EDIT)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.customer_update(customer=customer, values=form.service_values(), by=request.user)
        messages.success(request, _("已更新客戶資料。"))
        return redirect("customers:detail", number=customer.number)
    if request.method == "POST":
        # The failed form mutated the instance in memory; show the saved name in the title.
        customer.refresh_from_db()
    status = 422 if request.method == "POST" else 200
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return render(
        request, "customers/form.html", {"form": form, "customer": customer}, status=status
    )


def _blank_forms(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "interaction_form": InteractionForm(user=user, prefix="interaction"),
        "next_plan_form": ContactPlanForm(user=user, prefix="next"),
        "plan_form": ContactPlanForm(user=user, prefix="plan"),
        "satisfaction_form": SatisfactionForm(prefix="satisfaction"),
        "event_form": ImportantEventForm(prefix="event"),
        "anniversary_form": AnniversaryForm(prefix="anniversary"),
    }


def _render_page(
    request: HttpRequest,
    customer: Customer,
    *,
    panel: str | None = None,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    # An edit through htmx sends the history panel along (out of band), so it is read then;
    # without JavaScript the panel's link asks for it with ?history=1.
    with_history = (bool(panel) and _is_htmx(request)) or "history" in request.GET
    # Older interactions load a page at a time (`customer_timeline_more`); without JavaScript
    # the timeline's link asks for all of them with ?interactions=all.
    all_interactions = request.GET.get("interactions") == "all"
    # The page, and each panel an action answers with, shows the record (a redirect does not).
    reads_record(request, [customer], kind=ReadKind.VIEW)
    page = customer_page(
        customer=customer,
        user=request.user,
        with_history=with_history,
        interactions_limit=None if all_interactions else TIMELINE_PAGE_SIZE,
    )
    context: dict[str, Any] = {
        "page": page,
        "today": timezone.localdate(),
        **_blank_forms(request),
        **treatment_blank_forms(user=request.user),
        **(forms or {}),
    }
    if "needs_form" not in context:
        context["needs_form"] = NeedsForm(instance=context["page"].needs, prefix="needs")
    if panel and _is_htmx(request):
        context["oob_history"] = True
        # Another app's panel on this page is named by its template path.
        template = panel if "/" in panel else f"customers/partials/{panel}.html"
        return render(request, template, context, status=status)
    return render(request, "customers/detail.html", context, status=status)


def _done(request: HttpRequest, customer: Customer, panel: str, message: str) -> HttpResponse:
    if _is_htmx(request):
        return _render_page(request, customer, panel=panel)
    messages.success(request, message)
    return redirect("customers:detail", number=customer.number)


@login_required
@require_GET
def customer_detail(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    return _render_page(request, customer)  # which records the read


@login_required
@require_GET
def customer_history_panel(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    history = customer_history(customer=customer)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return render(request, "customers/partials/history.html", {"page": {"history": history}})


@login_required
@require_GET
def customer_timeline_more(request: HttpRequest, number: str, before: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    timeline = customer_timeline(customer=customer, before=before)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return render(
        request,
        "customers/partials/interaction_items.html",
        {"customer": customer, "interactions": timeline.interactions, "more": timeline.more},
    )


@login_required
@require_POST
def interaction_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = InteractionForm(request.POST, user=request.user, prefix="interaction")
    wants_plan = bool(request.POST.get("next-due_date"))
    plan_form = ContactPlanForm(
        request.POST if wants_plan else None, user=request.user, prefix="next"
    )
    fulfils = None
    raw_fulfils = request.POST.get("fulfils", "")
    if raw_fulfils:
        if not raw_fulfils.isdigit():
            raise Http404
        fulfils = get_object_or_404(ContactPlan, pk=int(raw_fulfils), customer=customer, done=False)
    if form.is_valid() and (not wants_plan or plan_form.is_valid()):
        services.interaction_add(
            customer=customer,
            values=form.cleaned_data,
            by=request.user,
            fulfils=fulfils,
            next_plan=plan_form.cleaned_data if wants_plan else None,
        )
        return _done(request, customer, "timeline", _("已新增互動記錄。"))
    return _render_page(
        request,
        customer,
        panel="timeline",
        forms={"interaction_form": form, "next_plan_form": plan_form, "fulfils": fulfils},
        status=422,
    )


@login_required
@require_POST
def contact_plan_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = ContactPlanForm(request.POST, user=request.user, prefix="plan")
    if form.is_valid():
        services.contact_plan_add(customer=customer, values=form.cleaned_data, by=request.user)
        return _done(request, customer, "timeline", _("已新增聯繫計劃。"))
    return _render_page(request, customer, panel="timeline", forms={"plan_form": form}, status=422)


@login_required
@require_POST
def contact_plan_complete(request: HttpRequest, number: str, plan_id: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    plan = get_object_or_404(ContactPlan, pk=plan_id, customer=customer)
    services.contact_plan_complete(plan=plan, by=request.user)
    return _done(request, customer, "timeline", _("聯繫計劃已完成。"))


@login_required
@require_POST
def needs_update(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = NeedsForm(request.POST, instance=getattr(customer, "needs", None), prefix="needs")
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in NeedsForm.Meta.fields}
        services.needs_update(customer=customer, values=values, by=request.user)
        return _done(request, customer, "needs", _("已更新客戶需求與期望。"))
    return _render_page(request, customer, panel="needs", forms={"needs_form": form}, status=422)


@login_required
@require_POST
def satisfaction_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = SatisfactionForm(request.POST, prefix="satisfaction")
    if form.is_valid():
        services.satisfaction_add(customer=customer, values=form.cleaned_data, by=request.user)
        return _done(request, customer, "satisfaction", _("已新增滿意度記錄。"))
    return _render_page(
        request, customer, panel="satisfaction", forms={"satisfaction_form": form}, status=422
    )


@login_required
@require_POST
def event_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = ImportantEventForm(request.POST, prefix="event")
    if form.is_valid():
        services.important_event_add(customer=customer, values=form.cleaned_data, by=request.user)
        return _done(request, customer, "events", _("已新增重要事件。"))
    return _render_page(request, customer, panel="events", forms={"event_form": form}, status=422)


@login_required
@require_POST
def sign_off(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    if kind not in SignOffKind.values:
        raise Http404
    try:
        services.customer_sign_off(
            customer=customer, kind=kind, by=request.user, comment=request.POST.get("comment", "")
        )
    except (services.SignOffRefused, ValidationError) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if _is_htmx(request):
            return _render_page(
                request, customer, panel="signoff", forms={"sign_off_error": reason}, status=422
            )
        messages.error(request, reason)
        return redirect("customers:detail", number=customer.number)
    return _done(request, customer, "signoff", _("已簽核。"))


@login_required
@require_POST
def anniversary_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    form = AnniversaryForm(request.POST, prefix="anniversary")
    if form.is_valid():
        services.anniversary_add(customer=customer, values=form.cleaned_data, by=request.user)
        return _done(request, customer, "anniversaries", _("已新增紀念日。"))
    return _render_page(
        request, customer, panel="anniversaries", forms={"anniversary_form": form}, status=422
    )


@login_required
@require_POST
def anniversary_remove(request: HttpRequest, number: str, anniversary_id: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, number=number)
    anniversary = get_object_or_404(Anniversary, pk=anniversary_id, customer=customer)
    services.anniversary_remove(anniversary=anniversary, by=request.user)
    return _done(request, customer, "anniversaries", _("已刪除紀念日。"))
