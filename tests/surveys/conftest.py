"""Cases and packages that reach the points where a survey goes out, and a way to answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from careloop.accounts.services import api_token_create
from careloop.complaints.models import Complaint, State
from careloop.surveys.models import Survey
from careloop.surveys.tokens import survey_token
from careloop.treatments.services import session_use
from tests.complaints.conftest import make_complaint  # noqa: F401  (shared fixture)
from tests.complaints.test_core_workflow import advance
from tests.factories import CustomerFactory, TreatmentPackageFactory, package_sold

API = "/api/v1"
JSON = "application/json"
GOOD_ANSWER = {"satisfaction": "9", "recommend": "10", "went_well": "處理很迅速", "to_improve": ""}


@pytest.fixture(autouse=True)
def message_log_dir(settings, tmp_path):
    """The SMS file-log backend writes to this test's own directory."""
    settings.MESSAGING_LOG_DIR = tmp_path / "messages"
    return settings.MESSAGING_LOG_DIR


@pytest.fixture
def customer_a(branch_a, front_desk):
    return CustomerFactory(
        branch=branch_a,
        created_by=front_desk,
        name="林美玲",
        phone="+886912000111",
        email="meiling@example.test",
    )


@pytest.fixture
def to_follow_up(cs_a, pt_head_a, django_capture_on_commit_callbacks):
    """Take a case to 後續跟進 with the after-commit work (the survey) done as in production."""

    def move(complaint: Complaint) -> Complaint:
        complaint = advance(complaint, State.COMMUNICATING, handler=cs_a, approver=pt_head_a)
        with django_capture_on_commit_callbacks(execute=True):
            complaint = advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
        return complaint

    return move


@pytest.fixture
def case_a(make_complaint, cs_a, customer_a):  # noqa: F811
    """A B case of customer 林美玲 at branch A, handled by cs_a."""
    return make_complaint(criteria=["b_staff"], owner=cs_a, customer=customer_a)


@pytest.fixture
def resolved_case(case_a, to_follow_up):
    """case_a at follow-up: its survey has gone out by SMS."""
    return to_follow_up(case_a)


@pytest.fixture
def complaint_survey(resolved_case) -> Survey:
    return Survey.objects.get(complaint=resolved_case)


@pytest.fixture
def three_sessions(customer_a, front_desk):
    """A package of 3 sessions sold to 林美玲 at branch A."""
    package = TreatmentPackageFactory(name="肩頸放鬆療程 3 堂組", sessions=3, price=3600)
    return package_sold(customer=customer_a, by=front_desk, package=package)


@pytest.fixture
def use_sessions(front_desk, django_capture_on_commit_callbacks):
    def use(purchase, count: int) -> None:
        for _ in range(count):
            with django_capture_on_commit_callbacks(execute=True):
                session_use(customer=purchase.customer, purchase=purchase, by=front_desk)

    return use


def answer_url(survey: Survey) -> str:
    return reverse("survey:answer", args=[survey_token(survey)])


def expire(survey: Survey) -> Survey:
    Survey.objects.filter(pk=survey.pk).update(
        sent_at=survey.sent_at - dt.timedelta(days=31),
        expires_at=survey.sent_at - dt.timedelta(days=1),
    )
    survey.refresh_from_db()
    return survey


class ApiClient:
    """Calls the API with one user's personal token."""

    def __init__(self, user):
        _token, key = api_token_create(user=user, name="pytest")
        self.client = Client(headers={"authorization": f"Bearer {key}"})

    def get(self, path, params=None):
        return self.client.get(API + path, params or {})

    def post(self, path, payload=None):
        return self.client.post(API + path, payload or {}, content_type=JSON)
