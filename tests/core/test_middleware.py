"""Responses kept out of caches, sessions that end when left idle, HTTPS settings (issue 19,
finding 9 b–d)."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from careloop.core.middleware import LAST_SEEN
from tests.fresh_settings import settings_values

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_and_an_api_answer_are_not_stored(client, front_desk):
    client.force_login(front_desk)
    page = client.get(reverse("customers:list"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    api = client.get("/api/v1/customers")
    assert "no-store" in api["Cache-Control"]


def test_the_login_page_is_not_stored_either(client):
    assert "no-store" in client.get(reverse("accounts:login"))["Cache-Control"]


def test_a_session_left_idle_ends_and_says_why(client, front_desk, clock, settings):
    # Given a signed-in front desk, idle timeout 30 minutes
    settings.CARELOOP_IDLE_MINUTES = 30
    start = timezone.now()
    clock.move_to(start)
    client.force_login(front_desk)
    assert client.get(reverse("customers:list")).status_code == 200

    # When the next click comes 31 minutes later
    clock.move_to(start + dt.timedelta(minutes=31))
    response = client.get(reverse("customers:list"))

    # Then they are signed out and sent to the login page, which tells them why
    login = reverse("accounts:login")
    assert response.status_code == 302 and response["Location"].startswith(login)
    assert "_auth_user_id" not in client.session
    assert "已閒置超過 30 分鐘" in client.get(response["Location"]).content.decode()


def test_a_session_in_use_does_not_end(client, front_desk, clock, settings):
    settings.CARELOOP_IDLE_MINUTES = 30
    start = timezone.now()
    clock.move_to(start)
    client.force_login(front_desk)
    # a click every 20 minutes for an hour: never 30 minutes idle
    for minutes in (20, 40, 60):
        clock.move_to(start + dt.timedelta(minutes=minutes))
        assert client.get(reverse("customers:list")).status_code == 200, minutes
    assert client.session[LAST_SEEN] >= int((start + dt.timedelta(minutes=60)).timestamp())


def test_an_idle_htmx_request_sends_the_whole_page_to_the_login(client, front_desk, clock):
    start = timezone.now()
    clock.move_to(start)
    client.force_login(front_desk)
    clock.move_to(start + dt.timedelta(hours=2))
    response = client.get(reverse("customers:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_the_session_is_written_at_most_once_a_minute(client, front_desk, clock):
    start = timezone.now()
    clock.move_to(start, tick=False)
    client.force_login(front_desk)
    first = client.session[LAST_SEEN]
    # half a minute later: nothing written
    clock.move_to(start + dt.timedelta(seconds=30), tick=False)
    client.get(reverse("home"))
    assert client.session[LAST_SEEN] == first
    # past the minute: written
    clock.move_to(start + dt.timedelta(seconds=61), tick=False)
    client.get(reverse("home"))
    assert client.session[LAST_SEEN] == first + 61


def test_after_the_idle_sign_out_the_login_returns_to_the_whole_address(client, front_desk, clock):
    start = timezone.now()
    clock.move_to(start)
    client.force_login(front_desk)
    clock.move_to(start + dt.timedelta(hours=1))
    response = client.get(reverse("customers:list"), {"q": "王", "customer_type": "vip"})
    assert response.status_code == 302
    assert response["Location"].endswith(
        "?next=/customers/%3Fq%3D%25E7%258E%258B%26customer_type%3Dvip"
    )
    # an htmx fragment sends the login back to the page it was asked from
    clock.move_to(start + dt.timedelta(hours=3))
    client.force_login(front_desk)
    clock.move_to(start + dt.timedelta(hours=5))
    fragment = client.post(
        "/some/fragment/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/customers/C1/"},
    )
    assert fragment["HX-Redirect"].endswith("?next=/customers/C1/")


def test_https_turns_on_secure_cookies_hsts_and_the_redirect():
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")
    names += ("SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER")
    plain = settings_values({"CARELOOP_HTTPS": "false"}, *names)
    assert plain == dict.fromkeys(names, None) | {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
    }
    https = settings_values({"CARELOOP_HTTPS": "true", "CARELOOP_PROXY_HOPS": "1"}, *names)
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert https["SECURE_SSL_REDIRECT"] is True
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_over_https_the_browser_is_told_to_stay_and_plain_http_is_sent_there(client):
    assert client.get(reverse("accounts:login")).status_code == 301
    secure = client.get(reverse("accounts:login"), secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
