"""Open contact plans (下次聯繫計劃) around today, so every worklist has a realistic day.

Done plans come with the interactions that fulfilled them (`gen_interactions.py`) and with
complaint follow-ups (`gen_complaint_walk.py`); this part draws the open ones: some due
today, about a quarter overdue, the rest in the coming two months, spread over the staff the
app would assign them to.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from itertools import accumulate

from bench.gen_base import Clock
from bench.gen_customers import CustomerPlan
from bench.gen_interactions import PLAN_FIELDS
from bench.gen_people import Staff
from bench.gen_writer import BulkWriter
from careloop.customers.models import ContactPlan, ContactPurpose, CustomerType

_PURPOSES = (ContactPurpose.ROUTINE_CARE, ContactPurpose.EFFICACY_FOLLOW_UP,
             ContactPurpose.RENEWAL_REMINDER, ContactPurpose.EVENT_INVITATION,
             ContactPurpose.BIRTHDAY_GREETING, ContactPurpose.OTHER)  # fmt: skip
_PURPOSE_CUM = list(accumulate((33, 28, 18, 9, 7, 5)))
_OPENNESS = {CustomerType.CURRENT: 1.0, CustomerType.VIP: 2.0, CustomerType.PROSPECT: 0.6,
             CustomerType.LOST: 0.05}  # fmt: skip


def open_plans(
    plan: CustomerPlan, count: int, *, clock: Clock, staff: Staff, rng: random.Random
) -> list[tuple]:
    if count <= 0:
        return []
    cumulative = list(accumulate(_OPENNESS[kind] for kind in plan.kind))
    rows = []
    for i in rng.choices(range(plan.count), cum_weights=cumulative, k=count):
        roll = rng.random()
        if roll < 0.10:
            due = clock.today
        elif roll < 0.35:
            due = clock.today - min(45, int(rng.expovariate(1 / 6)) + 1)
        else:
            due = clock.today + rng.randint(1, 60)
        created_day = clock.local_day(plan.created[i])
        due = max(due, created_day)
        purpose = rng.choices(_PURPOSES, cum_weights=_PURPOSE_CUM)[0]
        b = plan.branch[i]
        if purpose == ContactPurpose.EFFICACY_FOLLOW_UP:
            assignee = plan.therapist[i] or rng.choice(staff.of(b, "therapist"))
        elif purpose == ContactPurpose.RENEWAL_REMINDER:
            assignee = plan.consultant[i] or rng.choice(staff.of(b, "consultant"))
        else:
            assignee = rng.choice(staff.of(b, "cs") + staff.of(b, "desk"))
        made = clock.clinic_moment(
            rng, max(plan.created[i], clock.at(due - 21, 0)), clock.at(due - 1, 86_399)
        )
        creator = assignee if rng.random() < 0.7 else plan.creator[i]
        rows.append(
            (i + 1, clock.day_str(due), purpose,
             "確認保險理賠文件" if purpose == ContactPurpose.OTHER else "", assignee, False, None,
             None, clock.ts(made), creator)
        )  # fmt: skip
    return rows


def plans_load(writer: BulkWriter, rows: list[tuple]) -> None:
    writer.insert(ContactPlan, PLAN_FIELDS, rows)


def typical_worklist_user(rows: list[tuple], *, clock: Clock, staff: Staff) -> str:
    """A therapist of branch 1 with the median number of open plans due today or earlier."""
    today = clock.day_str(clock.today)
    due = Counter(row[4] for row in rows if not row[5] and row[1] <= today)
    therapists = staff.of(0, "therapist")
    loads = sorted((due.get(user, 0), user) for user in therapists)
    middle = statistics.median_low(load for load, _user in loads)
    user = next(user for load, user in loads if load == middle)
    return staff.usernames[user]
