import datetime as dt

import pytest
from django.test import Client

from careloop.accounts.services import api_token_create
from careloop.workcalendar.models import Closure, ClosureKind, ExtraWorkingDay
from tests.factories import UserFactory

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

    def delete(self, path):
        return self.client.delete(API + path)


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])


@pytest.fixture
def api_admin(administrator):
    return ApiClient(administrator)


@pytest.fixture
def api_desk(front_desk):
    return ApiClient(front_desk)


@pytest.fixture
def make_closure(administrator):
    """A closure row as the service would leave it (the service is tested on its own)."""

    def make(day: dt.date, branch=None, kind=ClosureKind.TYPHOON, reason="颱風停止上班"):
        return Closure.objects.create(
            date=day, branch=branch, kind=kind, reason=reason, created_by=administrator
        )

    return make


@pytest.fixture
def make_extra_day(administrator):
    def make(day: dt.date, branch=None, reason="週六加開門診"):
        return ExtraWorkingDay.objects.create(
            date=day, branch=branch, reason=reason, created_by=administrator
        )

    return make
