"""Demo data: 王小明 of the README walkthrough has asked for a copy of his data (pending)."""

from __future__ import annotations

import datetime as dt

from careloop.accounts.models import User
from careloop.customers.models import Customer
from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.rules import IdentityMethod, RequestChannel, RequestKind, request_due

DEMO_CUSTOMER_NAME = "王小明"


def privacy_demo_load(*, now: dt.datetime, users: dict[str, User]) -> int:
    """One pending copy request, received two days ago at 台北總院 by its customer service."""
    customer = Customer.objects.filter(name=DEMO_CUSTOMER_NAME, branch__code="taipei").first()
    staff = users.get("cs_taipei")
    if customer is None or staff is None:
        return 0
    received_at = now - dt.timedelta(days=2)
    DataSubjectRequest.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        kind=RequestKind.COPY,
        received_at=received_at,
        received_by=staff,
        channel=RequestChannel.IN_PERSON,
        identity_verified_by=staff,
        identity_method=IdentityMethod.ID_CARD,
        details="申請本人全部個人資料之複本（電子檔）。",
        due_at=request_due(kind=RequestKind.COPY, received_at=received_at),
    )
    return 1
