"""API authentication: personal tokens for integrations, the session for the app's own pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth as NinjaSessionAuth

from careloop.accounts.models import ApiToken
from careloop.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(key=token)
        if user is not None:
            # Simple-history and the permission helpers read request.user.
            request.user = user
            # The read log (careloop/access) names the token a read came through.
            request.careloop_api_token_hash = ApiToken.hash_key(token)  # type: ignore[attr-defined]
        return user


class SessionAuth(NinjaSessionAuth):
    """Django's session, with its CSRF check (inherited), for htmx calls from the pages."""

    def _get_key(self, request: HttpRequest) -> Any:
        # No session means nothing to protect: answer 401 rather than a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


__all__ = ["APIKeyCookie", "SessionAuth", "TokenAuth"]
