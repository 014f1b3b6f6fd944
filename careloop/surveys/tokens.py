"""The survey link: /survey/<token>/, the token signed with SECRET_KEY.

The token is `<survey id>.<nonce>:<signature>` (django.core.signing, salted for this use): it
names the survey, cannot be forged or altered without the key, and is short enough for an SMS.
How long it works is not in the token but in the survey's `expires_at`, so staff can extend a
link by resending it, and the page can tell "expired" from "not a link of ours".
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from careloop.printing.qr import base_url
from careloop.surveys.models import Survey

SALT = "careloop.surveys.link"


def nonce_new() -> str:
    return secrets.token_urlsafe(9)


def survey_token(survey: Survey) -> str:
    return signing.Signer(salt=SALT).sign(f"{survey.pk}.{survey.nonce}")


def survey_url(survey: Survey) -> str:
    """The absolute link, as the message and the printed QR code carry it."""
    return base_url() + reverse("survey:answer", args=[survey_token(survey)])


def survey_for_token(token: str) -> Survey | None:
    """The survey a token names, or None for a token that is not one of ours (altered,
    truncated, signed with another key, or naming a survey whose nonce has changed)."""
    try:
        value = signing.Signer(salt=SALT).unsign(token or "")
    except signing.BadSignature:
        return None
    survey_id, _, nonce = value.partition(".")
    if not survey_id.isdigit() or not nonce:
        return None
    survey = (
        Survey.objects.select_related("branch", "purchase", "complaint")
        .filter(pk=int(survey_id))
        .first()
    )
    if survey is None or not constant_time_compare(survey.nonce, nonce):
        return None
    return survey
