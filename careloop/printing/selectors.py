"""What each printed form shows, read through the same selectors as the pages.

The caller has already fetched the customer with `customer_get_for_user`, so everything here
lies inside the user's branches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import TextChoices
from django.utils import timezone

from careloop.accounts.models import User
from careloop.customers.models import (
    Budget,
    Channel,
    ContactPlan,
    ContactPurpose,
    Customer,
    CustomerType,
    DecisionFactor,
    EventKind,
    ImportantEvent,
    Interaction,
    InteractionStatus,
    NeedsProfile,
    Reaction,
    SatisfactionRecord,
    ServiceInterest,
    SignOff,
    Source,
)
from careloop.customers.selectors import customer_page
from careloop.printing.registry import FormControl, form_control
from careloop.treatments.models import Purchase, PurchaseKind

# The paper form has five interaction rows and three purchase rows; a short record is padded
# with blank rows so the printout can still be filled in by hand. A long one is never cut.
PAPER_INTERACTION_ROWS = 5
PAPER_PURCHASE_ROWS = 3


@dataclass(frozen=True)
class Box:
    """One □ on the form: its label, whether it is ticked, and the text after 其他：."""

    label: str
    ticked: bool
    text: str = ""
    is_other: bool = False


def boxes(
    choices: type[TextChoices], chosen: Iterable[str], *, other_text: str | None = None
) -> list[Box]:
    """The boxes of one question, ticked as recorded.

    `other_text` is given for questions whose 其他 box has a blank on the paper (其他：____);
    None for those without one (重要事件's 其他問題).
    """
    chosen = set(chosen)
    return [
        Box(
            label=str(label),
            ticked=value in chosen,
            text=(other_text or "") if value == "other" and value in chosen else "",
            is_other=value == "other" and other_text is not None,
        )
        for value, label in choices.choices
    ]


@dataclass(frozen=True)
class InteractionRow:
    interaction: Interaction
    channel: list[Box]
    reaction: list[Box]
    status: list[Box]


@dataclass(frozen=True)
class PurchaseRow:
    purchase: Purchase
    item: str
    quantity: str


@dataclass(frozen=True)
class EventBlock:
    event: ImportantEvent | None
    kinds: list[Box]


@dataclass
class PtF025:
    control: FormControl
    customer: Customer
    roc: bool
    printed_at: datetime
    printed_by: User
    customer_type: list[Box]
    source: list[Box]
    referrer_name: str
    interactions: list[InteractionRow]
    needs: NeedsProfile | None
    service_interests: list[Box]
    budget: list[Box]
    decision_factors: list[Box]
    purchases: list[PurchaseRow]
    satisfaction: SatisfactionRecord | None
    events: list[EventBlock]
    next_plan: ContactPlan | None
    next_plan_purpose: list[Box]
    recorder_sign_off: SignOff | None
    supervisor_sign_off: SignOff | None
    blank_interaction_rows: range = field(default_factory=lambda: range(0))
    blank_purchase_rows: range = field(default_factory=lambda: range(0))


def _interaction_row(interaction: Interaction) -> InteractionRow:
    return InteractionRow(
        interaction=interaction,
        channel=boxes(Channel, [interaction.channel]),
        reaction=boxes(Reaction, [interaction.reaction]),
        status=boxes(InteractionStatus, [interaction.status]),
    )


def _purchase_row(purchase: Purchase) -> PurchaseRow:
    item = purchase.item_name
    if purchase.kind != PurchaseKind.SALE:
        item = f"{item}（{purchase.get_kind_display()}）"
    if purchase.package_id:
        quantity = f"{purchase.sessions} 堂"
        if purchase.quantity > 1:
            quantity = f"{purchase.quantity} 組／{quantity}"
    else:
        quantity = f"{purchase.quantity} 件"
    return PurchaseRow(purchase=purchase, item=item, quantity=quantity)


def _referrer_name(customer: Customer) -> str:
    if customer.referrer_id:
        return customer.referrer.name
    # A referrer who is not a customer is typed into the source note (Customer.clean).
    return customer.source_other if customer.source == Source.REFERRAL else ""


def pt_f025_document(*, customer: Customer, user: User, roc: bool = False) -> PtF025:
    """PT-F025 客戶互動追蹤記錄表 for one customer, every section in the paper's order.

    Tables read oldest first, as a paper record is filled in; nothing is truncated.
    """
    page = customer_page(customer=customer, user=user)
    needs = page.needs
    purchases = list(
        Purchase.objects.filter(customer=customer)
        .select_related("salesperson")
        .order_by("purchased_on", "id")
    )
    interactions = [_interaction_row(i) for i in reversed(page.interactions)]
    events = [EventBlock(e, boxes(EventKind, [e.kind])) for e in reversed(page.events)]
    next_plan = page.open_plans[0] if page.open_plans else None
    return PtF025(
        control=form_control("PT-F025"),
        customer=customer,
        roc=roc,
        printed_at=timezone.now(),
        printed_by=user,
        customer_type=boxes(CustomerType, [customer.customer_type]),
        source=boxes(Source, [customer.source], other_text=customer.source_other),
        referrer_name=_referrer_name(customer),
        interactions=interactions,
        needs=needs,
        service_interests=boxes(
            ServiceInterest,
            needs.service_interests if needs else [],
            other_text=needs.service_interest_other if needs else "",
        ),
        budget=boxes(Budget, [needs.budget] if needs else []),
        decision_factors=boxes(
            DecisionFactor,
            needs.decision_factors if needs else [],
            other_text=needs.decision_factor_other if needs else "",
        ),
        purchases=[_purchase_row(p) for p in purchases],
        satisfaction=page.satisfaction[0] if page.satisfaction else None,
        events=events or [EventBlock(None, boxes(EventKind, []))],
        next_plan=next_plan,
        next_plan_purpose=boxes(
            ContactPurpose,
            [next_plan.purpose] if next_plan else [],
            other_text=next_plan.purpose_other if next_plan else "",
        ),
        recorder_sign_off=page.recorder_sign_off,
        supervisor_sign_off=page.supervisor_sign_off,
        blank_interaction_rows=range(max(0, PAPER_INTERACTION_ROWS - len(interactions))),
        blank_purchase_rows=range(max(0, PAPER_PURCHASE_ROWS - len(purchases))),
    )
