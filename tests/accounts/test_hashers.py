"""Password hashing: Argon2id at OWASP's setting, older hashes upgraded at login."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoDefaultArgon2
from django.test import override_settings
from django.urls import reverse

ARGON2_ONLY = ["careloop.accounts.hashers.Argon2PasswordHasher"]


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=ARGON2_ONLY)
def test_a_hash_made_with_djangos_default_setting_is_remade_at_login(client, front_desk):
    # Given a password hashed with Django's default Argon2 setting (100 MiB per hash)
    old = DjangoDefaultArgon2()
    front_desk.password = old.encode("pw-test-1234", old.salt())
    front_desk.save(update_fields=["password"])
    assert "m=102400" in front_desk.password

    # When the user logs in with it
    response = client.post(
        reverse("accounts:login"), {"username": front_desk.username, "password": "pw-test-1234"}
    )

    # Then the login succeeds and the hash now uses 19 MiB, 2 passes, 1 lane
    assert response.status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert front_desk.check_password("pw-test-1234")
