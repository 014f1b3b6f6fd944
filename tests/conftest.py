import pytest

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
