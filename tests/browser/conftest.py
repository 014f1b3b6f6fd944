"""Playwright driving Debian's Chromium (/usr/bin/chromium): Playwright's own browser download
does not work on our machines, and the clinics' browsers are Chromium-based anyway."""

import os
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.accounts.models import User
from careloop.accounts.second_factor import second_factor_required
from careloop.accounts.services import second_factor_enrol_direct

CHROMIUM = os.environ.get("CARELOOP_CHROMIUM", "/usr/bin/chromium")
# Chromium's background services would try to reach the internet, which these machines refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Every console message in which Chromium reports a refusal by the Content-Security-Policy: a
# page that needs an inline style or script the policy forbids is broken for staff.
CSP_REFUSALS: list[str] = []


def csp_watched(context):
    context.on(
        "console",
        lambda message: (
            CSP_REFUSALS.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return context


def phone_context(browser):
    """A customer's phone (390 px, touch), watched for CSP refusals like every other context."""
    return csp_watched(
        browser.new_context(
            locale="zh-TW",
            timezone_id="Asia/Taipei",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
    )


@pytest.fixture(autouse=True)
def no_csp_refusals():
    CSP_REFUSALS.clear()
    yield
    assert CSP_REFUSALS == []


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # alongside it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = csp_watched(
        browser.new_context(
            locale="zh-TW", timezone_id="Asia/Taipei", viewport={"width": 1024, "height": 1366}
        )
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _second_factor_at_login():
    """Here supervisors type their second factor on the verify page (second_factor_typed),
    instead of tests/conftest.py's sign-in that is verified already."""
    yield


def second_factor_device(username: str) -> TOTPDevice | None:
    """The authenticator of a supervisor (enrolled now if need be, before the password is
    typed), or of anyone who enrolled; None for the others."""
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and second_factor_required(user):
        device = second_factor_enrol_direct(user=user, by=None)
    return device


def second_factor_typed(page, device: TOTPDevice | None) -> None:
    """After the password: type the code the authenticator shows, computed from its secret."""
    if device is None:
        return
    page.wait_for_url("**/second-factor/verify/**")
    device.refresh_from_db()
    # A code is taken once: a second sign-in within the same 30 s types the next step's.
    now_t = int(time.time() - device.t0) // device.step
    drift = 1 if device.last_t >= now_t else 0
    page.get_by_label("驗證碼").fill(f"{totp(device.bin_key, step=device.step, drift=drift):06d}")
    page.get_by_role("button", name="驗證").click()


@pytest.fixture
def login(page, live_server):
    def do_login(username: str, password: str = "pw-test-1234") -> None:
        device = second_factor_device(username)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("使用者名稱").fill(username)
        page.get_by_label("密碼").fill(password)
        page.get_by_role("button", name="登入").click()
        second_factor_typed(page, device)
        page.wait_for_url(f"{live_server.url}/worklist/")
        page.goto(f"{live_server.url}/customers/")

    return do_login


def logged_in(browser, live_server, username: str, *, password: str = "pw-test-1234"):
    """A fresh browser context logged in as `username`: one per person in a story that
    passes between colleagues."""
    context = csp_watched(
        browser.new_context(
            locale="zh-TW", timezone_id="Asia/Taipei", viewport={"width": 1280, "height": 1400}
        )
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    device = second_factor_device(username)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("使用者名稱").fill(username)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    second_factor_typed(page, device)
    page.wait_for_url(f"{live_server.url}/worklist/")
    return context, page
