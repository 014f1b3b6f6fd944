"""The customer API (/api/v1/customers…): same rules and messages as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from careloop.accounts.services import api_token_create
from careloop.customers.models import (
    ContactPlan,
    Customer,
    ImportantEvent,
    Interaction,
    SatisfactionRecord,
    SignOff,
)
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    ImportantEventFactory,
    InteractionFactory,
    SatisfactionRecordFactory,
)

API = "/api/v1"
JSON = "application/json"


class ApiClient:
    """A client that calls the API with one user's personal token."""

    def __init__(self, user):
        _token, key = api_token_create(user=user, name="pytest")
        self.client = Client(headers={"authorization": f"Bearer {key}"})

    def get(self, path, params=None):
        return self.client.get(API + path, params or {})

    def post(self, path, payload=None):
        return self.client.post(API + path, payload or {}, content_type=JSON)

    def patch(self, path, payload):
        return self.client.patch(API + path, payload, content_type=JSON)

    def put(self, path, payload):
        return self.client.put(API + path, payload, content_type=JSON)

    def delete(self, path):
        return self.client.delete(API + path)


@pytest.fixture
def as_therapist_a(therapist_a):
    return ApiClient(therapist_a)


@pytest.fixture
def as_head_a(dept_head_a):
    return ApiClient(dept_head_a)


@pytest.fixture
def as_senior(senior):
    return ApiClient(senior)


@pytest.fixture
def customer_a(branch_a, therapist_a):
    return CustomerFactory(
        name="林美玲",
        phone="+886912345678",
        birthday=dt.date(1985, 3, 14),
        branch=branch_a,
        primary_therapist=therapist_a,
        created_by=therapist_a,
    )


@pytest.fixture
def customer_b(branch_b, therapist_b):
    return CustomerFactory(
        name="張志豪", phone="+886922333444", branch=branch_b, created_by=therapist_b
    )


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# --- schema ------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_customer_endpoints(db):
    # when the schema is fetched, without credentials
    response = Client().get(f"{API}/openapi.json")
    # then it is served and documents the customer resource and the accounts endpoints
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/customers" in paths
    assert {"get", "post"} <= set(paths["/api/v1/customers"])
    assert "/api/v1/customers/{number}/contact-plans/{plan_id}/complete" in paths
    assert "/api/v1/me" in paths


def test_every_schema_field_is_described(db):
    # given the published schema
    components = Client().get(f"{API}/openapi.json").json()["components"]["schemas"]
    # then every property of every schema tells integrators what it is
    undescribed = [
        f"{name}.{prop}"
        for name, schema in components.items()
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["0912345678", "0912-345-678", "+886 912 345 678", "345678", "美玲", "林美"]
)
def test_search_finds_a_customer_by_phone_in_any_format_or_by_name(
    as_therapist_a, customer_a, branch_a, query
):
    # given the customer stored as +886912345678 and another customer of the same branch
    CustomerFactory(name="陳大文", phone="+886933111222", branch=branch_a)
    # when staff search the way they would type it
    found = numbers(as_therapist_a.get("/customers", {"q": query}))
    # then only that customer comes back
    assert found == [customer_a.number]


def test_search_finds_a_customer_by_number(as_therapist_a, customer_a, branch_a):
    # given two customers
    CustomerFactory(name="陳大文", branch=branch_a)
    # when searching by the customer number, in lower case too
    # then only that customer comes back
    assert numbers(as_therapist_a.get("/customers", {"q": customer_a.number})) == [
        customer_a.number
    ]
    assert numbers(as_therapist_a.get("/customers", {"q": customer_a.number.lower()})) == [
        customer_a.number
    ]


def test_search_items_carry_the_phone_both_ways(as_therapist_a, customer_a):
    # when listing
    item = as_therapist_a.get("/customers").json()["items"][0]
    # then the phone is there in E.164 and as the clinic writes it
    assert item["phone"] == "+886912345678"
    assert item["phone_display"] == "0912-345-678"
    assert item["customer_type_label"] == "潛在客戶"
    assert item["branch"]["name"] == "台北總院"
    assert item["primary_therapist"]["username"] == "therapist_a"


def test_search_filters_and_pages(as_therapist_a, branch_a, therapist_a):
    # given 30 customers of branch A, 3 of them VIP
    vips = {CustomerFactory(branch=branch_a, customer_type="vip").number for _ in range(3)}
    for _ in range(27):
        CustomerFactory(branch=branch_a)
    # when filtering by type
    assert set(numbers(as_therapist_a.get("/customers", {"customer_type": "vip"}))) == vips
    # and when paging through everyone
    first = as_therapist_a.get("/customers").json()
    second = as_therapist_a.get("/customers", {"limit": 25, "offset": 25}).json()
    # then the count is the total, the default page holds 25, and pages do not overlap
    assert first["count"] == 30
    assert len(first["items"]) == 25
    assert len(second["items"]) == 5
    assert not {i["number"] for i in first["items"]} & {i["number"] for i in second["items"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"customer_type": "gold"}, "customer_type"),
    ],
)
def test_search_rejects_bad_parameters(as_therapist_a, params, field):
    # when the parameters are out of range or not a choice
    response = as_therapist_a.get("/customers", params)
    # then 422 names the parameter
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


# --- branch scoping ----------------------------------------------------------------------


def test_a_therapist_does_not_see_another_branchs_customer(as_therapist_a, customer_a, customer_b):
    # given a therapist of branch A and a customer of branch B
    url = f"/customers/{customer_b.number}"
    # then the customer does not exist for them, whatever they try
    assert as_therapist_a.get(url).status_code == 404
    assert as_therapist_a.patch(url, {"notes": "改"}).status_code == 404
    assert as_therapist_a.get(f"{url}/interactions").status_code == 404
    response = as_therapist_a.post(
        f"{url}/interactions", {"channel": "phone", "summary": "試", "reaction": "neutral"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到此客戶。"}
    # and is not listed, even by its exact number or phone
    assert numbers(as_therapist_a.get("/customers")) == [customer_a.number]
    assert numbers(as_therapist_a.get("/customers", {"q": customer_b.number})) == []
    assert numbers(as_therapist_a.get("/customers", {"q": "0922-333-444"})) == []
    # and nothing was written
    customer_b.refresh_from_db()
    assert customer_b.notes == ""
    assert not Interaction.objects.filter(customer=customer_b).exists()


def test_a_therapist_cannot_filter_by_another_branch(as_therapist_a, customer_b, branch_b):
    # when asking for branch B's customers explicitly
    response = as_therapist_a.get("/customers", {"branch": branch_b.pk})
    # then the branch is not a valid choice for them
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["branch"]


def test_senior_management_sees_every_branch(as_senior, customer_a, customer_b, branch_b):
    # given customers in branches A and B
    # then senior management lists both, opens both, and may filter by branch
    assert set(numbers(as_senior.get("/customers"))) == {customer_a.number, customer_b.number}
    assert as_senior.get(f"/customers/{customer_b.number}").status_code == 200
    assert numbers(as_senior.get("/customers", {"branch": branch_b.pk})) == [customer_b.number]


# --- create ------------------------------------------------------------------------------


def test_creating_a_customer_normalises_the_phone(as_therapist_a, therapist_a, branch_a):
    # when a therapist adds a customer with only a name and a phone as they write it
    response = as_therapist_a.post("/customers", {"name": " 王小明 ", "phone": "0912 345 678"})
    # then it is created in their branch as a prospect, the phone stored as E.164
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(number=body["number"])
    assert body["number"].startswith("C")
    assert (customer.name, customer.phone, customer.branch) == ("王小明", "+886912345678", branch_a)
    assert (body["phone"], body["phone_display"]) == ("+886912345678", "0912-345-678")
    assert body["customer_type"] == "prospect"
    assert body["created_by"]["username"] == "therapist_a"
    # and the needs profile exists from the start
    assert customer.needs.budget == "unstated"


def test_invisible_characters_are_taken_out_of_a_name(as_therapist_a):
    # a right-to-left override would show 「王小明」 backwards; a zero-width space hides a twin
    response = as_therapist_a.post(
        "/customers", {"name": "\u202e王\u200b小明\u2066", "phone": "0912 345 678"}
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get(number=response.json()["number"]).name == "王小明"


def test_creating_with_three_mistakes_names_exactly_those_fields(as_therapist_a):
    # given a malformed phone, a birthday in the future and an empty name
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    payload = {"name": "  ", "phone": "12-34", "birthday": tomorrow.isoformat()}
    # when posted
    response = as_therapist_a.post("/customers", payload)
    # then 422 with the pages' own messages for exactly those three fields
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "輸入資料有誤。"
    assert set(body["errors"]) == {"name", "phone", "birthday"}
    assert body["errors"]["name"] == ["請填寫客戶姓名。"]
    assert body["errors"]["birthday"] == ["生日不可晚於今天。"]
    assert body["errors"]["phone"][0].startswith("電話號碼格式不正確")
    # and nothing is saved
    assert not Customer.objects.exists()


def test_creating_with_a_wrong_type_or_unknown_field_is_a_422(as_therapist_a):
    # when a field has the wrong JSON type, or a field name is misspelt
    wrong_type = as_therapist_a.post("/customers", {"name": ["王小明"]})
    misspelt = as_therapist_a.post("/customers", {"name": "王小明", "birth_day": "1990-01-01"})
    # then 422 names it, and nothing is saved
    assert wrong_type.status_code == 422
    assert list(wrong_type.json()["errors"]) == ["name"]
    assert misspelt.status_code == 422
    assert list(misspelt.json()["errors"]) == ["birth_day"]
    assert not Customer.objects.exists()


def test_a_likely_duplicate_is_refused_until_confirmed(as_therapist_a, customer_a):
    # given a customer on file with this phone
    payload = {"name": "林美玲", "phone": "0912-345-678"}
    # when the same person is added again
    refused = as_therapist_a.post("/customers", payload)
    # then 409 names the existing customer and nothing is saved
    assert refused.status_code == 409
    assert refused.json()["detail"] == "可能已有相同的客戶資料。"
    assert refused.json()["candidates"] == [
        {"number": customer_a.number, "name": "林美玲", "branch": "台北總院", "accessible": True}
    ]
    assert Customer.objects.count() == 1
    # when staff confirm it is a different person
    confirmed = as_therapist_a.post("/customers", {**payload, "allow_duplicate": True})
    # then it is created
    assert confirmed.status_code == 201
    assert Customer.objects.count() == 2


def test_a_duplicate_in_another_branch_shows_no_name(as_therapist_a, customer_b):
    # given a customer of branch B with this phone
    # when a therapist of branch A adds someone with that phone
    response = as_therapist_a.post("/customers", {"name": "某人", "phone": "0922-333-444"})
    # then they learn that branch B has a customer, but not who
    assert response.status_code == 409
    assert response.json()["candidates"] == [
        {"number": customer_b.number, "name": None, "branch": "桃園分院", "accessible": False}
    ]


def test_a_therapist_cannot_create_a_customer_in_another_branch(as_therapist_a, branch_b):
    # when the branch given is one they may not see
    response = as_therapist_a.post("/customers", {"name": "王小明", "branch": branch_b.pk})
    # then the form refuses the choice
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["branch"]
    assert not Customer.objects.exists()


def test_a_referral_records_the_referrer(as_therapist_a, customer_a):
    # when a customer referred by another is added
    response = as_therapist_a.post(
        "/customers",
        {"name": "王小明", "source": "referral", "referrer_number": customer_a.number},
    )
    # then the referrer is recorded
    assert response.status_code == 201
    assert response.json()["referrer"] == {"number": customer_a.number, "name": "林美玲"}


def test_an_administrator_may_look_but_not_create(db, branch_a):
    # given the system administrator, who sees customers but does not keep records
    from tests.factories import UserFactory

    admin = ApiClient(UserFactory(home_branch=branch_a, roles=["administrator"]))
    # when they try to add a customer, even an invalid one
    response = admin.post("/customers", {"name": ""})
    # then 403 before any validation
    assert response.status_code == 403
    assert response.json() == {"detail": "您沒有權限執行此操作。"}
    assert admin.get("/customers").status_code == 200


# --- read and update ---------------------------------------------------------------------


def test_the_customer_record_holds_the_whole_form(as_therapist_a, customer_a, therapist_a):
    # given a customer with a bit of everything
    InteractionFactory(customer=customer_a, staff=therapist_a, reaction="negative")
    ContactPlanFactory(customer=customer_a, assignee=therapist_a)
    SatisfactionRecordFactory(customer=customer_a, recorded_by=therapist_a, score=9)
    ImportantEventFactory(customer=customer_a, recorded_by=therapist_a)
    # when it is opened
    response = as_therapist_a.get(f"/customers/{customer_a.number}")
    # then every part of PT-F025 is there
    assert response.status_code == 200
    record = response.json()
    assert record["customer"]["number"] == customer_a.number
    assert record["customer"]["birthday"] == "1985-03-14"
    assert record["needs"]["budget_label"] == "未表明"
    assert [i["reaction_label"] for i in record["interactions"]] == ["負面"]
    assert len(record["open_contact_plans"]) == 1
    assert record["done_contact_plans"] == []
    assert [s["score"] for s in record["satisfaction"]] == [9]
    assert [e["kind_label"] for e in record["events"]] == ["服務延誤"]
    assert record["recorder_sign_off"] is None
    assert record["type_suggestion"]["customer_type"] == "prospect"
    assert record["likely_duplicates"] == []


def test_opening_a_record_takes_a_bounded_number_of_queries(
    as_therapist_a, customer_a, therapist_a, django_assert_max_num_queries
):
    # given a customer with a long history
    for _ in range(15):
        InteractionFactory(customer=customer_a, staff=therapist_a)
        ContactPlanFactory(customer=customer_a, assignee=therapist_a)
        SatisfactionRecordFactory(customer=customer_a, recorded_by=therapist_a)
        ImportantEventFactory(customer=customer_a, recorded_by=therapist_a)
    # when it is opened, then the queries do not grow with the rows: token, its last-used
    # stamp, roles, branches, the customer, one per part of the form, one per history table
    # (anniversaries, purchases and session uses included), the anniversaries, the duplicate
    # check, the purchases (which also give the type suggestion) and the catalogue (2); the
    # read log's token lookup and its one INSERT (careloop/access)
    with django_assert_max_num_queries(26):
        response = as_therapist_a.get(f"/customers/{customer_a.number}")
    assert response.status_code == 200
    assert len(response.json()["interactions"]) == 15


def test_listing_takes_a_bounded_number_of_queries(
    as_therapist_a, branch_a, therapist_a, django_assert_max_num_queries
):
    # given a full page of customers with therapists
    for _ in range(25):
        CustomerFactory(branch=branch_a, primary_therapist=therapist_a)
    # when listed, then the queries do not grow with the rows: token, its last-used stamp,
    # roles, branches, the count and the page; the read log's token lookup and its one INSERT
    with django_assert_max_num_queries(8):
        assert len(numbers(as_therapist_a.get("/customers"))) == 25


def test_patch_changes_only_the_fields_sent(as_therapist_a, customer_a):
    # when only the notes and the LINE consent are sent
    response = as_therapist_a.patch(
        f"/customers/{customer_a.number}", {"notes": "怕冷，治療室請調高溫度", "consent_line": True}
    )
    # then those change and everything else stays as it was
    assert response.status_code == 200, response.content
    customer_a.refresh_from_db()
    assert customer_a.notes == "怕冷，治療室請調高溫度"
    assert customer_a.consent_line is True
    assert customer_a.phone == "+886912345678"
    assert customer_a.birthday == dt.date(1985, 3, 14)
    assert customer_a.primary_therapist.username == "therapist_a"
    assert response.json()["phone_display"] == "0912-345-678"


def test_a_note_past_the_limit_is_refused_with_its_field_and_nothing_changes(
    as_therapist_a, customer_a
):
    # a 200,000-character paste (it once made a seven-second PDF)
    response = as_therapist_a.patch(f"/customers/{customer_a.number}", {"notes": "長" * 200_000})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"]["notes"] == ["內容最多 5000 字（目前 200000 字）。"]
    before = customer_a.notes
    customer_a.refresh_from_db()
    assert customer_a.notes == before
    # the limit itself is taken
    ok = as_therapist_a.patch(f"/customers/{customer_a.number}", {"notes": "長" * 5000})
    assert ok.status_code == 200


def test_patch_can_clear_a_field_and_reformat_the_phone(as_therapist_a, customer_a):
    # when the birthday is cleared and the phone given as a landline
    response = as_therapist_a.patch(
        f"/customers/{customer_a.number}", {"birthday": None, "phone": "(02)2345-6789"}
    )
    # then both are saved, the phone in E.164
    assert response.status_code == 200, response.content
    customer_a.refresh_from_db()
    assert customer_a.birthday is None
    assert customer_a.phone == "+886223456789"
    assert response.json()["phone_display"] == "(02)2345-6789"


def test_an_invalid_patch_changes_nothing(as_therapist_a, customer_a):
    # when one field of two is wrong
    response = as_therapist_a.patch(
        f"/customers/{customer_a.number}", {"notes": "新備註", "phone": "abc"}
    )
    # then 422 names it and neither is saved
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["phone"]
    customer_a.refresh_from_db()
    assert (customer_a.notes, customer_a.phone) == ("", "+886912345678")


def test_a_change_is_kept_in_the_history_with_its_author(as_therapist_a, customer_a, therapist_a):
    # when a therapist changes the customer through the API
    as_therapist_a.patch(f"/customers/{customer_a.number}", {"customer_type": "current"})
    # then the history records who did it
    latest = customer_a.history.order_by("-history_date").first()
    assert latest.customer_type == "current"
    assert latest.history_user == therapist_a


def test_the_type_suggestion_explains_itself(as_therapist_a, customer_a):
    # given a customer with no purchase
    # when the suggestion is asked for
    response = as_therapist_a.get(f"/customers/{customer_a.number}/type-suggestion")
    # then it suggests a prospect and says why
    assert response.json() == {
        "customer_type": "prospect",
        "label": "潛在客戶",
        "reason": "尚無購買或到診記錄。",
    }


# --- needs -------------------------------------------------------------------------------


def test_needs_are_replaced_as_a_whole(as_therapist_a, customer_a):
    url = f"/customers/{customer_a.number}/needs"
    # given needs with a main concern
    as_therapist_a.put(url, {"main_concerns": "肩頸痠痛", "budget": "standard"})
    # when replaced with interests and factors only
    response = as_therapist_a.put(
        url,
        {"service_interests": ["physiotherapy", "pain_management"], "decision_factors": ["price"]},
    )
    # then the new values are kept and what was left out is cleared
    assert response.status_code == 200, response.content
    needs = as_therapist_a.get(url).json()
    assert needs["service_interests"] == ["physiotherapy", "pain_management"]
    assert needs["service_interest_labels"] == ["物理治療", "疼痛管理"]
    assert needs["decision_factor_labels"] == ["價格"]
    assert needs["main_concerns"] == ""
    assert needs["budget"] == "unstated"


def test_needs_refuse_an_unknown_choice(as_therapist_a, customer_a):
    # when an interest is not one of the form's
    response = as_therapist_a.put(
        f"/customers/{customer_a.number}/needs", {"service_interests": ["massage"]}
    )
    # then 422 on that field
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["service_interests"]


# --- interactions and contact plans ------------------------------------------------------


def test_an_interaction_and_a_contact_plan_both_appear(as_therapist_a, customer_a, therapist_a):
    base = f"/customers/{customer_a.number}"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # when a negative call is logged and a follow-up planned
    logged = as_therapist_a.post(
        f"{base}/interactions",
        {
            "channel": "phone",
            "summary": "抱怨等候太久",
            "reaction": "negative",
            "follow_up_action": "主管回電",
            "status": "in_progress",
        },
    )
    planned = as_therapist_a.post(
        f"{base}/contact-plans", {"due_date": tomorrow.isoformat(), "purpose": "efficacy_follow_up"}
    )
    # then both are saved, by default by and for the caller
    assert logged.status_code == 201, logged.content
    assert planned.status_code == 201, planned.content
    assert logged.json()["staff"]["username"] == "therapist_a"
    assert planned.json()["assignee"]["username"] == "therapist_a"
    # and both are listed
    interactions = as_therapist_a.get(f"{base}/interactions").json()
    assert [(i["summary"], i["reaction_label"], i["status_label"]) for i in interactions] == [
        ("抱怨等候太久", "負面", "進行中")
    ]
    plans = as_therapist_a.get(f"{base}/contact-plans").json()
    assert [(p["due_date"], p["purpose_label"]) for p in plans["open"]] == [
        (tomorrow.isoformat(), "療效追蹤")
    ]
    assert plans["done"] == []


def test_an_interaction_needs_channel_summary_and_reaction(as_therapist_a, customer_a):
    # when an empty interaction is posted
    response = as_therapist_a.post(f"/customers/{customer_a.number}/interactions", {})
    # then exactly the required fields are named, and nothing is saved
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"channel", "summary", "reaction"}
    assert not Interaction.objects.exists()


def test_an_interaction_cannot_happen_in_the_future(as_therapist_a, customer_a):
    # when the time is tomorrow
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/interactions",
        {"occurred_at": later, "channel": "phone", "summary": "x", "reaction": "neutral"},
    )
    # then the form's message comes back
    assert response.status_code == 422
    assert response.json()["errors"] == {"occurred_at": ["互動時間不可晚於現在。"]}


def test_an_interaction_that_fulfils_a_plan_closes_it(as_therapist_a, customer_a, therapist_a):
    # given an open contact plan
    plan = ContactPlanFactory(customer=customer_a, assignee=therapist_a)
    base = f"/customers/{customer_a.number}"
    # when the call it planned is logged
    response = as_therapist_a.post(
        f"{base}/interactions",
        {
            "channel": "phone",
            "summary": "療效追蹤電話",
            "reaction": "positive",
            "fulfils_plan_id": plan.pk,
        },
    )
    # then the plan is done and points at that interaction
    assert response.status_code == 201, response.content
    plan.refresh_from_db()
    assert plan.done is True
    assert plan.fulfilled_by_id == response.json()["id"]
    plans = as_therapist_a.get(f"{base}/contact-plans").json()
    assert plans["open"] == []
    assert [(p["id"], p["fulfilled_by_id"]) for p in plans["done"]] == [
        (plan.pk, response.json()["id"])
    ]


def test_an_interaction_cannot_fulfil_another_customers_plan(
    as_therapist_a, customer_a, branch_a, therapist_a
):
    # given a plan of another customer of the same branch
    other_plan = ContactPlanFactory(customer=CustomerFactory(branch=branch_a), assignee=therapist_a)
    # when an interaction of customer A claims it
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/interactions",
        {
            "channel": "phone",
            "summary": "x",
            "reaction": "neutral",
            "fulfils_plan_id": other_plan.pk,
        },
    )
    # then 422 on the field, and neither record changes
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["fulfils_plan_id"]
    other_plan.refresh_from_db()
    assert other_plan.done is False
    assert not Interaction.objects.filter(customer=customer_a).exists()


def test_an_interaction_may_schedule_the_next_contact(as_therapist_a, customer_a):
    base = f"/customers/{customer_a.number}"
    next_week = timezone.localdate() + dt.timedelta(days=7)
    # when a call is logged with the next contact planned in the same request
    response = as_therapist_a.post(
        f"{base}/interactions",
        {
            "channel": "in_person",
            "summary": "療程結束",
            "reaction": "positive",
            "next_plan": {"due_date": next_week.isoformat(), "purpose": "renewal_reminder"},
        },
    )
    # then both are saved
    assert response.status_code == 201, response.content
    plan = ContactPlan.objects.get(customer=customer_a)
    assert (plan.due_date, plan.purpose) == (next_week, "renewal_reminder")


def test_a_bad_next_plan_saves_neither(as_therapist_a, customer_a):
    # when the planned contact is in the past
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/interactions",
        {
            "channel": "phone",
            "summary": "x",
            "reaction": "neutral",
            "next_plan": {"due_date": yesterday.isoformat(), "purpose": "routine_care"},
        },
    )
    # then 422 names the nested field, and nothing is saved
    assert response.status_code == 422
    assert response.json()["errors"] == {"next_plan.due_date": ["預定聯繫日期不可早於今天。"]}
    assert not Interaction.objects.exists()
    assert not ContactPlan.objects.exists()


def test_a_contact_plan_with_purpose_other_needs_an_explanation(as_therapist_a, customer_a):
    # when the purpose is "other" without saying what
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/contact-plans",
        {"due_date": timezone.localdate().isoformat(), "purpose": "other"},
    )
    # then the form asks for it, once
    assert response.status_code == 422
    assert response.json()["errors"] == {"purpose_other": ["聯繫目的選「其他」時請說明。"]}
    assert not ContactPlan.objects.exists()


def test_a_contact_plan_is_completed_by_its_id(as_therapist_a, customer_a, therapist_a):
    # given an open plan
    plan = ContactPlanFactory(customer=customer_a, assignee=therapist_a)
    url = f"/customers/{customer_a.number}/contact-plans/{plan.pk}/complete"
    # when completed
    response = as_therapist_a.post(url)
    # then it is done, with no interaction attached
    assert response.status_code == 200
    assert response.json()["done"] is True
    assert response.json()["fulfilled_by_id"] is None
    plan.refresh_from_db()
    assert plan.done and plan.done_at is not None


def test_a_plan_is_only_completed_under_its_own_customer(
    as_therapist_a, customer_a, branch_a, therapist_a
):
    # given a plan of another customer
    other_plan = ContactPlanFactory(customer=CustomerFactory(branch=branch_a), assignee=therapist_a)
    # when completed under customer A's URL
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/contact-plans/{other_plan.pk}/complete"
    )
    # then it is not found there
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到此聯繫計劃。"}
    other_plan.refresh_from_db()
    assert other_plan.done is False


# --- satisfaction and events -------------------------------------------------------------


def test_satisfaction_is_recorded_and_listed(as_therapist_a, customer_a):
    base = f"/customers/{customer_a.number}/satisfaction"
    # when a score is recorded without a date
    response = as_therapist_a.post(base, {"score": 9, "positive_feedback": "治療師很細心"})
    # then it is dated today and listed
    assert response.status_code == 201, response.content
    assert response.json()["recorded_on"] == timezone.localdate().isoformat()
    assert [(s["score"], s["positive_feedback"]) for s in as_therapist_a.get(base).json()] == [
        (9, "治療師很細心")
    ]


@pytest.mark.parametrize("score", [0, 11, "十"])
def test_satisfaction_is_scored_one_to_ten(as_therapist_a, customer_a, score):
    # when the score is outside 1–10 or not a number
    response = as_therapist_a.post(f"/customers/{customer_a.number}/satisfaction", {"score": score})
    # then 422 on the score, and nothing is saved
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["score"]
    assert not SatisfactionRecord.objects.exists()


def test_an_important_event_is_recorded_and_listed(as_therapist_a, customer_a):
    base = f"/customers/{customer_a.number}/events"
    # when a refund request is recorded
    response = as_therapist_a.post(
        base, {"kind": "refund_request", "description": "要求退還剩餘堂數", "outcome": "已退款"}
    )
    # then it is listed with its label
    assert response.status_code == 201, response.content
    assert [(e["kind_label"], e["outcome"]) for e in as_therapist_a.get(base).json()] == [
        ("退款請求", "已退款")
    ]


def test_an_important_event_needs_a_kind_and_a_description(as_therapist_a, customer_a):
    response = as_therapist_a.post(f"/customers/{customer_a.number}/events", {"kind": "flood"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"kind", "description"}
    assert not ImportantEvent.objects.exists()


# --- sign-offs ---------------------------------------------------------------------------


def test_a_supervisor_cannot_review_before_the_recorder_signs(as_head_a, customer_a):
    # given a record nobody has signed
    # when the department head signs as supervisor
    response = as_head_a.post(f"/customers/{customer_a.number}/sign-offs", {"kind": "supervisor"})
    # then 409 says why, and no signature is kept
    assert response.status_code == 409
    assert response.json() == {"detail": "尚無記錄人員簽名，主管無法審核。"}
    assert not SignOff.objects.exists()


def test_a_therapist_cannot_sign_as_supervisor(as_therapist_a, customer_a):
    # when a therapist signs as supervisor
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/sign-offs", {"kind": "supervisor"}
    )
    # then 403
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_recorder_then_supervisor_sign_off(as_therapist_a, as_head_a, customer_a, therapist_a):
    url = f"/customers/{customer_a.number}/sign-offs"
    # when the therapist signs the record, then the department head reviews it
    recorded = as_therapist_a.post(url, {"kind": "recorder"})
    reviewed = as_head_a.post(url, {"kind": "supervisor", "comment": " 內容完整 "})
    # then both signatures are kept with who and when, never a typed name
    assert recorded.status_code == 201, recorded.content
    assert reviewed.status_code == 201, reviewed.content
    assert recorded.json()["signed_by"]["username"] == "therapist_a"
    assert reviewed.json()["kind_label"] == "主管審核簽名"
    assert reviewed.json()["comment"] == "內容完整"
    record = as_therapist_a.get(f"/customers/{customer_a.number}").json()
    assert record["recorder_sign_off"]["signed_by"]["username"] == "therapist_a"
    assert record["supervisor_sign_off"]["signed_by"]["username"] == "head_a"


@pytest.mark.parametrize(
    "payload", [{}, {"kind": "ceo"}, {"kind": "recorder", "comment": "長" * 201}]
)
def test_a_sign_off_needs_a_known_kind_and_a_short_comment(as_therapist_a, customer_a, payload):
    response = as_therapist_a.post(f"/customers/{customer_a.number}/sign-offs", payload)
    assert response.status_code == 422
    assert len(response.json()["errors"]) == 1
    assert not SignOff.objects.exists()


# --- session -----------------------------------------------------------------------------


def test_the_pages_may_call_the_api_with_their_session(client, therapist_a, customer_a):
    # given a logged-in therapist with no token
    client.force_login(therapist_a)
    # when the page reads and writes through the API (the test client skips CSRF)
    listed = client.get(f"{API}/customers", {"q": "林美玲"})
    logged = client.post(
        f"{API}/customers/{customer_a.number}/interactions",
        {"channel": "message", "summary": "LINE 提醒回診", "reaction": "neutral"},
        content_type=JSON,
    )
    # then both work as that user
    assert numbers(listed) == [customer_a.number]
    assert logged.status_code == 201
    assert Interaction.objects.get().created_by == therapist_a


def test_anniversaries_through_the_api(as_therapist_a, customer_a):
    url = f"/customers/{customer_a.number}/anniversaries"
    bad = as_therapist_a.post(url, {"label": "", "date": "not-a-date"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"label", "date"}

    created = as_therapist_a.post(url, {"label": "首次到診日", "date": "2024-03-15"})
    assert created.status_code == 201
    assert [a["label"] for a in as_therapist_a.get(url).json()] == ["首次到診日"]

    deleted = as_therapist_a.delete(f"{url}/{created.json()['id']}")
    assert deleted.status_code == 204
    assert as_therapist_a.get(url).json() == []


def test_schema_errors_are_reported_in_traditional_chinese(as_therapist_a, customer_a):
    response = as_therapist_a.post(
        f"/customers/{customer_a.number}/interactions", {"fulfils_plan_id": "abc"}
    )
    assert response.status_code == 422
    messages = [m for msgs in response.json()["errors"].values() for m in msgs]
    assert messages and all("Input" not in m for m in messages)
    assert "請輸入整數。" in messages
