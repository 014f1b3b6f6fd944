"""Account writes: API tokens, role set-up and the second factor."""

from __future__ import annotations

import math
import re
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import ThrottlingMixin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.accounts.models import DEFAULT_AUTHORITY_LIMITS, ApiToken, Role, RoleCode, User
from careloop.accounts.second_factor import (
    RECOVERY_CODE_COUNT,
    second_factor_enrolled,
    second_factor_may_reset,
    second_factor_required,
)


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
    """Create a token and return it with its clear-text key, which is never stored.

    For callers the server trusts (a command, the benchmark, fixtures); what a person asks
    for through a session goes through `api_token_issue`."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API", prefix=key[3:11], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_issue(*, user: User, name: str, second_factor_verified: bool) -> tuple[ApiToken, str]:
    """A token asked for by a signed-in person (the tokens page, POST /api/v1/tokens).

    A token outlives the session and skips the second factor, so it is made only from a session
    that showed one, by anyone who has a factor and always by those who must have one.
    Raises SecondFactorRefused."""
    if (second_factor_required(user) or second_factor_enrolled(user)) and (
        not second_factor_verified
    ):
        raise SecondFactorRefused(
            _("建立 API 金鑰前須先通過第二道驗證：請登出後重新登入，並輸入驗證器 App 的驗證碼。")
        )
    return api_token_create(user=user, name=name)


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
    if not second_factor_enrolled(token.user) and second_factor_required(token.user):
        # A token made before the second factor was asked of this person (or before their
        # promotion) does not stand in for the factor they still owe. The role codes read
        # here stay on the user for the permission checks that follow: no extra query.
        return None
    now = timezone.now()
    # Only touch the row once a minute so busy clients do not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- the second factor (accounts/second_factor.py says who needs it) -------------------------


class SecondFactorRefused(PermissionDenied):
    """A refused code, enrolment, reset or token: `message` is what the person reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_TOTP_NAME = "驗證器 App"
_RECOVERY_NAME = "備用驗證碼"
_SIX_DIGITS = re.compile(r"^[0-9]{6}$")


def _code_clean(code: str) -> str:
    """Codes are read aloud and copied from paper: spaces and dashes do not count, nor case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttle_message(device: ThrottlingMixin) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    wait = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((wait - timezone.now()).total_seconds())) if wait else 1
    return _("錯誤次數過多，請於 %(seconds)s 秒後再試。") % {"seconds": seconds}


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _enrolled_mark(user: User, *, by: User | None, reason: str) -> None:
    user.second_factor_since = timezone.now()
    user._history_user = by  # type: ignore[attr-defined]
    user._change_reason = reason  # type: ignore[attr-defined]
    user.save(update_fields=["second_factor_since"])


@transaction.atomic
def second_factor_enrol_start(*, user: User) -> TOTPDevice:
    """The authenticator being set up: a new secret, kept (unconfirmed) until a code from it
    confirms it, so reloading the page shows the same QR code. Raises SecondFactorRefused when
    the user has a factor already."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise SecondFactorRefused(_("您已設定第二道驗證。"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_TOTP_NAME, confirmed=False)
    return device


def second_factor_enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code it shows; return it with the
    recovery codes, which are shown this once. Raises SecondFactorRefused (a wrong code counts
    towards the device's throttle, which is kept even though the enrolment is refused)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            refusal = _("設定已逾時或已完成，請重新開始設定。")
        else:
            refusal = _throttle_message(device)
            if refusal is None and not (
                _SIX_DIGITS.match(_code_clean(code)) and device.verify_token(_code_clean(code))
            ):
                refusal = _("驗證碼不正確，請輸入驗證器 App 目前顯示的 6 位數字。")
        if refusal is None:
            assert device is not None
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_replace(user)
            _enrolled_mark(user, by=user, reason="啟用第二道驗證")
    if refusal is not None:
        raise SecondFactorRefused(refusal)
    return device, codes


def second_factor_verify(*, user: User, code: str) -> TOTPDevice | StaticDevice:
    """Check a code from the authenticator (6 digits) or a recovery code (used up by this);
    return the device that accepted it, for `django_otp.login`. Raises SecondFactorRefused;
    each device throttles its own wrong codes (1, 2, 4, … seconds) and the count survives the
    refusal."""
    cleaned = _code_clean(code)
    with transaction.atomic():
        model: type[TOTPDevice] | type[StaticDevice] = (
            TOTPDevice if _SIX_DIGITS.match(cleaned) else StaticDevice
        )
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("id")
            .first()
        )
        if device is None:
            refusal: str | None = (
                _("您尚未設定第二道驗證。")
                if model is TOTPDevice
                else _("驗證碼不正確，請輸入 6 位數字驗證碼或一組備用驗證碼。")
            )
        else:
            refusal = _throttle_message(device)
            if refusal is None and not (cleaned and device.verify_token(cleaned)):
                refusal = _("驗證碼不正確，請輸入 6 位數字驗證碼或一組備用驗證碼。")
    if refusal is not None:
        raise SecondFactorRefused(refusal)
    assert device is not None
    return device


@transaction.atomic
def recovery_codes_regenerate(*, user: User, second_factor_verified: bool) -> list[str]:
    """New recovery codes in place of the old ones, shown this once."""
    if not second_factor_enrolled(user):
        raise SecondFactorRefused(_("請先設定第二道驗證。"))
    if not second_factor_verified:
        raise SecondFactorRefused(_("請先通過第二道驗證。"))
    return _recovery_codes_replace(user)


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_reset(*, user: User, by: User, by_verified: bool, reason: str) -> User:
    """Remove the lost factor of `user`, so that they enrol again at their next sign-in (their
    sessions stop being verified at once). The user's history records who reset it, when and
    why. Raises SecondFactorRefused unless `by` may (second_factor_may_reset) and has shown
    their own factor in this session."""
    if not second_factor_may_reset(by, user):
        raise SecondFactorRefused(_("您沒有權限重設此員工的第二道驗證。"))
    if not by_verified:
        raise SecondFactorRefused(_("重設他人的第二道驗證前，您須先通過自己的第二道驗證。"))
    reason = reason.strip()
    if not reason:
        raise SecondFactorRefused(_("請說明重設的原因。"))
    target = User.objects.select_for_update().get(pk=user.pk)
    # A lost factor may be a stolen phone: tokens minted from its sessions stop with it.
    ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
    TOTPDevice.objects.filter(user=target).delete()
    StaticDevice.objects.filter(user=target).delete()
    target.second_factor_since = None
    target._history_user = by  # type: ignore[attr-defined]
    target._change_reason = _("重設第二道驗證：%(reason)s") % {"reason": reason[:80]}  # type: ignore[attr-defined]
    target.save(update_fields=["second_factor_since"])
    return target


@transaction.atomic
def second_factor_enrol_direct(
    *, user: User, by: User | None, key: str | None = None
) -> TOTPDevice:
    """Enrol without a confirming code: the demo's and the benchmark's accounts, whose secret
    the operator is shown beside the login (and the test suite's signed-in supervisors).
    `key` is the hex secret; a fresh random one when None. Replaces any earlier factor."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name=_TOTP_NAME, confirmed=True, key=key or secrets.token_hex(20)
    )
    _recovery_codes_replace(user)
    _enrolled_mark(user, by=by, reason="啟用第二道驗證")
    return device
