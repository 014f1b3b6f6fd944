"""What the complaints app holds about a person (PT-F035/PT-F020), and its erasure rule:
a case still inside PT-P020 5.6.3's three years (or still open) is kept whole and listed in
the answer with the clause; the rest are anonymised. `release` finishes a kept case once its
hold has ended (privacy.erasure.holds_release, daily)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from careloop.complaints.models import Communication, Complaint, Evidence
from careloop.customers.models import Customer
from careloop.privacy.erasure import protect_held_complaints
from careloop.privacy.registry import (
    Contributor,
    ErasureContext,
    ReleaseContext,
    identity_terms,
    record,
    register,
)
from careloop.privacy.rules import HOLD_CLAUSE

HistoricalComplaint = Complaint.history.model

_COMPLAINANT_BLANK = {
    "complainant_phone": "",
    "complainant_email": "",
    "complainant_line_id": "",
    "submitter_fingerprint": "",
}


def complaints_of(customer: Customer) -> QuerySet[Complaint]:
    """The person's cases: linked to the record, or filed under the same phone by someone who
    was not yet a customer (PT-P020 5.1 takes complaints from anyone)."""
    condition = Q(customer=customer)
    if customer.phone:
        condition |= Q(customer__isnull=True, complainant_phone=customer.phone)
    return Complaint.objects.filter(condition).order_by("received_at", "id")


def complaints_copy(customer: Customer) -> list[dict]:
    complaints = list(complaints_of(customer).select_related("nature"))
    communications: dict[int, list[dict]] = {}
    for c in Communication.objects.filter(complaint__in=complaints).order_by("occurred_at"):
        communications.setdefault(c.complaint_id, []).append(
            record(c, ["channel", "occurred_at", "content", "customer_response", "response_note"])
        )
    out = []
    for complaint in complaints:
        row = record(
            complaint,
            [
                "number",
                "complainant_name",
                "complainant_phone",
                "complainant_email",
                "complainant_line_id",
                "channel",
                "received_at",
                "description",
                "expected_resolution",
                "nature",
                "grade",
                "state",
                "summary",
                "customer_accepted",
                "satisfaction_score",
                "satisfaction_note",
                "closed_at",
            ],
        )
        row["communications"] = communications.get(complaint.pk, [])
        out.append(row)
    return out


def _files_delete(evidence: QuerySet[Evidence], ctx: ErasureContext | ReleaseContext) -> int:
    """Clear the rows' file names now; the files themselves go once the erasure commits."""
    names = list(evidence.exclude(file="").values_list("file", flat=True))
    evidence.update(file="")
    return ctx.files_delete(names)


def complaints_erase(ctx: ErasureContext) -> None:
    held, released = [], []
    for complaint in complaints_of(ctx.customer):
        # The sweep may change the rows of these complaints only, never another's.
        ctx.complaint_ids.add(complaint.pk)
        until = complaint.retention_until
        (held if until is None or until > ctx.now else released).append(complaint)
    for complaint in held:
        until = complaint.retention_until
        ctx.held_complaint_ids.add(complaint.pk)
        ctx.kept.append(
            {
                "model": "complaints.Complaint",
                "label": "客訴",
                "id": complaint.pk,
                "number": complaint.number,
                "clause": HOLD_CLAUSE,
                "until": until.isoformat() if until else None,
            }
        )
    protect_held_complaints(ctx)
    ids = [c.pk for c in released]
    values = {"complainant_name": ctx.placeholder, **_COMPLAINANT_BLANK}
    ctx.count("complaints", Complaint.objects.filter(pk__in=ids).update(**values))
    ctx.count("complaints:history", HistoricalComplaint.objects.filter(id__in=ids).update(**values))
    ctx.count("files:evidence", _files_delete(Evidence.objects.filter(complaint_id__in=ids), ctx))


def complaints_release(ctx: ReleaseContext) -> None:
    ids = ctx.complaint_ids
    identities = set(
        HistoricalComplaint.objects.filter(id__in=ids).values_list(
            "complainant_name", "complainant_phone", "complainant_email", "complainant_line_id"
        )
    ) | set(
        Complaint.objects.filter(pk__in=ids).values_list(
            "complainant_name", "complainant_phone", "complainant_email", "complainant_line_id"
        )
    )
    terms = set(ctx.terms)
    for name, phone, email, line_id in identities:
        if name == ctx.placeholder:
            name = ""
        terms |= set(
            identity_terms(
                name=name, phone=phone, email=email, line_id=line_id, placeholder=ctx.placeholder
            )
        )
    ctx.terms = sorted(terms, key=lambda t: len(t[0]), reverse=True)
    values = {"complainant_name": ctx.placeholder, **_COMPLAINANT_BLANK}
    ctx.count("complaints", Complaint.objects.filter(pk__in=ids).update(**values))
    ctx.count("complaints:history", HistoricalComplaint.objects.filter(id__in=ids).update(**values))
    ctx.count("files:evidence", _files_delete(Evidence.objects.filter(complaint_id__in=ids), ctx))


register(
    Contributor(
        key="complaints",
        label="客訴記錄",
        order=10,
        copy=complaints_copy,
        erase=complaints_erase,
        release=complaints_release,
    )
)
