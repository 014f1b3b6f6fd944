import pytest
from django.test import Client

from careloop.accounts.services import api_token_create
from tests.factories import CustomerFactory, TreatmentPackageFactory, UserFactory

API = "/api/v1"
JSON = "application/json"


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


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])


@pytest.fixture
def customer_a(front_desk, branch_a):
    return CustomerFactory(branch=branch_a, created_by=front_desk, name="林美玲")


@pytest.fixture
def ten_sessions(db):
    return TreatmentPackageFactory(
        name="肩頸舒緩物理治療 10 堂", sessions=10, price=12000, validity_months=6
    )


@pytest.fixture
def api_desk(front_desk):
    return ApiClient(front_desk)


@pytest.fixture
def api_therapist_b(therapist_b):
    return ApiClient(therapist_b)


@pytest.fixture
def api_admin(administrator):
    return ApiClient(administrator)
