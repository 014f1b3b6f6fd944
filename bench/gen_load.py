"""`load()`: chain-5y into the current database, callable in-process (the smoke test does).

The command line (`bench/generate.py`) sets Django up, migrates and then calls this. Each part
draws from a random stream of its own (`rng_for(seed, part)`), so changing how one table is
drawn leaves the others as they were.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bench import (
    gen_access,
    gen_complaints,
    gen_customers,
    gen_interactions,
    gen_plans,
    gen_privacy,
)
from bench.gen_base import DEFAULT_SEED, Clock, Counts, counts_for, rng_for
from bench.gen_complaints import ComplaintResult
from bench.gen_customers import CUSTOMER_NUMBER_PREFIX, CustomerPlan, customer_number
from bench.gen_interactions import InteractionResult
from bench.gen_people import PASSWORD, Staff, people_load
from bench.gen_treatments import treatments_load
from bench.gen_writer import BulkWriter, Stopwatch, writer_for_connection
from careloop.access.models import PersonalDataRead
from careloop.accounts.models import Branch, User
from careloop.complaints import models as complaint_models
from careloop.core.models import Sequence
from careloop.customers import models as customer_models
from careloop.privacy.models import DataSubjectRequest
from careloop.treatments.demo import catalogue_ensure_demo
from careloop.treatments.models import Purchase, SessionUse


class NotEmpty(Exception):
    """The database already holds rows that the load would collide with."""


def load(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Load chain-5y into the current database (migrated, no customers); return the manifest.

    Inside a transaction (a test's) it only inserts; in autocommit (the command line) it also
    drops and rebuilds the indexes and relaxes durability for the load (`gen_writer.py`).
    """
    counts = counts_for(scale)
    writer = writer_for_connection(fast=not connection.in_atomic_block, log=log)
    clock = Clock(now or timezone.now(), suffix=writer.suffix)
    _refuse_unless_empty()
    log(f"chain-5y on {writer.vendor}: scale {scale}, seed {seed}")
    watch = Stopwatch(log)
    catalogue_ensure_demo()  # 14 rows through the ORM: the catalogue the demo also sells
    writer.prepare()
    try:
        with transaction.atomic():
            writer.drop_indexes(_bulk_models())
            fixtures = _load_rows(writer, counts=counts, clock=clock, seed=seed, watch=watch)
            with watch.step("indexes and id sequences"):
                writer.create_indexes()
                writer.reset_sequences()
    finally:
        writer.restore()
    with watch.step("analyze"):
        writer.analyze()
    log(f"done in {watch.total:.1f} s")
    return {
        "database": writer.vendor,
        "scale": scale,
        "seed": seed,
        "generated_at": clock.now_dt.isoformat(),
        "password": PASSWORD,
        "elapsed_seconds": {**watch.steps, "total": round(watch.total, 1)},
        "counts": dict(sorted(writer.written.items())),
        "targets": counts.as_dict(),
        "fixtures": fixtures,
    }


def _load_rows(
    writer: BulkWriter, *, counts: Counts, clock: Clock, seed: int, watch: Stopwatch
) -> dict[str, Any]:
    with watch.step("branches and staff"):
        staff = people_load(writer, counts=counts, clock=clock, rng=rng_for(seed, "people"))
    with watch.step("customers"):
        plan = gen_customers.customers_plan(
            counts=counts, clock=clock, staff=staff, rng=rng_for(seed, "customers")
        )
        gen_customers.customers_load(writer, plan, clock=clock, rng=rng_for(seed, "customer-rows"))
    with watch.step("needs, sign-offs, anniversaries"):
        gen_customers.needs_load(writer, plan, clock=clock, rng=rng_for(seed, "needs"))
        gen_customers.record_extras_load(
            writer, plan, clock=clock, staff=staff, rng=rng_for(seed, "record")
        )
    with watch.step("complaints"):
        cases = gen_complaints.complaints_load(
            writer, plan, counts=counts, clock=clock, staff=staff, rng=rng_for(seed, "complaints")
        )
    # Complaint follow-ups are contact plans too: the rest of the plans make up the counts.
    open_from_cases = sum(1 for row in cases.plans if not row[5])
    done_from_cases = len(cases.plans) - open_from_cases
    with watch.step("interactions"):
        contacts = gen_interactions.interactions_load(
            writer, plan, counts=counts, clock=clock, staff=staff,
            rng=rng_for(seed, "interactions"),
            done_plans=max(0, counts.contact_plans - counts.open_contact_plans - done_from_cases),
        )  # fmt: skip
    with watch.step("contact plans"):
        plan_rows = [*contacts.done_plans, *cases.plans]
        plan_rows += gen_plans.open_plans(
            plan, counts.open_contact_plans - open_from_cases, clock=clock, staff=staff,
            rng=rng_for(seed, "plans"),
        )  # fmt: skip
        gen_plans.plans_load(writer, plan_rows)
    with watch.step("purchases and session uses"):
        treatments_load(
            writer, plan, counts=counts, clock=clock, staff=staff, rng=rng_for(seed, "treatments")
        )
    with watch.step("satisfaction and important events"):
        gen_customers.satisfaction_load(
            writer, plan, clock=clock, staff=staff, rng=rng_for(seed, "satisfaction")
        )
        gen_customers.events_load(
            writer, plan, clock=clock, staff=staff, rng=rng_for(seed, "events"),
            complaint_events=cases.events,
        )  # fmt: skip
    # The counters the app numbers new customers and cases with, left after the last ones.
    writer.insert(Sequence, ("key", "last_value"), [("customer", plan.count), *cases.sequences])
    fixtures = _fixtures(plan, staff, clock, contacts, cases, plan_rows, seed)
    customer_50 = _index(fixtures["customer_50"])
    with watch.step("read log"):
        reads = gen_access.reads_load(
            writer, plan, counts=counts, clock=clock, staff=staff, rng=rng_for(seed, "reads"),
            contacts=contacts.recent, cases=cases.touched, fixture_customer=customer_50,
        )  # fmt: skip
    with watch.step("data-subject requests"):
        avoid = {customer_50, _index(fixtures["phone_customer"])}
        requests = gen_privacy.requests_load(
            writer, plan, counts=counts, clock=clock, staff=staff,
            rng=rng_for(seed, "privacy-requests"),
            erase_customer=_erase_customer(plan, contacts, avoid), avoid=avoid,
        )  # fmt: skip
    fixtures.update(
        bulk_read_at=clock.aware(reads.bulk_read_at).isoformat(),
        bulk_reader=reads.bulk_reader,
        erase_request=requests.erase_request,
        erase_customer=customer_number(requests.erase_customer),
    )
    return fixtures


def _index(number: str) -> int:
    """The plan's index of a customer number (`customer_number`'s inverse)."""
    return int(number.removeprefix(CUSTOMER_NUMBER_PREFIX)) - 1


def _erase_customer(plan: CustomerPlan, contacts: InteractionResult, avoid: set[int]) -> int:
    """Whom the benchmark erases: the branch-1 customer with the most interactions (the most
    rows for the contributors to anonymise) that no other fixture uses."""
    home = [i for i in plan.by_branch[0] if i not in avoid]
    return max(home, key=lambda i: (contacts.counts[i], -i))


def _fixtures(
    plan: CustomerPlan,
    staff: Staff,
    clock: Clock,
    contacts: InteractionResult,
    cases: ComplaintResult,
    plan_rows: list[tuple],
    seed: int,
) -> dict[str, Any]:
    """What the benchmark looks for in the data, all of it in branch 1."""
    rng = rng_for(seed, "fixtures")
    home = plan.by_branch[0]
    phone_owner = rng.choice([i for i in home if plan.phone[i].startswith("+8869")])
    given_names = Counter(plan.name[i][1:] for i in home)  # surnames are one character
    with_50 = [i for i in contacts.with_50 if plan.branch[i] == 0]
    last_month = clock.date(clock.date(clock.today).replace(day=1).toordinal() - 1)
    code = staff.branch_codes[0]
    return {
        "users": {
            "desk": f"{code}_desk1",
            "therapist": f"{code}_therapist1",
            "consultant": f"{code}_consultant1",
            "cs": f"{code}_cs1",
            "head": "head_cs",
            "ceo": "ceo",
            "admin": "admin",
        },
        "phone": "0" + plan.phone[phone_owner].removeprefix("+886"),  # as staff type it
        "phone_customer": customer_number(phone_owner),
        "name_fragment": given_names.most_common(1)[0][0],
        "customer_50": customer_number(with_50[0]),
        "worklist_user": gen_plans.typical_worklist_user(plan_rows, clock=clock, staff=staff),
        "complaint_open": cases.open_fixture,
        "analysis_month": f"{last_month:%Y-%m}",
        "branch_code": code,
        "totp_keys": staff.totp_keys,
    }


def _bulk_models() -> list[type[models.Model]]:
    """The tables whose secondary indexes are rebuilt after the load, in fast mode."""
    m, c = customer_models, complaint_models
    return [
        m.Customer, m.NeedsProfile, m.SignOff, m.Anniversary, m.Interaction, m.ContactPlan,
        m.SatisfactionRecord, m.ImportantEvent, Purchase, SessionUse, c.Complaint,
        c.Complaint.departments.through, c.GradeChange, c.Transition, c.Approval,
        c.Investigation, c.Solution, c.ActionItem, c.Communication, PersonalDataRead,
        DataSubjectRequest,
    ]  # fmt: skip


def _refuse_unless_empty() -> None:
    # Ids are given explicitly from 1, so these tables must start empty.
    for model in (customer_models.Customer, Branch, User, complaint_models.Complaint):
        if model.objects.exists():
            raise NotEmpty(f"the database already has rows in {model._meta.db_table}")
