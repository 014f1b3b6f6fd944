"""Catalogue, purchases, packages and session use over JSON (/api/v1/…). Thin, as the
customer API: the forms parse, the selectors read, the services write, and every customer URL
answers 404 outside the user's branches."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.core.api_errors import ApiError
from careloop.core.api_types import Id
from careloop.customers.api import READ, WRITE, _bind, _editor, _given, _user
from careloop.customers.schemas import ErrorOut
from careloop.customers.selectors import customer_get_for_user
from careloop.treatments import services
from careloop.treatments.forms import (
    ProductForm,
    PurchaseForm,
    ReverseForm,
    SessionUseForm,
    TreatmentPackageForm,
)
from careloop.treatments.models import Product, SessionUse, TreatmentPackage
from careloop.treatments.schemas import (
    PackageIn,
    PackageLineOut,
    PackageOut,
    ProductIn,
    ProductOut,
    PurchaseIn,
    PurchaseOut,
    ReverseIn,
    SessionUseIn,
    SessionUseOut,
    SuggestionOut,
)
from careloop.treatments.selectors import (
    catalogue_packages,
    catalogue_products,
    customer_packages,
    customer_purchases,
    customer_treatments,
    purchase_get_for_customer,
)

router = Router(tags=["療程與購買"])


# --- catalogue ---------------------------------------------------------------------------


def _catalogue_item(model: type, item_id: int) -> Any:
    item = model.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404(_("找不到此目錄項目。"))
    return item


def _catalogue_save(request: HttpRequest, form_class: type, payload: Any, item: Any) -> Any:
    user = _user(request)
    if not services.catalogue_may_edit(user):
        raise ApiError(403, _("只有系統管理員可以維護療程與產品目錄。"))
    instance = {"instance": item} if item.pk else {}
    form = _bind(form_class, _given(payload), **instance)
    values = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
    return services.catalogue_item_save(item=item, values=values, by=user)


@router.get("/catalogue/packages", response={200: list[PackageOut], **READ}, summary="療程目錄")
def package_list(request: HttpRequest, include_inactive: bool = False) -> Any:
    """販售中的療程；`include_inactive=true` 一併列出已停售者。"""
    return list(catalogue_packages(user=_user(request), include_inactive=include_inactive))


@router.post(
    "/catalogue/packages", response={201: PackageOut, **WRITE}, summary="新增療程（系統管理員）"
)
def package_create(request: HttpRequest, payload: PackageIn) -> Status[Any]:
    return Status(201, _catalogue_save(request, TreatmentPackageForm, payload, TreatmentPackage()))


@router.patch(
    "/catalogue/packages/{package_id}",
    response={200: PackageOut, **WRITE},
    summary="修改療程（系統管理員）",
)
def package_patch(request: HttpRequest, package_id: Id, payload: PackageIn) -> Any:
    """只修改送出的欄位。已售出的購買記錄保留當時的名稱與金額。"""
    item = _catalogue_item(TreatmentPackage, package_id)
    return _catalogue_save(request, TreatmentPackageForm, payload, item)


@router.get("/catalogue/products", response={200: list[ProductOut], **READ}, summary="產品目錄")
def product_list(request: HttpRequest, include_inactive: bool = False) -> Any:
    return list(catalogue_products(user=_user(request), include_inactive=include_inactive))


@router.post(
    "/catalogue/products", response={201: ProductOut, **WRITE}, summary="新增產品（系統管理員）"
)
def product_create(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    return Status(201, _catalogue_save(request, ProductForm, payload, Product()))


@router.patch(
    "/catalogue/products/{product_id}",
    response={200: ProductOut, **WRITE},
    summary="修改產品（系統管理員）",
)
def product_patch(request: HttpRequest, product_id: Id, payload: ProductIn) -> Any:
    item = _catalogue_item(Product, product_id)
    return _catalogue_save(request, ProductForm, payload, item)


# --- one customer's purchases ----------------------------------------------------------


@router.get(
    "/customers/{number}/purchases",
    response={200: list[PurchaseOut], **READ},
    summary="療程/服務購買記錄",
)
def purchase_list(request: HttpRequest, number: str) -> Any:
    """購買、退費與取消，最新在前；退費與取消的金額與堂數為負數。"""
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_purchases(customer=customer)


@router.post(
    "/customers/{number}/purchases",
    response={201: PurchaseOut, **WRITE},
    summary="新增購買記錄",
)
def purchase_create(request: HttpRequest, number: str, payload: PurchaseIn) -> Status[Any]:
    """療程或產品擇一；金額未填為目錄價格 × 數量。療程的堂數與到期日依目錄計算。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    user = _editor(request)
    form = _bind(PurchaseForm, _given(payload), user=user)
    purchase = services.purchase_record(customer=customer, values=form.service_values(), by=user)
    return Status(201, purchase)


@router.post(
    "/customers/{number}/purchases/{purchase_id}/reverse",
    response={201: PurchaseOut, **WRITE},
    summary="退費或取消",
)
def purchase_reverse(
    request: HttpRequest, number: str, purchase_id: Id, payload: ReverseIn
) -> Status[Any]:
    """新增一筆退費或取消記錄（原購買記錄不刪除）；須填寫原因。取消後療程不能再使用。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    user = _editor(request)
    sale = purchase_get_for_customer(customer=customer, purchase_id=purchase_id)
    data = _bind(ReverseForm, _given(payload)).cleaned_data
    reversal = services.purchase_reverse(
        sale=sale,
        kind=data["kind"],
        by=user,
        reason=data["reason"],
        amount=data["amount"],
        sessions=data["sessions"],
    )
    return Status(201, reversal)


@router.get(
    "/customers/{number}/packages",
    response={200: list[PackageLineOut], **READ},
    summary="客戶的療程（剩餘堂數與到期日）",
)
def package_lines(request: HttpRequest, number: str) -> Any:
    """可使用的療程在前，最先到期者排第一。"""
    from django.utils import timezone

    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)
    return customer_packages(
        purchases=customer_purchases(customer=customer), today=timezone.localdate()
    )


@router.get(
    "/customers/{number}/suggestions",
    response={200: list[SuggestionOut], **READ},
    summary="建議療程/產品",
)
def suggestion_list(request: HttpRequest, number: str) -> Any:
    """依需求、預算與購買記錄建議 2–3 項，附理由；
    不含客戶仍持有的有效療程（即將用完者建議續購）。"""
    customer = customer_get_for_user(user=_user(request), number=number)
    reads_record(request, [customer], kind=ReadKind.VIEW)  # built from their needs and budget
    return customer_treatments(
        customer=customer, needs=getattr(customer, "needs", None)
    ).suggestions


@router.post(
    "/customers/{number}/session-uses",
    response={201: SessionUseOut, 409: ErrorOut, **WRITE},
    summary="使用一堂",
)
def session_use_create(request: HttpRequest, number: str, payload: SessionUseIn) -> Status[Any]:
    """使用指定療程（`purchase_id`）或最先到期的有效療程一堂。療程已到期、已用完或已取消時
    回應 409 並說明原因，不做任何變更。"""
    user = _user(request)
    customer = customer_get_for_user(user=user, number=number)
    user = _editor(request)
    data = _bind(SessionUseForm, _given(payload)).cleaned_data
    purchase = None
    if data["purchase_id"]:
        purchase = purchase_get_for_customer(customer=customer, purchase_id=data["purchase_id"])
    try:
        use = services.session_use(
            customer=customer,
            by=user,
            purchase=purchase,
            used_on=data["used_on"],
            note=data["note"],
        )
    except services.SessionRefused as exc:
        raise ApiError(409, str(exc)) from exc
    use = SessionUse.objects.select_related("purchase", "therapist").get(pk=use.pk)
    return Status(201, use)
