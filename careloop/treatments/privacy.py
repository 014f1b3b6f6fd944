"""Purchases and session use in a person's copy; on erasure the amounts stay (商業會計法 §38
keeps accounting records) as figures under the anonymised record, the free texts go."""

from __future__ import annotations

from typing import Any

from careloop.customers.models import Customer
from careloop.privacy.registry import Contributor, ErasureContext, record, register
from careloop.treatments.models import Purchase, SessionUse


def treatments_copy(customer: Customer) -> dict[str, Any]:
    return {
        "purchases": [
            record(
                p,
                [
                    "purchased_on",
                    "kind",
                    "item_name",
                    "quantity",
                    "sessions",
                    "amount",
                    "promotion",
                    "salesperson",
                    "sessions_remaining",
                    "expires_on",
                    "reason",
                ],
            )
            for p in Purchase.objects.filter(customer=customer)
            .select_related("salesperson")
            .order_by("purchased_on", "id")
        ],
        "session_uses": [
            record(u, ["used_on", "therapist", "note"])
            for u in SessionUse.objects.filter(customer=customer)
            .select_related("therapist")
            .order_by("used_on", "id")
        ],
    }


def treatments_erase(ctx: ErasureContext) -> None:
    customer_id = ctx.customer.pk
    # The reason of a refund and a session's note are free text about the person; the amount,
    # date, item and salesperson are the accounting record and stay (the answer says so when
    # the count below is not zero: privacy.services).
    ctx.count(
        "treatments.Purchase", Purchase.objects.filter(customer_id=customer_id).update(reason="")
    )
    Purchase.history.filter(customer_id=customer_id).update(reason="")
    ctx.count(
        "treatments.SessionUse", SessionUse.objects.filter(customer_id=customer_id).update(note="")
    )
    SessionUse.history.filter(customer_id=customer_id).update(note="")


register(
    Contributor(
        key="treatments",
        label="療程與購買記錄",
        order=30,
        copy=treatments_copy,
        erase=treatments_erase,
    )
)
