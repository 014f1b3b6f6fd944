"""The catalogue page and the customer page's 療程/服務購買記錄 panel. Thin: parse with forms,
call services, answer with the panel (and the change history out of band) like the other
panels of the customer page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.accounts.permissions import Capability, require
from careloop.customers.models import Customer
from careloop.customers.selectors import customer_get_for_user
from careloop.customers.views import _done, _is_htmx, _render_page
from careloop.treatments import services
from careloop.treatments.forms import PurchaseForm, ReverseForm, SessionUseForm
from careloop.treatments.models import ServiceCategory
from careloop.treatments.selectors import (
    catalogue_packages,
    catalogue_products,
    purchase_get_for_customer,
)

PANEL = "treatments/partials/packages.html"


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue, read-only, for every member of staff; administrators keep it in the admin."""
    packages = list(catalogue_packages(user=request.user))
    products = list(catalogue_products(user=request.user))
    groups = [
        (label, [p for p in packages if p.category == code])
        for code, label in ServiceCategory.choices
    ]
    return render(
        request,
        "treatments/catalogue.html",
        {
            "package_groups": [(label, items) for label, items in groups if items],
            "products": products,
            "may_edit": services.catalogue_may_edit(request.user),
        },
    )


def _editable_customer(request: HttpRequest, number: str) -> Customer:
    customer = customer_get_for_user(user=request.user, number=number)
    require(request.user, Capability.CUSTOMER_EDIT)
    return customer


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _refused(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """Nothing was changed: the panel again with the reason, or the page with a message."""
    if _is_htmx(request):
        return _render_page(
            request, customer, panel=PANEL, forms={"packages_error": message}, status=422
        )
    messages.error(request, message)
    return redirect("customers:detail", number=customer.number)


@login_required
@require_POST
def purchase_add(request: HttpRequest, number: str) -> HttpResponse:
    customer = _editable_customer(request, number)
    form = PurchaseForm(request.POST, user=request.user, prefix="purchase")
    if form.is_valid():
        try:
            services.purchase_record(
                customer=customer, values=form.service_values(), by=request.user
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(request, customer, PANEL, _("已新增購買記錄。"))
    return _render_page(request, customer, panel=PANEL, forms={"purchase_form": form}, status=422)


@login_required
@require_POST
def purchase_reverse(request: HttpRequest, number: str, purchase_id: int) -> HttpResponse:
    customer = _editable_customer(request, number)
    sale = purchase_get_for_customer(customer=customer, purchase_id=purchase_id)
    form = ReverseForm(request.POST, prefix="reverse")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.purchase_reverse(
                sale=sale,
                kind=data["kind"],
                by=request.user,
                reason=data["reason"],
                amount=data["amount"],
                sessions=data["sessions"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(request, customer, PANEL, _("已記錄退費或取消。"))
    return _render_page(
        request,
        customer,
        panel=PANEL,
        forms={"reverse_form": form, "reverse_for": sale.pk},
        status=422,
    )


@login_required
@require_POST
def session_use(request: HttpRequest, number: str) -> HttpResponse:
    """One session of the chosen package (`purchase_id`) or of the one expiring first."""
    customer = _editable_customer(request, number)
    form = SessionUseForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(request, customer, message)
    data = form.cleaned_data
    purchase = None
    if data["purchase_id"]:
        purchase = purchase_get_for_customer(customer=customer, purchase_id=data["purchase_id"])
    try:
        use = services.session_use(
            customer=customer,
            by=request.user,
            purchase=purchase,
            used_on=data["used_on"],
            note=data["note"],
        )
    except services.SessionRefused as exc:
        return _refused(request, customer, str(exc))
    return _done(
        request,
        customer,
        PANEL,
        _("已使用「%(name)s」一堂。") % {"name": use.purchase.item_name},
    )
