"""Compensation in a person's copy; on erasure the texts go and the signed settlement's file
is deleted, except for cases kept under PT-P020 5.6.3 (complaints/privacy.py protects them):
a compensation is part of the case's handling record (§5.5.2).

A person's compensations are those granted to their record and those of their complaints as
complaints_of finds them, which includes a case filed under their phone before they were a
customer (no customer link on the complaint or the compensation)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from careloop.compensation.models import Compensation, Settlement
from careloop.complaints.privacy import complaints_of
from careloop.customers.models import Customer
from careloop.privacy.registry import Contributor, ErasureContext, ReleaseContext, record, register


def _of(customer: Customer) -> Q:
    return Q(customer=customer) | Q(complaint_id__in=complaints_of(customer).values("pk"))


def compensation_copy(customer: Customer) -> list[dict]:
    return [
        {
            **record(c, ["kind", "description", "value", "status", "requested_at", "done_at"]),
            "complaint": c.complaint.number if c.complaint_id else None,
        }
        for c in Compensation.objects.filter(_of(customer))
        .select_related("complaint")
        .order_by("requested_at", "id")
        .distinct()
    ]


def _settlement_files_delete(
    settlements: QuerySet[Settlement], ctx: ErasureContext | ReleaseContext
) -> int:
    """Clear the rows' file names now; the signed files go once the erasure commits."""
    names = list(settlements.exclude(file="").values_list("file", flat=True))
    settlements.update(file="")
    return ctx.files_delete(names)


def compensation_erase(ctx: ErasureContext) -> None:
    held = Q(complaint_id__in=ctx.held_complaint_ids)
    # By the complaint ids the complaints app found (order 10): it has already blanked the
    # phone that tied an anonymous case to the person, so complaints_of cannot find it again.
    mine = Q(customer=ctx.customer) | Q(complaint_id__in=ctx.complaint_ids)
    compensations = Compensation.objects.filter(mine).exclude(held)
    ids = list(compensations.values_list("pk", flat=True))
    ctx.count(
        "compensation.Compensation", Compensation.objects.filter(pk__in=ids).update(done_note="")
    )
    Compensation.history.filter(id__in=ids).update(done_note="")
    settlements = Settlement.objects.filter(compensation_id__in=ids)
    ctx.count("files:settlement", _settlement_files_delete(settlements, ctx))
    # The signer of a settlement is the person (or their representative): a name.
    settlements.update(signed_by=ctx.placeholder)
    Settlement.history.filter(compensation_id__in=ids).update(signed_by=ctx.placeholder, file="")


def compensation_release(ctx: ReleaseContext) -> None:
    ids = list(
        Compensation.objects.filter(complaint_id__in=ctx.complaint_ids).values_list("pk", flat=True)
    )
    settlements = Settlement.objects.filter(compensation_id__in=ids)
    ctx.count("files:settlement", _settlement_files_delete(settlements, ctx))
    settlements.update(signed_by=ctx.placeholder)
    Settlement.history.filter(compensation_id__in=ids).update(signed_by=ctx.placeholder, file="")


register(
    Contributor(
        key="compensation",
        label="補償記錄",
        order=20,
        copy=compensation_copy,
        erase=compensation_erase,
        release=compensation_release,
    )
)
