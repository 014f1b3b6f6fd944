"""Compensation over JSON (domain.md §4). Thin: the forms parse, the selectors read, the
services write and hold every rule. A rule that says no (the settlement before payment, a
decided request, a closed case) answers 409 with its reasons; not yours to do is 403; outside
your branches is 404; bad input is 422 with each field's message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import Branch, User
from careloop.compensation import rules, services
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
)
from careloop.compensation.models import AbuseFlag, Compensation, Offer
from careloop.compensation.schemas import (
    ApprovalLineOut,
    AssessmentIn,
    AssessmentOut,
    ChoiceIn,
    CompensationIn,
    CompensationListOut,
    CompensationListQuery,
    CompensationOut,
    DecisionIn,
    DoneIn,
    FlagOut,
    OfferPatchIn,
    OffersOut,
    ReviewIn,
    approval_line_out,
)
from careloop.compensation.schemas import SettlementForm as SettlementFields
from careloop.compensation.selectors import (
    ListFilters,
    approval_get_for_user,
    approvals_pending_for,
    case_panel,
    compensation_get_for_user,
    compensation_list,
    flag_get_for_user,
)
from careloop.compensation.services import (
    case_granted_totals,
    case_total_with,
    settlement_reason,
)
from careloop.complaints.models import Complaint
from careloop.complaints.selectors import complaint_get_for_user
from careloop.complaints.workflow import WorkflowRefused
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_schemas import RefusedOut
from careloop.core.api_types import Id
from careloop.customers.schemas import ErrorOut
from careloop.customers.selectors import customer_get_for_user
from careloop.grants.services import GrantRefused

router = Router(tags=["補償"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {**READ, 409: RefusedOut}


# --- plumbing ----------------------------------------------------------------------------------


@contextmanager
def _refusals() -> Iterator[None]:
    """A rule's refusal as 409: the first reason as the detail, all of them as `reasons`."""
    try:
        yield
    except (GrantRefused, WorkflowRefused) as exc:
        raise ApiError(409, exc.messages[0], reasons=exc.messages) from exc


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _case(user: User, number: str) -> Complaint:
    try:
        return complaint_get_for_user(user=user, number=number)
    except Http404 as exc:
        raise Http404(_("找不到此客訴案件。")) from exc


def _valid(form: Any) -> Any:
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    return form.cleaned_data


def _form_data(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A payload as a form's data: None is a blank field, numbers become text."""
    return {
        (f"{prefix}-{k}" if prefix else k): ("" if v is None else str(v)) for k, v in values.items()
    }


def _staff(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.full_name}


# --- assessment --------------------------------------------------------------------------------


def _assessment_out(complaint: Complaint, user: User) -> dict[str, Any]:
    cp = case_panel(complaint=complaint, user=user)
    a = cp.assessment
    abuse = None
    if cp.abuse is not None:
        flag = cp.abuse.flag
        abuse = {
            "compensated_complaints": cp.abuse.count,
            "threshold": cp.abuse.threshold,
            "flagged": cp.abuse.open_flag is not None,
            "flag_id": flag.pk if flag else None,
            "raised_at": flag.raised_at if flag else None,
            "reviewed_by": _staff(flag.acknowledged_by) if flag else None,
            "reviewed_at": flag.acknowledged_at if flag else None,
            "review_note": flag.review_note if flag else "",
        }
    purchase = a.purchase if a else None
    return {
        "complaint": complaint.number,
        "assessed": a is not None,
        "factors": [
            {"code": f.code, "label": str(f.label), "weight": f.weight, "rating": rating}
            for f, rating in cp.factors
        ],
        "score": a.score if a else None,
        "level": a.level if a else None,
        "level_label": a.get_level_display() if a else None,
        "purchase": {
            "id": purchase.pk,
            "item_name": purchase.item_name,
            "purchased_on": purchase.purchased_on,
            "amount": purchase.amount,
        }
        if purchase
        else None,
        "affected_amount": a.affected_amount if a else 0,
        "note": a.note if a else "",
        "assessed_by": _staff(a.assessed_by) if a else None,
        "assessed_at": a.assessed_at if a else None,
        "abuse": abuse,
        "cost": {
            "transaction_amount": cp.transaction_amount,
            "total_spend": cp.total_spend,
            "case_total": cp.case_total,
            "case_vs_transaction": cp.case_vs_transaction,
            "case_vs_spend": cp.case_vs_spend,
            "customer_granted": cp.customer_granted,
        },
    }


@router.get(
    "/complaints/{number}/compensation/assessment",
    response={200: AssessmentOut, **READ},
    summary="補償評估",
)
def assessment_get(request: HttpRequest, number: str) -> dict[str, Any]:
    """四項因素（實際損失 30%、時間成本 20%、精神損害 30%、信任損害 20%）各 0–5 分，分數
    0–100 與補償等級（輕微 <35、中度 35–69、嚴重 ≥70）；客戶 12 個月內獲補償的客訴件數（濫用
    防範）與補償成本對照（受影響消費、客戶累計消費）。尚未評估時 `assessed` 為 false。"""
    user = _user(request)
    return _assessment_out(_case(user, number), user)


@router.post(
    "/complaints/{number}/compensation/assessment",
    response={200: AssessmentOut, **WRITE},
    summary="儲存補償評估",
)
def assessment_post(request: HttpRequest, number: str, payload: AssessmentIn) -> dict[str, Any]:
    """四項因素必填（0–5 的整數）；`purchase` 為此客戶的購買記錄 ID（選填）；`affected_amount`
    空白時為該購買的金額。再次送出即更新評估（保留變更記錄）。"""
    user = _user(request)
    complaint = _case(user, number)
    form = AssessmentForm(
        _form_data(payload.model_dump()), purchases=services.purchases_for(complaint)
    )
    data = _valid(form)
    with _refusals():
        services.assessment_save(
            complaint=complaint,
            ratings=form.ratings(),
            purchase=data["purchase"],
            affected_amount=data["affected_amount"],
            note=data["note"],
            by=user,
        )
    return _assessment_out(complaint, user)


# --- offers ------------------------------------------------------------------------------------


def _offer_out(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "position": offer.position,
        "level": offer.level,
        "kind": offer.kind,
        "kind_label": offer.get_kind_display(),
        "title": offer.title,
        "description": offer.description,
        "refund_amount": offer.refund_amount,
        "benefit_value": offer.benefit_value,
        "value": offer.value,
        "presented_at": offer.presented_at,
        "presented_by": _staff(offer.presented_by),
        "chosen": offer.is_chosen,
        "chosen_at": offer.chosen_at,
        "chosen_by": _staff(offer.chosen_by),
        "choice_note": offer.choice_note,
    }


def _offers_out(complaint: Complaint, user: User) -> dict[str, Any]:
    cp = case_panel(complaint=complaint, user=user)
    return {
        "complaint": complaint.number,
        "level": cp.assessment.level if cp.assessment else None,
        "affected_amount": cp.transaction_amount,
        "presented": cp.offers_presented,
        "offers": [_offer_out(o) for o in cp.offers],
    }


def _offer(complaint: Complaint, offer_id: int) -> Offer:
    offer = Offer.objects.filter(pk=offer_id, complaint=complaint).first()
    if offer is None:
        raise Http404(_("找不到此補償方案。"))
    return offer


@router.get(
    "/complaints/{number}/compensation/offers",
    response={200: OffersOut, **READ},
    summary="補償方案",
)
def offers_get(request: HttpRequest, number: str) -> dict[str, Any]:
    """目前的 2–3 個方案（依評估等級、以受影響金額計價），是否已向客戶提出、客戶的選擇。"""
    user = _user(request)
    return _offers_out(_case(user, number), user)


@router.post(
    "/complaints/{number}/compensation/offers",
    response={201: OffersOut, **WRITE},
    summary="產生補償方案",
)
def offers_post(request: HttpRequest, number: str) -> Status[dict[str, Any]]:
    """依目前的評估等級產生方案：輕微—書面致歉＋10–20% 折扣（或免費一堂／優先預約）；中度—
    部分退費 30–50%＋等值贈品或服務；嚴重—全額退費＋額外 50–100%＋主管致歉。前一組方案撤回
    （保留記錄）；客戶選擇的方案已提出補償時回應 409。"""
    user = _user(request)
    complaint = _case(user, number)
    with _refusals():
        services.offers_generate(complaint=complaint, by=user)
    return Status(201, _offers_out(complaint, user))


# Declared before /offers/{offer_id}: URL patterns match in order, and "present" is a word.
@router.post(
    "/complaints/{number}/compensation/offers/present",
    response={200: OffersOut, **WRITE},
    summary="向客戶提出方案",
)
def offers_present(request: HttpRequest, number: str) -> dict[str, Any]:
    """記錄方案已向客戶提出；之後方案內容不可修改，可記錄客戶的選擇。"""
    user = _user(request)
    complaint = _case(user, number)
    with _refusals():
        services.offers_present(complaint=complaint, by=user)
    return _offers_out(complaint, user)


@router.patch(
    "/complaints/{number}/compensation/offers/{offer_id}",
    response={200: OffersOut, **WRITE},
    summary="修改補償方案",
)
def offer_patch(
    request: HttpRequest, number: str, offer_id: Id, payload: OfferPatchIn
) -> dict[str, Any]:
    """只修改送出的欄位；方案向客戶提出後回應 409。"""
    user = _user(request)
    complaint = _case(user, number)
    offer = _offer(complaint, offer_id)
    current = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
    sent = payload.model_dump(exclude_unset=True)
    form = OfferForm(_form_data({**current, **sent}), instance=offer)
    data = _valid(form)
    with _refusals():
        services.offer_update(offer=offer, values=data, by=user)
    return _offers_out(complaint, user)


@router.post(
    "/complaints/{number}/compensation/offers/{offer_id}/choice",
    response={200: OffersOut, **WRITE},
    summary="記錄客戶選擇的方案",
)
def offer_choice(
    request: HttpRequest, number: str, offer_id: Id, payload: ChoiceIn
) -> dict[str, Any]:
    """記錄客戶選擇此方案（記錄人員與時間）。補償提出前可改選。"""
    user = _user(request)
    complaint = _case(user, number)
    offer = _offer(complaint, offer_id)
    data = _valid(ChoiceForm(_form_data(payload.model_dump())))
    with _refusals():
        services.offer_choose(offer=offer, note=data["note"], by=user)
    return _offers_out(complaint, user)


# --- compensations -----------------------------------------------------------------------------


def _flagged(compensation: Compensation) -> bool:
    if compensation.customer_id is None:
        return False
    return AbuseFlag.objects.filter(
        customer_id=compensation.customer_id, acknowledged_at__isnull=True
    ).exists()


def _compensation_out(
    k: Compensation, *, granted: dict[int, int], flagged: bool | None = None
) -> dict[str, Any]:
    """`granted`: the granted totals of the cases (`case_granted_totals`), read once a list."""
    complaint = k.complaint
    case_total = case_total_with(k, granted.get(k.complaint_id, 0))
    request = k.approval_request
    settlement = getattr(k, "settlement", None)
    return {
        "id": k.pk,
        "complaint": complaint.number,
        "grade": complaint.grade,
        "branch": k.branch.name,
        "customer": k.customer.number if k.customer_id else None,
        "offer_id": k.offer_id,
        "kind": k.kind,
        "kind_label": k.get_kind_display(),
        "description": k.description,
        "value": k.value,
        "status": k.status,
        "status_label": k.get_status_display(),
        "requested_by": _staff(k.requested_by),
        "requested_at": k.requested_at,
        "requester_limit": k.requester_limit,
        "approved_by": _staff(k.approved_by),
        "approved_at": k.approved_at,
        "approval": {
            "id": request.pk,
            "state": request.state,
            "state_label": request.get_state_display(),
            "value": request.value,
            "case_total": request.case_total,
            "requested_by": _staff(request.requested_by),
            "requested_at": request.requested_at,
            "decided_by": _staff(request.decided_by),
            "decided_at": request.decided_at,
            "note": request.note,
        }
        if request
        else None,
        "settlement_required": bool(
            settlement_reason(grade=complaint.grade, value=k.value, case_total=case_total)
        ),
        "case_granted_total": case_total,
        "settlement": {
            "signed_on": settlement.signed_on,
            "signed_by": settlement.signed_by,
            "note": settlement.note,
            "has_file": bool(settlement.file),
            "recorded_by": _staff(settlement.recorded_by),
            "recorded_at": settlement.recorded_at,
        }
        if settlement
        else None,
        "done_by": _staff(k.done_by),
        "done_at": k.done_at,
        "done_note": k.done_note,
        "customer_flagged": _flagged(k) if flagged is None else flagged,
    }


def _fresh(request: HttpRequest, compensation_id: int) -> dict[str, Any]:
    """One compensation as answered; it names its customer, so their read is recorded."""
    compensation = compensation_get_for_user(user=_user(request), compensation_id=compensation_id)
    reads_record(request, [compensation.customer_id], kind=ReadKind.VIEW)
    granted = case_granted_totals(complaint_ids=[compensation.complaint_id])
    return _compensation_out(compensation, granted=granted)


def _out_list(request: HttpRequest, rows: list[Compensation]) -> list[dict[str, Any]]:
    reads_record(request, [k.customer_id for k in rows], kind=ReadKind.LIST)
    granted = case_granted_totals(complaint_ids={k.complaint_id for k in rows})
    return [_compensation_out(k, granted=granted, flagged=k.flagged) for k in rows]


@router.get(
    "/complaints/{number}/compensations",
    response={200: list[CompensationOut], **READ},
    summary="本案的補償",
)
def case_compensations(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """此案所有補償（含未核准），依提出時間排序。"""
    user = _user(request)
    complaint = _case(user, number)
    rows = compensation_list(user=user, filters=ListFilters()).filter(complaint=complaint)
    return _out_list(request, list(rows.order_by("requested_at", "id")))


@router.post(
    "/complaints/{number}/compensations",
    response={201: CompensationOut, **WRITE},
    summary="核予補償或送交核准",
)
def compensation_create(
    request: HttpRequest, number: str, payload: CompensationIn
) -> Status[dict[str, Any]]:
    """依客戶選擇的方案（`offer`）或自行填寫的價值、類型與內容提出補償。在您角色的授權上限內
    即核准（status approved）；超過時送交授權上限足夠的人員（本院所，或高級管理層）核准
    （status pending_approval，並通知他們、列入其今日待辦）。授權上限以本案補償累計計算：
    分成多筆提出，與一次提出相同。

    建議帶 `Idempotency-Key` 標頭（您自訂、最多 64 字元）：同一人以同一鍵重送，只會核予一次，
    並回傳第一次的補償。"""
    user = _user(request)
    complaint = _case(user, number)
    offers = Offer.objects.filter(
        complaint=complaint, withdrawn_at__isnull=True, chosen_at__isnull=False
    )
    values = {**payload.model_dump(), "idempotency_key": request.headers.get("Idempotency-Key")}
    form = GrantForm(_form_data(values), offers=offers)
    data = _valid(form)
    with _refusals():
        compensation = services.compensation_grant(
            complaint=complaint,
            offer=data["offer"],
            value=data["value"],
            kind=data["kind"],
            description=data["description"],
            idempotency_key=data["idempotency_key"],
            by=user,
        )
    return Status(201, _fresh(request, compensation.pk))


def _branch(value: str) -> Branch | None:
    text = value.strip()
    condition = Q(code=text)
    if text.isdigit():
        condition |= Q(pk=int(text))
    return Branch.objects.filter(condition).first()


@router.get("/compensations", response={200: CompensationListOut, **READ}, summary="補償記錄")
def compensations_list(
    request: HttpRequest, params: Query[CompensationListQuery]
) -> dict[str, Any]:
    """您可存取院所的補償，新到舊；可依客戶編號、狀態、月份（YYYY-MM）、院所、待審查標記篩選。
    以 `limit`（最多 100）與 `offset` 分頁。"""
    user = _user(request)
    errors: dict[str, list[str]] = {}
    customer = None
    if params.customer.strip():
        try:
            customer = customer_get_for_user(user=user, number=params.customer.strip())
        except Http404:
            errors["customer"] = [_("找不到此客戶編號：%s。") % params.customer]
    branch = None
    if params.branch.strip():
        branch = _branch(params.branch)
        if branch is None:
            errors["branch"] = [_("找不到此院所：%s。") % params.branch]
    form = ListFilterForm({"status": params.status, "month": params.month})
    if not form.is_valid():
        errors.update(form_errors(form))
    if errors:
        raise ApiError(422, _("輸入資料有誤。"), errors)
    filters = ListFilters(
        branch=branch.pk if branch else None,
        status=form.cleaned_data["status"],
        month=form.cleaned_data["month"],
        flagged=params.flagged,
        customer=customer.pk if customer else None,
    )
    queryset = compensation_list(user=user, filters=filters)
    page = list(queryset[params.offset : params.offset + params.limit])
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": _out_list(request, list(page)),
    }


@router.get(
    "/compensations/{compensation_id}",
    response={200: CompensationOut, **READ},
    summary="一筆補償",
)
def compensation_detail(request: HttpRequest, compensation_id: Id) -> dict[str, Any]:
    return _fresh(request, compensation_id)


@router.post(
    "/compensations/{compensation_id}/settlement",
    response={200: CompensationOut, **WRITE},
    summary="登錄和解書",
)
def settlement_post(
    request: HttpRequest,
    compensation_id: Id,
    data: Form[SettlementFields],
    file: UploadedFile | None = File(  # noqa: B008 - ninja's way to declare an upload
        None, description="和解書掃描檔：PDF、JPEG 或 PNG，10 MB 以內（依檔案內容判斷格式）"
    ),
) -> dict[str, Any]:
    """以 multipart/form-data 送出 signed_on、signed_by、note 與選填的 `file`。A 級客訴，或本案
    補償累計超過 NT$10,000 時，須先登錄和解書才能標記已支付。已支付後不可修改。"""
    user = _user(request)
    compensation = compensation_get_for_user(user=user, compensation_id=compensation_id)
    form = SettlementForm(
        _form_data(data.model_dump()), {"file": file} if file is not None else None
    )
    cleaned = _valid(form)
    with _refusals():
        services.settlement_record(
            compensation=compensation,
            signed_on=cleaned["signed_on"],
            signed_by=cleaned["signed_by"],
            note=cleaned["note"],
            file=cleaned["file"],
            by=user,
        )
    return _fresh(request, compensation.pk)


@router.post(
    "/compensations/{compensation_id}/paid",
    response={200: CompensationOut, **WRITE},
    summary="標記已支付／已交付",
)
def paid_post(request: HttpRequest, compensation_id: Id, payload: DoneIn) -> dict[str, Any]:
    """已核准的補償標記為已支付（退費）或已交付（贈品、服務、折扣）。待核准、未核准、已支付，
    或 A 級客訴／本案補償累計超過 NT$10,000 而尚未登錄和解書時回應 409 並說明理由。"""
    user = _user(request)
    compensation = compensation_get_for_user(user=user, compensation_id=compensation_id)
    data = _valid(DoneForm(_form_data(payload.model_dump())))
    with _refusals():
        services.compensation_mark_done(compensation=compensation, note=data["note"], by=user)
    return _fresh(request, compensation.pk)


# --- approvals and the abuse guard ----------------------------------------------------------------


@router.get(
    "/compensation-approvals",
    response={200: list[ApprovalLineOut], **READ},
    summary="等待我核准的補償",
)
def approvals_list(request: HttpRequest) -> list[dict[str, Any]]:
    """超過申請人授權上限、在您的授權上限與院所內、非您本人申請的待核准補償（與今日待辦相同）。"""
    pending = approvals_pending_for(user=_user(request))
    reads_record(request, [r.compensation.customer_id for r in pending], kind=ReadKind.LIST)
    return [approval_line_out(r) for r in pending]


@router.post(
    "/compensation-approvals/{approval_id}/decision",
    response={200: CompensationOut, **WRITE},
    summary="核准或駁回補償",
)
def approval_decision(request: HttpRequest, approval_id: Id, payload: DecisionIn) -> dict[str, Any]:
    """`decision` 為 approve 或 reject（駁回須附 `note`）。須由授權上限足以涵蓋本案補償累計
    （含此筆）的人員決定，申請人不可核准自己的申請（403）；已審核的申請回應 409。"""
    user = _user(request)
    approval = approval_get_for_user(user=user, approval_id=approval_id)
    form = DecisionForm(_form_data(payload.model_dump()))
    data = _valid(form)
    with _refusals():
        services.approval_decide(request=approval, approve=form.approve, note=data["note"], by=user)
    return _fresh(request, approval.subject_id)


@router.post(
    "/compensation-flags/{flag_id}/review",
    response={200: FlagOut, **WRITE},
    summary="審查補償濫用標記",
)
def flag_review(request: HttpRequest, flag_id: Id, payload: ReviewIn) -> dict[str, Any]:
    """部門主管或高級管理層記錄審查意見，標記即解除（下次再達門檻會重新標記）。"""
    user = _user(request)
    flag = flag_get_for_user(user=user, flag_id=flag_id)
    data = _valid(FlagReviewForm(_form_data(payload.model_dump())))
    with _refusals():
        flag = services.abuse_flag_acknowledge(flag=flag, note=data["note"], by=user)
    return {
        "id": flag.pk,
        "customer": flag.customer.number,
        "compensated_complaints": flag.complaint_count,
        "threshold": rules.ABUSE_COMPLAINTS,
        "reviewed_by": _staff(flag.acknowledged_by),
        "reviewed_at": flag.acknowledged_at,
        "review_note": flag.review_note,
    }
