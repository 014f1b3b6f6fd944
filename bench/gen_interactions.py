"""Interactions (互動記錄) of five years, and the contact plans they fulfilled.

Counts per customer are skewed — a VIP of five years has a hundred contacts, a prospect one or
two — and a few customers have exactly 50, for the benchmark's customer page. Rows are written
in the order they happened, as a live system would have written them, so one customer's
contacts lie scattered over the table as they would in production rather than side by side.
To get there without holding three million rows, each contact is first only an integer (its
moment, its customer, whether it was the first) and those integers are sorted; the row itself
is drawn as it is written.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from bench.gen_base import DAY, READ_LOG_DAYS, Clock, Counts, spread_counts
from bench.gen_customers import HAPPY, NEUTRAL, UNHAPPY, YEAR, CustomerPlan
from bench.gen_people import Staff
from bench.gen_writer import BulkWriter
from careloop.core.demo import (
    _EVENTS,
    _FOLLOW_UPS,
    _NEGATIVE_FOLLOW_UPS,
    _PACKAGES,
    _PROGRESS,
    _SLOTS,
    _SUMMARIES,
    _WEEKDAYS,
    TOPICS,
)
from careloop.customers.models import (
    ContactPurpose,
    CustomerType,
    Interaction,
    InteractionStatus,
    Reaction,
)

_SHIFT = 24  # bits for (customer index, first flag) under the moment in a sort key
_MASK = (1 << (_SHIFT - 1)) - 1
_KINDS = {
    CustomerType.PROSPECT: {"booking": 3, "followup": 2, "package": 1, "event": 1},
    CustomerType.CURRENT: {"treatment": 45, "followup": 20, "booking": 15, "package": 8,
                           "home_exercise": 7, "event": 4, "birthday": 1},
    CustomerType.VIP: {"treatment": 45, "followup": 18, "booking": 15, "package": 10,
                       "home_exercise": 6, "event": 5, "birthday": 1},
    CustomerType.LOST: {"treatment": 38, "followup": 18, "booking": 14, "package": 8,
                        "home_exercise": 6, "event": 4, "recall": 12},
}  # fmt: skip
_VOLUME = {CustomerType.PROSPECT: 0.4, CustomerType.LOST: 2.0, CustomerType.CURRENT: 3.0,
           CustomerType.VIP: 6.0}  # fmt: skip
_REACTIONS = (Reaction.POSITIVE, Reaction.NEUTRAL, Reaction.NEGATIVE)
_REACTION_CUM = {
    HAPPY: list(accumulate((70, 27, 3))),
    NEUTRAL: list(accumulate((35, 55, 10))),
    UNHAPPY: list(accumulate((15, 45, 40))),
}
# What a contact plan fulfilled by a contact of this kind was for.
_PURPOSE = {
    "followup": ContactPurpose.EFFICACY_FOLLOW_UP,
    "home_exercise": ContactPurpose.EFFICACY_FOLLOW_UP,
    "treatment": ContactPurpose.EFFICACY_FOLLOW_UP,
    "package": ContactPurpose.RENEWAL_REMINDER,
    "event": ContactPurpose.EVENT_INVITATION,
    "birthday": ContactPurpose.BIRTHDAY_GREETING,
}
_RECENT_STATUS = (InteractionStatus.DONE, InteractionStatus.IN_PROGRESS, InteractionStatus.PENDING)
_RECENT_CUM = list(accumulate((65, 22, 13)))


@dataclass
class InteractionResult:
    with_50: list[int]  # customer indexes with exactly 50 interactions
    counts: list[int]
    done_plans: list[tuple]  # ContactPlan rows (see PLAN_FIELDS) fulfilled by an interaction
    # (moment, customer index, staff id) of the contacts of the read log's window: the records
    # staff opened around them are the reads `gen_access.py` writes.
    recent: list[tuple[int, int, int]] = field(default_factory=list)


PLAN_FIELDS = ("customer", "due_date", "purpose", "purpose_other", "assignee", "done", "done_at",
               "fulfilled_by", "created_at", "created_by")  # fmt: skip


def _with_50(plan: CustomerPlan, counts: Counts, clock: Clock, rng: random.Random) -> list[int]:
    """Long-standing current or VIP customers, half of them (at least one) of branch 1."""
    settled = [
        i
        for i in range(plan.count)
        if plan.kind[i] in (CustomerType.CURRENT, CustomerType.VIP)
        and plan.created[i] < clock.now - 400 * DAY
    ] or list(range(plan.count))
    home = [i for i in settled if plan.branch[i] == 0] or settled
    wanted = counts.customers_with_50
    chosen = rng.sample(home, min(len(home), max(1, wanted // 2)))
    rest = [i for i in settled if i not in set(chosen)]
    chosen += rng.sample(rest, min(len(rest), wanted - len(chosen)))
    return sorted(chosen)


def _per_customer(
    plan: CustomerPlan, counts: Counts, clock: Clock, rng: random.Random, with_50: list[int]
) -> list[int]:
    pinned = set(with_50)
    weights = [
        0.0
        if i in pinned
        else _VOLUME[plan.kind[i]]
        * max(0.05, (plan.end[i] - plan.created[i]) / YEAR)
        * rng.lognormvariate(0, 0.7)
        for i in range(plan.count)
    ]
    base = [50 if i in pinned else 1 for i in range(plan.count)]
    return spread_counts(rng, weights, counts.interactions, base=base)


def _sort_keys(plan: CustomerPlan, per_customer: list[int], clock: Clock, rng: random.Random):
    keys = []
    for i, n in enumerate(per_customer):
        low, high = plan.created[i], plan.end[i]
        keys.append((low << _SHIFT) | (i << 1) | 1)
        for _ in range(n - 1):
            keys.append((clock.clinic_moment(rng, low, high) << _SHIFT) | (i << 1))
    keys.sort()
    return keys


def _summary_pools(rng: random.Random) -> dict[tuple[int, str, str], list[tuple[str, str, str]]]:
    """Each topic, kind of contact and reaction: a handful of written-out (channel, summary,
    follow-up) variants, drawn once instead of formatted for every row."""
    pools = {}
    for t, topic in enumerate(TOPICS):
        for kind, templates in _SUMMARIES.items():
            for reaction in _REACTIONS:
                variants = []
                for _ in range(6):
                    channel, template = rng.choice(templates)
                    treatments = rng.sample(topic.treatments, 2)
                    progress = rng.choice(_PROGRESS[reaction]).format(
                        p1=rng.randint(5, 8), p2=rng.randint(1, 4), wait=rng.choice((20, 30, 40))
                    )
                    summary = template.format(
                        label=topic.label, concern=rng.choice(topic.concerns),
                        finding=rng.choice(topic.findings), n=rng.randint(1, 3),
                        weeks=rng.choice((4, 6, 8)), t1=treatments[0], t2=treatments[1],
                        exercise=rng.choice(topic.exercises), progress=progress,
                        weekday=rng.choice(_WEEKDAYS), slot=rng.choice(_SLOTS),
                        package=rng.choice(_PACKAGES), left=rng.randint(1, 3),
                        event=rng.choice(_EVENTS),
                    )  # fmt: skip
                    follow_up = rng.choice(_FOLLOW_UPS[kind])
                    if reaction == Reaction.NEGATIVE and kind != "recall":
                        follow_up = rng.choice(_NEGATIVE_FOLLOW_UPS)
                    variants.append((str(channel), summary, follow_up))
                pools[(t, kind, reaction)] = variants
    return pools


def interactions_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    counts: Counts,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    done_plans: int,
) -> InteractionResult:
    """Write the interactions; `done_plans` of them, drawn evenly, fulfilled a contact plan."""
    with_50 = _with_50(plan, counts, clock, rng)
    per_customer = _per_customer(plan, counts, clock, rng, with_50)
    keys = _sort_keys(plan, per_customer, clock, rng)
    result = InteractionResult(with_50=with_50, counts=per_customer, done_plans=[])
    writer.insert(
        Interaction,
        ("id", "customer", "occurred_at", "channel", "staff", "summary", "reaction",
         "follow_up_action", "status", "created_at", "created_by"),
        _rows(keys, plan, clock, staff, rng, done_plans, result.done_plans, result.recent),
    )  # fmt: skip
    return result


class _Staffing:
    """Who takes a contact of each kind, by branch (the demo's rule, `_interaction_staff`)."""

    def __init__(self, staff: Staff, plan: CustomerPlan, random_: Callable[[], float]):
        branches = range(len(staff.by_branch))
        self.therapists = [staff.of(b, "therapist") for b in branches]
        self.desks = [staff.of(b, "desk") for b in branches]
        self.cs = [staff.of(b, "cs") for b in branches]
        self.consultants = [staff.of(b, "consultant") for b in branches]
        self.plan, self.random = plan, random_

    def pick(self, people: list[int]) -> int:
        return people[int(self.random() * len(people))]  # rng.choice, without its overhead

    def who(self, kind: str, i: int) -> int:
        plan, b, pick = self.plan, self.plan.branch[i], self.pick
        if kind in ("evaluation", "treatment", "home_exercise"):
            own = plan.therapist[i]
            return own if own and self.random() < 0.85 else pick(self.therapists[b])
        if kind in ("package", "recall"):
            return plan.consultant[i] or pick(self.consultants[b])
        if kind in ("event", "birthday") or (kind == "followup" and self.random() < 0.5):
            return pick(self.cs[b])
        if kind == "followup":
            return plan.therapist[i] or pick(self.therapists[b])
        return pick(self.desks[b]) if self.random() < 0.6 else pick(self.cs[b])


def _rows(
    keys: list[int],
    plan: CustomerPlan,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    plans_wanted: int,
    plans_out: list[tuple],
    recent_out: list[tuple[int, int, int]],
) -> Iterator[tuple]:
    """The hot loop of the load: three million rows. Weighted picks are a bisection on
    cumulative weights rather than `rng.choices`, which costs several times more per call."""
    pools = _summary_pools(rng)
    kinds = {k: (list(v), list(accumulate(v.values()))) for k, v in _KINDS.items()}
    random_, randint = rng.random, rng.randint
    staffing = _Staffing(staff, plan, random_)
    recent = clock.now - 14 * DAY
    read_window = clock.now - READ_LOG_DAYS * DAY
    ts, day_str, local_day = clock.ts, clock.day_str, clock.local_day
    remaining = len(keys)
    for number, key in enumerate(keys, start=1):
        moment = key >> _SHIFT
        i = (key >> 1) & _MASK
        if key & 1:
            first = plan.kind[i] == CustomerType.PROSPECT or random_() < 0.5
            kind = "inquiry" if first else "evaluation"
        else:
            names, cum = kinds[plan.kind[i]]
            kind = names[bisect(cum, random_() * cum[-1])]
        cum = _REACTION_CUM[plan.mood[i]]
        reaction = _REACTIONS[bisect(cum, random_() * cum[-1])]
        pool = pools[(plan.topic[i], kind, reaction)]
        channel, summary, follow_up = pool[int(random_() * len(pool))]
        who = staffing.who(kind, i)
        if moment > recent:
            status = _RECENT_STATUS[bisect(_RECENT_CUM, random_() * 100)]
        else:
            status = InteractionStatus.DONE if random_() < 0.97 else InteractionStatus.IN_PROGRESS
        created_ts = ts(min(clock.now, moment + randint(1, 40) * 60))
        if moment > read_window:
            recent_out.append((moment, i, who))
        yield (number, i + 1, ts(moment), channel, who, summary, reaction, follow_up, status,
               created_ts, who)  # fmt: skip
        # Selection sampling: exactly `plans_wanted` of all the contacts, evenly spread.
        if random_() * remaining < plans_wanted:
            plans_wanted -= 1
            made = max(plan.created[i], moment - randint(2, 21) * DAY)
            due = local_day(moment)
            if random_() < 0.2:
                due = max(local_day(made), due - randint(1, 3))
            purpose = _PURPOSE.get(kind, ContactPurpose.ROUTINE_CARE)
            plans_out.append(
                (i + 1, day_str(due), purpose, "", who, True, created_ts, number, ts(made), who)
            )
        remaining -= 1
