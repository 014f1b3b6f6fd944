"""Customers of five years and what the record keeps beside them: needs, sign-offs,
anniversaries, satisfaction and important events.

Customers are drawn first as columns of plain lists (`CustomerPlan`), oldest first, so ids and
客戶編號 follow the order they came in, as the app would have issued them; the later parts
(interactions, purchases, complaints) read those columns.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from itertools import accumulate

from bench.gen_base import DAY, Clock, Counts
from bench.gen_people import Names, Phones, Staff, branch_weights
from bench.gen_text import BRANCHES, LANDLINE_RANGES, MAIL_DOMAINS
from bench.gen_writer import BulkWriter
from careloop.core.demo import (
    _EVENT_TEXT,
    _FEEDBACK,
    _NOTES,
    _PREFERENCES,
    _SOURCE_OTHER,
    _SPECIAL_NEEDS,
    _SUGGESTIONS,
    TOPICS,
)
from careloop.customers.models import (
    Anniversary,
    Budget,
    Customer,
    CustomerType,
    DecisionFactor,
    EventKind,
    ImportantEvent,
    NeedsProfile,
    SatisfactionRecord,
    SignOff,
    SignOffKind,
    Source,
)
from careloop.customers.services import CUSTOMER_NUMBER_PREFIX

YEAR = 365 * DAY
LOST_AFTER = 181 * DAY  # domain.md §2: no purchase or visit in 180 days
HAPPY, NEUTRAL, UNHAPPY = 0, 1, 2


def customer_number(index: int) -> str:
    """The 客戶編號 `customer_numbers_next` gives the (index+1)-th customer."""
    return f"{CUSTOMER_NUMBER_PREFIX}{index + 1:07d}"


@dataclass
class CustomerPlan:
    """Every customer as columns; index i is the customer with id i + 1."""

    created: list[int] = field(default_factory=list)
    branch: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    end: list[int] = field(default_factory=list)  # the last moment they were active
    therapist: list[int | None] = field(default_factory=list)
    consultant: list[int | None] = field(default_factory=list)
    creator: list[int] = field(default_factory=list)
    topic: list[int] = field(default_factory=list)
    mood: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    phone: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    line_id: list[str] = field(default_factory=list)
    birthday: list[int | None] = field(default_factory=list)
    by_branch: list[list[int]] = field(default_factory=list)  # indexes, oldest first

    @property
    def count(self) -> int:
        return len(self.created)

    def earlier_in_branch(self, branch: int, moment: int, rng: random.Random) -> int | None:
        """A customer of the branch who was on file at `moment`, or None."""
        members = self.by_branch[branch]
        upto = bisect.bisect_right(members, moment, key=self.created.__getitem__)
        return members[rng.randrange(upto)] if upto else None


def _created_moments(counts: Counts, clock: Clock, rng: random.Random) -> list[tuple[int, int]]:
    """(moment, branch) of each customer's first visit, oldest first. The chain grows: more
    customers each year, and the younger branches only since they opened."""
    span = clock.now - clock.start
    opens = [
        max(clock.start, clock.now - int(spec.opened_years_ago * YEAR))
        for spec in BRANCHES[: counts.branches]
    ]
    opens[0] = clock.start  # the flagship has always been there
    weights = branch_weights(counts.branches)
    moments = sorted(clock.start + int(span * rng.random() ** 0.8) for _ in range(counts.customers))
    order = sorted(range(len(opens)), key=opens.__getitem__)
    open_now: list[int] = []
    cumulative: list[float] = []
    result = []
    for moment in moments:
        while len(open_now) < len(order) and opens[order[len(open_now)]] <= moment:
            open_now.append(order[len(open_now)])
            cumulative = list(accumulate(weights[b] for b in open_now))
        branch = rng.choices(open_now, cum_weights=cumulative)[0]
        result.append((max(moment, opens[branch]), branch))
    result.sort()
    return result


def _kind_and_end(created: int, clock: Clock, rng: random.Random) -> tuple[str, int]:
    if clock.now - created < LOST_AFTER:
        kind = rng.choices(("prospect", "current", "vip"), (40, 55, 5))[0]
    else:
        kind = rng.choices(("prospect", "current", "lost", "vip"), (12, 42, 38, 8))[0]
    if kind == "prospect":
        return kind, min(clock.now, created + rng.randint(1, 120) * DAY)
    if kind == "lost":
        end = min(created + rng.randint(30, 900) * DAY, clock.now - LOST_AFTER)
        return kind, max(end, created)
    return kind, clock.now


def _skewed_pool(rng: random.Random, people: list[int]) -> tuple[list[int], list[float]]:
    """Staff with uneven loads: some therapists and consultants carry many more customers."""
    return people, list(accumulate(rng.lognormvariate(0, 0.35) for _ in people))


def customers_plan(
    *, counts: Counts, clock: Clock, staff: Staff, rng: random.Random
) -> CustomerPlan:
    plan = CustomerPlan(by_branch=[[] for _ in range(counts.branches)])
    names, phones = Names(rng), Phones(rng)
    therapists = [_skewed_pool(rng, staff.of(b, "therapist")) for b in range(counts.branches)]
    consultants = [_skewed_pool(rng, staff.of(b, "consultant")) for b in range(counts.branches)]
    for index, (created, branch) in enumerate(_created_moments(counts, clock, rng)):
        kind, end = _kind_and_end(created, clock, rng)
        pool, cum = therapists[branch]
        has_therapist = kind != "prospect" or rng.random() < 0.4
        plan.created.append(created)
        plan.branch.append(branch)
        plan.kind.append(kind)
        plan.end.append(end)
        plan.therapist.append(rng.choices(pool, cum_weights=cum)[0] if has_therapist else None)
        pool, cum = consultants[branch]
        consultant = rng.choices(pool, cum_weights=cum)[0] if rng.random() < 0.8 else None
        plan.consultant.append(consultant)
        desk = staff.of(branch, "desk")
        plan.creator.append(consultant if consultant and rng.random() < 0.25 else rng.choice(desk))
        plan.topic.append(rng.randrange(len(TOPICS)))
        plan.mood.append(rng.choices((HAPPY, NEUTRAL, UNHAPPY), (70, 22, 8))[0])
        name, surname_rom, given_rom = names.draw()
        plan.name.append(name)
        plan.email.append(
            f"{given_rom}.{surname_rom}{rng.randint(1, 999)}@{rng.choice(MAIL_DOMAINS)}"
            if rng.random() < 0.35
            else ""
        )
        plan.line_id.append(f"{given_rom}{rng.randint(10, 9999)}" if rng.random() < 0.3 else "")
        spec = BRANCHES[branch]
        if rng.random() < 0.05:
            plan.phone.append(phones.landline(spec.area_code, *LANDLINE_RANGES[spec.area_code]))
        else:
            plan.phone.append(phones.mobile())
        age_days = rng.randint(18 * 365 + 5, 85 * 365)
        plan.birthday.append(None if rng.random() < 0.06 else clock.today - age_days)
        plan.by_branch[branch].append(index)
    return plan


_SOURCES = (Source.WEB_SEARCH, Source.SOCIAL_MEDIA, Source.REFERRAL, Source.EVENT, Source.OTHER)
_SOURCE_CUM = list(accumulate((30, 25, 22, 11, 12)))


def customers_load(
    writer: BulkWriter, plan: CustomerPlan, *, clock: Clock, rng: random.Random
) -> None:
    def rows():
        for i in range(plan.count):
            created = plan.created[i]
            email, line_id = plan.email[i], plan.line_id[i]
            source = rng.choices(_SOURCES, cum_weights=_SOURCE_CUM)[0]
            referrer, source_other = None, ""
            if source == Source.REFERRAL:
                referrer = plan.earlier_in_branch(plan.branch[i], created - 1, rng)
                if referrer is None:
                    source_other = "朋友介紹"
                else:
                    referrer += 1
            elif source == Source.OTHER:
                source_other = rng.choice(_SOURCE_OTHER)
            stamp = clock.ts(created)
            birthday = plan.birthday[i]
            yield (
                i + 1, customer_number(i), plan.name[i], plan.phone[i], email, line_id,
                clock.day_str(birthday) if birthday else None, _md(birthday), plan.kind[i], source,
                source_other, referrer, plan.branch[i] + 1, plan.therapist[i],
                plan.consultant[i],
                rng.choice(_PREFERENCES) if rng.random() < 0.3 else "",
                rng.choice(_SPECIAL_NEEDS) if rng.random() < 0.12 else "",
                rng.random() < 0.6, bool(email) and rng.random() < 0.5,
                bool(line_id) and rng.random() < 0.65,
                rng.choice(_NOTES) if rng.random() < 0.1 else "",
                stamp, stamp, plan.creator[i],
            )  # fmt: skip

    writer.insert(
        Customer,
        ("id", "number", "name", "phone", "email", "line_id", "birthday", "birthday_md",
         "customer_type",
         "source", "source_other", "referrer", "branch", "primary_therapist", "sales_consultant",
         "preferences", "special_needs", "consent_sms", "consent_email", "consent_line", "notes",
         "created_at", "updated_at", "created_by"),
        rows(),
    )  # fmt: skip


def _md(ordinal: int | None) -> int | None:
    """Customer.birthday_md, which Customer.save() keeps."""
    if not ordinal:
        return None
    day = dt.date.fromordinal(ordinal)
    return day.month * 100 + day.day


_BUDGETS = (Budget.ECONOMY, Budget.STANDARD, Budget.PREMIUM, Budget.UNSTATED)
_EMPTY = json.dumps([])


def needs_load(writer: BulkWriter, plan: CustomerPlan, *, clock: Clock, rng: random.Random) -> None:
    """One profile per customer, as `customer_create` makes it; filled in for a bit under half."""
    factor_codes = list(DecisionFactor.values)

    def rows():
        for i in range(plan.count):
            created = plan.created[i]
            if rng.random() >= 0.45:
                yield (i + 1, "", _EMPTY, "", Budget.UNSTATED, _EMPTY, "", clock.ts(created),
                       plan.creator[i])  # fmt: skip
                continue
            topic = TOPICS[plan.topic[i]]
            interests = list(dict.fromkeys(topic.interests[: rng.randint(1, len(topic.interests))]))
            factors = sorted(rng.sample(factor_codes, rng.randint(1, 3)), key=factor_codes.index)
            budget = (
                rng.choice((Budget.STANDARD, Budget.PREMIUM))
                if plan.kind[i] == CustomerType.VIP
                else rng.choices(_BUDGETS, (25, 40, 15, 20))[0]
            )
            moment = min(clock.now, created + rng.randint(10, 3 * 24 * 60) * 60)
            yield (
                i + 1, rng.choice(topic.concerns), json.dumps([str(x) for x in interests]),
                "體態雕塑" if "other" in interests else "", budget, json.dumps(factors),
                "可用商業保險理賠" if DecisionFactor.OTHER in factors else "", clock.ts(moment),
                plan.therapist[i] or plan.creator[i],
            )  # fmt: skip

    writer.insert(
        NeedsProfile,
        ("customer", "main_concerns", "service_interests", "service_interest_other", "budget",
         "decision_factors", "decision_factor_other", "updated_at", "updated_by"),
        rows(),
    )  # fmt: skip


def record_extras_load(
    writer: BulkWriter, plan: CustomerPlan, *, clock: Clock, staff: Staff, rng: random.Random
) -> None:
    """記錄人員簽名 on half the records (a supervisor reviewed some), and anniversaries."""

    def sign_offs():
        for i in range(plan.count):
            if rng.random() >= 0.5:
                continue
            signed = min(clock.now, plan.created[i] + rng.randint(30, 5 * 24 * 60) * 60)
            yield (i + 1, SignOffKind.RECORDER, plan.creator[i], clock.ts(signed), "")
            reviewed = signed + rng.randint(12 * 60, 14 * 24 * 60) * 60
            if rng.random() < 0.3 and reviewed < clock.now:
                head = staff.of(plan.branch[i], "head")[0]
                comment = rng.choice(("資料完整", "需求評估請再補充", "已確認", ""))
                yield (i + 1, SignOffKind.SUPERVISOR, head, clock.ts(reviewed), comment)

    writer.insert(SignOff, ("customer", "kind", "signed_by", "signed_at", "comment"), sign_offs())

    def anniversaries():
        for i in range(plan.count):
            if rng.random() >= 0.06:
                continue
            birthday = plan.birthday[i]
            if birthday and rng.random() < 0.5:
                day = birthday + rng.randint(24, 35) * 365 + rng.randint(0, 364)
                if day < clock.today:
                    yield (i + 1, "結婚紀念日", clock.day_str(day))
                    continue
            yield (i + 1, "首次到診日", clock.day_str(clock.local_day(plan.created[i])))

    writer.insert(Anniversary, ("customer", "label", "date"), anniversaries())


_SCORES = {HAPPY: (8, 10), NEUTRAL: (6, 8), UNHAPPY: (3, 6)}
_EVENT_KINDS = (EventKind.SERVICE_DELAY, EventKind.POOR_EFFICACY, EventKind.COMPLAINT,
                EventKind.REFUND_REQUEST, EventKind.OTHER)  # fmt: skip


def satisfaction_load(
    writer: BulkWriter, plan: CustomerPlan, *, clock: Clock, staff: Staff, rng: random.Random
) -> None:
    """滿意度 for about a third of the customers who were treated, one to three each."""

    def rows():
        for i in range(plan.count):
            if plan.kind[i] == CustomerType.PROSPECT or rng.random() >= 0.35:
                continue
            recorders = staff.of(plan.branch[i], "cs") + staff.of(plan.branch[i], "desk")
            for _ in range(rng.randint(1, 3)):
                score = rng.randint(*_SCORES[plan.mood[i]])
                moment = clock.clinic_moment(rng, plan.created[i], plan.end[i])
                yield (
                    i + 1, score, clock.day_str(clock.local_day(moment)),
                    rng.choice(_FEEDBACK) if score >= 7 else "",
                    rng.choice(_SUGGESTIONS) if score <= 8 else "",
                    rng.choice(recorders), clock.ts(moment),
                )  # fmt: skip

    writer.insert(
        SatisfactionRecord,
        ("customer", "score", "recorded_on", "positive_feedback", "improvement_suggestions",
         "recorded_by", "created_at"),
        rows(),
    )  # fmt: skip


def events_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    complaint_events: list[tuple],
) -> None:
    """重要事件: the complaints' own (written by intake) and, for unhappier customers, others."""

    def rows():
        yield from complaint_events
        for i in range(plan.count):
            if rng.random() >= (0.01, 0.05, 0.3)[plan.mood[i]]:
                continue
            kind = rng.choices(_EVENT_KINDS, (35, 25, 20, 10, 10))[0]
            description, outcome = rng.choice(_EVENT_TEXT[kind])
            values = {
                "m": rng.choice((20, 30, 45)),
                "k": rng.randint(3, 8),
                "label": TOPICS[plan.topic[i]].label,
                "amount": rng.randint(3, 12) * 1000,
            }
            when = clock.clinic_moment(rng, plan.created[i], plan.end[i])
            recent = when > clock.now - 7 * DAY and rng.random() < 0.5
            moment = min(clock.now, when + rng.randint(30, 240) * 60)
            yield (
                i + 1, kind, clock.day_str(clock.local_day(when)), description.format(**values),
                "" if recent else outcome.format(**values), None,
                rng.choice(staff.of(plan.branch[i], "cs")), clock.ts(moment),
            )  # fmt: skip

    writer.insert(
        ImportantEvent,
        ("customer", "kind", "occurred_on", "description", "outcome", "complaint", "recorded_by",
         "created_at"),
        rows(),
    )  # fmt: skip
