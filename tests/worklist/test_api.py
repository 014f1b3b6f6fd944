"""The worklist API (/api/v1/worklist…): the page's rules over JSON."""

import pytest
from django.test import Client

from careloop.accounts.services import api_token_create
from careloop.customers.models import ContactPlan, Interaction
from careloop.treatments.services import session_use
from careloop.worklist.selectors import worklist_for
from tests.factories import ContactPlanFactory, TreatmentPackageFactory, package_sold

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _client(user) -> Client:
    _token, key = api_token_create(user=user, name="pytest")
    return Client(headers={"authorization": f"Bearer {key}"})


def _post(client, payload):
    return client.post(f"{API}/worklist/log", payload, content_type="application/json")


@pytest.fixture
def eight_of_ten_used(customer, consultant, therapist):
    package_sold(
        customer=customer,
        by=consultant,
        package=TreatmentPackageFactory(name="下背舒緩 10 堂", sessions=10),
    )
    for _ in range(8):
        session_use(customer=customer, by=therapist)
    return customer


CALL = {"channel": "phone", "reaction": "neutral", "summary": "電話提醒續購", "status": "done"}


def test_get_lists_the_renewal_line_with_its_reason(consultant, eight_of_ten_used, today):
    response = _client(consultant).get(f"{API}/worklist")

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "mine" and body["count"] == 1
    (item,) = body["items"]
    customer = eight_of_ten_used
    assert item["kind"] == "renewal_reminder" and item["kind_label"] == "續約提醒"
    assert item["reason"] == "剩 2 堂" and item["detail"] == "下背舒緩 10 堂"
    assert item["customer"] == {
        "number": customer.number,
        "name": customer.name,
        "phone": customer.phone,
    }
    assert item["plan_id"] is None and item["assignee"] == "林業務"


def test_get_carries_the_plan_id_of_a_plan_line(consultant, customer, today):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)

    (item,) = _client(consultant).get(f"{API}/worklist").json()["items"]

    assert item["kind"] == "plan" and item["plan_id"] == plan.pk
    assert item["due"] == today.isoformat() and item["reason"] == "今天：常規關懷"


def test_scope_team_is_403_for_staff_and_unknown_scope_is_422(consultant, sales_head):
    assert _client(consultant).get(f"{API}/worklist", {"scope": "team"}).status_code == 403
    assert _client(sales_head).get(f"{API}/worklist", {"scope": "team"}).status_code == 200
    assert _client(consultant).get(f"{API}/worklist", {"scope": "all"}).status_code == 422


def test_logging_the_renewal_call_creates_the_interaction_and_removes_the_line(
    consultant, eight_of_ten_used
):
    client = _client(consultant)
    customer = eight_of_ten_used

    response = _post(client, {"customer": customer.number, "kind": "renewal_reminder", **CALL})

    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get(customer=customer)
    assert response.json() == {
        "interaction_id": interaction.pk,
        "customer": customer.number,
        "kind": "renewal_reminder",
    }
    assert client.get(f"{API}/worklist").json()["count"] == 0


def test_logging_a_plan_line_closes_the_plan(consultant, customer, today):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today)

    response = _post(
        _client(consultant),
        {"customer": customer.number, "kind": "plan", "plan_id": plan.pk, **CALL},
    )

    assert response.status_code == 201
    plan.refresh_from_db()
    assert plan.done and plan.fulfilled_by_id == response.json()["interaction_id"]


def test_bad_input_is_422_with_field_errors_and_nothing_saved(consultant, customer):
    response = _post(
        _client(consultant),
        {**CALL, "customer": customer.number, "kind": "plan", "reaction": "angry", "summary": ""},
    )

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"plan_id", "reaction", "summary"}
    assert errors["summary"] == ["請填寫互動摘要。"]
    assert not Interaction.objects.exists() and not ContactPlan.objects.exists()
    assert worklist_for(user=consultant) == []


def test_unknown_or_other_branch_customer_and_done_plan_are_404(
    consultant, therapist_b, customer, today
):
    plan = ContactPlanFactory(customer=customer, assignee=consultant, due_date=today, done=True)
    payload = {"customer": customer.number, "kind": "care", **CALL}

    assert _post(_client(therapist_b), payload).status_code == 404
    assert _post(_client(consultant), {**payload, "customer": "C0000000"}).status_code == 404
    done = _post(_client(consultant), {**payload, "kind": "plan", "plan_id": plan.pk})
    assert done.status_code == 404 and done.json()["detail"]
    assert not Interaction.objects.exists()


def test_a_user_who_may_only_view_gets_403(branch_a, customer):
    from tests.factories import UserFactory

    admin = UserFactory(home_branch=branch_a, roles=["administrator"])
    payload = {"customer": customer.number, "kind": "care", **CALL}

    assert _post(_client(admin), payload).status_code == 403
    assert not Interaction.objects.exists()
