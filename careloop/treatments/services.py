"""Purchases, refunds and session use. Every rule about what a package has left lives here."""

from __future__ import annotations

import calendar
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_may_see_branch
from careloop.customers.models import Customer
from careloop.treatments.models import (
    Product,
    Purchase,
    PurchaseKind,
    SessionUse,
    TreatmentPackage,
)


class SessionRefused(Exception):
    """A package cannot give a session: expired, used up, cancelled or not this customer's."""


def add_months(day: date, months: int) -> date:
    """Same day N months later, clamped to the month's end (1/31 + 1 month → 2/28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check(by: User, customer: Customer) -> None:
    from django.core.exceptions import PermissionDenied

    require(by, Capability.CUSTOMER_EDIT)
    if not user_may_see_branch(by, customer.branch_id):
        raise PermissionDenied(_("您沒有此院所的權限。"))


@transaction.atomic
def purchase_record(*, customer: Customer, values: dict[str, Any], by: User) -> Purchase:
    """Record a sale of a package or a product, as on PT-F025's purchase table.

    `values` holds package or product, quantity, amount, purchased_on, promotion and
    salesperson. A package's sessions and expiry follow from the catalogue.
    """
    _check(by, customer)
    package: TreatmentPackage | None = values.get("package")
    product = values.get("product")
    if bool(package) == bool(product):
        raise ValidationError({"package": _("請選擇一個療程或一項產品。")})
    quantity = values.get("quantity") or 1
    purchased_on = values.get("purchased_on") or timezone.localdate()
    purchase = Purchase(
        customer=customer,
        branch=values.get("branch") or customer.branch,
        kind=PurchaseKind.SALE,
        purchased_on=purchased_on,
        package=package,
        product=product,
        item_name=(package or product).name,
        quantity=quantity,
        amount=values["amount"]
        if values.get("amount") is not None
        else ((package or product).price * quantity),
        promotion=values.get("promotion", ""),
        salesperson=values.get("salesperson"),
        created_by=by,
    )
    if package:
        purchase.sessions = package.sessions * quantity
        purchase.sessions_remaining = purchase.sessions
        purchase.expires_on = add_months(purchased_on, package.validity_months)
    purchase._history_user = by
    purchase.full_clean()
    purchase.save()
    return purchase


@transaction.atomic
def purchase_reverse(
    *,
    sale: Purchase,
    kind: str,
    by: User,
    reason: str,
    amount: int | None = None,
    sessions: int | None = None,
) -> Purchase:
    """A refund (part of the sessions and amount) or a cancellation (all that is left).

    The sale itself is never changed except for the sessions it still has to give.
    """
    sale = (
        Purchase.objects.select_for_update(of=("self",)).select_related("customer").get(pk=sale.pk)
    )
    _check(by, sale.customer)
    if sale.kind != PurchaseKind.SALE:
        raise ValidationError({"reverses": _("只能對購買記錄退費或取消。")})
    if kind not in (PurchaseKind.REFUND, PurchaseKind.CANCELLATION):
        raise ValidationError({"kind": _("類型必須是退費或取消。")})
    if not reason.strip():
        raise ValidationError({"reason": _("請說明退費或取消的原因。")})
    if sale.reversals.filter(kind=PurchaseKind.CANCELLATION).exists():
        raise ValidationError({"reverses": _("這筆購買已取消，不能再退費或取消。")})
    refunded = -sum(r.amount for r in sale.reversals.all())
    if kind == PurchaseKind.CANCELLATION:
        sessions = sale.sessions_remaining
        amount = sale.amount - refunded if amount is None else amount
    sessions = sessions or 0
    amount = amount or 0
    if sessions < 0 or sessions > sale.sessions_remaining:
        raise ValidationError(
            {
                "sessions": _("退回堂數須介於 0 與剩餘的 %(n)d 堂之間。")
                % {"n": sale.sessions_remaining}
            }
        )
    if amount < 0 or amount > sale.amount - refunded:
        raise ValidationError(
            {
                "amount": _("退費金額須介於 0 與可退的 NT$%(n)s 之間。")
                % {"n": f"{sale.amount - refunded:,}"}
            }
        )
    if kind == PurchaseKind.REFUND and not sessions and not amount:
        raise ValidationError({"amount": _("請填寫退費金額或退回堂數。")})
    reversal = Purchase(
        customer=sale.customer,
        branch=sale.branch,
        kind=kind,
        reverses=sale,
        purchased_on=timezone.localdate(),
        package=sale.package,
        product=sale.product,
        item_name=sale.item_name,
        quantity=sale.quantity,
        sessions=-sessions,
        amount=-amount,
        reason=reason.strip(),
        created_by=by,
    )
    reversal._history_user = by
    reversal.full_clean()
    reversal.save()
    sale.sessions_remaining -= sessions
    sale._history_user = by
    sale.save(update_fields=["sessions_remaining"])
    return reversal


def _usable(sale: Purchase, on: date) -> str | None:
    """Why this package cannot give a session on that day, or None when it can."""
    if not sale.is_package:
        return _("這筆購買不是療程，無法使用堂數。")
    if sale.reversals.filter(kind=PurchaseKind.CANCELLATION).exists():
        return _("療程「%(name)s」已取消，無法使用。") % {"name": sale.item_name}
    if sale.expires_on and on > sale.expires_on:
        return _("療程「%(name)s」已於 %(date)s 到期，無法使用。") % {
            "name": sale.item_name,
            "date": sale.expires_on.isoformat(),
        }
    if sale.sessions_remaining <= 0:
        return _("療程「%(name)s」已無剩餘堂數。") % {"name": sale.item_name}
    return None


@transaction.atomic
def session_use(
    *,
    customer: Customer,
    by: User,
    purchase: Purchase | None = None,
    used_on: date | None = None,
    therapist: User | None = None,
    note: str = "",
) -> SessionUse:
    """Use one session: of the chosen package, or of the one expiring first.

    Raises SessionRefused with the reason when the package cannot give one; nothing changes.
    """
    _check(by, customer)
    used_on = used_on or timezone.localdate()
    if purchase is None:
        candidates = (
            Purchase.objects.select_for_update()
            .filter(
                customer=customer,
                kind=PurchaseKind.SALE,
                package__isnull=False,
                sessions_remaining__gt=0,
                expires_on__gte=used_on,
            )
            .exclude(reversals__kind=PurchaseKind.CANCELLATION)
            .order_by("expires_on", "id")
        )
        purchase = candidates.first()
        if purchase is None:
            raise SessionRefused(_("此客戶沒有可使用的有效療程。"))
    else:
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.customer_id != customer.pk:
            raise SessionRefused(_("此療程不屬於這位客戶。"))
    reason = _usable(purchase, used_on)
    if reason:
        raise SessionRefused(reason)
    use = SessionUse(
        purchase=purchase,
        customer=customer,
        used_on=used_on,
        therapist=therapist or by,
        branch=customer.branch,
        note=note,
        created_by=by,
    )
    use._history_user = by
    use.full_clean()
    use.save()
    Purchase.objects.filter(pk=purchase.pk).update(sessions_remaining=F("sessions_remaining") - 1)
    if purchase.first_session_on is None or used_on < purchase.first_session_on:
        Purchase.objects.filter(pk=purchase.pk).update(first_session_on=used_on)
    purchase.refresh_from_db(fields=["sessions_remaining", "first_session_on"])
    if purchase.sessions_remaining == 0:  # domain.md §6: the package is completed
        from careloop.surveys.services import survey_on_package_completed

        survey = partial(survey_on_package_completed, purchase_id=purchase.pk, by_id=by.pk)
        transaction.on_commit(survey, robust=True)
    return use


# --- catalogue ---------------------------------------------------------------------------


def catalogue_may_edit(user: User) -> bool:
    """Only administrators keep the catalogue; every member of staff may read it."""
    from careloop.accounts.models import RoleCode
    from careloop.accounts.permissions import user_has_role

    return user_has_role(user, RoleCode.ADMINISTRATOR)


def _require_catalogue_edit(user: User) -> None:
    from django.core.exceptions import PermissionDenied

    if not catalogue_may_edit(user):
        raise PermissionDenied(_("只有系統管理員可以維護療程與產品目錄。"))


CatalogueItem = TreatmentPackage | Product


@transaction.atomic
def catalogue_item_save(*, item: CatalogueItem, values: dict[str, Any], by: User) -> CatalogueItem:
    """Create (unsaved `item`) or change a package or product of the catalogue.

    Past purchases keep their own item name and amount, so a change never rewrites them.
    """
    _require_catalogue_edit(by)
    for name, value in values.items():
        setattr(item, name, value)
    item._history_user = by
    item.full_clean()
    item.save()
    return item
