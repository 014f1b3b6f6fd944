"""Complaint cases of five years (PT-P020), each as the services would have left it.

Closed and archived cases walked the whole workflow; open ones stop at every stage, mostly
received in the last weeks so the board shows cases on track, at risk and overdue. Deadlines
come from the app's own `deadlines_compute` with the grade's stored policy, and `next_due` /
`next_alert_at` from its `next_due_refresh`; numbers are `YYYYMMDD-NNN` per day of receipt, and
the day's counter is left where `complaint_number_next` expects it. The timeline of one case is
drawn in `gen_complaint_walk.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate
from unittest import mock

from bench.gen_base import DAY, READ_LOG_DAYS, Clock, Counts
from bench.gen_complaint_walk import Case, walk
from bench.gen_customers import CustomerPlan
from bench.gen_people import Names, Phones, Staff, branch_weights
from bench.gen_text import BRANCHES, COMPLAINANT_TITLES, STORIES, THIRD_PARTIES
from bench.gen_writer import BulkWriter
from careloop.accounts.models import Department
from careloop.complaints import deadlines
from careloop.complaints.criteria import grade_suggest
from careloop.complaints.models import (
    ActionItem,
    Approval,
    Channel,
    Communication,
    Complaint,
    GradeChange,
    Investigation,
    Nature,
    Solution,
    State,
    Transition,
)
from careloop.customers.models import EventKind
from careloop.workcalendar.calendar import (
    branch_days_between,
    end_of_day,
    nth_working_day_after,
)

_OPEN_STATES = (State.RECEIVED, State.INVESTIGATING, State.SOLUTION_REVIEW, State.EXECUTING,
                State.COMMUNICATING, State.FOLLOW_UP)  # fmt: skip
_OPEN_CUM = list(accumulate((20, 30, 10, 12, 10, 18)))
_CHANNELS = tuple(Channel.values)
_CHANNEL_CUM = list(accumulate((25, 30, 10, 3, 10, 8, 8, 3, 3)))  # the order of Channel
_GRADES = ("A", "B", "C")
_GRADE_CUM = list(accumulate((5, 35, 60)))
_REGRADE_REASONS = {
    ("B", "C"): "客戶僅反映一次且已當場處理，影響輕微，降為 C 級。",
    ("C", "B"): "客戶表示已多次發生，屬重複問題，提高為 B 級。",
    ("B", "A"): "客戶表示將向媒體投訴，可能影響機構聲譽，提高為 A 級。",
    ("A", "B"): "經確認未造成實際傷害，降為 B 級。",
}


@dataclass
class ComplaintResult:
    open_fixture: str  # a branch-1 case in follow-up with 3 communications and 2 action items
    events: list[tuple] = field(default_factory=list)  # ImportantEvent rows
    plans: list[tuple] = field(default_factory=list)  # ContactPlan rows (PLAN_FIELDS)
    sequences: list[tuple[str, int]] = field(default_factory=list)  # (key, last_value)
    # (moment, customer index, user id, case number) of each intake and communication on a case
    # of a customer in the read log's window: the case page read the customer then.
    touched: list[tuple[int, int, int, str]] = field(default_factory=list)


def complaints_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    counts: Counts,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
) -> ComplaintResult:
    cases = _cases(plan, counts, clock, staff, rng)
    natures = dict(Nature.objects.values_list("code", "id"))
    departments = dict(Department.objects.values_list("code", "id"))
    policies = {grade: deadlines.policy_for(grade) for grade in _GRADES}
    by_day: Counter[str] = Counter()
    with _calendar_read_once(staff.branch_ids, clock):
        for number, case in enumerate(cases, start=1):
            case.id = number
            day = clock.day_str(clock.local_day(case.received)).replace("-", "")
            by_day[day] += 1
            case.number = f"{day}-{by_day[day]:03d}"
            policy = policies[case.grade]
            case.terms = json.dumps(deadlines.policy_terms(policy))
            found = deadlines.deadlines_compute(
                received_at=clock.aware(case.received),
                grade=case.grade,
                branch_id=staff.branch_ids[case.branch],
                channel=case.channel,
                criteria=case.criteria,
                policy=policy,
            )
            case.deadlines = found
            case.follow_up_days = found.follow_up_days
            walk(case, clock=clock, staff=staff, rng=rng)
    result = ComplaintResult(open_fixture=next(c.number for c in cases if c.fixture))
    _write(writer, cases, plan, clock, natures, departments, result)
    result.sequences = [(f"complaint-{day}", n) for day, n in sorted(by_day.items())]
    return result


@contextmanager
def _calendar_read_once(branch_ids: list[int], clock: Clock) -> Iterator[None]:
    """`deadlines_compute` reads the branch's calendar with one query per call (about 3 ms
    here): for 30,000 cases the slowest part of the load. Each branch's closures and extra
    working days for the whole window are read once instead, and the count is the calendar's
    own pure core — the same answer `working_day_end` gives, since the window it would read
    lies inside."""
    date_from = clock.date(clock.start_day - 1)
    date_to = clock.date(clock.today + 180)
    days = {
        b: branch_days_between(date_from=date_from, date_to=date_to, branch_id=b)
        for b in branch_ids
    }

    def working_day_end(*, after: dt.date, n: int, branch_id: int | None) -> dt.datetime:
        return end_of_day(nth_working_day_after(start=after, n=n, branch_days=days[branch_id]))

    with mock.patch.object(deadlines, "working_day_end", working_day_end):
        yield


def _stories_by_grade() -> dict[str, list]:
    grouped: dict[str, list] = {g: [] for g in _GRADES}
    for story in STORIES:
        grouped[grade_suggest(story.criteria)].append(story)
    return grouped


def _cases(
    plan: CustomerPlan, counts: Counts, clock: Clock, staff: Staff, rng: random.Random
) -> list[Case]:
    closed = counts.complaints - counts.open_complaints
    span = (clock.now - 35 * DAY) - clock.start
    moments = [(clock.start + int(span * rng.random() ** 0.8), None) for _ in range(closed)]
    for k in range(counts.open_complaints):
        ago = 7 * DAY if k == 0 else int(min(60.0, rng.expovariate(1 / 8)) * DAY)
        moments.append((clock.now - ago, State.FOLLOW_UP if k == 0 else None))
    stories = _stories_by_grade()
    names, phones = Names(rng), Phones(rng)
    cases = []
    for k, (moment, forced) in enumerate(moments):
        received = clock.clinic_moment(rng, moment - DAY // 2, moment)
        case = _case(received, k >= closed, forced, plan, clock, staff, rng, stories)
        if case.customer is None:
            title = rng.choice(COMPLAINANT_TITLES)
            case.name = names.draw()[0][0] + title
            case.phone = phones.mobile()
            case.email = f"guest{rng.randint(100, 99999)}@gmail.com" if rng.random() < 0.3 else ""
        cases.append(case)
    cases.sort(key=lambda c: c.received)
    return cases


def _case(
    received: int,
    is_open: bool,
    forced: str | None,
    plan: CustomerPlan,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    stories: dict[str, list],
) -> Case:
    branch = 0 if forced else _branch_at(received, clock, rng, len(staff.branch_ids))
    customer = plan.earlier_in_branch(branch, received, rng) if rng.random() < 0.8 else None
    if forced and customer is None:
        customer = plan.earlier_in_branch(branch, received, rng)
    grade = rng.choices(_GRADES, cum_weights=_GRADE_CUM)[0]
    suggested, reason = grade, ""
    if rng.random() < 0.04:
        for (before, after), text in _REGRADE_REASONS.items():
            if after == grade and rng.random() < 0.7:
                suggested, reason = before, text
                break
    story = rng.choice(stories[suggested])
    channel = story.channel if rng.random() < 0.6 else _channel(rng)
    if is_open:
        state = forced or rng.choices(_OPEN_STATES, cum_weights=_OPEN_CUM)[0]
    elif received < clock.now - 120 * DAY and rng.random() < 0.85:
        state = State.ARCHIVED
    else:
        state = State.CLOSED
    case = Case(received=received, branch=branch, customer=customer, story=story, grade=grade,
                suggested=suggested, grade_reason=reason, criteria=list(story.criteria),
                channel=channel, state=state, fixture=forced is not None)  # fmt: skip
    case.third_party = rng.choice(THIRD_PARTIES[channel]) if channel in THIRD_PARTIES else ""
    case.public = channel == Channel.SUGGESTION_BOX and rng.random() < 0.3
    if customer is not None:
        case.name, case.phone = plan.name[customer], plan.phone[customer]
        case.email, case.line_id = plan.email[customer], plan.line_id[customer]
    return case


def _branch_at(moment: int, clock: Clock, rng: random.Random, branches: int) -> int:
    weights = [
        w if clock.now - int(spec.opened_years_ago * 365 * DAY) <= moment or b == 0 else 0.0
        for b, (w, spec) in enumerate(zip(branch_weights(branches), BRANCHES, strict=False))
    ]
    return rng.choices(range(branches), weights=weights)[0]


def _channel(rng: random.Random) -> str:
    return rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0]


COMPLAINT_FIELDS = (
    "id", "number", "branch", "customer", "complainant_name", "complainant_phone",
    "complainant_email", "complainant_line_id", "channel", "third_party", "received_at",
    "received_by", "description", "expected_resolution", "criteria", "suggested_grade", "grade",
    "grade_reason", "nature", "owner", "state", "is_public_submission", "recorded_at",
    "record_due", "start_due", "resolution_due", "first_response_due", "deadline_terms",
    "started_at", "resolved_at", "first_response_at", "next_due", "next_alert_at",
    "follow_up_due", "summary", "customer_accepted", "satisfaction_score", "satisfaction_note",
    "closed_at", "closed_by", "archived_at", "submitter_fingerprint", "created_at", "updated_at",
)  # fmt: skip


def _write(
    writer: BulkWriter,
    cases: list[Case],
    plan: CustomerPlan,
    clock: Clock,
    natures: dict[str, int],
    departments: dict[str, int],
    result: ComplaintResult,
) -> None:
    ts = clock.ts

    def maybe(moment: int | None) -> str | None:
        return None if moment is None else ts(moment)

    def rows():
        for c in cases:
            d = c.deadlines
            yield (
                c.id, c.number, c.branch + 1, None if c.customer is None else c.customer + 1,
                c.name, c.phone, c.email, c.line_id, c.channel, c.third_party, ts(c.received),
                c.received_by, c.story.description, c.story.expected, json.dumps(c.criteria),
                c.suggested, c.grade, c.grade_reason, natures.get(c.story.nature), c.owner,
                c.state, c.public, ts(c.recorded), clock.ts_exact(d.record_due),
                clock.ts_exact(d.start_due), clock.ts_exact(d.resolution_due),
                clock.ts_exact(d.first_response_due), c.terms, maybe(c.started),
                maybe(c.resolved), maybe(c.first_response), clock.ts_exact(c.next_due),
                clock.ts_exact(c.next_alert_at),
                clock.day_str(c.follow_up_due) if c.follow_up_due else None, c.summary,
                c.accepted, c.satisfaction, c.satisfaction_note, maybe(c.closed), c.closed_by,
                maybe(c.archived), c.fingerprint, ts(c.recorded), ts(c.updated),
            )  # fmt: skip

    writer.insert(Complaint, COMPLAINT_FIELDS, rows())
    writer.insert(
        Complaint.departments.through,
        ("complaint", "department"),
        ((c.id, departments[code]) for c in cases for code in c.departments),
    )
    writer.insert(
        GradeChange,
        ("complaint", "from_grade", "to_grade", "reason", "changed_by", "changed_at"),
        ((c.id, "", c.grade, c.grade_reason, c.received_by, ts(c.recorded)) for c in cases),
    )
    writer.insert(
        Transition,
        ("complaint", "from_state", "to_state", "reason", "by", "at"),
        ((c.id, a, b, reason, by, ts(at)) for c in cases for a, b, reason, by, at in c.transitions),
    )
    writer.insert(
        Approval,
        ("complaint", "decision", "grade", "comment", "by", "at"),
        (
            (c.id, dec, c.grade, comment, by, ts(at))
            for c in cases
            for dec, comment, by, at in c.approvals
        ),
    )
    _write_handling(writer, cases, clock)
    _customer_side(cases, clock, result)


def _customer_side(cases: list[Case], clock: Clock, result: ComplaintResult) -> None:
    """What intake and follow-up add to the customer's record: the 重要事件 that
    `_customer_event_record` writes and the follow-up contact plan of `start_follow_up`."""
    window = clock.now - READ_LOG_DAYS * DAY
    for c in cases:
        if c.customer is None:
            continue
        if c.received > window:
            result.touched.append((c.received, c.customer, c.received_by, c.number))
        result.touched.extend(
            (at, c.customer, by, c.number) for _, at, _, _, _, by in c.communications if at > window
        )
        result.events.append(
            (c.customer + 1, EventKind.COMPLAINT, clock.day_str(clock.local_day(c.received)),
             f"客訴 {c.number}：{c.story.description[:200]}", "", c.id, c.received_by,
             clock.ts(c.recorded))
        )  # fmt: skip
        if c.follow_up_plan is not None:
            result.plans.append((c.customer + 1, *c.follow_up_plan))


def _write_handling(writer: BulkWriter, cases: list[Case], clock: Clock) -> None:
    ts = clock.ts
    writer.insert(
        Investigation,
        ("complaint", *Investigation.PLAN_FIELDS, *Investigation.REPORT_FIELDS, "updated_by",
         "updated_at"),
        ((c.id, *c.investigation, c.owner or c.received_by, ts(c.investigated))
         for c in cases if c.investigation),
    )  # fmt: skip
    writer.insert(
        Solution,
        ("complaint", "immediate_remedy", "prevention", "training_needs", "policy_change", "cost",
         "updated_by", "updated_at"),
        ((c.id, c.story.remedy, c.story.prevention, "相關人員再教育", "", c.cost,
          c.owner or c.received_by, ts(c.solution_at)) for c in cases if c.solution_at),
    )  # fmt: skip
    writer.insert(
        ActionItem,
        ("complaint", "description", "owner", "due_date", "done_at", "done_by", "created_by",
         "created_at"),
        ((c.id, text, owner, clock.day_str(due), None if done is None else ts(done),
          None if done is None else owner, c.owner or c.received_by, ts(made))
         for c in cases for text, owner, due, done, made in c.action_items),
    )  # fmt: skip
    writer.insert(
        Communication,
        ("complaint", "channel", "occurred_at", "content", "customer_response", "response_note",
         "is_solution", "by", "created_at"),
        ((c.id, channel, ts(at), content, response, "", is_solution, by, ts(at))
         for c in cases for channel, at, content, response, is_solution, by in c.communications),
    )  # fmt: skip
