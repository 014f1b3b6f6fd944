"""Reads of compensation shared by the pages, the API and the worklist, always scoped to the
user's branches: a compensation, a request or a flag outside them is 404, like "not there"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import (
    Capability,
    require,
    user_authority_limit,
    user_branch_ids,
    user_can,
)
from careloop.compensation import rules
from careloop.compensation.models import (
    GRANTED_STATES,
    AbuseFlag,
    Assessment,
    Compensation,
    Offer,
    Status,
)
from careloop.compensation.services import (
    GRANT_KIND,
    case_total_with,
    compensated_complaints,
    may_work_on,
    settlement_reason,
)
from careloop.complaints.models import Complaint
from careloop.customers.models import Customer
from careloop.grants.models import Grant
from careloop.grants.selectors import grants_pending_for, grants_visible_to
from careloop.grants.services import decide_refusal
from careloop.treatments.models import Purchase

LIST_PAGE_SIZE = 50
CUSTOMER_PANEL_ROWS = 20

_COMPENSATION_RELATED = (
    "complaint",
    "customer",
    "branch",
    "offer",
    "requested_by",
    "approved_by",
    "done_by",
    "grant__requested_by",
    "grant__decided_by",
    "settlement__recorded_by",
)


def compensations_visible_to(*, user: User) -> QuerySet[Compensation]:
    require(user, Capability.COMPLAINT_VIEW)
    branch_ids = user_branch_ids(user)
    queryset = Compensation.objects.all()
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=branch_ids)
    return queryset


def compensation_get_for_user(*, user: User, compensation_id: int) -> Compensation:
    compensation = (
        compensations_visible_to(user=user)
        .select_related(*_COMPENSATION_RELATED)
        .filter(pk=compensation_id)
        .first()
    )
    if compensation is None:
        raise Http404(_("找不到此補償記錄。"))
    return compensation


def approval_get_for_user(*, user: User, approval_id: int) -> Grant:
    """A compensation's grant (its approval request) in the user's branches, or 404."""
    require(user, Capability.COMPLAINT_VIEW)
    request = (
        grants_visible_to(user=user)
        .filter(kind=GRANT_KIND, pk=approval_id)
        .select_related("compensation__complaint", "requested_by", "decided_by")
        .first()
    )
    if request is None:
        raise Http404(_("找不到此補償核准申請。"))
    return request


def flag_get_for_user(*, user: User, flag_id: int) -> AbuseFlag:
    require(user, Capability.COMPLAINT_VIEW)
    flags = AbuseFlag.objects.select_related("customer", "acknowledged_by")
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        flags = flags.filter(customer__branch_id__in=branch_ids)
    flag = flags.filter(pk=flag_id).first()
    if flag is None:
        raise Http404(_("找不到此審查標記。"))
    return flag


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    branch: int | None = None
    status: str = ""
    month: dt.date | None = None  # the first day of the month the compensation was proposed
    flagged: bool = False  # only customers with a flag not yet reviewed
    customer: int | None = None


def _open_flag() -> Exists:
    return Exists(
        AbuseFlag.objects.filter(customer=OuterRef("customer"), acknowledged_at__isnull=True)
    )


def compensation_list(*, user: User, filters: ListFilters) -> QuerySet[Compensation]:
    """Compensations in the user's branches, newest first; each row knows whether its customer
    carries an open abuse flag (one query for the page, whatever its length)."""
    queryset = compensations_visible_to(user=user).annotate(flagged=_open_flag())
    if filters.branch:
        queryset = queryset.filter(branch_id=filters.branch)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.month:
        start = timezone.make_aware(dt.datetime.combine(filters.month, dt.time.min))
        following = (filters.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
        queryset = queryset.filter(requested_at__gte=start, requested_at__lt=end)
    if filters.flagged:
        queryset = queryset.filter(flagged=True)
    if filters.customer:
        queryset = queryset.filter(customer_id=filters.customer)
    return queryset.select_related(*_COMPENSATION_RELATED).order_by("-requested_at", "-id")


# --- approvals waiting for the user --------------------------------------------------------------


def approvals_pending_for(*, user: User) -> list[Grant]:
    """Compensations this user may decide: pending, in their branches, within their authority
    limit counted on the case's total now, not their own. Two queries (the limit, the
    requests) however many there are."""
    if not user_can(user, Capability.COMPLAINT_VIEW):
        return []
    return list(
        grants_pending_for(user=user, kind=GRANT_KIND).select_related(
            "branch",
            "requested_by",
            "compensation__complaint",
            "compensation__customer",
        )
    )


# --- the abuse guard and money -------------------------------------------------------------------


@dataclass(frozen=True)
class AbuseStatus:
    count: int  # compensated complaints within the window
    flag: AbuseFlag | None  # the latest flag, open or reviewed

    @property
    def open_flag(self) -> AbuseFlag | None:
        return self.flag if self.flag is not None and self.flag.is_open else None

    @property
    def at_threshold(self) -> bool:
        return self.count >= rules.ABUSE_COMPLAINTS

    @property
    def threshold(self) -> int:
        return rules.ABUSE_COMPLAINTS


def abuse_status(*, customer_id: int | None) -> AbuseStatus | None:
    if customer_id is None:
        return None
    flag = (
        AbuseFlag.objects.filter(customer_id=customer_id)
        .select_related("acknowledged_by")
        .order_by("-raised_at", "-id")
        .first()
    )
    return AbuseStatus(compensated_complaints(customer_id=customer_id), flag)


def customer_spend(*, customer_id: int | None) -> int:
    """The customer's total spend: their purchases net of refunds and cancellations."""
    if customer_id is None:
        return 0
    total = Purchase.objects.filter(customer_id=customer_id).aggregate(total=Sum("amount"))
    return max(total["total"] or 0, 0)


def percent_of(value: int, whole: int) -> str:
    """「12.5%」, or 「—」 when there is nothing to compare with."""
    if not whole:
        return "—"
    return f"{value * 100 / whole:.1f}%"


@dataclass
class CompensationLine:
    compensation: Compensation
    settlement_reason: str
    decide_refusal: str | None  # for a pending request: why this user may not decide

    @property
    def may_decide(self) -> bool:
        return self.compensation.status == Status.PENDING_APPROVAL and not self.decide_refusal

    @property
    def settlement_missing(self) -> bool:
        return bool(self.settlement_reason) and not hasattr(self.compensation, "settlement")


@dataclass
class CasePanel:
    complaint: Complaint
    assessment: Assessment | None
    offers: list[Offer]
    lines: list[CompensationLine]
    abuse: AbuseStatus | None
    total_spend: int
    customer_granted: int  # everything granted to the customer so far, all cases
    user_limit: int | None
    can_work: bool
    can_supervise: bool
    factors: list[tuple[rules.Factor, int | None]] = field(default_factory=list)

    @property
    def transaction_amount(self) -> int:
        return self.assessment.affected_amount if self.assessment else 0

    @property
    def chosen_offer(self) -> Offer | None:
        return next((o for o in self.offers if o.is_chosen), None)

    @property
    def offers_locked(self) -> bool:
        """A compensation stands on one of the current offers: the choice is final."""
        current = {o.pk for o in self.offers}
        return any(
            line.compensation.offer_id in current and line.compensation.status != Status.REJECTED
            for line in self.lines
        )

    @property
    def grantable_offer(self) -> Offer | None:
        """The chosen offer while no compensation stands on it."""
        return None if self.offers_locked else self.chosen_offer

    @property
    def offers_presented(self) -> bool:
        return any(o.is_presented for o in self.offers)

    @property
    def case_total(self) -> int:
        return sum(
            line.compensation.value
            for line in self.lines
            if line.compensation.status != Status.REJECTED
        )

    @property
    def case_vs_spend(self) -> str:
        return percent_of(self.case_total, self.total_spend)

    @property
    def case_vs_transaction(self) -> str:
        return percent_of(self.case_total, self.transaction_amount)

    @property
    def settlement_threshold(self) -> int:
        return rules.SETTLEMENT_ABOVE


def case_panel(*, complaint: Complaint, user: User) -> CasePanel:
    """Everything the case's compensation panel shows, in a fixed number of queries."""
    assessment = (
        Assessment.objects.select_related("purchase", "assessed_by")
        .filter(complaint=complaint)
        .first()
    )
    offers = list(
        Offer.objects.filter(complaint=complaint, withdrawn_at__isnull=True).select_related(
            "presented_by", "chosen_by"
        )
    )
    compensations = list(
        Compensation.objects.filter(complaint=complaint)
        .select_related(*_COMPENSATION_RELATED)
        .order_by("requested_at", "id")
    )
    granted = sum(k.value for k in compensations if k.is_granted)
    lines = []
    for compensation in compensations:
        request = compensation.approval_request
        refusal = (
            decide_refusal(user, request, scope_total=granted + request.value)
            if request is not None and request.is_pending
            else None
        )
        case_total = case_total_with(compensation, granted)
        lines.append(
            CompensationLine(
                compensation,
                settlement_reason(
                    grade=complaint.grade, value=compensation.value, case_total=case_total
                ),
                refusal,
            )
        )
    granted = 0
    if complaint.customer_id is not None:
        granted = (
            Compensation.objects.filter(
                customer_id=complaint.customer_id, status__in=GRANTED_STATES
            ).aggregate(total=Sum("value"))["total"]
            or 0
        )
    ratings = assessment.ratings if assessment else {}
    return CasePanel(
        complaint=complaint,
        assessment=assessment,
        offers=offers,
        lines=lines,
        abuse=abuse_status(customer_id=complaint.customer_id),
        total_spend=customer_spend(customer_id=complaint.customer_id),
        customer_granted=granted,
        user_limit=user_authority_limit(user),
        can_work=may_work_on(user, complaint),
        can_supervise=user_can(user, Capability.COMPLAINT_SUPERVISE),
        factors=[(f, ratings.get(f.code)) for f in rules.FACTORS],
    )


@dataclass
class CustomerPanel:
    customer: Customer
    compensations: list[Compensation]
    count: int
    granted_total: int
    total_spend: int
    abuse: AbuseStatus | None
    can_supervise: bool

    @property
    def granted_vs_spend(self) -> str:
        return percent_of(self.granted_total, self.total_spend)


def customer_panel(*, customer: Customer, user: User) -> CustomerPanel:
    """The customer's compensations on every case the user may see, newest first."""
    queryset = compensations_visible_to(user=user).filter(customer=customer)
    totals = queryset.aggregate(
        count=Count("id"), granted=Sum("value", filter=Q(status__in=GRANTED_STATES))
    )
    # Most customers have none: the list (a join of eleven tables) is read only when there is one.
    compensations = (
        list(
            queryset.select_related(*_COMPENSATION_RELATED).order_by("-requested_at", "-id")[
                :CUSTOMER_PANEL_ROWS
            ]
        )
        if totals["count"]
        else []
    )
    return CustomerPanel(
        customer=customer,
        compensations=compensations,
        count=totals["count"],
        granted_total=totals["granted"] or 0,
        total_spend=customer_spend(customer_id=customer.pk),
        abuse=abuse_status(customer_id=customer.pk),
        can_supervise=user_can(user, Capability.COMPLAINT_SUPERVISE),
    )
