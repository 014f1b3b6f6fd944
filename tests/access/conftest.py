import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from careloop.accounts.services import api_token_create
from careloop.complaints.models import Nature
from careloop.complaints.services import complaint_intake
from tests.factories import CustomerFactory, UserFactory

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def head_b(branch_b):
    return UserFactory(username="head_b", home_branch=branch_b, roles=["department_head"])


@pytest.fixture
def customer_a(branch_a, front_desk):
    return CustomerFactory(branch=branch_a, created_by=front_desk, name="陳美玲")


@pytest.fixture
def token_of():
    """A test client carrying a fresh API token of the user, and the token."""

    def make(user, name="排程整合"):
        token, key = api_token_create(user=user, name=name)
        return Client(headers={"authorization": f"Bearer {key}"}), token

    return make


@pytest.fixture
def make_complaint(cs_a, branch_a, departments):
    """A case recorded by cs_a at branch A, about `customer` when given; keyword arguments
    override the intake values (criteria and owner go to the intake's own arguments)."""

    def make(*, customer=None, criteria=(), owner=None, **overrides):
        values = {
            "branch": branch_a,
            "customer": customer,
            "complainant_name": "林美玲",
            "complainant_phone": "+886912000111",
            "channel": "phone",
            "received_at": dt.datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI),
            "description": "治療師遲到二十分鐘，也沒有事先通知。",
            "expected_resolution": "希望補一堂課並改善準時。",
            "nature": Nature.objects.get(code="staff_attitude"),
            **overrides,
        }
        return complaint_intake(
            values=values,
            criteria=criteria,
            departments=[departments["physiotherapy"]],
            grade=None,
            grade_reason="",
            owner=owner,
            by=cs_a,
        )

    return make
