from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from careloop.accounts.models import ApiToken, User
from careloop.accounts.permissions import Capability, require, user_can
from careloop.accounts.second_factor import (
    safe_next,
    second_factor_enrolled,
    second_factor_may_reset,
    second_factor_required,
    second_factor_resettable,
    session_verified,
    totp_qr_data_uri,
    totp_secret_text,
)
from careloop.accounts.services import (
    SecondFactorRefused,
    api_token_issue,
    api_token_revoke,
    recovery_codes_left,
    recovery_codes_regenerate,
    second_factor_enrol_confirm,
    second_factor_enrol_start,
    second_factor_reset,
    second_factor_verify,
)
from careloop.accounts.throttle import address_spraying
from careloop.core.clients import client_address


class StaffLoginView(auth_views.LoginView):
    """Django's login, refused for an hour to an address that has failed on many accounts
    (accounts/throttle.py); each account's own lock-out is django-axes'."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if address_spraying(address=client_address(request)):
            return render(request, "registration/address_throttled.html", status=429)
        return super().post(request, *args, **kwargs)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途說明"), max_length=50)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_issue(
                user=request.user,
                name=form.cleaned_data["name"],
                second_factor_verified=session_verified(request.user),
            )
        except SecondFactorRefused as refused:
            form.add_error(None, refused.message)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, _("已撤銷 API 金鑰。"))
    return redirect("accounts:tokens")


# --- the second factor (accounts/second_factor.py) --------------------------------------------


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("驗證碼"),
        max_length=20,
        help_text=gettext_lazy("驗證器 App 顯示的 6 位數字"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("驗證碼"),
        max_length=40,
        help_text=gettext_lazy("驗證器 App 顯示的 6 位數字；手機遺失時可輸入一組備用驗證碼"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("重設原因"), max_length=80)


def _verified_login(request: HttpRequest, device: Device) -> None:
    # A new session key once the second factor is shown, as at the password.
    request.session.cycle_key()
    otp_login(request, device)


@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request, "")
    if second_factor_enrolled(user):
        if not session_verified(user):
            return redirect(_with_next("accounts:second_factor_verify", next_url))
        return redirect(next_url or "accounts:second_factor")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except SecondFactorRefused as refused:
            form.add_error("code", refused.message)
        else:
            _verified_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": next_url or reverse("home"), "enrolled": True},
            )
    device = second_factor_enrol_start(user=user)
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "required": second_factor_required(user),
            "secret": totp_secret_text(device),
            "qr": totp_qr_data_uri(device),
        },
    )


@login_required
def second_factor_verify_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request, "")
    if not second_factor_enrolled(user):
        if second_factor_required(user):
            return redirect(_with_next("accounts:second_factor_enrol", next_url))
        return redirect(next_url or "home")
    if session_verified(user):
        return redirect(next_url or "home")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_verify(user=user, code=form.cleaned_data["code"])
        except SecondFactorRefused as refused:
            form.add_error("code", refused.message)
        else:
            _verified_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("您用了一組備用驗證碼，尚餘 %(n)s 組；可在「第二道驗證」頁產生新的一組。")
                    % {"n": recovery_codes_left(user=user)},
                )
            return redirect(next_url or "home")
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": next_url})


@login_required
def second_factor_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/second_factor.html",
        {
            "enrolled": second_factor_enrolled(user),
            "required": second_factor_required(user),
            "codes_left": recovery_codes_left(user=user) if second_factor_enrolled(user) else 0,
            "may_reset": user_can(user, Capability.SECOND_FACTOR_RESET),
        },
    )


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    try:
        codes = recovery_codes_regenerate(
            user=request.user, second_factor_verified=session_verified(request.user)
        )
    except SecondFactorRefused as refused:
        messages.error(request, refused.message)
        return redirect("accounts:second_factor")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:second_factor"), "enrolled": False},
    )


@login_required
def second_factor_staff(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.SECOND_FACTOR_RESET)
    query = request.GET.get("q", "")[:50]
    page = Paginator(
        second_factor_resettable(actor=request.user, query=query), settings.CARELOOP_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/second_factor_staff.html",
        {"page": page, "query": query, "form": ResetForm()},
    )


@login_required
@require_POST
def second_factor_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    require(request.user, Capability.SECOND_FACTOR_RESET)
    target = get_object_or_404(User.objects.select_related("home_branch"), pk=user_id)
    if not second_factor_may_reset(request.user, target):
        raise Http404
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("請說明重設的原因（80 字內）。"))
        return redirect("accounts:second_factor_staff")
    try:
        second_factor_reset(
            user=target,
            by=request.user,
            by_verified=session_verified(request.user),
            reason=form.cleaned_data["reason"],
        )
    except SecondFactorRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("已重設 %(name)s 的第二道驗證；對方下次登入時須重新設定。") % {"name": target},
        )
    return redirect("accounts:second_factor_staff")


def _with_next(name: str, next_url: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
