"""What the customer record (PT-F025) holds about a person, and how it is anonymised.

The record itself stays, renamed 「已刪除客戶 #id」, so counts and the purchase figures kept
for accounting still add up; every field that identifies or describes the person is cleared,
free texts about them are replaced, and the history tables' rows for them are deleted (one
anonymised history row records the erasure)."""

from __future__ import annotations

from typing import Any

from careloop.customers.models import (
    Anniversary,
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    NeedsProfile,
    SatisfactionRecord,
    SignOff,
)
from careloop.privacy.registry import Contributor, ErasureContext, record, register
from careloop.privacy.rules import ERASED_TEXT

CUSTOMER_FIELDS = [
    "number",
    "name",
    "phone",
    "email",
    "line_id",
    "birthday",
    "customer_type",
    "source",
    "source_other",
    "referrer",
    "branch",
    "primary_therapist",
    "sales_consultant",
    "preferences",
    "special_needs",
    "consent_sms",
    "consent_email",
    "consent_line",
    "processing_stopped_at",
    "notes",
    "created_at",
    "updated_at",
]
CONSENTS = ("consent_sms", "consent_email", "consent_line")

# Child rows: (model, what their text columns become). Anniversaries go: a date and its name
# are the person's and nothing counts them.
_BLANKED: list[tuple[type, dict[str, Any]]] = [
    (
        NeedsProfile,
        {"main_concerns": "", "service_interest_other": "", "decision_factor_other": ""},
    ),
    (Interaction, {"summary": ERASED_TEXT, "follow_up_action": ""}),
    (SatisfactionRecord, {"positive_feedback": "", "improvement_suggestions": ""}),
    (ImportantEvent, {"description": ERASED_TEXT, "outcome": ""}),
    (ContactPlan, {"purpose_other": ""}),
]


def consent_history(customer: Customer) -> list[dict[str, Any]]:
    """Each change of the marketing consent ticks, oldest first, from the history table."""
    rows = (
        Customer.history.filter(id=customer.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    out: list[dict[str, Any]] = []
    previous: tuple[bool, ...] | None = None
    for row in rows:
        ticks = tuple(getattr(row, name) for name in CONSENTS)
        if ticks != previous:
            out.append(
                {
                    "at": row.history_date.isoformat(),
                    "by": str(row.history_user) if row.history_user else None,
                    **dict(zip(CONSENTS, ticks, strict=True)),
                }
            )
            previous = ticks
    return out


def customer_copy(customer: Customer) -> dict[str, Any]:
    needs = NeedsProfile.objects.filter(customer=customer).first()
    return {
        "record": record(customer, CUSTOMER_FIELDS),
        "consent_history": consent_history(customer),
        "needs": None
        if needs is None
        else {
            **record(
                needs,
                [
                    "main_concerns",
                    "service_interest_other",
                    "budget",
                    "decision_factor_other",
                    "updated_at",
                ],
            ),
            "service_interests": needs.get_service_interests_display(),
            "decision_factors": needs.get_decision_factors_display(),
        },
        "anniversaries": [record(a, ["label", "date"]) for a in customer.anniversaries.all()],
        "interactions": [
            record(
                i,
                [
                    "occurred_at",
                    "channel",
                    "staff",
                    "summary",
                    "reaction",
                    "follow_up_action",
                    "status",
                ],
            )
            for i in customer.interactions.select_related("staff").order_by("occurred_at", "id")
        ],
        "satisfaction": [
            record(s, ["recorded_on", "score", "positive_feedback", "improvement_suggestions"])
            for s in customer.satisfaction_records.order_by("recorded_on", "id")
        ],
        "important_events": [
            record(e, ["occurred_on", "kind", "description", "outcome"])
            for e in customer.important_events.order_by("occurred_on", "id")
        ],
        "contact_plans": [
            record(p, ["due_date", "purpose", "purpose_other", "assignee", "done", "done_at"])
            for p in customer.contact_plans.select_related("assignee").order_by("due_date", "id")
        ],
        "sign_offs": [
            record(s, ["kind", "signed_by", "signed_at", "comment"])
            for s in customer.sign_offs.select_related("signed_by").order_by("signed_at", "id")
        ],
    }


def customer_erase(ctx: ErasureContext) -> None:
    customer = ctx.customer
    for model, values in _BLANKED:
        ctx.count(model._meta.label, model.objects.filter(customer=customer).update(**values))
        ctx.count(
            f"{model._meta.label}:history",
            model.history.filter(customer_id=customer.pk).delete()[0],
        )
    SignOff.objects.filter(customer=customer).update(comment="")
    Anniversary.history.filter(customer_id=customer.pk).delete()
    ctx.count("customers.Anniversary", Anniversary.objects.filter(customer=customer).delete()[0])
    ctx.count("customers.Customer:history", Customer.history.filter(id=customer.pk).delete()[0])
    customer.name = ctx.placeholder
    customer.phone = customer.email = customer.line_id = ""
    customer.birthday = None
    customer.source_other = customer.preferences = customer.special_needs = customer.notes = ""
    customer.referrer = None
    customer.consent_sms = customer.consent_email = customer.consent_line = False
    customer.processing_stopped_at = customer.processing_stopped_at or ctx.now
    customer._history_user = ctx.by
    customer._change_reason = "個資刪除"
    customer.save()
    ctx.count("customers.Customer")


register(
    Contributor(
        key="customers",
        label="客戶基本資料與互動記錄",
        order=90,
        copy=customer_copy,
        erase=customer_erase,
    )
)
