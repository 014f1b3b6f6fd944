"""The suggestion box poster: one A4 page per branch with its QR code and address."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.urls import reverse

from tests.printing.conftest import pdf_text

pytestmark = pytest.mark.usefixtures("poppler")


@pytest.fixture
def base_url(settings):
    settings.CARELOOP_BASE_URL = "https://care.example.tw"
    return "https://care.example.tw"


def test_poster_names_the_branch_and_its_address(client, dept_head_a, base_url):
    # given a department head of 台北總院
    client.force_login(dept_head_a)
    # when the branch's poster is printed
    response = client.get(reverse("printing:feedback_poster", args=["taipei"]))
    # then it is one A4 page with the call to action, the branch and the address in text
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=False)
    assert "意見箱" in text
    assert "掃描 QR Code 線上反映意見" in text
    assert "台北總院" in text
    assert f"{base_url}/feedback/taipei/" in text
    assert f"{base_url}/feedback/status/" in text
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True)
    out = info.stdout.decode()
    assert re.search(r"Pages:\s+1\b", out)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", out)


def test_poster_of_a_branch_outside_the_users_is_404(client, dept_head_a, branch_b):
    client.force_login(dept_head_a)
    response = client.get(reverse("printing:feedback_poster", args=["taoyuan"]))
    assert response.status_code == 404


def test_poster_is_for_supervisors_and_administrators(client, therapist_a, branch_a):
    client.force_login(therapist_a)
    response = client.get(reverse("printing:feedback_poster", args=["taipei"]))
    assert response.status_code == 403


def test_poster_needs_a_login(client, branch_a):
    response = client.get(reverse("printing:feedback_poster", args=["taipei"]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
