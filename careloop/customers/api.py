"""The customer record over JSON (/api/v1/customers…). Thin: forms parse, selectors read,
services write; the zh-Hant messages are the pages' own."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.forms import modelform_factory
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_types import Id
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
from careloop.customers.models import Anniversary, ContactPlan, Customer, NeedsProfile, SignOff
from careloop.customers.schemas import (
    AnniversaryIn,
    AnniversaryOut,
    ContactPlanIn,
    ContactPlanOut,
    ContactPlansOut,
    CustomerCreateIn,
    CustomerIn,
    CustomerListOut,
    CustomerListQuery,
    CustomerOut,
    CustomerRecordOut,
    DuplicateCandidateOut,
    DuplicateOut,
    ErrorOut,
    EventIn,
    EventOut,
    InteractionIn,
    InteractionOut,
    NeedsIn,
    NeedsOut,
    SatisfactionIn,
    SatisfactionOut,
    SignOffIn,
    SignOffOut,
    TypeSuggestionOut,
)
from careloop.customers.selectors import (
    CustomerFilters,
    customer_contact_plans,
    customer_events,
    customer_get_for_user,
    customer_interactions,
    customer_page,
    customer_satisfaction,
    customer_search,
    customer_type_suggestion,
)

router = Router(tags=["客戶"])

# No form in forms.py covers a sign-off yet; this one checks the kind and the comment's length
# against the model, as the other forms do.
SignOffForm = modelform_factory(SignOff, fields=["kind", "comment"])

F = TypeVar("F", bound=forms.BaseForm)

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE = {**READ, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _editor(request: HttpRequest) -> User:
    """The user, once it is known they may edit customers: a 403 comes before a 422."""
    user = _user(request)
    require(user, Capability.CUSTOMER_EDIT)
    return user


def _bind(form_class: type[F], payload: dict[str, Any], **kwargs: Any) -> F:
    """A bound form whose data is the form's starting values with the payload's fields on top.

    The starting values are what the page would show: the record's current values when
    `instance` is given (so a PATCH changes only what it names), else the model defaults.
    A form that does not validate answers 422 with its own messages.
    """
    unbound = form_class(**kwargs)
    data = {name: unbound[name].initial for name in unbound.fields}
    return _valid(form_class(data={**data, **payload}, **kwargs))


def _valid(form: F) -> F:
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    return form


def _given(payload: Any, *, exclude: set[str] | None = None) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True, exclude=exclude)


# --- customers ---------------------------------------------------------------------------


@router.get("/customers", response={200: CustomerListOut, **WRITE}, summary="搜尋客戶")
def customer_list(request: HttpRequest, params: Query[CustomerListQuery]) -> dict[str, Any]:
    """與客戶列表頁相同的搜尋：姓名片段、任何格式的電話、客戶編號，只含您可存取院所的客戶。"""
    user = _user(request)
    form = _valid(CustomerFilterForm(params.model_dump(exclude={"limit", "offset"}), user=user))
    data = form.cleaned_data
    filters = CustomerFilters(
        query=data["q"],
        customer_type=data["customer_type"],
        branch_id=data["branch"].pk if data["branch"] else None,
        therapist_id=data["therapist"].pk if data["therapist"] else None,
        consultant_id=data["consultant"].pk if data["consultant"] else None,
        source=data["source"],
    )
    customers = customer_search(user=user, filters=filters)
    return {
        "count": customers.count(),
        "items": reads_record(
            request,
            list(customers[params.offset : params.offset + params.limit]),
            kind=ReadKind.LIST,
        ),
    }


def _candidates(candidates: list[Customer]) -> list[dict[str, Any]]:
    return [DuplicateCandidateOut.from_orm(c).model_dump() for c in candidates]


@router.post(
    "/customers",
    response={201: CustomerOut, 409: DuplicateOut, **WRITE},
    summary="新增客戶",
)
def customer_create(request: HttpRequest, payload: CustomerCreateIn) -> Status[Customer]:
    """可能重複（電話相同，或姓名與生日相同）時回應 409 並列出既有客戶；
    確認是新客戶後以 `allow_duplicate: true` 重送。"""
    user = _editor(request)
    form = _bind(CustomerForm, _given(payload, exclude={"allow_duplicate"}), user=user)
    try:
        customer = services.customer_create(
            values=form.service_values(), by=user, allow_duplicate=payload.allow_duplicate
        )
    except services.LikelyDuplicate as exc:
        shown = [c for c in exc.candidates if getattr(c, "visible_to_user", False)]
        reads_record(request, shown, kind=ReadKind.LIST)  # the 409 names these
        raise ApiError(409, str(exc), candidates=_candidates(exc.candidates)) from exc
    return Status(201, customer)


@router.get(
    "/customers/{number}", response={200: CustomerRecordOut, **READ}, summary="客戶完整記錄"
)
def customer_detail(request: HttpRequest, number: str) -> Any:
    """PT-F025 的完整內容：基本資料、需求、互動、聯繫計劃、滿意度、重要事件與簽核。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_page(customer=customer, user=user)


@router.patch("/customers/{number}", response={200: CustomerOut, **WRITE}, summary="修改客戶")
def customer_patch(request: HttpRequest, number: str, payload: CustomerIn) -> Customer:
    """只修改送出的欄位；其餘維持原值，整筆再依新增時的規則檢查。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(CustomerForm, _given(payload), instance=customer, user=user)
    reads_record(request, [customer], kind=ReadKind.VIEW)  # the answer is the whole record
    return services.customer_update(customer=customer, values=form.service_values(), by=user)


@router.get(
    "/customers/{number}/type-suggestion",
    response={200: TypeSuggestionOut, **READ},
    summary="客戶類型建議",
)
def customer_type_suggestion_get(request: HttpRequest, number: str) -> Any:
    """依最近購買或到診建議客戶類型；僅為建議，由員工決定。"""
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_type_suggestion(customer=customer)


# --- needs -------------------------------------------------------------------------------


@router.get("/customers/{number}/needs", response={200: NeedsOut, **READ}, summary="客戶需求")
def needs_get(request: HttpRequest, number: str) -> NeedsProfile:
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    # Every customer gets a profile when created; one made before that rule reads as blank.
    return getattr(customer, "needs", None) or NeedsProfile(customer=customer)


@router.put("/customers/{number}/needs", response={200: NeedsOut, **WRITE}, summary="更新客戶需求")
def needs_put(request: HttpRequest, number: str, payload: NeedsIn) -> NeedsProfile:
    """整份取代：未送出的欄位會清空（預算回到「未表明」）。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(NeedsForm, _given(payload))
    values = {name: form.cleaned_data[name] for name in NeedsForm.Meta.fields}
    return services.needs_update(customer=customer, values=values, by=user)


# --- interactions and contact plans ------------------------------------------------------


@router.get(
    "/customers/{number}/interactions",
    response={200: list[InteractionOut], **READ},
    summary="互動記錄",
)
def interaction_list(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_interactions(customer=customer)


@router.post(
    "/customers/{number}/interactions",
    response={201: InteractionOut, **WRITE},
    summary="新增互動記錄",
)
def interaction_create(request: HttpRequest, number: str, payload: InteractionIn) -> Status[Any]:
    """`fulfils_plan_id` 結案一項聯繫計劃；`next_plan` 同時排定下一次聯繫。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(
        InteractionForm, _given(payload, exclude={"fulfils_plan_id", "next_plan"}), user=user
    )
    next_plan = None
    if payload.next_plan is not None:
        try:
            next_plan = _bind(ContactPlanForm, _given(payload.next_plan), user=user).cleaned_data
        except ApiError as exc:
            exc.errors = {f"next_plan.{field}": msgs for field, msgs in exc.errors.items()}
            raise
    fulfils = None
    if payload.fulfils_plan_id is not None:
        fulfils = ContactPlan.objects.filter(
            pk=payload.fulfils_plan_id, customer=customer, done=False
        ).first()
        if fulfils is None:
            raise ApiError(
                422,
                _("輸入資料有誤。"),
                {"fulfils_plan_id": [_("找不到這位客戶尚未完成的此項聯繫計劃。")]},
            )
    interaction = services.interaction_add(
        customer=customer, values=form.cleaned_data, by=user, fulfils=fulfils, next_plan=next_plan
    )
    return Status(201, interaction)


@router.get(
    "/customers/{number}/contact-plans",
    response={200: ContactPlansOut, **READ},
    summary="下次聯繫計劃",
)
def contact_plan_list(request: HttpRequest, number: str) -> Any:
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    open_plans, done_plans = customer_contact_plans(customer=customer)
    return {"open_plans": open_plans, "done_plans": done_plans}


@router.post(
    "/customers/{number}/contact-plans",
    response={201: ContactPlanOut, **WRITE},
    summary="新增聯繫計劃",
)
def contact_plan_create(
    request: HttpRequest, number: str, payload: ContactPlanIn
) -> Status[ContactPlan]:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(ContactPlanForm, _given(payload), user=user)
    plan = services.contact_plan_add(customer=customer, values=form.cleaned_data, by=user)
    return Status(201, plan)


@router.post(
    "/customers/{number}/contact-plans/{plan_id}/complete",
    response={200: ContactPlanOut, **READ},
    summary="完成聯繫計劃",
)
def contact_plan_complete(request: HttpRequest, number: str, plan_id: Id) -> ContactPlan:
    """已完成的計劃維持原樣。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    plan = (
        ContactPlan.objects.select_related("assignee", "customer")
        .filter(pk=plan_id, customer=customer)
        .first()
    )
    if plan is None:
        raise Http404(_("找不到此聯繫計劃。"))
    return services.contact_plan_complete(plan=plan, by=user)


# --- satisfaction, events, sign-offs -----------------------------------------------------


@router.get(
    "/customers/{number}/satisfaction",
    response={200: list[SatisfactionOut], **READ},
    summary="滿意度記錄",
)
def satisfaction_list(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_satisfaction(customer=customer)


@router.post(
    "/customers/{number}/satisfaction",
    response={201: SatisfactionOut, **WRITE},
    summary="新增滿意度記錄",
)
def satisfaction_create(request: HttpRequest, number: str, payload: SatisfactionIn) -> Status[Any]:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(SatisfactionForm, _given(payload))
    record = services.satisfaction_add(customer=customer, values=form.cleaned_data, by=user)
    return Status(201, record)


@router.get(
    "/customers/{number}/events", response={200: list[EventOut], **READ}, summary="重要事件記錄"
)
def event_list(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_events(customer=customer)


@router.post(
    "/customers/{number}/events", response={201: EventOut, **WRITE}, summary="新增重要事件"
)
def event_create(request: HttpRequest, number: str, payload: EventIn) -> Status[Any]:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(ImportantEventForm, _given(payload))
    event = services.important_event_add(customer=customer, values=form.cleaned_data, by=user)
    return Status(201, event)


@router.post(
    "/customers/{number}/sign-offs",
    response={201: SignOffOut, 409: ErrorOut, **WRITE},
    summary="簽核",
)
def sign_off_create(request: HttpRequest, number: str, payload: SignOffIn) -> Status[Any]:
    """記錄人員簽名（recorder）；主管審核簽名（supervisor）限部門主管以上，且須在記錄人員簽名之後，
    否則回應 409。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    form = _bind(SignOffForm, _given(payload))
    try:
        sign_off = services.customer_sign_off(
            customer=customer,
            kind=form.cleaned_data["kind"],
            by=user,
            comment=form.cleaned_data["comment"],
        )
    except services.SignOffRefused as exc:
        raise ApiError(409, str(exc)) from exc
    return Status(201, sign_off)


# --- anniversaries -------------------------------------------------------------------------


@router.get(
    "/customers/{number}/anniversaries",
    response={200: list[AnniversaryOut], **READ},
    summary="紀念日",
)
def anniversary_list(request: HttpRequest, number: str) -> Any:
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return list(customer.anniversaries.all())


@router.post(
    "/customers/{number}/anniversaries",
    response={201: AnniversaryOut, **WRITE},
    summary="新增紀念日",
)
def anniversary_create(request: HttpRequest, number: str, payload: AnniversaryIn) -> Status[Any]:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    require(user, Capability.CUSTOMER_EDIT)
    form = _bind(AnniversaryForm, _given(payload))
    anniversary = services.anniversary_add(customer=customer, values=form.cleaned_data, by=user)
    return Status(201, anniversary)


@router.delete(
    "/customers/{number}/anniversaries/{anniversary_id}",
    response={204: None, **READ},
    summary="刪除紀念日",
)
def anniversary_delete(request: HttpRequest, number: str, anniversary_id: Id) -> Status[None]:
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    anniversary = Anniversary.objects.filter(pk=anniversary_id, customer=customer).first()
    if anniversary is None:
        raise Http404(_("找不到此紀念日。"))
    services.anniversary_remove(anniversary=anniversary, by=user)
    return Status(204, None)
