"""The Content-Security-Policy (issue 19, 9a): scripts and styles from this site only, and no
template that would need more. The browser tests fail on any refusal Chromium reports."""

import pathlib
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "careloop"


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_pages_allow_scripts_and_styles_from_this_site_only(client, front_desk):
    client.force_login(front_desk)
    policy = _policy(client.get(reverse("customers:list")))
    assert policy["script-src"] == "script-src 'self'"
    # a nonce only where a page uses one (the public pages' inline <style>)
    assert policy["style-src"] == "style-src 'self'"
    assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_public_pages_inline_style_carries_the_requests_nonce(client, branch_a):
    response = client.get(reverse("feedback:intake_branch", args=[branch_a.code]))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_the_api_docs_load_swagger_from_this_site(client, front_desk):
    client.force_login(front_desk)
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_no_template_carries_an_inline_style_or_script():
    offending = []
    for path in TEMPLATES.rglob("*.html"):
        if "printing" in path.parts:  # PDFs, drawn by WeasyPrint, not a browser
            continue
        text = path.read_text()
        if re.search(r"\sstyle=\"", text):
            offending.append(f"{path}: style attribute")
        for tag in re.findall(r"<style[^>]*>", text):
            if "nonce=" not in tag:
                offending.append(f"{path}: {tag}")
        for tag in re.findall(r"<script[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offending.append(f"{path}: {tag}")
        if re.search(r"\son[a-z]+=\"", text):
            offending.append(f"{path}: an inline event handler")
    assert offending == []
