"""Staff pages for compensation (domain.md §4), mounted at /compensation/.

Thin: forms parse, services write, selectors read, `panels.py` builds what a panel shows.
Every action is its own POST URL. htmx gets back the panel it changed (the case panel, the
worklist's approvals, the customer panel); without JavaScript the same URL redirects back with
a message. A refused action shows its reason in the panel (422); bad input shows beside its
field (422) and nothing is saved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import Branch
from careloop.accounts.permissions import Capability, require, user_branch_ids
from careloop.compensation import services
from careloop.compensation.forms import (
    AssessmentForm,
    ChoiceForm,
    DecisionForm,
    DoneForm,
    FlagReviewForm,
    GrantForm,
    ListFilterForm,
    OfferForm,
    SettlementForm,
    errors_apply,
)
from careloop.compensation.models import Offer
from careloop.compensation.panels import (
    approvals_context,
    case_panel_context,
    customer_panel_context,
    level_scale,
    score_of,
)
from careloop.compensation.selectors import (
    LIST_PAGE_SIZE,
    ListFilters,
    approval_get_for_user,
    compensation_get_for_user,
    compensation_list,
    flag_get_for_user,
)
from careloop.compensation.services import CompensationRefused
from careloop.complaints.models import Complaint
from careloop.complaints.selectors import complaint_get_for_user
from careloop.complaints.workflow import WorkflowRefused
from careloop.customers.selectors import customer_get_for_user
from careloop.grants.services import GrantRefused

PANEL = "compensation/partials/case_panel.html"
APPROVALS = "worklist/partials/approvals.html"
CUSTOMER_PANEL = "compensation/partials/customer_panel.html"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _case(request: HttpRequest, number: str) -> Complaint:
    return complaint_get_for_user(user=request.user, number=number)


def _render_case(
    request: HttpRequest, complaint: Complaint, *, status: int = 200, **kwargs: Any
) -> HttpResponse:
    context = case_panel_context(user=request.user, complaint=complaint, **kwargs)
    # The panel names the case's customer: the page, and each action it answers (a redirect
    # does not); a complainant who is no customer names no record (None is skipped).
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    template = PANEL if _is_htmx(request) else "compensation/case.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, complaint: Complaint, message: str) -> HttpResponse:
    if _is_htmx(request):
        return _render_case(request, complaint, notice=message)
    messages.success(request, message)
    return redirect("compensation:case", number=complaint.number)


def _refused(
    request: HttpRequest, complaint: Complaint, texts: list[str], forms: dict[str, Any]
) -> HttpResponse:
    if _is_htmx(request):
        return _render_case(request, complaint, status=422, refusals=texts, forms=forms)
    for text in texts:
        messages.error(request, text)
    return redirect("compensation:case", number=complaint.number)


def _act(
    request: HttpRequest,
    complaint: Complaint,
    *,
    action: Callable[[], Any],
    success: str | Callable[[Any], str],
    form: Any = None,
    form_key: str = "",
) -> HttpResponse:
    """Run one service call and answer with the panel: done, refused with its reason, or the
    form again with its errors. `success` may be a function of what the action returned."""
    forms = {form_key: form} if form_key else {}
    if form is not None and not form.is_valid():
        return _render_case(request, complaint, status=422, forms=forms)
    try:
        result = action()
    except (GrantRefused, WorkflowRefused) as exc:
        return _refused(request, complaint, exc.messages, forms)
    except ValidationError as exc:
        if form is None:
            return _refused(request, complaint, exc.messages, forms)
        errors_apply(form, exc)
        return _render_case(request, complaint, status=422, forms=forms)
    except PermissionDenied as exc:
        return _refused(request, complaint, [str(exc) or _("您沒有權限執行此操作。")], forms)
    return _done(request, complaint, success(result) if callable(success) else success)


def _offer(complaint: Complaint, offer_id: int) -> Offer:
    offer = Offer.objects.filter(pk=offer_id, complaint=complaint).first()
    if offer is None:
        raise Http404
    return offer


# --- the case panel ----------------------------------------------------------------------------


@login_required
@require_GET
def compensation_case(request: HttpRequest, number: str) -> HttpResponse:
    """The case's compensation on a page of its own (the case page includes the same panel)."""
    return _render_case(request, _case(request, number))


@login_required
@require_GET
def assessment_preview(request: HttpRequest, number: str) -> HttpResponse:
    """The live score and level while the four factors are rated (htmx)."""
    complaint = _case(request, number)
    form = AssessmentForm(request.GET, prefix="assess")
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    return render(
        request,
        "compensation/partials/score.html",
        {"live": score_of(form.live_ratings()), "c": complaint, "level_scale": level_scale()},
    )


@login_required
@require_POST
def assessment_save(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _case(request, number)
    form = AssessmentForm(
        request.POST, prefix="assess", purchases=services.purchases_for(complaint)
    )

    def action() -> None:
        data = form.cleaned_data
        services.assessment_save(
            complaint=complaint,
            ratings=form.ratings(),
            purchase=data["purchase"],
            affected_amount=data["affected_amount"],
            note=data["note"],
            by=request.user,
        )

    return _act(
        request,
        complaint,
        action=action,
        success=_("已儲存補償評估。"),
        form=form,
        form_key="assessment_form",
    )


@login_required
@require_POST
def offers_generate(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _case(request, number)
    return _act(
        request,
        complaint,
        action=lambda: services.offers_generate(complaint=complaint, by=request.user),
        success=_("已依評估等級產生補償方案，可先修改再向客戶提出。"),
    )


@login_required
@require_POST
def offer_update(request: HttpRequest, number: str, offer_id: int) -> HttpResponse:
    complaint = _case(request, number)
    offer = _offer(complaint, offer_id)
    key = f"offer-{offer.pk}"
    form = OfferForm(request.POST, prefix=key, instance=Offer.objects.get(pk=offer.pk))

    def action() -> None:
        services.offer_update(offer=offer, values=form.cleaned_data, by=request.user)

    return _act(
        request, complaint, action=action, success=_("已修改方案。"), form=form, form_key=key
    )


@login_required
@require_POST
def offers_present(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _case(request, number)
    return _act(
        request,
        complaint,
        action=lambda: services.offers_present(complaint=complaint, by=request.user),
        success=_("已向客戶提出方案；方案內容不再修改，請記錄客戶的選擇。"),
    )


@login_required
@require_POST
def offer_choose(request: HttpRequest, number: str, offer_id: int) -> HttpResponse:
    complaint = _case(request, number)
    offer = _offer(complaint, offer_id)
    key = f"choice-{offer.pk}"
    form = ChoiceForm(request.POST, prefix=key)

    def action() -> None:
        services.offer_choose(offer=offer, note=form.cleaned_data["note"], by=request.user)

    return _act(
        request,
        complaint,
        action=action,
        success=_("已記錄客戶選擇「%(title)s」。") % {"title": offer.title},
        form=form,
        form_key=key,
    )


@login_required
@require_POST
def compensation_grant(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _case(request, number)
    offers = Offer.objects.filter(
        complaint=complaint, withdrawn_at__isnull=True, chosen_at__isnull=False
    )
    form = GrantForm(request.POST, prefix="grant", offers=offers)

    def action() -> Any:
        data = form.cleaned_data
        return services.compensation_grant(
            complaint=complaint,
            offer=data["offer"],
            value=data["value"],
            kind=data["kind"],
            description=data["description"],
            idempotency_key=data["idempotency_key"],
            by=request.user,
        )

    return _act(
        request,
        complaint,
        action=action,
        success=_grant_message,
        form=form,
        form_key="grant_form",
    )


def _grant_message(compensation: Any) -> str:
    if compensation.status == "approved":
        return _("已核予補償 %(value)s（在您的授權上限內）。") % {
            "value": services.ntd(compensation.value)
        }
    return _("補償 %(value)s 使本案累計達 %(total)s，超過您的授權上限 %(limit)s，已送交核准。") % {
        "value": services.ntd(compensation.value),
        "total": services.ntd(compensation.approval_request.case_total),
        "limit": services.limit_display(compensation.requester_limit),
    }


@login_required
@require_POST
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    """Approve or reject, from the case panel or from the worklist (`from=worklist`)."""
    approval = approval_get_for_user(user=request.user, approval_id=approval_id)
    key = f"decide-{approval.pk}"
    form = DecisionForm(request.POST, prefix=key)
    if request.POST.get("from") == "worklist":
        return _decide_from_worklist(request, approval, form, key)
    complaint = approval.compensation.complaint

    def action() -> None:
        services.approval_decide(
            request=approval,
            approve=form.approve,
            note=form.cleaned_data["note"],
            by=request.user,
        )

    return _act(
        request, complaint, action=action, success=_("已記錄審核結果。"), form=form, form_key=key
    )


def _decide_from_worklist(
    request: HttpRequest, approval: Any, form: DecisionForm, key: str
) -> HttpResponse:
    refusals: list[str] = []
    if form.is_valid():
        try:
            services.approval_decide(
                request=approval,
                approve=form.approve,
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except (GrantRefused, PermissionDenied) as exc:
            refusals = getattr(exc, "messages", None) or [str(exc)]
        except ValidationError as exc:
            errors_apply(form, exc)
    ok = form.is_valid() and not refusals
    text = _("已記錄審核結果。")
    if not _is_htmx(request):
        for message in refusals:
            messages.error(request, message)
        if ok:
            messages.success(request, text)
        elif not refusals:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(reverse("worklist:today") + "#approvals")
    context = approvals_context(
        user=request.user,
        forms={} if ok else {key: form},
        notice=text if ok else "",
        refusals=refusals,
    )
    reads_record(
        request, [r.compensation.customer_id for r in context["approval_rows"]], kind=ReadKind.LIST
    )
    return render(request, APPROVALS, context, status=200 if ok else 422)


@login_required
@require_POST
def settlement_record(request: HttpRequest, number: str, compensation_id: int) -> HttpResponse:
    complaint = _case(request, number)
    compensation = _compensation(request, complaint, compensation_id)
    key = f"settle-{compensation.pk}"
    form = SettlementForm(request.POST, request.FILES, prefix=key)

    def action() -> None:
        data = form.cleaned_data
        services.settlement_record(
            compensation=compensation,
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
            note=data["note"],
            file=data["file"],
            by=request.user,
        )

    return _act(
        request, complaint, action=action, success=_("已登錄和解書。"), form=form, form_key=key
    )


@login_required
@require_GET
def settlement_file(request: HttpRequest, number: str, compensation_id: int) -> HttpResponse:
    complaint = _case(request, number)
    compensation = _compensation(request, complaint, compensation_id)
    settlement = getattr(compensation, "settlement", None)
    if settlement is None or not settlement.file:
        raise Http404
    try:
        handle = settlement.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    reads_record(request, [compensation.customer_id], kind=ReadKind.VIEW)  # signed by them
    response = FileResponse(
        handle, as_attachment=True, filename=os.path.basename(settlement.file.name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def compensation_done(request: HttpRequest, number: str, compensation_id: int) -> HttpResponse:
    complaint = _case(request, number)
    compensation = _compensation(request, complaint, compensation_id)
    key = f"done-{compensation.pk}"
    form = DoneForm(request.POST, prefix=key)

    def action() -> None:
        services.compensation_mark_done(
            compensation=compensation, note=form.cleaned_data["note"], by=request.user
        )

    return _act(
        request,
        complaint,
        action=action,
        success=_("已標記為已支付／已交付。"),
        form=form,
        form_key=key,
    )


def _compensation(request: HttpRequest, complaint: Complaint, compensation_id: int) -> Any:
    compensation = compensation_get_for_user(user=request.user, compensation_id=compensation_id)
    if compensation.complaint_id != complaint.pk:
        raise Http404
    return compensation


# --- the abuse guard -----------------------------------------------------------------------------


@login_required
@require_POST
def flag_review(request: HttpRequest, flag_id: int) -> HttpResponse:
    """A supervisor acknowledges the abuse-guard flag, from a case (`number`) or the customer."""
    flag = flag_get_for_user(user=request.user, flag_id=flag_id)
    form = FlagReviewForm(request.POST, prefix="flag")
    number = request.POST.get("number", "").strip()
    if number:
        complaint = _case(request, number)
        if complaint.customer_id != flag.customer_id:
            raise Http404

        def action() -> None:
            services.abuse_flag_acknowledge(
                flag=flag, note=form.cleaned_data["note"], by=request.user
            )

        return _act(
            request,
            complaint,
            action=action,
            success=_("已記錄審查意見。"),
            form=form,
            form_key="flag_form",
        )
    refusal = ""
    if form.is_valid():
        try:
            services.abuse_flag_acknowledge(
                flag=flag, note=form.cleaned_data["note"], by=request.user
            )
        except (CompensationRefused, PermissionDenied) as exc:
            refusal = "；".join(getattr(exc, "messages", None) or [str(exc)])
        except ValidationError as exc:
            errors_apply(form, exc)
    ok = form.is_valid() and not refusal
    if _is_htmx(request):
        context = customer_panel_context(
            user=request.user,
            customer=flag.customer,
            forms={} if ok else {"flag_form": form},
            notice=_("已記錄審查意見。") if ok else refusal,
        )
        reads_record(request, [flag.customer_id], kind=ReadKind.VIEW)
        return render(request, CUSTOMER_PANEL, context, status=200 if ok else 422)
    if ok:
        messages.success(request, _("已記錄審查意見。"))
    else:
        messages.error(
            request, refusal or "；".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect("customers:detail", number=flag.customer.number)


# --- the list ----------------------------------------------------------------------------------


def _branches(request: HttpRequest) -> Any:
    branch_ids = user_branch_ids(request.user)
    branches = Branch.objects.all()
    if branch_ids is not None:
        branches = branches.filter(pk__in=branch_ids)
    return branches


@login_required
@require_GET
def compensation_list_view(request: HttpRequest) -> HttpResponse:
    """補償記錄: per branch, newest first, filtered by status, month and the abuse flag."""
    require(request.user, Capability.COMPLAINT_VIEW)
    form = ListFilterForm(request.GET or None, branches=_branches(request))
    customer = None
    if request.GET.get("customer", "").strip():
        customer = customer_get_for_user(user=request.user, number=request.GET["customer"].strip())
    filters = ListFilters(customer=customer.pk if customer else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = ListFilters(
            branch=data["branch"].pk if data.get("branch") else None,
            status=data.get("status") or "",
            month=data.get("month"),
            flagged=bool(data.get("flagged")),
            customer=filters.customer,
        )
    queryset = compensation_list(user=request.user, filters=filters)
    page = Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    reads_record(request, [customer, *(k.customer_id for k in page)], kind=ReadKind.LIST)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "compensation/list.html",
        {
            "form": form,
            "page": page,
            "query_string": query_string.urlencode(),
            "customer": customer,
            "show_branch": user_branch_ids(request.user) is None
            or len(user_branch_ids(request.user) or ()) > 1,
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )
