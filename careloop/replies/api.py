"""Replies over JSON: the checker (/replies/check), templates (/reply-templates), the avoid-list
(/avoid-phrases) and sending a reply on a case (/complaints/{number}/replies). Thin: the forms
parse, the selectors read, the services write. Everyone who works on complaints reads the
templates and the avoid-list; administrators write them. A reply the checker blocks answers
422 with every finding; a closed case 409 citing PT-P020 5.6.3."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.complaints.models import Complaint
from careloop.complaints.selectors import complaint_get_for_user
from careloop.complaints.workflow import WorkflowRefused
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_schemas import RefusedOut
from careloop.core.api_types import Id
from careloop.customers.schemas import ErrorOut
from careloop.replies import services
from careloop.replies.checker import CheckResult, Finding, reply_check
from careloop.replies.forms import AvoidPhraseForm, CheckForm, ReplyTemplateForm
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply
from careloop.replies.placeholders import PLACEHOLDERS
from careloop.replies.schemas import (
    AvoidPhraseIn,
    AvoidPhraseOut,
    ReplyBlockedOut,
    ReplyCheckIn,
    ReplyCheckOut,
    ReplyIn,
    ReplyPlaceholderOut,
    ReplyRenderedOut,
    ReplyTemplateIn,
    ReplyTemplateOut,
    SentReplyOut,
)
from careloop.replies.selectors import (
    avoid_phrase_get_for_user,
    avoid_phrases_visible_to,
    recipient_defaults,
    reply_check_for_complaint,
    reply_template_get_for_user,
    reply_templates_visible_to,
    sent_replies_for,
)

router = Router(tags=["回覆範本"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: RefusedOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _admin(request: HttpRequest) -> User:
    """The user, once it is known they may edit: a 403 comes before a 422."""
    user = _user(request)
    require(user, Capability.STAFF_ADMIN)
    return user


def _case(user: User, number: str) -> Complaint:
    try:
        return complaint_get_for_user(user=user, number=number)
    except Http404 as exc:
        raise Http404(_("找不到此客訴案件。")) from exc


def _finding(finding: Finding) -> dict[str, Any]:
    return {**finding.as_dict(), "kind_label": finding.kind_label}


def _check_out(result: CheckResult) -> dict[str, Any]:
    return {
        "sendable": result.sendable,
        "clean": result.clean,
        "findings": [_finding(f) for f in result.findings],
    }


def _bound(form_class: type, payload: Any, instance: Any, start: dict[str, Any]) -> Any:
    """A bound form: the current (or starting) values with the payload's fields on top."""
    data = dict(start)
    data.update({k: v for k, v in payload.dict().items() if v is not None})
    form = form_class(data, instance=instance)
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    return form


# --- the checker -------------------------------------------------------------------------------


@router.post("/replies/check", response={200: ReplyCheckOut, **READ}, summary="檢查回覆")
def reply_check_api(request: HttpRequest, payload: ReplyCheckIn) -> dict[str, Any]:
    """應避免用語、未填入的欄位、結構與個人化。每項附說明與文字位置（spans），
    `blocking: true` 的項目（應避免用語、未填入的欄位）會阻擋傳送。"""
    user = _user(request)
    require(user, Capability.COMPLAINT_VIEW)
    complaint = _case(user, payload.complaint) if payload.complaint else None
    form = CheckForm({"text": payload.text or "", "channel": payload.channel or ""})
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    text, channel = form.cleaned_data["text"], form.cleaned_data["channel"] or None
    if complaint is not None:
        result = reply_check_for_complaint(complaint=complaint, text=text, channel=channel, by=user)
    else:
        result = reply_check(text=text, channel=channel)
    return _check_out(result)


@router.get(
    "/reply-placeholders", response={200: list[ReplyPlaceholderOut], **READ}, summary="範本可用欄位"
)
def placeholder_list(request: HttpRequest) -> list[dict[str, str]]:
    require(_user(request), Capability.COMPLAINT_VIEW)
    return [{"name": p.name, "help": str(p.help)} for p in PLACEHOLDERS]


# --- templates ---------------------------------------------------------------------------------


@router.get("/reply-templates", response={200: list[ReplyTemplateOut], **READ}, summary="回覆範本")
def template_list(request: HttpRequest, active: bool | None = None) -> list[ReplyTemplate]:
    templates = reply_templates_visible_to(user=_user(request))
    if active is not None:
        templates = templates.filter(active=active)
    return list(templates)


@router.post(
    "/reply-templates", response={201: ReplyTemplateOut, **READ}, summary="新增回覆範本（管理員）"
)
def template_create(request: HttpRequest, payload: ReplyTemplateIn) -> Status[ReplyTemplate]:
    user = _admin(request)
    form = _bound(ReplyTemplateForm, payload, None, {"active": True, "position": 0})
    template = services.reply_template_save(values=form.service_values(), by=user)
    return Status(201, template)


@router.get(
    "/reply-templates/{template_id}",
    response={200: ReplyTemplateOut, **READ},
    summary="一個回覆範本",
)
def template_get(request: HttpRequest, template_id: Id) -> ReplyTemplate:
    return reply_template_get_for_user(user=_user(request), template_id=template_id)


@router.put(
    "/reply-templates/{template_id}",
    response={200: ReplyTemplateOut, **READ},
    summary="修改回覆範本（管理員）",
)
def template_put(request: HttpRequest, template_id: Id, payload: ReplyTemplateIn) -> ReplyTemplate:
    """未提供的欄位保持原值。"""
    user = _admin(request)
    template = reply_template_get_for_user(user=user, template_id=template_id)
    start = {name: getattr(template, name) for name in ReplyTemplateForm.Meta.fields}
    form = _bound(ReplyTemplateForm, payload, template, start)
    return services.reply_template_save(values=form.service_values(), by=user, template=template)


@router.get(
    "/reply-templates/{template_id}/render",
    response={200: ReplyRenderedOut, **READ},
    summary="以案件資料填入範本",
)
def template_render(request: HttpRequest, template_id: Id, complaint: str) -> dict[str, Any]:
    """`complaint`：客訴編號。案件沒有資料的欄位（例如尚無解決方案）保留原樣，檢查時會標示。"""
    user = _user(request)
    case = _case(user, complaint)
    template = reply_template_get_for_user(user=user, template_id=template_id)
    rendered = services.reply_render(template=template, complaint=case, by=user)
    reads_record(request, [case.customer_id], kind=ReadKind.VIEW)  # filled with their details
    return {"template": template.pk, "subject": rendered.subject, "body": rendered.body}


# --- the avoid-list --------------------------------------------------------------------------


@router.get("/avoid-phrases", response={200: list[AvoidPhraseOut], **READ}, summary="應避免用語")
def phrase_list(request: HttpRequest) -> list[AvoidPhrase]:
    return list(avoid_phrases_visible_to(user=_user(request)))


@router.post(
    "/avoid-phrases", response={201: AvoidPhraseOut, **READ}, summary="新增應避免用語（管理員）"
)
def phrase_create(request: HttpRequest, payload: AvoidPhraseIn) -> Status[AvoidPhrase]:
    """下一次檢查即生效。「…」代表中間可夾任意文字，「(甲|乙)」代表任一寫法。"""
    user = _admin(request)
    form = _bound(AvoidPhraseForm, payload, None, {"active": True})
    phrase = services.avoid_phrase_save(values=form.service_values(), by=user)
    return Status(201, phrase)


@router.put(
    "/avoid-phrases/{phrase_id}",
    response={200: AvoidPhraseOut, **READ},
    summary="修改應避免用語（管理員）",
)
def phrase_put(request: HttpRequest, phrase_id: Id, payload: AvoidPhraseIn) -> AvoidPhrase:
    user = _admin(request)
    phrase = avoid_phrase_get_for_user(user=user, phrase_id=phrase_id)
    start = {name: getattr(phrase, name) for name in AvoidPhraseForm.Meta.fields}
    form = _bound(AvoidPhraseForm, payload, phrase, start)
    return services.avoid_phrase_save(values=form.service_values(), by=user, phrase=phrase)


@router.delete(
    "/avoid-phrases/{phrase_id}", response={204: None, **READ}, summary="刪除應避免用語（管理員）"
)
def phrase_delete(request: HttpRequest, phrase_id: Id) -> Status[None]:
    user = _admin(request)
    phrase = avoid_phrase_get_for_user(user=user, phrase_id=phrase_id)
    services.avoid_phrase_delete(phrase=phrase, by=user)
    return Status(204, None)


# --- replies on a case -------------------------------------------------------------------------


@router.get(
    "/complaints/{number}/replies",
    response={200: list[SentReplyOut], **READ},
    summary="案件已傳送的回覆",
)
def sent_reply_list(request: HttpRequest, number: str) -> list[SentReply]:
    complaint = _case(_user(request), number)
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # sent to their contact
    return sent_replies_for(complaint=complaint)


@router.post(
    "/complaints/{number}/replies",
    response={
        201: SentReplyOut,
        422: ReplyBlockedOut,
        **{k: v for k, v in WRITE.items() if k != 422},
    },
    summary="傳送回覆給客戶",
)
def reply_send_api(request: HttpRequest, number: str, payload: ReplyIn) -> Status[SentReply]:
    """先檢查：含未填入的欄位，或含應避免用語（未由主管填寫放行理由）時回應 422 並附全部
    檢查結果；通過後經訊息發送（電子郵件／簡訊／LINE）送出，並記錄為案件的客戶溝通。"""
    user = _user(request)
    complaint = _case(user, number)
    template = None
    if payload.template is not None:
        template = reply_templates_visible_to(user=user).filter(pk=payload.template).first()
        if template is None:
            raise ApiError(422, _("輸入資料有誤。"), {"template": [_("找不到此範本。")]})
    channel = (payload.channel or "").strip()
    to = (payload.to or "").strip() or recipient_defaults(complaint).get(channel, "")
    try:
        sent = services.reply_send(
            complaint=complaint,
            channel=channel,
            to=to,
            subject=(payload.subject or "").strip(),
            body=payload.body or "",
            by=user,
            override_reason=payload.override_reason,
            template=template,
            is_solution=payload.is_solution,
            key=(payload.key or "").strip()[:64] or None,
        )
    except services.ReplyBlocked as exc:
        raise ApiError(
            422,
            exc.message_dict["body"][0],
            exc.message_dict,
            findings=[_finding(f) for f in exc.result.findings],
        ) from exc
    except WorkflowRefused as exc:
        raise ApiError(409, exc.messages[0], reasons=exc.messages) from exc
    reads_record(request, [complaint.customer_id], kind=ReadKind.VIEW)  # the answer names them
    return Status(
        201, SentReply.objects.select_related("message", "by", "complaint").get(pk=sent.pk)
    )
