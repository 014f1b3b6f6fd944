"""Which packages or products to suggest to a customer (PIC4R2119v2 一.2 and 四.4).

A pure rule over plain data, so it can be tested with a table of cases; the selector in
`selectors.py` reads the data. In order of priority:

1. renewal: a package the customer holds that is nearly used up (2 sessions or fewer) or
   expires within 30 days → the same package again;
2. needs: a package in a service category the customer is interested in, priced within their
   budget band;
3. complementary: after a package of some category, a product of that category or a general
   health product, so the effect of the treatment carries on at home;
4. when nothing above fills two places: the entry-level package of an interest, or of the
   catalogue.

Never a package the customer already holds active and not running out, and never the same item
twice. At most three suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

RENEW_SESSIONS_LEFT = 2
RENEW_DAYS_LEFT = 30
MAX_SUGGESTIONS = 3
HEALTH_PRODUCTS = "health_products"

# NT$ price bands for packages by the budget of the needs profile (經濟型/標準型/高階型).
BUDGET_BANDS: dict[str, tuple[int, int | None]] = {
    "economy": (0, 8000),
    "standard": (8001, 18000),
    "premium": (18001, None),
}


@dataclass(frozen=True)
class Offer:
    """An item of the catalogue on sale."""

    kind: str  # "package" or "product"
    id: int
    name: str
    category: str
    price: int
    sessions: int = 0

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class Held:
    """A package the customer holds and may still use (status 有效)."""

    package_id: int
    name: str
    category: str
    sessions_remaining: int
    expires_on: date | None


@dataclass(frozen=True)
class Suggestion:
    offer: Offer
    reason: str


def _in_band(price: int, budget: str) -> bool:
    low, high = BUDGET_BANDS.get(budget, (0, None))
    return price >= low and (high is None or price <= high)


def _running_out(held: Held, today: date) -> bool:
    return held.sessions_remaining <= RENEW_SESSIONS_LEFT or (
        held.expires_on is not None and held.expires_on <= today + timedelta(days=RENEW_DAYS_LEFT)
    )


def treatment_suggest(
    *,
    catalogue: Iterable[Offer],
    interests: Iterable[str],
    budget: str,
    category_labels: dict[str, str],
    held: Iterable[Held],
    bought_categories: Iterable[str],
    today: date,
) -> list[Suggestion]:
    """Up to three suggestions, each with the reason a member of staff can read out."""
    catalogue = list(catalogue)
    held = list(held)
    interests = [i for i in interests if i in category_labels]
    bought = [c for c in dict.fromkeys(bought_categories) if c in category_labels]
    packages = sorted((o for o in catalogue if o.kind == "package"), key=lambda o: o.price)
    products = sorted((o for o in catalogue if o.kind == "product"), key=lambda o: o.price)
    # Held and not running out: never suggested. Held and running out: renewed.
    blocked = {("package", h.package_id) for h in held if not _running_out(h, today)}
    chosen: list[Suggestion] = []

    def add(offer: Offer, reason: str) -> None:
        taken = {s.offer.key for s in chosen}
        if len(chosen) < MAX_SUGGESTIONS and offer.key not in taken | blocked:
            chosen.append(Suggestion(offer, reason))

    by_key = {o.key: o for o in catalogue}
    for h in sorted(held, key=lambda h: (h.sessions_remaining, h.expires_on or date.max)):
        offer = by_key.get(("package", h.package_id))
        if offer is None or not _running_out(h, today):
            continue
        if h.sessions_remaining <= RENEW_SESSIONS_LEFT:
            reason = _("「%(name)s」剩 %(n)d 堂，建議續購同一療程。") % {
                "name": h.name,
                "n": h.sessions_remaining,
            }
        else:
            reason = _("「%(name)s」將於 %(date)s 到期，建議續購同一療程。") % {
                "name": h.name,
                "date": h.expires_on.isoformat() if h.expires_on else "",
            }
        add(offer, reason)

    for interest in interests:
        fitting = [o for o in packages if o.category == interest and _in_band(o.price, budget)]
        if fitting:
            reason = _("符合需求「%(interest)s」") % {"interest": category_labels[interest]}
            if budget in BUDGET_BANDS:
                reason += _("，價格在預算範圍內")
            add(fitting[0], reason + _("。"))
        if interest == HEALTH_PRODUCTS and products:
            add(
                products[0],
                _("符合需求「%(interest)s」。") % {"interest": category_labels[interest]},
            )

    for category in bought:
        matching = [o for o in products if o.category == category] or [
            o for o in products if o.category == HEALTH_PRODUCTS
        ]
        for offer in matching[:1]:
            add(
                offer,
                _("曾購買%(category)s療程，搭配居家使用延續療效。")
                % {"category": category_labels[category]},
            )

    if len(chosen) < 2:
        for interest in interests:
            for offer in [o for o in packages if o.category == interest][:1]:
                add(
                    offer,
                    _("符合需求「%(interest)s」的入門療程。")
                    % {"interest": category_labels[interest]},
                )
    if len(chosen) < 2:
        for offer in sorted(packages, key=lambda o: (o.sessions, o.price)):
            if len(chosen) >= 2:
                break
            add(offer, _("入門療程，適合初次體驗。"))
    return chosen
