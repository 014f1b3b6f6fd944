"""Staff passwords: 12 characters at least, none from the common-password list (issue 19, 9f)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from careloop.core.demo import DEMO_PASSWORD


def _messages(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as e:
        return list(e.messages)
    return []


def test_eleven_characters_are_too_few():
    messages = _messages("kq7-vw2-pmz")
    assert any("12 個字元" in m for m in messages), messages


def test_a_long_but_common_password_is_refused():
    # twelve characters, on Django's common-password list
    messages = _messages("Q1w2e3r4t5y6")
    assert messages and all("12" not in m for m in messages), messages


@pytest.mark.parametrize("password", ["kq7-vw2-pmz-8r", DEMO_PASSWORD])
def test_a_long_uncommon_password_is_taken(password):
    assert _messages(password) == []
