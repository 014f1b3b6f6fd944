"""schemathesis over every operation of the API (issue 19, finding 7): no server error, no
status code the schema does not document, no response that breaks its schema.

Bounded: a fixed seed (derandomised, so a failure replays) and a few examples an operation;
run in the first SQLite pass and on PostgreSQL (bin/test), where text the database refuses
(a NUL) would show. The caller holds every care role chain-wide, with a token, so that each
operation runs its own code rather than stopping at a 403.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from careloop.accounts.services import api_token_create
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes a connection found inside a transaction when a request starts
    and ends; the test's own transaction is one (on PostgreSQL the next query would find the
    connection closed). Django's test client disconnects the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(branch_a):
    # Every care role at once, so that each write reaches its form and its service (an
    # administrator alone is refused most writes with 403 before any of their code runs).
    user = UserFactory(
        username="probe",
        home_branch=branch_a,
        is_superuser=True,
        roles=["administrator", "senior_management", "customer_service", "department_head"],
    )
    CustomerFactory(branch=branch_a, created_by=user)  # id 1 exists for the id-taking reads
    _token, key = api_token_create(user=user, name="schemathesis")
    return key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
