"""What every response and every signed-in request goes through: personal data kept out of
caches, and a session that ends when its staff member walks away from the screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

LAST_SEEN = "careloop_last_seen"
# A signed-in request writes its session only when the last write is this old: an idle
# timeout measured to the minute, without a database write on every page.
_TOUCH_EVERY_S = 60


def session_seen_at_login(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Signing in counts as activity; the session is being written anyway."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


class NoStoreMiddleware:
    """Pages, API answers and files may carry a customer's health-adjacent record, so no
    browser or proxy keeps a copy (a shared front-desk PC, the back button after logout).
    A view that chose its own Cache-Control (a QR code poster) keeps it; static files are
    served before this by WhiteNoise with their long cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class IdleTimeoutMiddleware:
    """Sign a staff member out after CARELOOP_IDLE_MINUTES without a request, and tell them
    why on the login page (an htmx request is sent there whole, not swapped into a panel)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.CARELOOP_IDLE_MINUTES * 60:
                return self._signed_out(request)
            if last_seen is None or now - last_seen >= _TOUCH_EVERY_S:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        messages.info(
            request,
            _("您已閒置超過 %(minutes)s 分鐘，為保護客戶資料已自動登出，請重新登入。")
            % {"minutes": settings.CARELOOP_IDLE_MINUTES},
        )
        if request.headers.get("HX-Request"):
            # Back to the page the fragment was asked from, not the fragment's own URL.
            page = urlsplit(request.headers.get("HX-Current-URL", ""))
            back = page.path + (f"?{page.query}" if page.query else "") or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(back).url
            return response
        return redirect_to_login(request.get_full_path())
