from collections.abc import Iterator

import pytest
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.accounts.models import ApiToken
from careloop.accounts.second_factor import second_factor_required
from careloop.accounts.services import second_factor_enrol_direct
from tests.clock import Clock, moment_from_option, suite_clock
from tests.factories import BranchFactory, UserFactory


@pytest.fixture
def branch_a(db):
    return BranchFactory(code="taipei", name="台北總院")


@pytest.fixture
def branch_b(db):
    return BranchFactory(code="taoyuan", name="桃園分院")


@pytest.fixture
def front_desk(branch_a):
    return UserFactory(username="desk_a", home_branch=branch_a, roles=["front_desk"])


@pytest.fixture
def therapist_a(branch_a):
    return UserFactory(username="therapist_a", home_branch=branch_a, roles=["therapist"])


@pytest.fixture
def therapist_b(branch_b):
    return UserFactory(username="therapist_b", home_branch=branch_b, roles=["therapist"])


@pytest.fixture
def dept_head_a(branch_a):
    return UserFactory(username="head_a", home_branch=branch_a, roles=["department_head"])


@pytest.fixture
def senior(branch_a):
    return UserFactory(username="ceo", home_branch=branch_a, roles=["senior_management"])


@pytest.fixture
def departments(db):
    from careloop.accounts.models import Department

    defaults = {
        "customer_service": "客戶服務部",
        "operations": "營運管理部",
        "physiotherapy": "物理治療部",
        "sales": "銷售部",
    }
    return {
        code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in defaults.items()
    }


@pytest.fixture
def cs_a(branch_a, departments):
    return UserFactory(
        username="cs_a",
        home_branch=branch_a,
        department=departments["customer_service"],
        roles=["customer_service"],
        email="cs_a@example.test",
    )


@pytest.fixture
def pt_head_a(branch_a, departments):
    """物理治療部主管 of branch A."""
    return UserFactory(
        username="pt_head_a",
        home_branch=branch_a,
        department=departments["physiotherapy"],
        roles=["department_head"],
        email="pt_head_a@example.test",
    )


# --- the second factor (accounts/second_factor.py) -----------------------------------------


def second_factor_verified_at_login(sender, request, user, **kwargs) -> None:
    """Sign in as if the code had been typed: a user who must have a factor gets one (through
    the enrolment service, as the demo's accounts do) and the session is marked verified the
    way django_otp.login marks it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        if not second_factor_required(user):
            return
        device = second_factor_enrol_direct(user=user, by=None)
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def second_factor_before_token(sender, instance, created, **kwargs) -> None:
    """A token is made in production only from a session past the second factor
    (`api_token_issue`), so its owner has one: a test's token for a supervisor gets its owner
    enrolled, or the API would refuse it as a token of someone who still owes the factor."""
    user = instance.user
    if created and user.second_factor_since is None and second_factor_required(user):
        second_factor_enrol_direct(user=user, by=None)


@pytest.fixture(autouse=True)
def _second_factor_at_login() -> Iterator[None]:
    """Supervisors and administrators signed in by a test (client.force_login or the login
    form), or given an API token, are past the second factor, so page and API tests stay about
    their page. The tests of the factor itself (tests/accounts/test_second_factor.py) and the
    browser tests, which type the code, override this fixture with one that does nothing."""
    user_logged_in.connect(second_factor_verified_at_login, dispatch_uid="tests-second-factor")
    post_save.connect(
        second_factor_before_token, sender=ApiToken, dispatch_uid="tests-second-factor-token"
    )
    yield
    user_logged_in.disconnect(dispatch_uid="tests-second-factor")
    post_save.disconnect(sender=ApiToken, dispatch_uid="tests-second-factor-token")


# --- the clock (tests/clock.py) ------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default="real",
        help="real (default); hard: every test starts at 23:57 Asia/Taipei on the next national "
        "holiday on a weekend, ticking; or an ISO moment with its time zone",
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.suite_moment = moment_from_option(  # type: ignore[attr-defined]
            config.getoption("--clock"), today=timezone.localdate()
        )
    except ValueError as e:
        raise pytest.UsageError(str(e)) from e


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.suite_moment  # type: ignore[attr-defined]
    return None if moment is None else f"clock: every test starts at {moment.isoformat()}"


@pytest.fixture(autouse=True)
def _suite_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under --clock, each test starts at the same moment (before any fixture it asks for)."""
    with suite_clock(request.config.suite_moment):
        yield


@pytest.fixture
def clock(_suite_clock: None) -> Iterator[Clock]:
    """Move the clock for the rest of a test: `clock.move_to("2026-02-13T16:00+08:00")`."""
    moved = Clock()
    yield moved
    moved.stop()
