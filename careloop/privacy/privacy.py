"""The person's own requests under 個資法 §3: on erasure, what they said in their own words
(the request's details, and the identity note, which may hold an ID-card number) is blanked in
every one of their requests and in every history row of them. The rest (kind, dates, who
handled it, the answer) stays: it is the record that the request was answered in time (§13)."""

from __future__ import annotations

from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.registry import Contributor, ErasureContext, register, rows_blank

_BLANK = {"details": "", "identity_note": ""}


def requests_erase(ctx: ErasureContext) -> None:
    customer_id = ctx.customer.pk
    ctx.count(
        "privacy.DataSubjectRequest",
        rows_blank(DataSubjectRequest.objects.filter(customer_id=customer_id), **_BLANK),
    )
    rows_blank(DataSubjectRequest.history.filter(customer_id=customer_id), **_BLANK)


register(Contributor(key="privacy", label="個資當事人請求", order=80, erase=requests_erase))
