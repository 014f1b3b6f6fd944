"""Reads of the catalogue and of one customer's purchases, shared by pages and API.

Callers pass a customer they already got through `customer_get_for_user`, so the branch
scope is checked once, there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.customers.models import Customer, NeedsProfile
from careloop.treatments.models import (
    Product,
    Purchase,
    PurchaseKind,
    ServiceCategory,
    TreatmentPackage,
)
from careloop.treatments.suggestions import Held, Offer, Suggestion, treatment_suggest


class PackageStatus:
    ACTIVE = "active"
    EXPIRED = "expired"
    USED_UP = "used_up"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    LABELS = {
        ACTIVE: gettext_lazy("有效"),
        EXPIRED: gettext_lazy("已到期"),
        USED_UP: gettext_lazy("已用完"),
        CANCELLED: gettext_lazy("已取消"),
        REFUNDED: gettext_lazy("已退費"),
    }


def package_status(*, sale: Purchase, reversals: list[Purchase], today: date) -> str:
    """What a package sold can do today: the same order of reasons as `session_use` refuses."""
    if any(r.kind == PurchaseKind.CANCELLATION for r in reversals):
        return PackageStatus.CANCELLED
    if sale.sessions_remaining <= 0:
        if any(r.kind == PurchaseKind.REFUND and r.sessions for r in reversals):
            return PackageStatus.REFUNDED
        return PackageStatus.USED_UP
    if sale.expires_on and today > sale.expires_on:
        return PackageStatus.EXPIRED
    return PackageStatus.ACTIVE


@dataclass
class PackageLine:
    """A package the customer bought, as the customer page and the API show it."""

    sale: Purchase
    status: str
    refunded_amount: int

    @property
    def status_label(self) -> str:
        return str(PackageStatus.LABELS[self.status])

    @property
    def usable(self) -> bool:
        return self.status == PackageStatus.ACTIVE

    @property
    def id(self) -> int:
        return self.sale.pk

    @property
    def name(self) -> str:
        return self.sale.item_name

    @property
    def sessions(self) -> int:
        return self.sale.sessions

    @property
    def sessions_remaining(self) -> int:
        return self.sale.sessions_remaining

    @property
    def expires_on(self) -> date | None:
        return self.sale.expires_on

    @property
    def purchased_on(self) -> date:
        return self.sale.purchased_on

    @property
    def last_used_on(self) -> date | None:
        return getattr(self.sale, "last_used_on", None)


@dataclass
class CustomerTreatments:
    """The 療程/服務購買記錄 panel: purchases (reversals as negative rows), packages, tips."""

    purchases: list[Purchase]
    packages: list[PackageLine]
    suggestions: list[Suggestion]
    last_activity: date | None

    @property
    def usable_packages(self) -> list[PackageLine]:
        return [p for p in self.packages if p.usable]

    @property
    def reversible_ids(self) -> set[int]:
        """Sales that may still be refunded or cancelled (not cancelled already)."""
        cancelled = {p.reverses_id for p in self.purchases if p.kind == PurchaseKind.CANCELLATION}
        return {p.pk for p in self.purchases if p.kind == PurchaseKind.SALE} - cancelled


def customer_purchases(*, customer: Customer) -> list[Purchase]:
    """Every purchase row, newest first, each with the date its package was last used."""
    return list(
        Purchase.objects.filter(customer=customer)
        .select_related("salesperson", "package")
        .annotate(last_used_on=Max("uses__used_on"))
        .order_by("-purchased_on", "-id")
    )


def purchases_last_activity(purchases: list[Purchase]) -> date | None:
    """The latest sale or session use among rows read by `customer_purchases`."""
    dates = [p.purchased_on for p in purchases if p.kind == PurchaseKind.SALE]
    dates += [p.last_used_on for p in purchases if getattr(p, "last_used_on", None)]
    return max(dates, default=None)


def customer_packages(*, purchases: list[Purchase], today: date) -> list[PackageLine]:
    """The packages among the purchases, usable ones first, the one expiring first on top."""
    reversals: dict[int, list[Purchase]] = {}
    for p in purchases:
        if p.reverses_id:
            reversals.setdefault(p.reverses_id, []).append(p)
    lines = [
        PackageLine(
            sale=p,
            status=package_status(sale=p, reversals=reversals.get(p.pk, []), today=today),
            refunded_amount=-sum(r.amount for r in reversals.get(p.pk, [])),
        )
        for p in purchases
        if p.is_package
    ]
    lines.sort(key=lambda line: (not line.usable, line.expires_on or date.max, line.id))
    return lines


def catalogue_offers() -> list[Offer]:
    """The catalogue on sale, as plain data for the suggestion rule: two queries."""
    packages = TreatmentPackage.objects.filter(is_active=True).values_list(
        "id", "name", "category", "price", "sessions"
    )
    products = Product.objects.filter(is_active=True).values_list("id", "name", "category", "price")
    return [Offer("package", *row) for row in packages] + [
        Offer("product", *row) for row in products
    ]


def customer_suggestions(
    *,
    needs: NeedsProfile | None,
    packages: list[PackageLine],
    purchases: list[Purchase],
    today: date,
) -> list[Suggestion]:
    bought = [p.package.category for p in purchases if p.is_package and p.package_id]
    return treatment_suggest(
        catalogue=catalogue_offers(),
        interests=needs.service_interests if needs else [],
        budget=needs.budget if needs else "unstated",
        category_labels={code: str(label) for code, label in ServiceCategory.choices},
        held=[
            Held(
                package_id=line.sale.package_id,
                name=line.name,
                category=line.sale.package.category,
                sessions_remaining=line.sessions_remaining,
                expires_on=line.expires_on,
            )
            for line in packages
            if line.usable
        ],
        bought_categories=bought,
        today=today,
    )


def customer_treatments(
    *, customer: Customer, needs: NeedsProfile | None, purchases: list[Purchase] | None = None
) -> CustomerTreatments:
    """The panel's data in a fixed number of queries: the purchases and the catalogue (2).

    Pass `purchases` when already read with `customer_purchases`."""
    if purchases is None:
        purchases = customer_purchases(customer=customer)
    today = timezone.localdate()
    packages = customer_packages(purchases=purchases, today=today)
    return CustomerTreatments(
        purchases=purchases,
        packages=packages,
        suggestions=customer_suggestions(
            needs=needs, packages=packages, purchases=purchases, today=today
        ),
        last_activity=purchases_last_activity(purchases),
    )


def purchase_get_for_customer(*, customer: Customer, purchase_id: int) -> Purchase:
    """A purchase of this customer (already checked against the user's branches), or 404."""
    purchase = (
        Purchase.objects.select_related("customer", "package", "product", "salesperson")
        .filter(pk=purchase_id, customer=customer)
        .first()
    )
    if purchase is None:
        raise Http404(_("找不到此購買記錄。"))
    return purchase


def catalogue_packages(*, user: User, include_inactive: bool = False) -> QuerySet:
    require(user, Capability.CUSTOMER_VIEW)
    packages = TreatmentPackage.objects.all()
    if not include_inactive:
        packages = packages.filter(is_active=True)
    return packages.order_by("category", "price", "name")


def catalogue_products(*, user: User, include_inactive: bool = False) -> QuerySet:
    require(user, Capability.CUSTOMER_VIEW)
    products = Product.objects.all()
    if not include_inactive:
        products = products.filter(is_active=True)
    return products.order_by("category", "price", "name")
