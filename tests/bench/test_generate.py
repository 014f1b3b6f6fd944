"""The chain-5y generator at a tiny scale, on the test database (SQLite, and PostgreSQL when
DATABASE_URL says so): the counts follow the scale, the benchmark's fixtures resolve through
the app's own selectors, and the rows are what the services would have written."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.db import models
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from bench.gen_base import FULL, READ_LOG_DAYS, Clock, counts_for
from bench.gen_customers import customers_plan
from bench.gen_load import _bulk_models, load
from bench.gen_people import Staff
from bench.operations import _capture, _second_factor_shown, operations_for
from bench.run import manifest_normalise
from careloop.access.models import BulkReadAlert, PersonalDataRead, ReadChannel, ReadKind
from careloop.access.rules import PANEL_SIZE
from careloop.access.services import bulk_read_alerts_send
from careloop.accounts.models import Branch, User
from careloop.complaints.deadlines import deadlines_compute, next_due_refresh, policy_from_terms
from careloop.complaints.models import OPEN_STATES, Complaint
from careloop.complaints.services import complaint_intake
from careloop.core.models import Sequence
from careloop.core.phones import phone_normalize
from careloop.customers.models import ContactPlan, Customer, Interaction
from careloop.customers.selectors import CustomerFilters, customer_search
from careloop.customers.services import customer_create
from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.rules import ANSWER_DAYS, RequestKind, RequestStatus, placeholder_name
from careloop.privacy.services import request_erase
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
    assert PersonalDataRead.objects.count() == targets.personal_data_reads
    assert DataSubjectRequest.objects.count() == targets.privacy_requests
    # and the manifest says so
    assert manifest["counts"]["customers_customer"] == targets.customers
    assert manifest["counts"]["access_personaldataread"] == targets.personal_data_reads
    assert manifest["counts"]["privacy_datasubjectrequest"] == targets.privacy_requests
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
    assert len(reads) == 9
    for op in reads:
        # when the runner captures the page's SQL, signed in as the operation's user
        captured = _capture(op.path, op.user)
        # then the page answers (not the login page) and its statements are recorded
        assert captured["status"] == 200, op.name
        assert captured["statements"], op.name


def test_the_supervisor_sees_the_read_log_panel(manifest):
    # given the supervisor's operations of the benchmark
    ops = {op.name: op for op in operations_for(manifest_normalise(manifest))}
    page, panel = ops["customer_page_supervisor"], ops["read_log_panel"]
    assert page.user == panel.user == manifest["fixtures"]["users"]["head"]
    client = Client()
    head = User.objects.get(username=page.user)
    client.force_login(head, backend="careloop.accounts.backends.StaffBackend")
    _second_factor_shown(client, head)
    # when the department head opens the customer page
    response = client.get(page.path)
    # then it carries the placeholder that loads the panel, which lists the customer's reads
    assert response.status_code == 200
    assert f'hx-get="{panel.path}"'.encode() in response.content
    fragment = client.get(panel.path)
    assert fragment.status_code == 200
    assert fragment.content.count(b"<tr>") - 1 == PANEL_SIZE  # the header row, then 10 reads


def test_the_read_log_is_as_the_middleware_writes_it(manifest):
    clock = Clock(dt.datetime.fromisoformat(manifest["generated_at"]), suffix="")
    reads = list(PersonalDataRead.objects.all())
    window = clock.now_dt - dt.timedelta(days=READ_LOG_DAYS)
    customers = dict(Customer.objects.values_list("pk", "number"))
    assert all(window < r.at <= clock.now_dt for r in reads)
    assert {r.channel for r in reads} <= set(ReadChannel.values)
    assert {r.kind for r in reads} <= set(ReadKind.values)
    for r in reads:
        # every read names a customer and a reader on file, and the path it came through
        assert r.customer_id in customers and r.user_id is not None
        if r.route == "customers:detail":
            assert r.path == f"/customers/{customers[r.customer_id]}/"
            assert resolve(r.path).view_name == r.route
        assert (r.api_token_label != "") == (r.channel == ReadChannel.API)
    # a list page is one request: its rows share the moment and reader, one per customer
    pages = Counter((r.at, r.user_id) for r in reads if r.kind == ReadKind.LIST)
    assert max(pages.values()) <= 25
    # ids rise with time, as a live log's do
    by_id = [r.at for r in sorted(reads, key=lambda r: r.pk)]
    assert by_id == sorted(by_id)
    # the customer with 50 interactions has more reads than the supervisor's panel shows
    fixture = Customer.objects.get(number=manifest["fixtures"]["customer_50"])
    assert PersonalDataRead.objects.filter(customer_id=fixture.pk).count() > PANEL_SIZE


def test_the_bulk_read_sweep_finds_the_planted_reader(manifest, settings):
    fixtures = manifest["fixtures"]
    at = dt.datetime.fromisoformat(fixtures["bulk_read_at"])
    reader = User.objects.get(username=fixtures["bulk_reader"])
    # at this size a branch has fewer customers than the real limit: the clerk's 11 pages of
    # the list hold every customer of the branch
    seen = (
        PersonalDataRead.objects.filter(user=reader, at__gt=at - dt.timedelta(hours=1), at__lte=at)
        .values("customer_id")
        .distinct()
        .count()
    )
    settings.CARELOOP_BULK_READ_LIMIT = seen - 1
    # when the sweep runs at the dataset's moment
    reported = bulk_read_alerts_send(now=at)
    # then the clerk, and only the clerk, is reported
    assert reported == 1
    assert list(BulkReadAlert.objects.values_list("user_id", "customers")) == [(reader.pk, seen)]


def test_data_subject_requests_are_as_the_services_leave_them(manifest):
    requests = list(DataSubjectRequest.objects.select_related("customer"))
    assert {r.status for r in requests} == set(RequestStatus.values)
    for r in requests:
        assert r.branch_id == r.customer.branch_id
        assert r.customer.created_at <= r.received_at
        days = ANSWER_DAYS[RequestKind(r.kind)] * (2 if r.extended_at else 1)
        assert r.due_at == r.received_at + dt.timedelta(days=days)
        assert (r.decided_at is None) == r.is_open == (r.answer == "")
        assert r.extended_at is None or r.decided_at is None or r.extended_at < r.decided_at
        # a carried-out erasure or stop is not faked: those are open or refused
        if r.kind in (RequestKind.ERASURE, RequestKind.STOP):
            assert r.status != RequestStatus.DONE
    # the benchmark's erasure: an open request of a branch-1 customer, whom a supervisor may erase
    fixtures = manifest["fixtures"]
    request = DataSubjectRequest.objects.get(pk=fixtures["erase_request"])
    assert request.kind == RequestKind.ERASURE and request.is_open
    assert request.customer.number == fixtures["erase_customer"]
    assert request.customer.branch.code == fixtures["branch_code"]
    assert fixtures["erase_customer"] not in (fixtures["customer_50"], fixtures["phone_customer"])
    head = User.objects.get(username=fixtures["users"]["head"])
    done = request_erase(request=request, by=head)
    assert done.status == RequestStatus.DONE
    assert Customer.objects.get(pk=request.customer_id).name == placeholder_name(
        request.customer_id
    )


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
