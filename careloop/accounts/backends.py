"""Signing in, and finding the signed-in user on every request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from careloop.accounts.models import User


class StaffBackend(ModelBackend):
    """Django's ModelBackend, whose per-request read brings the user's home branch along.

    Every page's header names the home branch; read with the user, it costs no query of its own.
    """

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("home_branch").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
