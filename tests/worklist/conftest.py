import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, DepartmentFactory, UserFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def sales_dept(db):
    return DepartmentFactory(code="sales", name="銷售部")


@pytest.fixture
def pt_dept(db):
    return DepartmentFactory(code="physiotherapy", name="物理治療部")


@pytest.fixture
def consultant(branch_a, sales_dept):
    return UserFactory(
        username="consultant_a",
        full_name="林業務",
        home_branch=branch_a,
        department=sales_dept,
        roles=["sales_consultant"],
    )


@pytest.fixture
def consultant_2(branch_a, sales_dept):
    return UserFactory(
        username="consultant_a2",
        full_name="吳業務",
        home_branch=branch_a,
        department=sales_dept,
        roles=["sales_consultant"],
    )


@pytest.fixture
def therapist(branch_a, pt_dept):
    return UserFactory(
        username="pt_a",
        full_name="王治療",
        home_branch=branch_a,
        department=pt_dept,
        roles=["therapist"],
    )


@pytest.fixture
def sales_head(branch_a, sales_dept):
    return UserFactory(
        username="sales_head_a",
        full_name="陳主管",
        home_branch=branch_a,
        department=sales_dept,
        roles=["department_head"],
    )


@pytest.fixture
def make_customer(branch_a, consultant, therapist):
    """A customer of branch A looked after by the consultant and the therapist."""

    def make(**values):
        values.setdefault("branch", branch_a)
        values.setdefault("created_by", consultant)
        values.setdefault("sales_consultant", consultant)
        values.setdefault("primary_therapist", therapist)
        return CustomerFactory(**values)

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer(name="陳美玲")


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def lines_of_every_kind(branch_a, consultant, therapist, today):
    """Adds n lines of each of the five kinds, each on its own customer of branch A."""
    from careloop.treatments.models import Purchase
    from tests.factories import (
        ContactPlanFactory,
        InteractionFactory,
        TreatmentPackageFactory,
        package_sold,
    )

    package = TreatmentPackageFactory(name="兩堂組", sessions=2, validity_months=6)
    soon = today + days(3)

    def make(**values):
        return CustomerFactory(
            branch=branch_a,
            created_by=consultant,
            sales_consultant=consultant,
            primary_therapist=therapist,
            **values,
        )

    def add(n: int) -> None:
        for i in range(n):
            ContactPlanFactory(customer=make(), assignee=consultant, due_date=today - days(i % 3))
            make(birthday=dt.date(2000, soon.month, soon.day))
            package_sold(customer=make(), by=consultant, package=package)
            sale = package_sold(customer=make(), by=consultant, purchased_on=today - days(9))
            # As session_use leaves it a day after the purchase.
            Purchase.objects.filter(pk=sale.pk).update(first_session_on=today - days(8))
            InteractionFactory(customer=make(), staff=consultant, reaction="negative")

    return add
