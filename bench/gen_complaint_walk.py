"""One complaint case walked along PT-P020 to its stage, as the services would record it.

The moments follow the workflow's order; each row a service writes on the way is drawn here:
the transitions and approvals, the investigation and solution, action items (only once the
solution is approved, as `action_item_add` requires), communications (a solution explained
only after approval; the first one sets `first_response_at`; an A case's resolution is the
solution communicated), the follow-up date and plan of `start_follow_up`, the closing record.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench.gen_base import DAY, Clock
from bench.gen_people import Staff
from bench.gen_text import FIRST_RESPONSES, PROGRESS_UPDATES, SATISFACTION_NOTES, SOLUTION_TALKS
from careloop.complaints.deadlines import Deadlines, next_due_refresh
from careloop.complaints.demo import Story
from careloop.complaints.models import Approval, Communication, Complaint, State
from careloop.customers.models import ContactPurpose

ORDER = list(State)
_CLOSED = ORDER.index(State.CLOSED)
_SPOKEN = ("phone", "email", "in_person")  # channels staff answer on; others get a call
_SECOND_DEPARTMENT = {"physiotherapy": "customer_service", "customer_service": "operations",
                      "sales": "customer_service", "operations": "customer_service"}  # fmt: skip
_RESPONSE = Communication.Response


@dataclass
class Case:
    received: int
    branch: int
    customer: int | None
    story: Story
    grade: str
    suggested: str
    grade_reason: str
    criteria: list[str]
    channel: str
    state: str
    fixture: bool = False
    third_party: str = ""
    public: bool = False
    name: str = ""
    phone: str = ""
    email: str = ""
    line_id: str = ""
    id: int = 0
    number: str = ""
    terms: str = ""
    deadlines: Deadlines | None = None
    follow_up_days: int = 5
    # What the walk fills in.
    received_by: int = 0
    owner: int | None = None
    recorded: int = 0
    started: int | None = None
    resolved: int | None = None
    first_response: int | None = None
    next_due: dt.datetime | None = None  # as next_due_refresh sets them
    next_alert_at: dt.datetime | None = None
    follow_up_due: int | None = None
    summary: str = ""
    accepted: bool = False
    satisfaction: int | None = None
    satisfaction_note: str = ""
    closed: int | None = None
    closed_by: int | None = None
    archived: int | None = None
    fingerprint: str = ""
    updated: int = 0
    cost: int = 0
    investigated: int = 0
    solution_at: int | None = None
    investigation: tuple | None = None
    departments: list[str] = field(default_factory=list)
    transitions: list[tuple] = field(default_factory=list)  # from, to, reason, by, at
    approvals: list[tuple] = field(default_factory=list)  # decision, comment, by, at
    action_items: list[tuple] = field(default_factory=list)  # text, owner, due day, done, made
    communications: list[tuple] = field(default_factory=list)  # channel, at, text, answer, sol, by
    follow_up_plan: tuple | None = None  # ContactPlan row without its customer


def walk(case: Case, *, clock: Clock, staff: Staff, rng: random.Random) -> None:
    b, story = case.branch, case.story
    people = staff.of(b, "desk") + staff.of(b, "cs") + staff.of(b, "therapist")
    case.received_by = rng.choice(people)
    handler = rng.choice(staff.of(b, "cs"))
    approver = staff.hq["ceo"] if case.grade == "A" else staff.head_of(b, story.department)
    target = ORDER.index(case.state)
    case.owner = None if target == 0 and rng.random() < 0.4 else handler
    case.departments = [story.department]
    if rng.random() < 0.15:
        case.departments.append(_SECOND_DEPARTMENT[story.department])
    if case.public:
        case.fingerprint = f"{rng.getrandbits(256):064x}"  # a salted hash in the app
    times = _moments(case, target, clock, rng)
    target = ORDER.index(case.state)  # an archive date still ahead leaves the case closed
    case.recorded = times[0]
    if target >= 1:
        case.started = times[1]
        _investigate(case, target, times, rng)
    _transitions(case, target, times, handler, approver, rng)
    if target >= ORDER.index(State.EXECUTING):
        _action_items(case, target, times, handler, staff, clock, rng)
    _communications(case, target, times, handler, clock, rng)
    if target >= ORDER.index(State.FOLLOW_UP):
        _follow_up(case, target, times, handler, clock, rng)
    if target >= _CLOSED:
        case.summary = story.description
        case.satisfaction = rng.choices((5, 6, 7, 8, 9, 10), (4, 8, 18, 30, 25, 15))[0]
        case.satisfaction_note = rng.choice(SATISFACTION_NOTES)
        case.closed, case.closed_by = times[_CLOSED], approver
    if target > _CLOSED:
        case.archived = times[_CLOSED + 1]
    _next_due(case, clock)
    case.updated = max(t for t in times if t is not None)


def _moments(case: Case, target: int, clock: Clock, rng: random.Random) -> list[int]:
    """When the case reached each stage up to its own: [recorded, investigating, …]."""
    r = case.received
    recorded = r + rng.randint(5, 90) * 60
    if target < _CLOSED:
        elapsed = clock.now - r
        recorded = min(recorded, r + elapsed // 2)
        fractions = sorted(rng.uniform(0.1, 0.95) for _ in range(target))
        return [recorded, *(r + int(f * elapsed) for f in fractions)]
    d = case.deadlines
    start_due, resolution_due = int(d.start_due.timestamp()), int(d.resolution_due.timestamp())
    started = r + int(rng.uniform(0.05, 1.1) * (start_due - r))
    resolved = max(started + 6 * 3600, r + int(rng.uniform(0.4, 1.08) * (resolution_due - r)))
    between = resolved - started
    steps = [started + int(between * f) for f in (0.35, 0.6, 0.8)]
    closed = resolved + case.follow_up_days * DAY + rng.randint(0, 4 * DAY)
    times = [recorded, started, *steps, resolved, closed]
    if target > _CLOSED:
        times.append(closed + rng.randint(20, 90) * DAY)
        if times[-1] > clock.now:  # not archived yet after all
            times.pop()
            case.state = State.CLOSED
    return [min(t, clock.now) for t in times]


def _investigate(case: Case, target: int, times: list[int], rng: random.Random) -> None:
    story = case.story
    plan = ("了解事件經過與責任歸屬", "當班人員、主管", "三個工作天內完成")
    report = ("", "", "", "")
    if target >= ORDER.index(State.SOLUTION_REVIEW):
        report = (story.description, story.root_cause, "院所流程", story.remedy)
        case.solution_at = times[2] - rng.randint(10, 120) * 60
        case.cost = rng.choice((0, 0, 500, 1000, 1500, 3000))
    case.investigation = (*plan, *report)
    case.investigated = case.solution_at or times[1]


def _transitions(
    case: Case, target: int, times: list[int], handler: int, approver: int, rng: random.Random
) -> None:
    moves = case.transitions
    for stage in range(1, target + 1):
        at = times[stage]
        source, goal = ORDER[stage - 1], ORDER[stage]
        if goal == State.EXECUTING and rng.random() < 0.05:
            # Sent back once (5.4.2): the reviewer asked for more, the handler resubmitted.
            back = times[stage - 1] + (at - times[stage - 1]) // 3
            again = times[stage - 1] + 2 * (at - times[stage - 1]) // 3
            reason = "請補充改善措施的執行時程"
            moves.append((State.SOLUTION_REVIEW, State.INVESTIGATING, reason, approver, back))
            moves.append((State.INVESTIGATING, State.SOLUTION_REVIEW, "", handler, again))
            case.approvals.append((Approval.Decision.REJECTED, reason, approver, back))
        by = approver if goal in (State.EXECUTING, State.CLOSED, State.ARCHIVED) else handler
        moves.append((source, goal, "", by, at))
        if goal == State.EXECUTING:
            case.approvals.append((Approval.Decision.APPROVED, "同意", approver, at))


def _action_items(
    case: Case,
    target: int,
    times: list[int],
    handler: int,
    staff: Staff,
    clock: Clock,
    rng: random.Random,
) -> None:
    approved = times[ORDER.index(State.EXECUTING)]
    n = 2 if case.fixture else rng.choices((1, 2, 3), (20, 60, 20))[0]
    texts = (case.story.remedy, case.story.prevention, "相關人員再教育並簽到")
    done_share = {3: 0.2, 4: 0.5, 5: 0.8}.get(target, 1.0)
    finish = times[_CLOSED] if target >= _CLOSED else clock.now
    for k in range(n):
        owner = handler if k == 0 else rng.choice([*staff.of(case.branch, "therapist"), handler])
        made = min(clock.now, approved + rng.randint(10, 240) * 60)
        due = clock.local_day(approved) + rng.randint(3, 10)
        done = rng.randint(made, max(made, finish)) if rng.random() < done_share else None
        case.action_items.append((texts[k], owner, due, done, made))


def _communications(
    case: Case, target: int, times: list[int], handler: int, clock: Clock, rng: random.Random
) -> None:
    r = case.received
    channel = case.channel if case.channel in _SPOKEN else "phone"
    first = min(clock.now, r + rng.randint(12, 20 * 60) * 60)
    if target >= 1:
        first = min(first, times[1])
    talks: list[tuple] = []  # channel, at, text, answer, explains the solution
    if target > 0 or rng.random() < 0.5:
        talks.append((channel, first, rng.choice(FIRST_RESPONSES), _RESPONSE.NOT_APPLICABLE, False))
    solution_at = None
    if target >= _CLOSED:
        progress = rng.choices((0, 1, 2), (15, 70, 15))[0]
        solution_at = times[ORDER.index(State.FOLLOW_UP)] - rng.randint(10, 120) * 60
    elif target == ORDER.index(State.FOLLOW_UP):
        progress = 1
        solution_at = times[target] - rng.randint(10, 120) * 60
    elif target == ORDER.index(State.COMMUNICATING):
        progress = 1
        if rng.random() < 0.5:
            solution_at = min(clock.now, times[target] + rng.randint(10, 600) * 60)
    else:
        progress = 1 if target >= ORDER.index(State.EXECUTING) or rng.random() < 0.4 else 0
        progress = progress if target >= 1 else 0
    low = first
    high = solution_at or times[target]
    for at in sorted(rng.randint(low, max(low, high)) for _ in range(progress)):
        talks.append(("phone", at, rng.choice(PROGRESS_UPDATES), _RESPONSE.NOT_APPLICABLE, False))
    if solution_at is not None:
        solution_at = max(solution_at, low)
        answer = _RESPONSE.PENDING if target == ORDER.index(State.COMMUNICATING) else None
        talk = rng.choice(SOLUTION_TALKS).format(
            remedy=case.story.remedy, prevention=case.story.prevention
        )
        talks.append((channel, solution_at, talk, answer or _RESPONSE.ACCEPTED, True))
        case.accepted = answer is None
        if case.grade == "A":
            case.resolved = solution_at
    for talk_channel, at, text, answer, is_solution in talks:
        case.communications.append((talk_channel, at, text, answer, is_solution, handler))
    if talks:
        case.first_response = talks[0][1]


def _follow_up(
    case: Case, target: int, times: list[int], handler: int, clock: Clock, rng: random.Random
) -> None:
    moved = times[ORDER.index(State.FOLLOW_UP)]
    if case.resolved is None:
        case.resolved = moved
    case.follow_up_due = clock.local_day(moved) + case.follow_up_days
    if target == ORDER.index(State.FOLLOW_UP) and rng.random() < 0.3:
        case.satisfaction = rng.choice((7, 8, 9))  # the PT-F021 survey came back already
    if case.customer is None:
        return
    done = target >= _CLOSED
    done_at = clock.ts(max(moved, times[_CLOSED] - rng.randint(1, 24) * 3600)) if done else None
    case.follow_up_plan = (
        clock.day_str(case.follow_up_due), ContactPurpose.COMPLAINT_FOLLOW_UP, case.number,
        case.owner or handler, done, done_at, None, clock.ts(moved), handler,
    )  # fmt: skip


def _next_due(case: Case, clock: Clock) -> None:
    """`next_due` and `next_alert_at` exactly as the services keep them."""
    d = case.deadlines

    def aware(moment: int | None):
        return None if moment is None else clock.aware(moment)

    probe = Complaint(
        state=case.state,
        received_at=clock.aware(case.received),
        first_response_due=d.first_response_due,
        first_response_at=aware(case.first_response),
        started_at=aware(case.started),
        start_due=d.start_due,
        resolved_at=aware(case.resolved),
        resolution_due=d.resolution_due,
    )
    next_due_refresh(probe)
    case.next_due, case.next_alert_at = probe.next_due, probe.next_alert_at
