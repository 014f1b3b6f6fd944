"""accounts/permissions.py: capabilities by role, branch scope, authority limits (domain.md §1)."""

import pytest
from django.core.exceptions import PermissionDenied

from careloop.accounts.models import Role, RoleCode
from careloop.accounts.permissions import (
    Capability,
    require,
    user_authority_limit,
    user_branch_ids,
    user_can,
    user_has_role,
    user_role_codes,
)
from tests.factories import BranchFactory, UserFactory


def _user(*roles: str, **kwargs):
    kwargs.setdefault("home_branch", BranchFactory(code="home"))
    return UserFactory(roles=list(roles), **kwargs)


# --- user_role_codes -----------------------------------------------------------------------


def test_user_role_codes_lists_every_role_the_user_holds(db):
    # Given a staff member who is both therapist and sales consultant
    user = _user("therapist", "sales_consultant")
    # When their role codes are read
    codes = user_role_codes(user)
    # Then both are there and nothing else
    assert codes == {"therapist", "sales_consultant"}
    assert user_has_role(user, "sales_consultant", "department_head")
    assert not user_has_role(user, "department_head")


def test_user_role_codes_of_an_inactive_user_is_empty(db):
    # Given a therapist whose account was switched off
    user = _user("therapist", is_active=False)
    # When their role codes are read
    # Then they hold none, so they can do nothing
    assert user_role_codes(user) == frozenset()
    assert not user_can(user, Capability.CUSTOMER_VIEW)


def test_user_role_codes_treats_a_superuser_as_administrator(db):
    # Given a superuser with no role assigned
    user = _user(is_superuser=True)
    # When their role codes are read
    # Then they count as administrator
    assert user_role_codes(user) == {"administrator"}


def test_user_role_codes_of_an_anonymous_user_is_empty():
    # Given a visitor who is not logged in
    from django.contrib.auth.models import AnonymousUser

    # When their role codes are read
    # Then there are none
    assert user_role_codes(AnonymousUser()) == frozenset()


def test_user_role_codes_are_read_once_per_user_object(db, django_assert_num_queries):
    # Given a therapist whose roles were read once
    user = _user("therapist")
    user_role_codes(user)
    # When capabilities are checked again on the same object
    # Then the database is not asked again
    with django_assert_num_queries(0):
        assert user_can(user, Capability.CUSTOMER_EDIT)
        assert not user_can(user, Capability.CUSTOMER_REVIEW)


# --- user_can ------------------------------------------------------------------------------


CAPABILITY_TABLE = [
    # role, view, edit, review
    ("front_desk", True, True, False),
    ("therapist", True, True, False),
    ("sales_consultant", True, True, False),
    ("customer_service", True, True, False),
    ("department_head", True, True, True),
    ("senior_management", True, True, True),
    ("administrator", True, False, False),
]


@pytest.mark.parametrize(("role", "view", "edit", "review"), CAPABILITY_TABLE)
def test_user_can_follows_the_role_table(db, role, view, edit, review):
    # Given a staff member holding one role
    user = _user(role)
    # When each customer capability is checked
    # Then it matches the table: care roles edit, supervisors review, the administrator only views
    assert user_can(user, Capability.CUSTOMER_VIEW) is view
    assert user_can(user, Capability.CUSTOMER_EDIT) is edit
    assert user_can(user, Capability.CUSTOMER_REVIEW) is review


def test_front_desk_can_edit_customers_but_not_review(front_desk):
    # Given a front-desk clerk
    # When they edit a customer or sign a supervisor review
    # Then editing is allowed and reviewing is refused
    require(front_desk, Capability.CUSTOMER_EDIT)
    with pytest.raises(PermissionDenied):
        require(front_desk, Capability.CUSTOMER_REVIEW)


def test_only_the_administrator_administers_staff(db):
    # Given an administrator and a senior manager
    admin, senior = _user("administrator"), _user("senior_management")
    # When staff administration is checked
    # Then only the administrator has it
    assert user_can(admin, Capability.STAFF_ADMIN)
    assert not user_can(senior, Capability.STAFF_ADMIN)


def test_user_without_roles_can_do_nothing(db):
    # Given an account with no role
    user = _user()
    # When any capability is checked
    # Then none is granted
    assert not any(user_can(user, capability) for capability in Capability)


# --- user_branch_ids -----------------------------------------------------------------------


def test_user_branch_ids_are_the_home_branch_and_the_extra_branches(db):
    # Given a therapist of Taipei who also covers Taoyuan, and a third branch they do not cover
    taipei, taoyuan = BranchFactory(code="taipei"), BranchFactory(code="taoyuan")
    BranchFactory(code="hsinchu")
    user = _user("therapist", home_branch=taipei)
    user.extra_branches.add(taoyuan)
    # When their branches are read
    # Then they are exactly Taipei and Taoyuan
    assert user_branch_ids(user) == {taipei.id, taoyuan.id}


def test_user_branch_ids_of_a_user_without_home_branch_are_the_extra_branches(db):
    # Given a roaming consultant with no home branch
    taoyuan = BranchFactory(code="taoyuan")
    user = UserFactory(home_branch=None, roles=["sales_consultant"])
    user.extra_branches.add(taoyuan)
    # When their branches are read
    # Then they are only the extra ones
    assert user_branch_ids(user) == {taoyuan.id}


@pytest.mark.parametrize("role", ["senior_management", "administrator"])
def test_user_branch_ids_is_none_for_chain_wide_roles(db, role):
    # Given senior management or the administrator
    user = _user(role)
    # When their branches are read
    # Then None says every branch
    assert user_branch_ids(user) is None


def test_user_branch_ids_is_none_for_a_superuser(db):
    # Given a superuser with no role
    user = _user(is_superuser=True)
    # When their branches are read
    # Then they see every branch
    assert user_branch_ids(user) is None


# --- user_authority_limit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "limit"),
    [
        ("front_desk", 500),
        ("therapist", 500),
        ("sales_consultant", 500),
        ("customer_service", 2000),
        ("department_head", 10000),
        ("senior_management", None),
    ],
)
def test_user_authority_limit_defaults_come_from_the_migration(db, role, limit):
    # Given a staff member with one role and the limits the migration created
    user = _user(role)
    # When their authority limit is read
    # Then it is the default of domain.md §1 (None: unlimited)
    assert user_authority_limit(user) == limit


def test_user_authority_limit_of_several_roles_is_the_largest(db):
    # Given a front-desk clerk who is also in customer service
    user = _user("front_desk", "customer_service")
    # When their authority limit is read
    # Then the larger limit applies
    assert user_authority_limit(user) == 2000


def test_user_authority_limit_is_unlimited_when_any_role_is(db):
    # Given a department head who is also senior management
    user = _user("department_head", "senior_management")
    # When their authority limit is read
    # Then it is unlimited
    assert user_authority_limit(user) is None


def test_user_authority_limit_follows_a_configured_change(db):
    # Given the chain raised the therapists' limit to NT$800
    Role.objects.filter(code=RoleCode.THERAPIST).update(authority_limit=800)
    user = _user("therapist")
    # When a therapist's authority limit is read
    # Then the configured value applies
    assert user_authority_limit(user) == 800


def test_user_authority_limit_without_roles_is_zero(db):
    # Given an account with no role
    user = _user()
    # When their authority limit is read
    # Then they may grant nothing alone
    assert user_authority_limit(user) == 0
