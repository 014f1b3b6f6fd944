"""accounts/backends.py: the signed-in user, read once per request with their home branch."""

from django.urls import reverse

from careloop.accounts.backends import StaffBackend
from tests.factories import UserFactory


def test_the_user_read_for_a_request_brings_the_home_branch(front_desk, django_assert_num_queries):
    # Given a session's user id
    # When the backend reads the user for a request
    with django_assert_num_queries(1):
        user = StaffBackend().get_user(front_desk.pk)
        # Then the home branch the header names comes in the same query
        assert user.home_branch.name == front_desk.home_branch.name


def test_a_switched_off_or_missing_user_is_not_signed_in(db, branch_a):
    # Given an account that was switched off, and an id no one has
    user = UserFactory(roles=["front_desk"], home_branch=branch_a, is_active=False)
    # Then neither is a signed-in user
    assert StaffBackend().get_user(user.pk) is None
    assert StaffBackend().get_user(999_999) is None


def test_the_page_header_names_the_home_branch_without_a_query_of_its_own(
    client, front_desk, django_assert_max_num_queries
):
    # Given the front desk signed in through a real session
    client.force_login(front_desk)
    # When a page that reads nothing else of the user is shown
    with django_assert_max_num_queries(4) as queries:
        response = client.get(reverse("help"))
    # Then the header names their branch, and no query reads it apart from the user's own
    assert front_desk.home_branch.name in response.content.decode()
    assert not [q for q in queries.captured_queries if 'FROM "accounts_branch"' in q["sql"]]
