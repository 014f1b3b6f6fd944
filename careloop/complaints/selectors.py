"""Reads of complaint cases that the pages and the API share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_branch_ids
from careloop.complaints.deadlines import (
    Milestone,
    Standing,
    standing_of,
    unmet_milestones,
)
from careloop.complaints.models import (
    OPEN_STATES,
    ActionItem,
    Communication,
    Complaint,
    Evidence,
    GradeChange,
    Transition,
)
from careloop.complaints.workflow import Move, Refusal, moves_from
from careloop.core.phones import phone_normalize

BOARD_PAGE_SIZE = 50


def complaints_visible_to(*, user: User) -> QuerySet[Complaint]:
    require(user, Capability.COMPLAINT_VIEW)
    branch_ids = user_branch_ids(user)
    queryset = Complaint.objects.all()
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=branch_ids)
    return queryset


def complaint_get_for_user(*, user: User, number: str) -> Complaint:
    """The case by number, or 404 when it does not exist or lies outside the user's branches."""
    return _visible_case(
        complaints_visible_to(user=user).select_related(
            "branch", "customer", "owner", "received_by", "nature", "closed_by"
        ),
        number,
    )


def _visible_case(visible: QuerySet[Complaint], number: str) -> Complaint:
    complaint = visible.filter(number=number).first()
    if complaint is None:
        raise Http404
    return complaint


@dataclass(frozen=True)
class BoardFilters:
    grade: str = ""
    state: str = ""
    branch: int | None = None
    department: int | None = None
    nature: int | None = None
    overdue: bool = False
    mine: bool = False
    closed: bool = False  # show closed and archived cases instead of open ones
    query: str = ""


def complaint_board(*, user: User, filters: BoardFilters) -> QuerySet[Complaint]:
    """Open cases, soonest deadline first (closed ones on request, newest first)."""
    queryset = complaints_visible_to(user=user)
    if filters.closed:
        queryset = queryset.exclude(state__in=OPEN_STATES).order_by("-closed_at", "-id")
    else:
        queryset = queryset.filter(state__in=OPEN_STATES).order_by(
            F("next_due").asc(nulls_last=True), "id"
        )
    if filters.grade:
        queryset = queryset.filter(grade=filters.grade)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.branch:
        queryset = queryset.filter(branch_id=filters.branch)
    if filters.department:
        queryset = queryset.filter(departments__id=filters.department)
    if filters.nature:
        queryset = queryset.filter(nature_id=filters.nature)
    if filters.overdue:
        queryset = queryset.filter(next_due__lt=timezone.now())
    if filters.mine:
        queryset = queryset.filter(owner_id=user.id)
    if filters.query:
        text = filters.query.strip()
        phone = phone_normalize(text)
        condition = (
            Q(number__startswith=text)
            | Q(complainant_name__contains=text)
            | Q(customer__number__iexact=text)
        )
        if phone:
            condition |= Q(complainant_phone=phone)
        queryset = queryset.filter(condition)
    return queryset.select_related("branch", "owner", "nature").prefetch_related("departments")


@dataclass(frozen=True)
class BoardRow:
    complaint: Complaint
    standing: Standing
    milestone: Milestone | None
    due: dt.datetime | None
    time_left: dt.timedelta | None


def board_rows(complaints: list[Complaint], *, now: dt.datetime | None = None) -> list[BoardRow]:
    now = now or timezone.now()
    rows = []
    for complaint in complaints:
        pending = unmet_milestones(complaint)
        milestone, due = pending[0] if pending else (None, None)
        rows.append(
            BoardRow(
                complaint=complaint,
                standing=standing_of(received_at=complaint.received_at, due=due, now=now),
                milestone=milestone,
                due=due,
                time_left=(due - now) if due else None,
            )
        )
    return rows


@dataclass
class MilestoneState:
    milestone: str
    label: str
    due: dt.datetime | None
    reached_at: dt.datetime | None
    met: bool | None
    standing: Standing


@dataclass
class CasePage:
    complaint: Complaint
    grade_changes: list[GradeChange]
    transitions: list[Transition]
    evidence: list[Evidence]
    approvals: list
    action_items: list[ActionItem]
    communications: list[Communication]
    milestones: list[MilestoneState]
    moves: list[tuple[Move, list[Refusal]]] = field(default_factory=list)

    @property
    def open_action_items(self) -> int:
        return sum(1 for item in self.action_items if item.done_at is None)


def _with_page_data(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Complaints with everything the case page shows, in a fixed number of queries."""
    return queryset.select_related(
        "branch",
        "customer",
        "owner",
        "received_by",
        "nature",
        "closed_by",
        "investigation__updated_by",
        "solution__updated_by",
    ).prefetch_related(
        "departments",
        Prefetch("grade_changes", queryset=GradeChange.objects.select_related("changed_by")),
        Prefetch("transitions", queryset=Transition.objects.select_related("by")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
        Prefetch("approvals", queryset=_approvals()),
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "done_by")),
        Prefetch("communications", queryset=Communication.objects.select_related("by")),
    )


def complaint_page(*, complaint: Complaint, user: User) -> CasePage:
    """The whole story of a case in a fixed number of queries, whatever its length, read
    afresh (after a write, the page shows what the write left)."""
    return _case_page(_with_page_data(Complaint.objects.all()).get(pk=complaint.pk), user)


def complaint_page_for_user(*, user: User, number: str) -> CasePage:
    """The case page by number, or 404 as `complaint_get_for_user`: one read of the case
    where a permission check and then the page's read were two."""
    complaint = _visible_case(_with_page_data(complaints_visible_to(user=user)), number)
    return _case_page(complaint, user)


def _case_page(complaint: Complaint, user: User) -> CasePage:
    from careloop.complaints.deadlines import MILESTONE_LABELS
    from careloop.complaints.workflow import MoveInput

    now = timezone.now()
    milestones = []
    for milestone, due, reached in (
        (Milestone.FIRST_RESPONSE, complaint.first_response_due, complaint.first_response_at),
        (Milestone.START, complaint.start_due, complaint.started_at),
        (Milestone.RESOLUTION, complaint.resolution_due, complaint.resolved_at),
    ):
        if due is None:
            continue
        met = (reached <= due) if reached else (False if now > due else None)
        standing = (
            Standing.DONE
            if reached or not complaint.is_open
            else standing_of(received_at=complaint.received_at, due=due, now=now)
        )
        milestones.append(
            MilestoneState(milestone, str(MILESTONE_LABELS[milestone]), due, reached, met, standing)
        )
    page = CasePage(
        complaint=complaint,
        grade_changes=list(complaint.grade_changes.all()),
        transitions=list(complaint.transitions.all()),
        evidence=list(complaint.evidence.all()),
        approvals=list(complaint.approvals.all()),
        action_items=list(complaint.action_items.all()),
        communications=list(complaint.communications.all()),
        milestones=milestones,
    )
    # Guards read the prefetched rows where they can; the few counts they run are bounded.
    page.moves = [
        (move, move.guard(complaint, user, MoveInput(reason="-")))
        for move in moves_from(complaint.state)
    ]
    return page


def _approvals() -> QuerySet:
    from careloop.complaints.models import Approval

    return Approval.objects.select_related("by")


@dataclass(frozen=True)
class PublicStatus:
    number: str
    state_label: str
    received_at: dt.datetime
    next_step: str


def complaint_public_status(*, number: str, phone: str) -> PublicStatus | None:
    """The public status page: the stage and the next step, only for the right phone."""
    from careloop.complaints.public_text import next_step_for

    normalized = phone_normalize(phone or "")
    if not normalized:
        return None
    complaint = (
        Complaint.objects.filter(number=number.strip(), complainant_phone=normalized)
        .only("number", "state", "received_at")
        .first()
    )
    if complaint is None:
        return None
    return PublicStatus(
        number=complaint.number,
        state_label=complaint.get_state_display(),
        received_at=complaint.received_at,
        next_step=next_step_for(complaint.state),
    )
