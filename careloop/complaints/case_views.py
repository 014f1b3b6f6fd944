"""The case page of a complaint (PT-F035 and PT-F020) and every action on it.

Every action is its own POST URL. htmx gets back the panel it changed, with the case head, the
workflow, the deadlines and the change history out of band; a workflow move answers with the
whole case (#case), its refusals in the workflow panel. Without JavaScript the same URLs
redirect back to the page (at the panel), the outcome shown as a message. A refusal
(WorkflowRefused) shows its clause; bad input shows beside its field (422). A closed or
archived case is read-only (PT-P020 5.6.3): every edit is refused before its input is read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.complaints import services
from careloop.complaints.criteria import CRITERIA_BY_CODE
from careloop.complaints.forms import (
    ActionItemForm,
    AssignForm,
    ClosingRecordForm,
    CommunicationForm,
    EvidenceForm,
    IntakeUpdateForm,
    InvestigationPlanForm,
    InvestigationReportForm,
    MoveForm,
    PublicCompletionForm,
    RegradeForm,
    SolutionForm,
    errors_apply,
)
from careloop.complaints.models import (
    READ_ONLY_STATES,
    ActionItem,
    Communication,
    Complaint,
    Evidence,
    Investigation,
    Nature,
    Solution,
    State,
)
from careloop.complaints.selectors import (
    CasePage,
    complaint_get_for_user,
    complaint_page,
    complaint_page_for_user,
)
from careloop.complaints.views import grade_preview, is_htmx
from careloop.complaints.workflow import (
    MOVES_BY_CODE,
    Move,
    MoveInput,
    Refusal,
    WorkflowRefused,
    editable_check,
    may_handle,
)
from careloop.core.phones import phone_display
from careloop.customers.services import LikelyDuplicate

# Which forms each stage shows; the services refuse the rest with their clause anyway.
_INVESTIGATION_STATES = frozenset({State.RECEIVED, State.INVESTIGATING})
_ACTION_STATES = frozenset({State.EXECUTING, State.COMMUNICATING, State.FOLLOW_UP})
_CLOSING_STATES = frozenset({State.EXECUTING, State.COMMUNICATING, State.FOLLOW_UP})
_HISTORY_SKIP = frozenset(
    {
        "id",
        "history_id",
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user",
        "history_user_id",
        "updated_at",
        "created_at",
        "next_due",
        "next_alert_at",
        "submitter_fingerprint",
        "complaint",
        "updated_by",
        "by",
        "created_by",
    }
)


# --- the case page: reading -------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: dt.datetime
    user: Any
    kind: str
    subject: str
    changes: list[tuple[str, Any, Any]]


@dataclass(frozen=True)
class MoveLine:
    move: Move
    refusals: list[Refusal]
    form: MoveForm

    @property
    def enabled(self) -> bool:
        return not self.refusals


_VERBS = {"+": gettext_lazy("新增"), "~": gettext_lazy("修改"), "-": gettext_lazy("刪除")}


def _display(field: Any, value: Any, names: dict[tuple[str, Any], str]) -> Any:
    if value in (None, ""):
        return ""
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        return names.get((field.related_model._meta.label, value), value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _case_history(complaint: Complaint, *, limit: int = 60) -> list[HistoryEntry]:
    """Every change to the case and its records, newest first: one query per table."""
    entries: list[HistoryEntry] = []
    own = list(complaint.history.select_related("history_user").order_by("history_date", "pk"))
    fields = [
        f
        for f in Complaint._meta.concrete_fields
        if f.attname not in _HISTORY_SKIP and f.name not in _HISTORY_SKIP
    ]
    user_ids = {getattr(r, a) for r in own for a in ("owner_id", "received_by_id", "closed_by_id")}
    names: dict[tuple[str, Any], str] = {
        (User._meta.label, u.pk): str(u) for u in User.objects.filter(pk__in=user_ids - {None})
    }
    names.update({(Nature._meta.label, n.pk): n.name for n in Nature.objects.all()})
    previous = None
    for record in own:
        changes = []
        if previous is not None:
            for f in fields:
                before, after = getattr(previous, f.attname), getattr(record, f.attname)
                if before != after:
                    changes.append(
                        (str(f.verbose_name), _display(f, before, names), _display(f, after, names))
                    )
        if previous is None or changes:
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    _VERBS[record.history_type],
                    _("客訴記錄"),
                    changes,
                )
            )
        previous = record
    for model, label in (
        (Investigation, _("調查計劃與報告")),
        (Solution, _("解決方案")),
        (ActionItem, _("行動項目")),
        (Communication, _("客戶溝通")),
    ):
        records = (
            model.history.filter(complaint_id=complaint.pk)
            .select_related("history_user")
            .order_by("-history_date")[:limit]
        )
        for record in records:
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    _VERBS[record.history_type],
                    str(label),
                    [],
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _blank_forms(page: CasePage, user: User) -> dict[str, Any]:
    c = page.complaint
    investigation = getattr(c, "investigation", None)
    solution = getattr(c, "solution", None)
    completing = c.is_public_submission and c.recorded_at is None
    intake_class = PublicCompletionForm if completing else IntakeUpdateForm
    intake_initial = (
        {"criteria": c.criteria, "grade": "" if c.grade == c.suggested_grade else c.grade}
        if completing
        else None
    )
    return {
        "intake_form": intake_class(instance=c, user=user, prefix="intake", initial=intake_initial),
        "regrade_form": RegradeForm(
            prefix="grade",
            initial={
                "criteria": c.criteria,
                "grade": "" if c.grade == c.suggested_grade else c.grade,
            },
        ),
        "assign_form": AssignForm(
            prefix="assign",
            complaint=c,
            initial={"owner": c.owner_id, "departments": list(c.departments.all())},
        ),
        "plan_form": InvestigationPlanForm(
            prefix="plan",
            initial={n: getattr(investigation, n) for n in Investigation.PLAN_FIELDS}
            if investigation
            else None,
        ),
        "report_form": InvestigationReportForm(
            prefix="report",
            initial={n: getattr(investigation, n) for n in Investigation.REPORT_FIELDS}
            if investigation
            else None,
        ),
        "evidence_form": EvidenceForm(prefix="evidence"),
        "solution_form": SolutionForm(prefix="solution", instance=solution),
        "action_form": ActionItemForm(prefix="action", complaint=c),
        "communication_form": CommunicationForm(prefix="comm"),
        "closing_form": ClosingRecordForm(
            prefix="closing", initial=ClosingRecordForm.initial_from(c)
        ),
    }


def _move_lines(page: CasePage, *, bound: MoveForm | None, code: str) -> list[MoveLine]:
    c = page.complaint
    lines = []
    for move, refusals in page.moves:
        if bound is not None and move.code == code:
            form = bound
        else:
            initial = ClosingRecordForm.initial_from(c) if move.code == "close" else None
            form = MoveForm(prefix=f"move-{move.code}", initial=initial)
        lines.append(MoveLine(move, refusals, form))
    return lines


def _context(
    request: HttpRequest,
    complaint: Complaint,
    *,
    forms: dict[str, Any] | None = None,
    refused_panel: str = "",
    refusal_messages: list[str] | None = None,
    move_form: MoveForm | None = None,
    move_code: str = "",
    notice: str = "",
    duplicates: list | None = None,
    with_history: bool = False,
    page: CasePage | None = None,
) -> dict[str, Any]:
    user = request.user
    if page is None:
        page = complaint_page(complaint=complaint, user=user)
    c = page.complaint
    can_handle = c.is_open and may_handle(user, c)
    context: dict[str, Any] = {
        "page": page,
        "c": c,
        "read_only": c.state in READ_ONLY_STATES,
        "can_handle": can_handle,
        "completing": c.is_public_submission and c.recorded_at is None,
        "investigation": getattr(c, "investigation", None),
        "solution": getattr(c, "solution", None),
        "show_investigation_forms": can_handle and c.state in _INVESTIGATION_STATES,
        "show_action_form": can_handle and c.state in _ACTION_STATES,
        "show_closing_form": can_handle and c.state in _CLOSING_STATES,
        "may_tick_items": c.is_open,
        # None: the panel loads it when scrolled to (complaint_history_panel).
        "history": _case_history(c) if with_history else None,
        "moves": _move_lines(page, bound=move_form, code=move_code),
        "refused_panel": refused_panel,
        "refusal_messages": refusal_messages or [],
        "notice": notice,
        "duplicates": duplicates or [],
        "today": timezone.localdate(),
        "user_id": user.pk,
        "stages": State.choices,
        "criteria_ticked": [CRITERIA_BY_CODE[k] for k in c.criteria if k in CRITERIA_BY_CODE],
        "complainant_phone": phone_display(c.complainant_phone),
    }
    if c.is_open:
        context.update(_blank_forms(page, user))
    context.update(forms or {})
    regrade_form = context.get("regrade_form")
    context["preview"] = (
        grade_preview(user=user, data=regrade_form.data, complaint=c, prefix="grade")
        if regrade_form is not None and regrade_form.is_bound
        else None
    )
    return context


def _render(
    request: HttpRequest,
    complaint: Complaint,
    *,
    panel: str = "",
    status: int = 200,
    **kwargs: Any,
) -> HttpResponse:
    # An action through htmx sends the history panel along (out of band), so it is read then;
    # without JavaScript the panel's link asks for it with ?history=1.
    with_history = (bool(panel) and is_htmx(request)) or "history" in request.GET
    context = _context(request, complaint, with_history=with_history, **kwargs)
    # The page, and each panel an action answers with, names the customer as read afresh
    # (`c`: a failed form may have changed `complaint` in memory); a redirect names no one,
    # nor does a complainant who is no customer (None is skipped).
    reads_record(request, [context["c"].customer_id], kind=ReadKind.VIEW)
    if panel and is_htmx(request):
        context["oob"] = panel != "case"
        context["panel"] = panel
        return render(request, f"complaints/partials/{panel}.html", context, status=status)
    return render(request, "complaints/detail.html", context, status=status)


def _detail_url(complaint: Complaint, panel: str = "") -> str:
    url = reverse("complaints:detail", args=[complaint.number])
    return f"{url}#{panel}-panel" if panel and panel != "case" else url


def _done(request: HttpRequest, complaint: Complaint, panel: str, message: str) -> HttpResponse:
    if is_htmx(request):
        return _render(request, complaint, panel=panel, notice=message)
    messages.success(request, message)
    return redirect(_detail_url(complaint, panel))


def _refused(
    request: HttpRequest,
    complaint: Complaint,
    panel: str,
    texts: list[str],
    *,
    answer: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """The clauses that said no, at the top of `panel`: htmx gets `answer` (the panel itself
    unless told, the whole case for a move), a plain POST the page again with a message."""
    if is_htmx(request):
        return _render(
            request,
            complaint,
            panel=answer or panel,
            status=422,
            refused_panel=panel,
            refusal_messages=texts,
            **kwargs,
        )
    for text in texts:
        messages.error(request, text)
    return redirect(_detail_url(complaint, panel))


def _edit_refusals(request: HttpRequest, complaint: Complaint) -> list[str]:
    """Why this user may not edit the case at all, before its input is read: a closed or
    archived case is read-only (5.6.3); only its handlers edit it (4.1). The services check
    the same again when they write."""
    try:
        editable_check(complaint)
    except WorkflowRefused as exc:
        return exc.messages
    if not may_handle(request.user, complaint):
        return [str(Refusal("4.1", _("只有客戶服務部、主管或本案負責人可以處理此案件。")))]
    return []


def _act(
    request: HttpRequest,
    complaint: Complaint,
    *,
    panel: str,
    action: Callable[[], Any],
    success: str,
    form_key: str = "",
    form: Any = None,
) -> HttpResponse:
    """Run one service call and answer: the panel again, its refusal, or the form's errors."""
    forms = {form_key: form} if form_key else {}
    try:
        editable_check(complaint)
    except WorkflowRefused as exc:
        return _refused(request, complaint, panel, exc.messages)
    if form is not None and not form.is_valid():
        # Errors go beside fields only where the user has the form; otherwise say why not.
        refusals = _edit_refusals(request, complaint)
        if refusals:
            return _refused(request, complaint, panel, refusals)
        return _render(request, complaint, panel=panel, status=422, forms=forms)
    try:
        action()
    except WorkflowRefused as exc:
        return _refused(request, complaint, panel, exc.messages, forms=forms)
    except ValidationError as exc:
        if form is None:
            return _refused(request, complaint, panel, exc.messages)
        errors_apply(form, exc)
        return _render(request, complaint, panel=panel, status=422, forms=forms)
    except PermissionDenied as exc:
        text = str(exc) or _("您沒有權限執行此操作。")
        return _refused(request, complaint, panel, [text], forms=forms)
    return _done(request, complaint, panel, success)


@login_required
@require_GET
def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The whole case at once (PT-F035 and PT-F020)."""
    page = complaint_page_for_user(user=request.user, number=number)
    return _render(request, page.complaint, page=page)  # which records the read


@login_required
@require_GET
def complaint_history_panel(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    return render(
        request, "complaints/partials/history.html", {"history": _case_history(complaint)}
    )


@login_required
@require_GET
def evidence_file(request: HttpRequest, number: str, evidence_id: int) -> HttpResponse:
    """An attached file, only to those who may open the case."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    evidence = get_object_or_404(Evidence, pk=evidence_id, complaint=complaint)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # a file of the case
    response = FileResponse(
        handle, as_attachment=True, filename=os.path.basename(evidence.file.name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the case page: writing -------------------------------------------------------------------


@login_required
@require_POST
def intake_update(request: HttpRequest, number: str) -> HttpResponse:
    """修改接收記錄, or 「完成接收記錄」 of an online submission with its grade (5.1.3)."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    completing = complaint.is_public_submission and complaint.recorded_at is None
    form_class = PublicCompletionForm if completing else IntakeUpdateForm
    form = form_class(request.POST, instance=complaint, user=request.user, prefix="intake")

    def action() -> None:
        data = form.cleaned_data
        with transaction.atomic():
            target = complaint
            if completing:
                target = services.complaint_regrade(
                    complaint=complaint,
                    criteria=data["criteria"],
                    grade=data["grade"] or None,
                    reason=data["grade_reason"],
                    by=request.user,
                )
            services.complaint_intake_update(
                complaint=target, values=form.service_values(), by=request.user
            )

    success = _("已完成接收記錄。") if completing else _("已更新接收記錄。")
    return _act(
        request,
        complaint,
        panel="record",
        action=action,
        success=success,
        form_key="intake_form",
        form=form,
    )


@login_required
@require_POST
def complaint_regrade(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = RegradeForm(request.POST, prefix="grade")

    def action() -> None:
        data = form.cleaned_data
        services.complaint_regrade(
            complaint=complaint,
            criteria=data["criteria"],
            grade=data["grade"] or None,
            reason=data["grade_reason"],
            by=request.user,
        )

    return _act(
        request,
        complaint,
        panel="grade",
        action=action,
        success=_("已更新投訴等級，期限已重新計算。"),
        form_key="regrade_form",
        form=form,
    )


@login_required
@require_POST
def complaint_assign(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = AssignForm(request.POST, prefix="assign", complaint=complaint)

    def action() -> None:
        services.complaint_assign(
            complaint=complaint,
            owner=form.cleaned_data["owner"],
            departments=form.cleaned_data["departments"],
            by=request.user,
        )

    return _act(
        request,
        complaint,
        panel="assign",
        action=action,
        success=_("已更新負責人與負責部門。"),
        form_key="assign_form",
        form=form,
    )


@login_required
@require_POST
def complainant_to_customer(request: HttpRequest, number: str) -> HttpResponse:
    """轉為客戶資料: the complainant becomes a customer without retyping."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    try:
        complaint = services.complainant_to_customer(
            complaint=complaint,
            by=request.user,
            allow_duplicate=request.POST.get("confirm_new") == "1",
        )
    except LikelyDuplicate as exc:
        # the warning names the candidates in the user's branches (the case has no customer)
        shown = [c for c in exc.candidates if getattr(c, "visible_to_user", False)]
        reads_record(request, shown, kind=ReadKind.LIST)
        return _render(request, complaint, panel="record", status=422, duplicates=exc.candidates)
    except (WorkflowRefused, ValidationError) as exc:
        return _refused(request, complaint, "record", exc.messages)
    except PermissionDenied:
        return _refused(request, complaint, "record", [_("您沒有建立客戶資料的權限。")])
    return _done(
        request,
        complaint,
        "record",
        _("已建立客戶資料 %(number)s。") % {"number": complaint.customer.number},
    )


def _investigation_save(
    request: HttpRequest, number: str, form_class: type, prefix: str, success: str
) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = form_class(request.POST, prefix=prefix)

    def action() -> None:
        services.investigation_save(complaint=complaint, values=form.cleaned_data, by=request.user)

    return _act(
        request,
        complaint,
        panel="investigation",
        action=action,
        success=success,
        form_key=f"{prefix}_form",
        form=form,
    )


@login_required
@require_POST
def investigation_plan(request: HttpRequest, number: str) -> HttpResponse:
    return _investigation_save(
        request, number, InvestigationPlanForm, "plan", _("已儲存調查計劃。")
    )


@login_required
@require_POST
def investigation_report(request: HttpRequest, number: str) -> HttpResponse:
    return _investigation_save(
        request, number, InvestigationReportForm, "report", _("已儲存調查報告。")
    )


@login_required
@require_POST
def evidence_add(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")

    def action() -> None:
        values, upload = form.service_values()
        services.evidence_add(complaint=complaint, values=values, file=upload, by=request.user)

    return _act(
        request,
        complaint,
        panel="evidence",
        action=action,
        success=_("已新增證據資料。"),
        form_key="evidence_form",
        form=form,
    )


@login_required
@require_POST
def solution_save(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = SolutionForm(request.POST, prefix="solution")

    def action() -> None:
        services.solution_save(complaint=complaint, values=form.service_values(), by=request.user)

    return _act(
        request,
        complaint,
        panel="solution",
        action=action,
        success=_("已儲存解決方案。"),
        form_key="solution_form",
        form=form,
    )


@login_required
@require_POST
def action_item_add(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = ActionItemForm(request.POST, prefix="action", complaint=complaint)

    def action() -> None:
        services.action_item_add(complaint=complaint, values=form.service_values(), by=request.user)

    return _act(
        request,
        complaint,
        panel="actions",
        action=action,
        success=_("已新增行動項目。"),
        form_key="action_form",
        form=form,
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, number: str, item_id: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    item = get_object_or_404(ActionItem.objects.select_related("complaint"), pk=item_id)
    if item.complaint_id != complaint.pk:
        raise Http404
    done = request.POST.get("done") == "1"

    def action() -> None:
        services.action_item_set_done(item=item, done=done, by=request.user)

    success = _("行動項目已完成。") if done else _("已將行動項目改回未完成。")
    return _act(request, complaint, panel="actions", action=action, success=success)


@login_required
@require_POST
def communication_add(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = CommunicationForm(request.POST, prefix="comm")

    def action() -> None:
        services.communication_add(
            complaint=complaint, values=form.service_values(), by=request.user
        )

    return _act(
        request,
        complaint,
        panel="communications",
        action=action,
        success=_("已記錄客戶溝通。"),
        form_key="communication_form",
        form=form,
    )


@login_required
@require_POST
def closing_record(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = ClosingRecordForm(request.POST, prefix="closing")

    def action() -> None:
        data = form.cleaned_data
        services.complaint_closing_record(
            complaint=complaint,
            summary=data["summary"],
            satisfaction_score=data["satisfaction_score"],
            satisfaction_note=data["satisfaction_note"],
            by=request.user,
        )

    return _act(
        request,
        complaint,
        panel="closing",
        action=action,
        success=_("已儲存結案記錄。"),
        form_key="closing_form",
        form=form,
    )


@login_required
@require_POST
def complaint_move(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """One workflow move (PT-P020 §5.2–§5.6); the guard's refusals come back with clauses."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    move = MOVES_BY_CODE.get(code)
    if move is None:
        raise Http404
    form = MoveForm(request.POST, prefix=f"move-{code}")
    kwargs = {"move_form": form, "move_code": code}
    if not form.is_valid():
        return _render(request, complaint, panel="case", status=422, **kwargs)
    if move.source != complaint.state:
        text = _("案件目前為「%(state)s」，無法「%(move)s」；頁面可能已過期，請重新整理。") % {
            "state": complaint.get_state_display(),
            "move": move.label,
        }
        return _refused(request, complaint, "workflow", [text], answer="case", **kwargs)
    data = form.cleaned_data
    closing = move.code == "close"
    move_input = MoveInput(
        reason=data["reason"],
        comment=data["comment"],
        summary=data["summary"] if closing else None,
        satisfaction_score=data["satisfaction_score"] if closing else None,
        satisfaction_note=data["satisfaction_note"] if closing else None,
    )
    try:
        complaint = services.complaint_transition(
            complaint=complaint, to=move.target, by=request.user, data=move_input
        )
    except WorkflowRefused as exc:
        return _refused(request, complaint, "workflow", exc.messages, answer="case", **kwargs)
    except ValidationError as exc:
        errors_apply(form, exc)
        return _render(request, complaint, panel="case", status=422, **kwargs)
    text = _("已%(move)s，案件進入「%(state)s」。") % {
        "move": move.label,
        "state": complaint.get_state_display(),
    }
    return _done(request, complaint, "case", text)
