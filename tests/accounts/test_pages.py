"""Logging in and out, changing the password, and the API-token page."""

import pytest
from django.test import override_settings
from django.urls import reverse

from careloop.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_login_page_is_in_traditional_chinese(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "登入 CareLoop" in html and "使用者名稱" in html and 'lang="zh-Hant-TW"' in html


def test_login_with_wrong_password_says_so_and_right_password_lands_on_home(client, front_desk):
    response = client.post(
        reverse("accounts:login"), {"username": "desk_a", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "輸入正確的" in response.content.decode()

    response = client.post(
        reverse("accounts:login"), {"username": "desk_a", "password": "pw-test-1234"}
    )
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200


def test_logout_is_a_post_and_ends_the_session(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 302


def test_password_change_requires_the_old_password(client, front_desk):
    client.force_login(front_desk)
    url = reverse("accounts:password_change")
    bad = client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "Tz9!long-enough",
            "new_password2": "Tz9!long-enough",
        },
    )
    assert bad.status_code == 200
    assert "field-error" in bad.content.decode()

    good = client.post(
        url,
        {
            "old_password": "pw-test-1234",
            "new_password1": "Tz9!long-enough",
            "new_password2": "Tz9!long-enough",
        },
    )
    assert good.status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.check_password("Tz9!long-enough")


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account(client, front_desk):
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "desk_a", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "desk_a", "password": "pw-test-1234"}
    )
    assert "帳號暫時鎖定" in response.content.decode()


@override_settings(AXES_ENABLED=True, CARELOOP_LOGIN_ADDRESS_ACCOUNTS=10)
def test_one_address_spraying_a_password_over_many_accounts_is_stopped(client, front_desk):
    # Given one address trying one password on ten accounts (under each account's lock-out)
    for n in range(10):
        client.post(
            reverse("accounts:login"),
            {"username": f"staff{n}", "password": "Spring2026!"},
            REMOTE_ADDR="203.0.113.9",
        )

    # When it tries an eleventh, even with a right password
    response = client.post(
        reverse("accounts:login"),
        {"username": "desk_a", "password": "pw-test-1234"},
        REMOTE_ADDR="203.0.113.9",
    )

    # Then it is refused for the hour, saying why
    assert response.status_code == 429
    assert "多個帳號登入失敗" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # and staff behind another address sign in as usual
    other = client.post(
        reverse("accounts:login"),
        {"username": "desk_a", "password": "pw-test-1234"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert other.status_code == 302


@override_settings(AXES_ENABLED=True, CARELOOP_LOGIN_ADDRESS_ACCOUNTS=10)
def test_a_colleagues_typos_from_the_clinics_address_lock_nobody_else_out(client, front_desk):
    # one account's failures from the clinic's shared address count as one account
    for _ in range(4):
        client.post(
            reverse("accounts:login"),
            {"username": "therapist_x", "password": "typo"},
            REMOTE_ADDR="203.0.113.9",
        )
    response = client.post(
        reverse("accounts:login"),
        {"username": "desk_a", "password": "pw-test-1234"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302


def test_token_page_shows_a_new_key_once_and_revokes(client, front_desk):
    client.force_login(front_desk)
    response = client.post(reverse("accounts:tokens"), {"name": "預約系統"})
    token = ApiToken.objects.get(user=front_desk)
    html = response.content.decode()
    assert 'id="new-token"' in html and "只會顯示這一次" in html
    assert token.key_hash not in html
    assert 'id="new-token"' not in client.get(reverse("accounts:tokens")).content.decode()

    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked(client, front_desk, therapist_a):
    from careloop.accounts.services import api_token_create

    token, _key = api_token_create(user=therapist_a, name="x")
    client.force_login(front_desk)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
