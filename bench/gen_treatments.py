"""Purchases (packages and products, a few refunds and cancellations) and session uses.

Every package sale carries what `treatments/services.py` keeps on it: `sessions_remaining`
= its sessions − the sessions used − the sessions refunded or cancelled, `first_session_on`
= its first use, `expires_on` = `add_months(purchased_on, validity)`. Uses fall between the sale
and the earlier of its expiry, today and the customer's last visit, and before any refund.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

from bench.gen_base import Clock, Counts
from bench.gen_customers import YEAR, CustomerPlan
from bench.gen_people import Staff
from bench.gen_writer import BulkWriter
from careloop.customers.models import CustomerType
from careloop.treatments.models import (
    Product,
    Purchase,
    PurchaseKind,
    SessionUse,
    TreatmentPackage,
)
from careloop.treatments.services import add_months

REVERSAL_SHARE = 0.015
PACKAGE_SHARE = 0.58
_BUYING = {CustomerType.LOST: 1.0, CustomerType.CURRENT: 1.6, CustomerType.VIP: 4.0}
_PROMOTIONS = ("", "", "", "新客首購 9 折", "舊客續約優惠")
_REFUND_REASONS = (
    "工作調動無法繼續療程",
    "搬家至外縣市",
    "療效不如預期，協議退費",
    "身體因素暫停治療",
)
_CANCEL_REASONS = ("客戶要求取消剩餘堂數", "醫師建議改為手術治療", "療程重複購買")


@dataclass
class _Sale:
    day: int
    moment: int
    customer: int  # index
    package: tuple | None  # (id, name, sessions, price, months)
    product: tuple | None  # (id, name, price)
    amount: int
    promotion: str
    salesperson: int | None
    creator: int
    expires: int | None = None
    sessions: int = 0
    uses: list[int] = field(default_factory=list)  # days
    refunded: int = 0
    id: int = 0


@dataclass
class _Reversal:
    day: int
    moment: int
    sale: _Sale
    kind: str
    sessions: int
    amount: int
    reason: str
    creator: int
    id: int = 0


def treatments_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    counts: Counts,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
) -> None:
    catalogue = _Catalogue()
    wanted_reversals = round(counts.purchases * REVERSAL_SHARE)
    sales = _sales(plan, counts.purchases - wanted_reversals, clock, staff, rng, catalogue)
    packages = [s for s in sales if s.package]
    _spread_uses(packages, counts.session_uses, plan, clock, rng)
    reversals = _reversals(packages, wanted_reversals, clock, staff, plan, rng)
    if len(reversals) < wanted_reversals:  # a tiny scale without enough open packages
        more = wanted_reversals - len(reversals)
        sales += _sales(plan, more, clock, staff, rng, catalogue, products_only=True)
    everything: list[_Sale | _Reversal] = [*sales, *reversals]
    everything.sort(key=lambda p: (p.day, p.moment))
    for number, purchase in enumerate(everything, start=1):
        purchase.id = number
    writer.insert(Purchase, PURCHASE_FIELDS, (_purchase_row(p, plan, clock) for p in everything))
    writer.insert(SessionUse, USE_FIELDS, _use_rows(packages, plan, clock, staff, rng))


class _Catalogue:
    def __init__(self) -> None:
        self.packages = list(
            TreatmentPackage.objects.filter(is_active=True)
            .order_by("id")
            .values_list("id", "name", "sessions", "price", "validity_months")
        )
        self.products = list(
            Product.objects.filter(is_active=True).order_by("id").values_list("id", "name", "price")
        )
        if not self.packages or not self.products:
            raise RuntimeError("the catalogue is empty: run catalogue_ensure_demo first")
        self._expiry: dict[tuple[int, int], int] = {}

    def expires(self, day: int, months: int) -> int:
        key = (day, months)
        if key not in self._expiry:
            from datetime import date

            self._expiry[key] = add_months(date.fromordinal(day), months).toordinal()
        return self._expiry[key]


def _sales(
    plan: CustomerPlan,
    count: int,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    catalogue: _Catalogue,
    *,
    products_only: bool = False,
) -> list[_Sale]:
    buyers = [i for i in range(plan.count) if plan.kind[i] != CustomerType.PROSPECT]
    if not buyers:
        buyers = list(range(plan.count))
    cumulative = list(
        accumulate(
            _BUYING.get(plan.kind[i], 0.5) * max(0.1, (plan.end[i] - plan.created[i]) / YEAR)
            for i in buyers
        )
    )
    sales = []
    for i in rng.choices(buyers, cum_weights=cumulative, k=count):
        first, last = clock.local_day(plan.created[i]), clock.local_day(plan.end[i])
        day = rng.randint(first, last)
        moment = max(
            plan.created[i], min(clock.now, clock.at(day, 36_000 + rng.randrange(600) * 60))
        )
        consultant = plan.consultant[i] or rng.choice(staff.of(plan.branch[i], "consultant"))
        promotion = rng.choice(_PROMOTIONS)
        if not products_only and rng.random() < PACKAGE_SHARE:
            package = rng.choice(catalogue.packages)
            amount = round(package[3] * 0.9) if promotion else package[3]
            expires = catalogue.expires(day, package[4])
            sale = _Sale(day, moment, i, package, None, amount, promotion, consultant, consultant,
                         expires=expires, sessions=package[2])  # fmt: skip
        else:
            product = rng.choice(catalogue.products)
            desk = rng.choice(staff.of(plan.branch[i], "desk"))
            sale = _Sale(day, moment, i, None, product, product[2], "", consultant, desk)
        sales.append(sale)
    return sales


def _spread_uses(
    packages: list[_Sale], total: int, plan: CustomerPlan, clock: Clock, rng: random.Random
) -> None:
    """Exactly `total` uses over the packages: expired packages mostly used up, running ones
    in proportion to the time they have run."""
    last_days, caps, wishes = [], [], []
    for sale in packages:
        last = min(
            sale.expires or clock.today, clock.today, clock.local_day(plan.end[sale.customer])
        )
        last = max(last, sale.day)
        last_days.append(last)
        caps.append(sale.sessions)
        if last < clock.today:
            wishes.append(sale.sessions * rng.betavariate(5, 1.5))
        else:
            ran = (clock.today - sale.day) / max(1, (sale.expires or clock.today) - sale.day)
            wishes.append(sale.sessions * min(1.0, ran * rng.uniform(0.7, 1.3)))
    factor = total / max(sum(wishes), 1e-9)
    used = [min(cap, int(w * factor + rng.random())) for w, cap in zip(wishes, caps, strict=True)]
    diff = total - sum(used)
    if diff > sum(caps) - sum(used):
        raise RuntimeError("more session uses asked for than the packages hold")
    indexes = range(len(packages))
    while diff:
        k = rng.choice(indexes)
        if diff > 0 and used[k] < caps[k]:
            used[k] += 1
            diff -= 1
        elif diff < 0 and used[k] > 0:
            used[k] -= 1
            diff += 1
    for sale, n, last in zip(packages, used, last_days, strict=True):
        sale.uses = sorted(rng.randint(sale.day, last) for _ in range(n))


def _reversals(
    packages: list[_Sale],
    wanted: int,
    clock: Clock,
    staff: Staff,
    plan: CustomerPlan,
    rng: random.Random,
) -> list[_Reversal]:
    """Refunds of part of what is left, and cancellations of all of it, after the last use."""
    open_ones = [s for s in packages if s.sessions > len(s.uses)]
    reversals = []
    for sale in rng.sample(open_ones, min(wanted, len(open_ones))):
        left = sale.sessions - len(sale.uses)
        after = sale.uses[-1] if sale.uses else sale.day
        day = min(clock.today, after + rng.randint(1, 60))
        moment = min(clock.now, clock.at(day, 39_600 + rng.randrange(480) * 60))
        creator = rng.choice(staff.of(plan.branch[sale.customer], "cs"))
        if rng.random() < 0.35:
            sessions, kind, reason = left, PurchaseKind.CANCELLATION, rng.choice(_CANCEL_REASONS)
        else:
            sessions, kind, reason = (
                rng.randint(1, left),
                PurchaseKind.REFUND,
                rng.choice(_REFUND_REASONS),
            )
        amount = round(sale.amount * sessions / sale.sessions)
        sale.refunded = sessions
        reversals.append(_Reversal(day, moment, sale, kind, sessions, amount, reason, creator))
    return reversals


PURCHASE_FIELDS = (
    "id", "customer", "branch", "kind", "reverses", "purchased_on", "package", "product",
    "item_name", "quantity", "sessions", "amount", "promotion", "salesperson", "expires_on",
    "sessions_remaining", "first_session_on", "reason", "created_at", "created_by",
)  # fmt: skip


def _purchase_row(p: _Sale | _Reversal, plan: CustomerPlan, clock: Clock) -> tuple:
    if isinstance(p, _Reversal):
        sale = p.sale
        return (
            p.id, sale.customer + 1, plan.branch[sale.customer] + 1, p.kind, sale.id,
            clock.day_str(p.day), sale.package[0], None, sale.package[1], 1, -p.sessions,
            -p.amount, "", None, None, 0, None, p.reason, clock.ts(p.moment), p.creator,
        )  # fmt: skip
    item = p.package or p.product
    return (
        p.id, p.customer + 1, plan.branch[p.customer] + 1, PurchaseKind.SALE, None,
        clock.day_str(p.day), p.package[0] if p.package else None,
        p.product[0] if p.product else None, item[1], 1, p.sessions, p.amount, p.promotion,
        p.salesperson, clock.day_str(p.expires) if p.expires else None,
        p.sessions - len(p.uses) - p.refunded, clock.day_str(p.uses[0]) if p.uses else None, "",
        clock.ts(p.moment), p.creator,
    )  # fmt: skip


USE_FIELDS = ("purchase", "customer", "used_on", "therapist", "branch", "note", "created_at",
              "created_by")  # fmt: skip


def _use_rows(
    packages: list[_Sale], plan: CustomerPlan, clock: Clock, staff: Staff, rng: random.Random
):
    """In the order they happened, like the interactions."""
    uses = [(day, sale.id, sale.customer) for sale in packages for day in sale.uses]
    uses.sort()
    for day, purchase_id, i in uses:
        therapist = plan.therapist[i]
        if therapist is None or rng.random() < 0.15:
            therapist = rng.choice(staff.of(plan.branch[i], "therapist"))
        moment = min(clock.now, clock.at(day, 32_400 + rng.randrange(720) * 60))
        yield (purchase_id, i + 1, clock.day_str(day), therapist, plan.branch[i] + 1, "",
               clock.ts(moment), therapist)  # fmt: skip
