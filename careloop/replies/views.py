"""Reply pages, mounted at /replies/. Thin: forms parse, services write, selectors read.

- /replies/ — the templates and the avoid-list: everyone who works on complaints reads them,
  administrators add, change and remove entries (list + form pages; POST → redirect).
- /replies/compose/<number>/… — the composer of a case (the case page's panel, or a page of
  its own without JavaScript): pick a template (filled from the case), 「檢查」 shows the
  findings marked on the text, 「傳送」 sends. htmx gets the panel back (422 with the reasons
  when refused); a sent reply reloads the case page, whose communications it changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_can
from careloop.complaints.forms import errors_apply
from careloop.complaints.models import Complaint
from careloop.complaints.selectors import complaint_get_for_user
from careloop.complaints.workflow import WorkflowRefused
from careloop.messaging.models import MessageChannel
from careloop.replies import services
from careloop.replies.checker import CheckResult
from careloop.replies.forms import (
    AvoidPhraseForm,
    ComposeForm,
    ReplyTemplateForm,
)
from careloop.replies.models import ReplyTemplate
from careloop.replies.panels import panel_build
from careloop.replies.placeholders import PLACEHOLDERS
from careloop.replies.selectors import (
    ReplyPanel,
    avoid_phrase_get_for_user,
    avoid_phrases_visible_to,
    recipient_defaults,
    reply_check_for_complaint,
    reply_template_get_for_user,
    reply_templates_visible_to,
)

PANEL = "replies/partials/case_panel.html"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- templates and the avoid-list -------------------------------------------------------------


@login_required
@require_GET
def reply_index(request: HttpRequest) -> HttpResponse:
    """回覆範本與應避免用語."""
    user = request.user
    context = {
        "templates": reply_templates_visible_to(user=user),
        "phrases": avoid_phrases_visible_to(user=user),
        "can_edit": user_can(user, Capability.STAFF_ADMIN),
        "placeholders": PLACEHOLDERS,
    }
    return render(request, "replies/index.html", context)


def _save_form(
    request: HttpRequest,
    *,
    form: Any,
    save: Any,
    page: str,
    success: str,
    context: dict[str, Any],
) -> HttpResponse:
    if form.is_valid():
        try:
            save(form.service_values())
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(request, success)
            return redirect("replies:index")
    status = 422 if form.is_bound else 200
    return render(request, page, {"form": form, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """新增或修改回覆範本 (administrators)."""
    user = request.user
    require(user, Capability.STAFF_ADMIN)
    template = (
        reply_template_get_for_user(user=user, template_id=template_id)
        if template_id is not None
        else None
    )
    data = request.POST if request.method == "POST" else None
    form = ReplyTemplateForm(data, instance=template)

    def save(values: dict[str, Any]) -> None:
        services.reply_template_save(values=values, by=user, template=template)

    return _save_form(
        request,
        form=form,
        save=save,
        page="replies/template_form.html",
        success=_("已儲存回覆範本。"),
        context={"template": template, "placeholders": PLACEHOLDERS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def phrase_edit(request: HttpRequest, phrase_id: int | None = None) -> HttpResponse:
    """新增或修改應避免用語 (administrators); the next check uses it."""
    user = request.user
    require(user, Capability.STAFF_ADMIN)
    phrase = (
        avoid_phrase_get_for_user(user=user, phrase_id=phrase_id) if phrase_id is not None else None
    )
    data = request.POST if request.method == "POST" else None
    form = AvoidPhraseForm(data, instance=phrase)

    def save(values: dict[str, Any]) -> None:
        services.avoid_phrase_save(values=values, by=user, phrase=phrase)

    return _save_form(
        request,
        form=form,
        save=save,
        page="replies/phrase_form.html",
        success=_("已儲存應避免用語，下次檢查即生效。"),
        context={"phrase": phrase},
    )


@login_required
@require_POST
def phrase_delete(request: HttpRequest, phrase_id: int) -> HttpResponse:
    user = request.user
    require(user, Capability.STAFF_ADMIN)
    phrase = avoid_phrase_get_for_user(user=user, phrase_id=phrase_id)
    services.avoid_phrase_delete(phrase=phrase, by=user)
    messages.success(request, _("已刪除應避免用語「%(phrase)s」。") % {"phrase": phrase.phrase})
    return redirect("replies:index")


# --- the composer -------------------------------------------------------------------------------


def _panel(
    request: HttpRequest,
    complaint: Complaint,
    *,
    form: ComposeForm | None = None,
    result: CheckResult | None = None,
    errors: list[str] | None = None,
    template: ReplyTemplate | None = None,
) -> ReplyPanel:
    return panel_build(
        complaint=complaint,
        user=request.user,
        form=form,
        template=template,
        result=result,
        errors=errors or [],
    )


def _answer(
    request: HttpRequest, complaint: Complaint, panel: ReplyPanel, *, status: int = 200
) -> HttpResponse:
    context = {"reply_panel": panel, "c": complaint}
    # The composer is filled from the case: the customer's name and contact (None: a
    # complainant who is no customer, skipped).
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)
    if _is_htmx(request):
        return render(request, PANEL, context, status=status)
    return render(request, "replies/compose.html", context, status=status)


def _template_from(request: HttpRequest, user: User) -> ReplyTemplate | None:
    raw = request.GET.get("template", "")
    if not raw.isdigit():
        return None
    template = reply_templates_visible_to(user=user, active_only=True).filter(pk=int(raw)).first()
    return template


@login_required
@require_GET
def compose(request: HttpRequest, number: str) -> HttpResponse:
    """The composer as a page of its own (?template=ID fills it from a template)."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    template = _template_from(request, request.user)
    return _answer(request, complaint, _panel(request, complaint, template=template))


@login_required
@require_GET
def compose_render(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the panel again with the picked template filled from the case."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    template = _template_from(request, request.user)
    return _answer(request, complaint, _panel(request, complaint, template=template))


@login_required
@require_GET
def compose_recipient(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the recipient field for the chosen channel, filled with the case's contact."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    channel = request.GET.get("channel", "")
    recipients = recipient_defaults(complaint)
    form = ComposeForm(initial={"channel": channel, "to": recipients.get(channel, "")})
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # their phone or e-mail
    return render(request, "replies/partials/recipient.html", {"form": form, "c": complaint})


def _check_text(form: ComposeForm) -> str:
    """What reply_send will check: the subject goes with an e-mail only."""
    email = form.data.get("channel") == MessageChannel.EMAIL
    subject = (form.data.get("subject") or "").strip() if email else ""
    body = form.data.get("body") or ""
    return f"{subject}\n{body}" if subject else body


def _template_channel(form: ComposeForm) -> str:
    template = form.cleaned_data.get("template") if hasattr(form, "cleaned_data") else None
    if template is not None:
        return template.channel
    return services.TEMPLATE_CHANNEL_FOR.get(form.data.get("channel", ""), "email")


@login_required
@require_POST
def compose_check(request: HttpRequest, number: str) -> HttpResponse:
    """「檢查」: the findings, marked on the text itself."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = ComposeForm(request.POST)
    form.is_valid()
    result = reply_check_for_complaint(
        complaint=complaint,
        text=_check_text(form),
        channel=_template_channel(form),
        by=request.user,
    )
    if _is_htmx(request):
        reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # checked against
        return render(request, "replies/partials/check_result.html", {"result": result})
    return _answer(request, complaint, _panel(request, complaint, form=form, result=result))


@login_required
@require_POST
def compose_send(request: HttpRequest, number: str) -> HttpResponse:
    """「傳送」: checked again, sent, logged on the case; refused with the reasons (422)."""
    complaint = complaint_get_for_user(user=request.user, number=number)
    form = ComposeForm(request.POST)
    if not form.data.get("to", "").strip():
        data = form.data.copy()
        data["to"] = recipient_defaults(complaint).get(data.get("channel", ""), "")
        form = ComposeForm(data)
    if not form.is_valid():
        return _answer(request, complaint, _panel(request, complaint, form=form), status=422)
    result = None
    try:
        services.reply_send(complaint=complaint, by=request.user, **form.service_values())
    except services.ReplyBlocked as exc:
        result = exc.result
        errors_apply(form, exc)
    except WorkflowRefused as exc:
        panel = _panel(request, complaint, form=form, errors=exc.messages)
        return _answer(request, complaint, panel, status=422)
    except ValidationError as exc:
        errors_apply(form, exc)
    except PermissionDenied as exc:
        errors = [str(exc) or _("您沒有權限執行此操作。")]
        return _answer(request, complaint, _panel(request, complaint, errors=errors), status=403)
    else:
        messages.success(request, _("回覆已送出，並記錄於客戶溝通。"))
        url = reverse("complaints:detail", args=[complaint.number]) + "#replies-panel"
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            # The case page is already open: without a reload, a redirect that changes only
            # the #fragment would leave the old panels (and any old errors) on screen.
            response["HX-Refresh"] = "true"
            return response
        return redirect(url)
    panel = _panel(request, complaint, form=form, result=result)
    return _answer(request, complaint, panel, status=422)
