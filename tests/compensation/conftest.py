import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from careloop.accounts.services import api_token_create
from careloop.complaints.services import complaint_intake
from tests.factories import CustomerFactory, TreatmentPackageFactory, UserFactory, package_sold

API = "/api/v1"
JSON = "application/json"
# A moderate case: 2, 3, 3, 2 → 6×2 + 4×3 + 6×3 + 4×2 = 50.
MODERATE = {"actual_loss": 2, "time_cost": 3, "emotional_distress": 3, "trust_loss": 2}
MINOR = {"actual_loss": 1, "time_cost": 1, "emotional_distress": 1, "trust_loss": 1}
SEVERE = {"actual_loss": 5, "time_cost": 4, "emotional_distress": 5, "trust_loss": 4}


class ApiClient:
    """Calls the API with one user's personal token."""

    def __init__(self, user):
        _token, key = api_token_create(user=user, name="pytest")
        self.client = Client(headers={"authorization": f"Bearer {key}"})

    def get(self, path, params=None):
        return self.client.get(API + path, params or {})

    def post(self, path, payload=None):
        return self.client.post(API + path, payload or {}, content_type=JSON)

    def patch(self, path, payload):
        return self.client.patch(API + path, payload, content_type=JSON)

    def upload(self, path, data):
        return self.client.post(API + path, data)


@pytest.fixture
def cs_b(branch_b, departments):
    return UserFactory(
        username="cs_b",
        home_branch=branch_b,
        department=departments["customer_service"],
        roles=["customer_service"],
    )


@pytest.fixture
def cs_a2(branch_a, departments):
    """A second customer-service member of branch A (limit NT$2,000)."""
    return UserFactory(
        username="cs_a2",
        home_branch=branch_a,
        department=departments["customer_service"],
        roles=["customer_service"],
    )


@pytest.fixture
def head_b(branch_b):
    return UserFactory(username="head_b", home_branch=branch_b, roles=["department_head"])


@pytest.fixture
def customer(branch_a, cs_a):
    return CustomerFactory(name="林美玲", branch=branch_a, created_by=cs_a)


@pytest.fixture
def package_3000(customer, cs_a):
    """The Done-when's NT$3,000 package: 10 sessions."""
    return package_sold(
        customer=customer,
        by=cs_a,
        package=TreatmentPackageFactory(name="肩頸舒緩 10 堂", sessions=10, price=3000),
    )


@pytest.fixture
def make_case(cs_a, branch_a, departments, customer):
    """A case of branch A about `customer`, recorded by cs_a an hour ago."""

    def make(*, grade="B", by=None, owner=None, **values):
        values = {
            "branch": branch_a,
            "customer": customer,
            "complainant_name": "林美玲",
            "complainant_phone": "+886912000111",
            "channel": "phone",
            "received_at": timezone.now() - dt.timedelta(hours=1),
            "description": "治療師遲到二十分鐘，也沒有事先通知，療程被縮短。",
            "expected_resolution": "希望退部分費用。",
            **values,
        }
        criteria = {"A": ["a_safety"], "B": ["b_staff"], "C": ["c_general"]}[grade]
        return complaint_intake(
            values=values,
            criteria=criteria,
            departments=[departments["physiotherapy"]],
            owner=owner,
            by=by or cs_a,
        )

    return make


@pytest.fixture
def case_b(make_case):
    return make_case(grade="B")


@pytest.fixture
def case_a(make_case):
    return make_case(grade="A")
