"""Playwright driving Debian's Chromium (/usr/bin/chromium): Playwright's own browser download
does not work on our machines, and the clinics' browsers are Chromium-based anyway."""

import os

import pytest

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


@pytest.fixture
def login(page, live_server):
    def do_login(username: str, password: str = "pw-test-1234") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("使用者名稱").fill(username)
        page.get_by_label("密碼").fill(password)
        page.get_by_role("button", name="登入").click()
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
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("使用者名稱").fill(username)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{live_server.url}/worklist/")
    return context, page
