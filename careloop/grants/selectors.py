"""Reads of grants shared by the pages, the API and the worklist."""

from __future__ import annotations

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from careloop.accounts.models import User
from careloop.accounts.permissions import user_authority_limit, user_branch_ids
from careloop.grants.models import Grant, GrantState, Scope
from careloop.grants.services import CUSTOMER_WINDOW


def grants_visible_to(*, user: User) -> QuerySet[Grant]:
    queryset = Grant.objects.all()
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=branch_ids)
    return queryset


def _approved_sum(**filters: object) -> Subquery:
    return Subquery(
        Grant.objects.filter(state=GrantState.APPROVED, **filters)
        .order_by()
        .values("state")
        .annotate(total=Sum("value"))
        .values("total"),
        output_field=IntegerField(),
    )


def grants_pending_for(*, user: User, kind: str | None = None) -> QuerySet[Grant]:
    """Grants this user may decide: pending, in their branches, within their authority limit
    counted on the scope's approved total as it stands now (what the decision will check),
    not their own. One query however many there are (the caller adds its select_related)."""
    limit = user_authority_limit(user)
    if limit == 0:
        return Grant.objects.none()
    grants = grants_visible_to(user=user).filter(state=GrantState.PENDING)
    if kind is not None:
        grants = grants.filter(kind=kind)
    grants = grants.exclude(requested_by_id=user.pk)
    if limit is not None:
        case_now = _approved_sum(case_key=OuterRef("case_key"), scope=Scope.CASE)
        customer_now = _approved_sum(
            customer_id=OuterRef("customer_id"),
            scope=Scope.CUSTOMER_30_DAYS,
            decided_at__gt=timezone.now() - CUSTOMER_WINDOW,
        )
        grants = grants.annotate(
            total_now=Case(
                When(scope=Scope.CASE, then=Coalesce(case_now, Value(0))),
                default=Coalesce(customer_now, Value(0)),
            )
            + F("value")
        ).filter(total_now__lte=limit)
    return grants.order_by("requested_at", "id")
