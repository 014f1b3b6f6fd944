"""The staff page of the suggestion box's QR codes (/feedback/qr/)."""

from __future__ import annotations

import pytest
import segno
from django.urls import reverse

from careloop.printing import qr
from tests.factories import BranchFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])


@pytest.fixture
def base_url(settings):
    settings.CARELOOP_BASE_URL = "https://care.example.tw/"
    return "https://care.example.tw"


def test_anonymous_user_is_sent_to_log_in(client, db):
    response = client.get(reverse("feedback:qr"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("user", ["front_desk", "therapist_a", "cs_a"])
def test_staff_without_supervision_are_refused(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("feedback:qr")).status_code == 403


def test_a_department_head_sees_the_codes_of_their_branches(
    client, dept_head_a, base_url, branch_b
):
    # given a department head of branch A, and a second branch B
    client.force_login(dept_head_a)
    # when the QR page is opened
    response = client.get(reverse("feedback:qr"))
    # then branch A's code points at its form at the configured address, and B is not listed
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.branch.code for row in rows] == ["taipei"]
    assert rows[0].url == f"{base_url}/feedback/taipei/"
    html = response.content.decode()
    assert "<svg" in html and f"{base_url}/feedback/taipei/" in html
    assert reverse("printing:feedback_poster", args=["taipei"]) in html
    assert "桃園分院" not in html


def test_the_svg_encodes_the_branch_address(client, senior, base_url, branch_b, monkeypatch):
    # given segno watched, to see what each code is asked to encode
    encoded = []
    real_make = segno.make

    def spy(content, *args, **kwargs):
        encoded.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(qr.segno, "make", spy)
    client.force_login(senior)
    # when senior management (every branch) opens the page
    response = client.get(reverse("feedback:qr"))
    # then each branch's code carries its own absolute address
    assert encoded == [f"{base_url}/feedback/taipei/", f"{base_url}/feedback/taoyuan/"]
    # and the SVG on the page is exactly that code
    row = response.context["rows"][0]
    assert row.svg == real_make(row.url, error="m", micro=False).svg_inline(
        scale=5, border=2, title=row.url
    )
    assert row.svg in response.content.decode()


def test_an_administrator_may_print_the_codes(client, administrator, branch_b):
    client.force_login(administrator)
    response = client.get(reverse("feedback:qr"))
    assert response.status_code == 200
    assert [row.branch.code for row in response.context["rows"]] == ["taipei", "taoyuan"]


def test_closed_branches_are_left_out(client, senior):
    BranchFactory(code="closed", name="已停業分院", is_active=False)
    client.force_login(senior)
    codes = [row.branch.code for row in client.get(reverse("feedback:qr")).context["rows"]]
    assert "closed" not in codes


def test_the_default_address_is_the_local_server(settings, branch_a):
    del settings.CARELOOP_BASE_URL
    assert qr.branch_feedback_url(branch_a) == "http://127.0.0.1:8000/feedback/taipei/"
