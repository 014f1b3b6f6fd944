"""Account writes: API tokens and role set-up."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from careloop.accounts.models import DEFAULT_AUTHORITY_LIMITS, ApiToken, Role, RoleCode, User


@transaction.atomic
def roles_ensure_defaults() -> list[Role]:
    """Create the roles of domain.md §1 with their default authority limits, keeping edits."""
    roles = []
    for code in RoleCode:
        role, _ = Role.objects.get_or_create(
            code=code, defaults={"authority_limit": DEFAULT_AUTHORITY_LIMITS[code]}
        )
        roles.append(role)
    return roles


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear-text key, which is never stored."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API", prefix=key[3:11], key_hash=ApiToken.hash_key(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Only touch the row once a minute so busy clients do not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
