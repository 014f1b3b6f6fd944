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
