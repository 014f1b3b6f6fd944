from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from careloop.accounts.models import ApiToken
from careloop.accounts.services import api_token_create, api_token_revoke
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
        _token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
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
