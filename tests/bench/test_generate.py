"""The chain-5y generator at a tiny scale, on the test database (SQLite, and PostgreSQL when
DATABASE_URL says so): the counts follow the scale, the benchmark's fixtures resolve through
the app's own selectors, and the rows are what the services would have written."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.db import models
from django.utils import timezone

from bench.gen_base import FULL, Clock, counts_for
from bench.gen_customers import customers_plan
from bench.gen_load import _bulk_models, load
from bench.gen_people import Staff
from bench.operations import _capture, operations_for
from bench.run import manifest_normalise
from careloop.accounts.models import Branch, User
from careloop.complaints.deadlines import deadlines_compute, next_due_refresh, policy_from_terms
from careloop.complaints.models import OPEN_STATES, Complaint
from careloop.complaints.services import complaint_intake
from careloop.core.models import Sequence
from careloop.core.phones import phone_normalize
from careloop.customers.models import ContactPlan, Customer, Interaction
from careloop.customers.selectors import CustomerFilters, customer_search
from careloop.customers.services import customer_create
from careloop.treatments.models import Purchase, PurchaseKind, SessionUse
from careloop.treatments.services import add_months

SCALE = 0.0005


@pytest.fixture
def manifest(db):
    return load(scale=SCALE, seed=7, log=lambda line: None)


def test_counts_follow_the_scale(manifest):
    # given a load at 1/2000 of chain-5y
    targets = counts_for(SCALE)
    # then each table holds its share, exactly
    assert targets.customers == FULL.customers * SCALE
    assert Branch.objects.count() == targets.branches == 2
    assert User.objects.count() == targets.staff
    assert Customer.objects.count() == targets.customers
    assert Interaction.objects.count() == targets.interactions
    assert Purchase.objects.count() == targets.purchases
    assert SessionUse.objects.count() == targets.session_uses
    assert ContactPlan.objects.count() == targets.contact_plans
    assert ContactPlan.objects.filter(done=False).count() == targets.open_contact_plans
    assert Complaint.objects.count() == targets.complaints
    assert Complaint.objects.filter(state__in=OPEN_STATES).count() == targets.open_complaints
    # and the manifest says so
    assert manifest["counts"]["customers_customer"] == targets.customers
    assert manifest["targets"] == targets.as_dict()


def test_the_benchmark_fixtures_resolve(manifest):
    fixtures = manifest["fixtures"]
    usernames = set(User.objects.values_list("username", flat=True))
    assert set(fixtures["users"].values()) <= usernames
    desk = User.objects.get(username=fixtures["users"]["desk"])
    assert desk.home_branch.code == fixtures["branch_code"]
    # the phone, typed the way staff type it, finds its customer through the real search
    found = customer_search(user=desk, filters=CustomerFilters(query=fixtures["phone"]))
    assert [c.number for c in found] == [fixtures["phone_customer"]]
    by_name = customer_search(user=desk, filters=CustomerFilters(query=fixtures["name_fragment"]))
    assert len(fixtures["name_fragment"]) == 2 and by_name.count() >= 2
    customer = Customer.objects.get(number=fixtures["customer_50"])
    assert customer.branch.code == fixtures["branch_code"]
    assert customer.interactions.count() == 50
    case = Complaint.objects.get(number=fixtures["complaint_open"])
    assert case.is_open and case.branch.code == fixtures["branch_code"]
    assert (case.communications.count(), case.action_items.count()) == (3, 2)
    assert fixtures["worklist_user"] in usernames
    assert dt.datetime.strptime(fixtures["analysis_month"], "%Y-%m")


def test_every_page_the_benchmark_times_answers_as_its_user(manifest):
    # given the runner's reading of the manifest
    reads = [op for op in operations_for(manifest_normalise(manifest)) if op.kind == "read"]
    assert len(reads) == 7
    for op in reads:
        # when the runner captures the page's SQL, signed in as the operation's user
        captured = _capture(op.path, op.user)
        # then the page answers (not the login page) and its statements are recorded
        assert captured["status"] == 200, op.name
        assert captured["statements"], op.name


def test_new_numbers_follow_the_loaded_ones(manifest):
    desk = User.objects.get(username=manifest["fixtures"]["users"]["desk"])
    cs = User.objects.get(username=manifest["fixtures"]["users"]["cs"])
    last_customer = Customer.objects.order_by("-number").first()
    # when staff add a customer through the service
    customer = customer_create(
        values={"name": "測試新客", "branch": desk.home_branch}, by=desk, allow_duplicate=True
    )
    # then it gets the next number (and the next id: PostgreSQL's sequences were reset)
    assert customer.number == f"C{int(last_customer.number[1:]) + 1:07d}"
    assert customer.pk == last_customer.pk + 1
    # and a complaint received on a day that already has cases gets that day's next number
    latest = Complaint.objects.order_by("-received_at").first()
    day = latest.number.split("-")[0]
    that_day = Complaint.objects.filter(number__startswith=f"{day}-").count()
    case = complaint_intake(
        values={
            "branch": cs.home_branch,
            "complainant_name": "林小姐",
            "complainant_phone": "+886911000111",
            "channel": "phone",
            "received_at": latest.received_at,
            "description": "候診時間太長。",
        },
        criteria=["c_general"],
        by=cs,
    )
    assert case.number == f"{day}-{that_day + 1:03d}"


def test_packages_keep_count_of_their_sessions(manifest):
    uses: Counter[int] = Counter()
    days: dict[int, list[dt.date]] = {}
    for purchase_id, used_on in SessionUse.objects.values_list("purchase_id", "used_on"):
        uses[purchase_id] += 1
        days.setdefault(purchase_id, []).append(used_on)
    returned: Counter[int] = Counter()
    for sale_id, sessions in Purchase.objects.exclude(kind=PurchaseKind.SALE).values_list(
        "reverses_id", "sessions"
    ):
        returned[sale_id] += sessions  # negative on a refund or cancellation
    sales = Purchase.objects.filter(kind=PurchaseKind.SALE, package__isnull=False)
    assert sales.exists()
    for sale in sales.select_related("package"):
        assert sale.sessions_remaining == sale.sessions + returned[sale.pk] - uses[sale.pk]
        assert sale.expires_on == add_months(sale.purchased_on, sale.package.validity_months)
        used = days.get(sale.pk, [])
        assert sale.first_session_on == (min(used) if used else None)
        assert all(sale.purchased_on <= day <= sale.expires_on for day in used)


def test_complaints_are_as_the_services_leave_them(manifest):
    cases = list(Complaint.objects.all())
    assert {c.grade for c in cases} <= {"A", "B", "C"}
    for case in cases:
        # deadlines from the real calendar (not the load's one-read copy of it)
        deadlines = deadlines_compute(
            received_at=case.received_at,
            grade=case.grade,
            branch_id=case.branch_id,
            channel=case.channel,
            criteria=case.criteria,
            policy=policy_from_terms(case.grade, case.deadline_terms),
        )
        assert (case.start_due, case.resolution_due) == (
            deadlines.start_due,
            deadlines.resolution_due,
        )
        assert case.first_response_due == deadlines.first_response_due
        stored = (case.next_due, case.next_alert_at)
        next_due_refresh(case)
        assert (case.next_due, case.next_alert_at) == stored
        assert (case.closed_at is not None) == (not case.is_open)
    # one counter per day of receipt, at that day's last number
    per_day = Counter(c.number.split("-")[0] for c in cases)
    counters = dict(
        Sequence.objects.filter(key__startswith="complaint-").values_list("key", "last_value")
    )
    assert counters == {f"complaint-{day}": n for day, n in per_day.items()}


def test_phones_are_stored_as_the_app_stores_them(manifest):
    phones = list(Customer.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert all(phone_normalize(phone) == phone for phone in phones)


def test_every_reference_points_at_a_row(manifest):
    # The command line loads with foreign keys unchecked; the rows must not need them.
    for model in [*_bulk_models(), User, Branch]:
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model._default_manager.values("pk")
            orphans = model._default_manager.exclude(**{f"{field.attname}__isnull": True}).exclude(
                **{f"{field.attname}__in": target}
            )
            assert not orphans.exists(), f"{model.__name__}.{field.name}"


def test_the_same_seed_draws_the_same_customers():
    counts = counts_for(SCALE)
    staff = Staff(password_hash="-", branch_ids=[1, 2], branch_codes=["b01", "b02"])
    staff.by_branch = [
        {"therapist": [1 + 10 * b, 2 + 10 * b], "consultant": [3 + 10 * b], "desk": [4 + 10 * b],
         "cs": [5 + 10 * b], "head": [6 + 10 * b]}
        for b in range(2)
    ]  # fmt: skip
    clock = Clock(timezone.now(), suffix="")

    def draw(seed: str):
        plan = customers_plan(counts=counts, clock=clock, staff=staff, rng=random.Random(seed))
        return plan.name, plan.phone, plan.created, plan.kind

    assert draw("a") == draw("a")
    assert draw("a") != draw("b")
