"""The public status page (/feedback/status/): the stage for the right number and phone only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.models import PublicStatusLookup, State
from careloop.complaints.public import LOOKUP_LIMIT
from careloop.complaints.services import complaint_transition, investigation_save
from careloop.core.clients import client_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_complaint, cs_a):
    """林美玲's case (phone +886912000111), handled by a named owner, now under investigation."""
    cs_a.full_name = "陳客服"
    cs_a.save(update_fields=["full_name"])
    complaint = make_complaint(criteria=["b_staff"], owner=cs_a)
    investigation_save(
        complaint=complaint,
        values={"scope": "遲到經過", "people": "治療師、櫃台", "timeline": "兩天"},
        by=cs_a,
    )
    return complaint_transition(complaint=complaint, to=State.INVESTIGATING, by=cs_a)


def _lookup(client, number: str, phone: str, *, remote_addr: str = "203.0.113.7"):
    return client.post(
        reverse("feedback:status"), {"number": number, "phone": phone}, REMOTE_ADDR=remote_addr
    )


def _result(html: str) -> str:
    """The answer block of the page (found or not), without the form under it."""
    match = re.search(r'<div[^>]*id="status-result"[^>]*>.*?</div>', html, re.S)
    return match.group(0) if match else ""


def test_right_number_and_phone_show_the_stage_date_and_next_step(client, case):
    # given the case number and the phone the complainant gave, typed their own way
    # when looked up, without logging in
    response = _lookup(client, case.number, "0912-000-111")
    # then the stage, the date of receipt and the next step are shown
    assert response.status_code == 200
    result = _result(response.content.decode())
    assert case.number in result
    assert "調查中" in result
    assert "2026年2月13日" in result
    assert "專人正在了解事情經過" in result


def test_nothing_internal_is_shown(client, case):
    html = _lookup(client, case.number, "0912000111").content.decode()
    assert "調查中" in html
    for internal in (
        "陳客服",  # owner
        "cs_a",
        "治療師遲到二十分鐘",  # description
        "希望補一堂課",  # expected resolution
        "林美玲",  # complainant
        "遲到經過",  # investigation
        "B 級",  # grade
        "物理治療部",  # department
        "+886912000111",
    ):
        assert internal not in html, internal


def test_wrong_phone_and_wrong_number_get_the_same_neutral_answer(client, case):
    # given a wrong phone for a real number, and a real phone for a wrong number
    wrong_phone = _lookup(client, case.number, "0912-999-999").content.decode()
    wrong_number = _lookup(client, "20260213-999", "0912-000-111").content.decode()
    # then neither says anything about the case, and the two answers cannot be told apart
    for html in (wrong_phone, wrong_number):
        assert "查無符合的案件" in html
        assert "調查中" not in html and "專人正在了解" not in html
    assert _result(wrong_phone) == _result(wrong_number)
    assert _result(wrong_phone)


def test_the_number_can_come_prefilled_from_the_thank_you_page(client, db):
    response = client.get(reverse("feedback:status"), {"number": "20260213-001"})
    assert response.status_code == 200
    assert 'value="20260213-001"' in response.content.decode()
    assert "查無符合的案件" not in response.content.decode()


def test_both_fields_are_required(client, db):
    response = _lookup(client, "", "")
    assert response.status_code == 422
    html = response.content.decode()
    assert "請輸入案件編號。" in html and "請輸入聯絡電話。" in html


def test_lookups_are_limited_per_address(client, case):
    # given ten lookups from one address within ten minutes
    for _ in range(LOOKUP_LIMIT):
        assert _lookup(client, case.number, "0912-999-999").status_code == 200
    # when an eleventh is made, even with the right pair
    response = _lookup(client, case.number, "0912-000-111")
    # then it is refused, kindly, and says nothing about the case
    assert response.status_code == 429
    html = response.content.decode()
    assert "請稍後再試" in html and "10 分鐘" in html
    assert "調查中" not in html
    assert response["Retry-After"] == "600"
    # and another address is not held back
    assert _lookup(client, case.number, "0912-000-111", remote_addr="198.51.100.9").status_code == (
        200
    )


def test_lookups_older_than_the_window_are_forgotten(client, case, rf):
    fingerprint = client_fingerprint(rf.get("/", REMOTE_ADDR="203.0.113.7"))
    old = timezone.now() - dt.timedelta(minutes=11)
    PublicStatusLookup.objects.bulk_create(
        PublicStatusLookup(fingerprint=fingerprint, looked_up_at=old) for _ in range(LOOKUP_LIMIT)
    )
    response = _lookup(client, case.number, "0912-000-111")
    assert response.status_code == 200
    # the stale rows are gone; only this lookup is kept, under the hash, never the address
    assert list(PublicStatusLookup.objects.values_list("fingerprint", flat=True)) == [fingerprint]


def test_status_lookup_checks_csrf(case):
    client = Client(enforce_csrf_checks=True)
    assert _lookup(client, case.number, "0912-000-111").status_code == 403
