"""The second factor (TOTP, django-otp): who must have one, and the gate every signed-in
request passes through (issue 19, finding 6).

Senior management, department heads, administrators and anyone who may enter the admin
(superusers, `is_staff`) must enrol; everyone else may. A signed-in person who must enrol and
has not is sent to the enrolment page; a person who has enrolled, and whose session has not
shown a code since the password, is sent to the verify page. Until then only those pages,
signing out and the public pages (the suggestion box, the survey links) answer; the API
answers 403 to such a session and takes only a personal token (tokens are made from a
verified session, `services.api_token_issue`).

Whether someone has enrolled is `User.second_factor_since`, read with the user on every
request, so a person without a factor pays no query; a verified session costs django-otp's
one read of its device.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from enum import StrEnum
from functools import cached_property
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.accounts.models import RoleCode, User
from careloop.accounts.permissions import Capability, user_branch_ids, user_can, user_role_codes

# PT-P020's approvers and the people who can change the system's set-up.
SECOND_FACTOR_ROLES = frozenset(
    {RoleCode.SENIOR_MANAGEMENT, RoleCode.DEPARTMENT_HEAD, RoleCode.ADMINISTRATOR}
)
RECOVERY_CODE_COUNT = 10


class Step(StrEnum):
    ENROL = "enrol"
    VERIFY = "verify"


def second_factor_required(user: User) -> bool:
    """Whether the user must have a second factor (superusers count as administrators)."""
    return bool(user_role_codes(user) & SECOND_FACTOR_ROLES) or bool(user.is_staff)


def second_factor_enrolled(user: User) -> bool:
    return user.second_factor_since is not None


def session_verified(user: User | AnonymousUser) -> bool:
    """Whether this request's session has shown a code (django-otp's OTPMiddleware)."""
    is_verified: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_step(user: User) -> Step | None:
    """What the signed-in user must do before anything else, if anything."""
    if second_factor_enrolled(user):
        return None if session_verified(user) else Step.VERIFY
    if second_factor_required(user):
        return Step.ENROL
    return None


def second_factor_may_reset(actor: User, target: User) -> bool:
    """A supervisor resets the lost factor of staff in their branches; a factor that guards
    approvals or the set-up (a head's, a manager's, an administrator's) is reset only by senior
    management or an administrator. Nobody resets their own: that would let a stolen password
    take the account."""
    if actor.pk == target.pk or not user_can(actor, Capability.SECOND_FACTOR_RESET):
        return False
    codes = user_role_codes(actor)
    if codes & {RoleCode.SENIOR_MANAGEMENT, RoleCode.ADMINISTRATOR}:
        return True
    if not target.is_active:
        # An inactive account shows no roles, so a manager's would pass for a therapist's.
        return False
    if second_factor_required(target):
        return False
    branch_ids = user_branch_ids(actor)
    return branch_ids is None or target.home_branch_id in branch_ids


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """The `next` the gate sent along, if it points inside this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class SecondFactorMiddleware:
    """Send a signed-in request that still owes its second factor to the enrolment or verify
    page (pages), or refuse it with 403 (API); see the module's docstring."""

    # Pages for everyone, signed in or not: the suggestion box and the survey links. Named one
    # by one: the same namespaces hold staff pages (feedback:qr) that must stay behind it.
    PUBLIC_VIEWS = frozenset(
        {
            "feedback:intake",
            "feedback:intake_branch",
            "feedback:thanks",
            "feedback:status",
            "survey:answer",
            "survey:thanks",
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    @cached_property
    def _open_paths(self) -> frozenset[str]:
        # Reversed on first use: the URLconf is not loaded when middleware is built.
        return frozenset(
            reverse(name)
            for name in (
                "accounts:second_factor_enrol",
                "accounts:second_factor_verify",
                "accounts:login",
                "accounts:logout",
            )
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            step = second_factor_step(user)  # type: ignore[arg-type]
            if step is not None:
                refusal = self._gate(request, step)
                if refusal is not None:
                    return refusal
        return self.get_response(request)

    def _gate(self, request: HttpRequest, step: Step) -> HttpResponse | None:
        path = request.path_info
        if path in self._open_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        try:
            match = resolve(path)
            namespaces, view_name = set(match.namespaces), match.view_name
        except Resolver404:
            namespaces, view_name = set(), ""
        if view_name in self.PUBLIC_VIEWS:
            return None
        if "api" in namespaces:
            if "Authorization" in request.headers:
                # Only the token may speak for this request, never the unverified session.
                request.user = AnonymousUser()
                return None
            return self._api_refusal(step)
        return self._redirect(request, step)

    @staticmethod
    def _api_refusal(step: Step) -> HttpResponse:
        detail = (
            _("您的角色須先設定第二道驗證（驗證器 App），請在網頁上完成設定後再使用。")
            if step is Step.ENROL
            else _("此工作階段尚未通過第二道驗證，請先在網頁上輸入驗證碼。")
        )
        return JsonResponse(
            {"detail": detail}, status=403, json_dumps_params={"ensure_ascii": False}
        )

    @staticmethod
    def _redirect(request: HttpRequest, step: Step) -> HttpResponse:
        target = reverse(
            "accounts:second_factor_enrol"
            if step is Step.ENROL
            else "accounts:second_factor_verify"
        )
        back = request.get_full_path()
        if request.headers.get("HX-Request"):
            # Back to the page the fragment was asked from, not the fragment's own URL.
            page = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = page.path + (f"?{page.query}" if page.query else "") or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{target}?{urlencode({'next': back})}"
            return response
        if back in ("", "/"):
            return redirect(target)
        return redirect(f"{target}?{urlencode({'next': back})}")


# --- reads shared by the pages, the demo and the benchmark -------------------------------------


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code, inline (the CSP allows images from data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def second_factor_resettable(*, actor: User, query: str = "") -> QuerySet[User]:
    """The enrolled staff whose factor `actor` may reset: the list form of
    second_factor_may_reset (which the reset itself checks again)."""
    if not user_can(actor, Capability.SECOND_FACTOR_RESET):
        return User.objects.none()
    users = (
        User.objects.filter(is_active=True, second_factor_since__isnull=False)
        .exclude(pk=actor.pk)
        .select_related("home_branch")
        .order_by("username")
    )
    if not user_role_codes(actor) & {RoleCode.SENIOR_MANAGEMENT, RoleCode.ADMINISTRATOR}:
        branch_ids = user_branch_ids(actor)
        if branch_ids is not None:
            users = users.filter(home_branch_id__in=branch_ids)
        users = users.exclude(roles__code__in=SECOND_FACTOR_ROLES).filter(
            is_staff=False, is_superuser=False
        )
    query = query.replace("\x00", "").strip()  # PostgreSQL takes no NUL in a pattern
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__contains=query))
    return users
