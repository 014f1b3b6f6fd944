"""customers/selectors.py: search, scoping, type suggestions, the customer page and history."""

import datetime as dt

import factory
import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.customers.models import (
    Channel,
    ContactPurpose,
    CustomerType,
    Interaction,
    Reaction,
    SignOffKind,
    Source,
)
from careloop.customers.selectors import (
    CustomerFilters,
    customer_get_for_user,
    customer_history,
    customer_page,
    customer_search,
    customer_type_suggest,
)
from careloop.customers.services import (
    customer_create,
    customer_sign_off,
    customer_update,
    interaction_add,
    satisfaction_add,
)
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    ImportantEventFactory,
    InteractionFactory,
    SatisfactionRecordFactory,
    UserFactory,
)


def _search(user, **filters):
    return set(customer_search(user=user, filters=CustomerFilters(**filters)))


@pytest.fixture
def wang(branch_a):
    """王小明, a Taipei customer with a mobile number."""
    return CustomerFactory(number="C0000012", name="王小明", phone="+886912345678", branch=branch_a)


@pytest.fixture
def lee(branch_a):
    """李美華, a Taipei customer with a landline."""
    return CustomerFactory(number="C0000120", name="李美華", phone="+886223456789", branch=branch_a)


@pytest.fixture
def chen_b(branch_b):
    """陳大文, a Taoyuan customer."""
    return CustomerFactory(number="C0000200", name="陳大文", phone="+886933111222", branch=branch_b)


# --- customer_search: the query box --------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["0912-345-678", "0912345678", "+886 912 345 678", "0912 345 678", "+886912345678"]
)
def test_customer_search_finds_a_mobile_typed_in_any_format(front_desk, wang, lee, query):
    # Given two Taipei customers
    # When the front desk searches for 王小明's mobile written one way or another
    found = _search(front_desk, query=query)
    # Then only 王小明 is found
    assert found == {wang}


@pytest.mark.parametrize("query", ["(02)2345-6789", "02-2345-6789", "02 2345 6789"])
def test_customer_search_finds_a_landline_typed_in_any_format(front_desk, wang, lee, query):
    # Given two Taipei customers
    # When the front desk searches for 李美華's landline
    found = _search(front_desk, query=query)
    # Then only 李美華 is found
    assert found == {lee}


def test_customer_search_finds_a_two_character_name_fragment(front_desk, wang, lee):
    # Given 王小明 and 李美華
    # When the front desk types 小明
    found = _search(front_desk, query="小明")
    # Then only 王小明 is found
    assert found == {wang}


@pytest.mark.parametrize("query", ["amy", "AMY", "Amy 王"])
def test_customer_search_ignores_letter_case_in_latin_names(front_desk, branch_a, query):
    # Given a customer who goes by an English name as well
    amy = CustomerFactory(name="Amy 王", phone="+886911000111", branch=branch_a)
    # When the front desk types it in any case
    found = _search(front_desk, query=query)
    # Then she is found
    assert found == {amy}


@pytest.mark.parametrize("query", ["C0000012", "c0000012", "C12", "c12"])
def test_customer_search_finds_a_customer_number_with_or_without_leading_zeros(
    front_desk, wang, lee, query
):
    # Given customers C0000012 and C0000120
    # When the front desk types the number, in either case, with or without its zeros
    found = _search(front_desk, query=query)
    # Then only C0000012 is found, not the number that merely starts alike
    assert found == {wang}


def test_customer_search_finds_the_last_four_digits_of_a_phone(front_desk, wang, lee):
    # Given 王小明 (0912-345-678) and 李美華 ((02)2345-6789)
    # When the front desk types the last four digits a caller reads out
    found = _search(front_desk, query="6789")
    # Then only 李美華 is found
    assert found == {lee}


def test_customer_search_finds_the_start_of_a_mobile(front_desk, wang, lee):
    # Given 王小明 (0912-345-678)
    # When the front desk types only the beginning of the number
    found = _search(front_desk, query="0912-345")
    # Then 王小明 is found although the stored number starts with +886
    assert found == {wang}


def test_customer_search_last_four_digits_starting_with_zero_match_only_those_digits(
    front_desk, branch_a
):
    # Given one customer ending in 0678 and another whose number only contains 678
    ending = CustomerFactory(name="張一", phone="+886912340678", branch=branch_a)
    CustomerFactory(name="張二", phone="+886911678222", branch=branch_a)
    # When the front desk types the last four digits 0678
    found = _search(front_desk, query="0678")
    # Then only the customer whose number holds 0678 is found
    assert found == {ending}


def test_customer_search_last_four_digits_all_zeros_do_not_match_everyone(front_desk, branch_a):
    # Given one customer ending in 0000 and another without four zeros in a row
    ending = CustomerFactory(name="張一", phone="+886912340000", branch=branch_a)
    CustomerFactory(name="張二", phone="+886922331111", branch=branch_a)
    # When the front desk types the last four digits 0000
    found = _search(front_desk, query="0000")
    # Then only the customer ending in 0000 is found
    assert found == {ending}


def test_customer_search_without_query_lists_newest_first(front_desk, wang, lee):
    # Given 王小明 registered before 李美華
    # When the list is opened without a query
    listed = list(customer_search(user=front_desk, filters=CustomerFilters()))
    # Then the newer customer comes first
    assert listed == [lee, wang]


# --- customer_search: filters --------------------------------------------------------------


@pytest.fixture
def consultant_a(branch_a):
    return UserFactory(username="consultant_a", home_branch=branch_a, roles=["sales_consultant"])


@pytest.fixture
def filtered(branch_a, branch_b, therapist_a, consultant_a):
    """Customers that differ in one filtered field each from a plain Taipei prospect."""
    return {
        "plain": CustomerFactory(branch=branch_a),
        "vip": CustomerFactory(branch=branch_a, customer_type=CustomerType.VIP),
        "taoyuan": CustomerFactory(branch=branch_b),
        "treated": CustomerFactory(branch=branch_a, primary_therapist=therapist_a),
        "sold": CustomerFactory(branch=branch_a, sales_consultant=consultant_a),
        "referred": CustomerFactory(branch=branch_a, source=Source.SOCIAL_MEDIA),
    }


def test_customer_search_filters_by_type(senior, filtered):
    # Given customers of several types
    # When senior management filters on VIP
    # Then only the VIP is listed
    assert _search(senior, customer_type=CustomerType.VIP) == {filtered["vip"]}


def test_customer_search_filters_by_branch(senior, filtered, branch_b):
    # Given customers in Taipei and Taoyuan
    # When senior management filters on Taoyuan
    # Then only the Taoyuan customer is listed
    assert _search(senior, branch_id=branch_b.id) == {filtered["taoyuan"]}


def test_customer_search_filters_by_therapist(senior, filtered, therapist_a):
    # Given one customer treated by therapist A
    # When senior management filters on that therapist
    # Then only that customer is listed
    assert _search(senior, therapist_id=therapist_a.id) == {filtered["treated"]}


def test_customer_search_filters_by_consultant(senior, filtered, consultant_a):
    # Given one customer looked after by consultant A
    # When senior management filters on that consultant
    # Then only that customer is listed
    assert _search(senior, consultant_id=consultant_a.id) == {filtered["sold"]}


def test_customer_search_filters_by_source(senior, filtered):
    # Given one customer who came from social media
    # When senior management filters on that source
    # Then only that customer is listed
    assert _search(senior, source=Source.SOCIAL_MEDIA) == {filtered["referred"]}


def test_customer_search_combines_query_and_filters(senior, branch_a, therapist_a):
    # Given two 王 customers, one of them treated by therapist A
    treated = CustomerFactory(name="王大同", branch=branch_a, primary_therapist=therapist_a)
    CustomerFactory(name="王小同", branch=branch_a)
    # When senior management searches 王 and filters on therapist A
    # Then both conditions apply
    assert _search(senior, query="王", therapist_id=therapist_a.id) == {treated}


# --- branch scoping ------------------------------------------------------------------------


def test_therapist_never_sees_another_branchs_customers(therapist_a, wang, chen_b):
    # Given a Taipei and a Taoyuan customer
    # When the Taipei therapist lists, searches by phone, name and number, or filters on Taoyuan
    # Then the Taoyuan customer never appears
    assert _search(therapist_a) == {wang}
    assert _search(therapist_a, query="0933-111-222") == set()
    assert _search(therapist_a, query="大文") == set()
    assert _search(therapist_a, query=chen_b.number) == set()
    assert _search(therapist_a, branch_id=chen_b.branch_id) == set()


def test_senior_management_sees_every_branch(senior, wang, chen_b):
    # Given a Taipei and a Taoyuan customer
    # When senior management lists customers
    # Then both appear
    assert _search(senior) == {wang, chen_b}


def test_extra_branches_widen_what_a_therapist_sees(therapist_a, wang, chen_b):
    # Given a Taipei therapist who also covers Taoyuan
    therapist_a.extra_branches.add(chen_b.branch)
    # When they list customers
    # Then both branches' customers appear
    assert _search(therapist_a) == {wang, chen_b}


def test_customer_get_for_user_returns_a_customer_of_the_users_branch(therapist_a, wang):
    # Given a Taipei customer
    # When the Taipei therapist opens them by number
    # Then the customer is returned
    assert customer_get_for_user(user=therapist_a, number=wang.number) == wang


def test_customer_get_for_user_raises_404_across_branches(therapist_a, chen_b):
    # Given a Taoyuan customer
    # When the Taipei therapist opens them by number
    # Then it is as if the customer did not exist
    with pytest.raises(Http404):
        customer_get_for_user(user=therapist_a, number=chen_b.number)


def test_customer_get_for_user_raises_404_for_an_unknown_number(senior):
    # Given no customer C0999999
    # When senior management opens it
    # Then 404
    with pytest.raises(Http404):
        customer_get_for_user(user=senior, number="C0999999")


def test_customer_get_for_user_lets_senior_management_open_any_branch(senior, chen_b):
    # Given a Taoyuan customer
    # When senior management (home branch Taipei) opens them
    # Then the customer is returned
    assert customer_get_for_user(user=senior, number=chen_b.number) == chen_b


# --- customer_type_suggest -----------------------------------------------------------------

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("current", "days_ago", "threshold", "expected"),
    [
        (CustomerType.PROSPECT, None, 180, CustomerType.PROSPECT),
        (CustomerType.CURRENT, None, 180, CustomerType.PROSPECT),
        (CustomerType.PROSPECT, 10, 180, CustomerType.CURRENT),
        (CustomerType.LOST, 0, 180, CustomerType.CURRENT),
        (CustomerType.CURRENT, 180, 180, CustomerType.CURRENT),
        (CustomerType.CURRENT, 181, 180, CustomerType.LOST),
        (CustomerType.CURRENT, 200, 180, CustomerType.LOST),
        (CustomerType.CURRENT, 100, 90, CustomerType.LOST),
        (CustomerType.VIP, None, 180, CustomerType.VIP),
        (CustomerType.VIP, 200, 180, CustomerType.VIP),
    ],
    ids=[
        "no activity -> prospect",
        "current without activity -> prospect",
        "10 days -> current",
        "today -> current",
        "exactly 180 days -> current",
        "181 days -> lost",
        "200 days -> lost",
        "threshold 90 is configurable",
        "VIP without activity stays VIP",
        "VIP after 200 days stays VIP",
    ],
)
def test_customer_type_suggest_follows_the_rule_table(current, days_ago, threshold, expected):
    # Given a customer's type and last purchase or visit
    last_activity = None if days_ago is None else TODAY - dt.timedelta(days=days_ago)
    # When a type is suggested
    suggestion = customer_type_suggest(
        current_type=current, last_activity=last_activity, today=TODAY, lost_after_days=threshold
    )
    # Then it follows domain.md §2, with a reason staff can read
    assert suggestion.customer_type == expected
    assert suggestion.reason


def test_customer_type_suggest_explains_a_lost_customer_in_days(db):
    # Given a customer last seen 200 days ago
    # When a type is suggested with the 180-day threshold
    suggestion = customer_type_suggest(
        current_type=CustomerType.CURRENT,
        last_activity=TODAY - dt.timedelta(days=200),
        today=TODAY,
        lost_after_days=180,
    )
    # Then the reason gives both numbers and the label is the Chinese one
    assert "200" in suggestion.reason
    assert "180" in suggestion.reason
    assert suggestion.label == "流失客戶"


# --- customer_page -------------------------------------------------------------------------


def _customer_with_story(branch, *, interactions: int):
    """A customer with `interactions` calls on distinct days, plans, scores and an event."""
    customer = CustomerFactory(branch=branch)
    start = timezone.now() - dt.timedelta(days=interactions + 1)
    InteractionFactory.create_batch(
        interactions,
        customer=customer,
        occurred_at=factory.Iterator([start + dt.timedelta(days=i) for i in range(interactions)]),
    )
    ContactPlanFactory.create_batch(3, customer=customer)
    ContactPlanFactory(customer=customer, done=True, done_at=timezone.now())
    SatisfactionRecordFactory.create_batch(2, customer=customer)
    ImportantEventFactory(customer=customer)
    return customer


def _page_queries(user, customer):
    fetched = customer_get_for_user(user=user, number=customer.number)
    with CaptureQueriesContext(connection) as queries:
        page = customer_page(customer=fetched, user=user, with_history=True)
    return len(queries), page


def test_customer_page_costs_the_same_queries_for_5_and_200_interactions(senior, branch_a):
    # Given a customer with 5 interactions and one with 200, otherwise alike
    short = _customer_with_story(branch_a, interactions=5)
    long = _customer_with_story(branch_a, interactions=200)
    # When each customer's page is built
    short_count, short_page = _page_queries(senior, short)
    long_count, long_page = _page_queries(senior, long)
    # Then both pages hold all their interactions and cost the same number of queries
    assert len(short_page.interactions) == 5
    assert len(long_page.interactions) == 200
    assert long_count == short_count


def test_customer_page_reading_its_lists_costs_no_further_queries(senior, branch_a):
    # Given a customer with interactions, plans, scores and events
    customer = _customer_with_story(branch_a, interactions=5)
    _count, page = _page_queries(senior, customer)
    # When a template walks the page's related names
    with CaptureQueriesContext(connection) as queries:
        names = [i.staff.full_name for i in page.interactions]
        names += [p.assignee.full_name for p in page.open_plans + page.done_plans]
        names += [s.recorded_by.full_name for s in page.satisfaction]
        names += [e.recorded_by.full_name for e in page.events]
        names += [e.user.full_name for e in page.history if e.user]
    # Then nothing more is asked of the database
    assert len(queries) == 0
    assert len(names) >= 5 + 4 + 2 + 1


def test_customer_page_timeline_is_newest_first(senior, branch_a):
    # Given interactions logged out of order
    customer = CustomerFactory(branch=branch_a)
    now = timezone.now()
    for days in (3, 1, 7, 2):
        InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(days=days))
    # When the customer's page is built
    _count, page = _page_queries(senior, customer)
    # Then the interactions run from the newest to the oldest, and so does the history
    times = [i.occurred_at for i in page.interactions]
    assert times == sorted(times, reverse=True)
    assert times[0] == now - dt.timedelta(days=1)
    history_times = [e.at for e in page.history]
    assert history_times == sorted(history_times, reverse=True)


def test_customer_page_splits_plans_and_shows_sign_offs(senior, branch_a, dept_head_a):
    # Given a customer with an open and a done plan, signed by recorder and supervisor
    customer = CustomerFactory(branch=branch_a)
    open_plan = ContactPlanFactory(customer=customer)
    done_plan = ContactPlanFactory(customer=customer, done=True, done_at=timezone.now())
    recorder = customer_sign_off(customer=customer, kind=SignOffKind.RECORDER, by=senior)
    review = customer_sign_off(customer=customer, kind=SignOffKind.SUPERVISOR, by=dept_head_a)
    # When the page is built
    _count, page = _page_queries(senior, customer)
    # Then plans are split by state and each signature is in its place
    assert page.open_plans == [open_plan]
    assert page.done_plans == [done_plan]
    assert page.recorder_sign_off == recorder
    assert page.supervisor_sign_off == review


def test_customer_page_lists_likely_duplicates_but_not_the_customer(senior, branch_a, branch_b):
    # Given the same phone on file at two branches
    customer = CustomerFactory(branch=branch_a, phone="+886912345678")
    twin = CustomerFactory(branch=branch_b, phone="+886912345678")
    # When the first customer's page is built
    _count, page = _page_queries(senior, customer)
    # Then the other record is flagged and the customer itself is not
    assert page.duplicates == [twin]


# --- customer_history ----------------------------------------------------------------------


def test_customer_history_names_who_changed_the_customer_and_its_records(
    front_desk, dept_head_a, therapist_a, branch_a
):
    # Given a customer registered by the front desk, renamed by the department head,
    # called by the therapist who scheduled a follow-up, and scored by the front desk
    customer = customer_create(
        values={"name": "王小明", "phone": "+886912345678", "branch": branch_a}, by=front_desk
    )
    customer_update(customer=customer, values={"name": "王曉明"}, by=dept_head_a)
    interaction_add(
        customer=customer,
        values={
            "occurred_at": timezone.now() - dt.timedelta(hours=1),
            "channel": Channel.PHONE,
            "summary": "詢問療效",
            "reaction": Reaction.POSITIVE,
        },
        by=therapist_a,
        next_plan={
            "due_date": timezone.localdate() + dt.timedelta(days=7),
            "purpose": ContactPurpose.EFFICACY_FOLLOW_UP,
        },
    )
    satisfaction_add(customer=customer, values={"score": 9}, by=front_desk)
    # And another customer's record, which must not show up
    InteractionFactory(customer=CustomerFactory(branch=branch_a))
    # When the customer's history is read
    entries = customer_history(customer=customer)
    # Then every change is there with its author, newest first
    summary = [(e.subject, e.kind, e.user) for e in entries]
    assert sorted(summary, key=str) == sorted(
        [
            ("客戶基本資料", "新增", front_desk),
            ("客戶需求與期望", "新增", front_desk),
            ("客戶基本資料", "修改", dept_head_a),
            ("互動記錄", "新增", therapist_a),
            ("下次聯繫計劃", "新增", therapist_a),
            ("滿意度記錄", "新增", front_desk),
        ],
        key=str,
    )
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[0].subject == "滿意度記錄"
    # And the edit shows what changed
    edit = next(e for e in entries if e.kind == "修改")
    assert edit.changes == [("客戶姓名", "王小明", "王曉明")]


def test_customer_history_is_cut_at_the_limit_keeping_the_newest(front_desk, branch_a):
    # Given a customer edited five times after being registered
    customer = customer_create(
        values={"name": "王小明", "phone": "+886912345678", "branch": branch_a}, by=front_desk
    )
    for n in range(5):
        customer_update(customer=customer, values={"notes": f"第{n}次備註"}, by=front_desk)
    # When three entries are asked for
    entries = customer_history(customer=customer, limit=3)
    # Then the three newest edits are returned
    assert len(entries) == 3
    assert [e.changes[0][2] for e in entries] == ["第4次備註", "第3次備註", "第2次備註"]


def test_customer_history_keeps_the_newest_child_records_at_the_limit(front_desk, branch_a):
    # Given a registered customer with five interactions logged after registration
    customer = customer_create(
        values={"name": "王小明", "phone": "+886912345678", "branch": branch_a}, by=front_desk
    )
    for n in range(5):
        interaction_add(
            customer=customer,
            values={
                "occurred_at": timezone.now() - dt.timedelta(days=n + 1),
                "channel": Channel.PHONE,
                "summary": f"第{n}通電話",
                "reaction": Reaction.NEUTRAL,
            },
            by=front_desk,
        )
    newest = sorted(
        Interaction.history.filter(customer_id=customer.pk).values_list("history_date", flat=True),
        reverse=True,
    )[:3]
    # When three entries are asked for
    entries = customer_history(customer=customer, limit=3)
    # Then they are the three interactions logged last
    assert [(e.subject, e.at) for e in entries] == [("互動記錄", at) for at in newest]
