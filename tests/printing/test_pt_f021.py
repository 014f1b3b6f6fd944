"""PT-F021 客戶滿意度調查表 as a PDF, blank and filled, read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from careloop.surveys.models import Survey, SurveyKind
from careloop.surveys.services import survey_answer
from careloop.surveys.tokens import nonce_new
from tests.complaints.conftest import make_complaint  # noqa: F401  (shared fixture)
from tests.factories import CustomerFactory
from tests.printing.conftest import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("poppler")]

HEADER = (
    "文件編號",
    "版本",
    "標題",
    "頁碼",
    "PT-F021",
    "客戶滿意度調查表",
    "擬制部門：客戶服務部",
    "批准：總院長",
    "制定日期：2024年6月1日",
    "實施日期：2024年6月1日",
)


@pytest.fixture
def complaint_survey(make_complaint, cs_a, branch_a):  # noqa: F811
    """The survey sent to 林美玲 about her case at branch A, waiting for her answer."""
    customer = CustomerFactory(branch=branch_a, name="林美玲", created_by=cs_a)
    complaint = make_complaint(customer=customer, criteria=["b_staff"])
    now = timezone.now()
    return Survey.objects.create(
        kind=SurveyKind.COMPLAINT_RESOLVED,
        branch=branch_a,
        complaint=complaint,
        customer=customer,
        recipient_name="林美玲",
        channel="sms",
        recipient="+886912000111",
        nonce=nonce_new(),
        sent_by=cs_a,
        sent_at=now,
        expires_at=now + dt.timedelta(days=30),
    )


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _get_pdf(client, url: str, **params) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_blank_form_carries_the_header_and_every_question(client, front_desk):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, reverse("surveys:pt_f021_blank")))
    squeezed = _squeezed(text)
    for field in HEADER:
        assert _squeezed(field) in squeezed, field
    assert "整體而言，您對這次的服務" in squeezed
    assert "您有多大可能向親友推薦我們" in squeezed
    assert "哪些地方我們做得好" in squeezed
    assert "哪些地方需要改進" in squeezed
    # nothing is ticked on paper meant for a pen
    assert "■" not in text
    assert "□ 客訴處理後" in text and "□ 療程完成後" in text
    assert "空白表單" in text


def test_blank_form_in_roc_years(client, front_desk):
    client.force_login(front_desk)
    text = pdf_text(_get_pdf(client, reverse("surveys:pt_f021_blank"), roc="1"))
    assert "制定日期：民國113年6月1日" in _squeezed(text)


def test_filled_form_prints_the_answer(client, complaint_survey, cs_a):
    survey_answer(
        survey=complaint_survey,
        values={
            "satisfaction": 7,
            "recommend": 9,
            "went_well": "說明清楚",
            "to_improve": "等候太久",
        },
    )
    client.force_login(cs_a)
    text = pdf_text(_get_pdf(client, reverse("surveys:pt_f021", args=[complaint_survey.pk])))
    squeezed = _squeezed(text)
    for field in HEADER:
        assert _squeezed(field) in squeezed, field
    assert "林美玲" in text
    assert complaint_survey.customer.number in text
    assert complaint_survey.complaint.number in text
    assert "■ 客訴處理後" in text
    # exactly the two chosen boxes are ticked: 7 on the first scale, 9 on the second
    assert re.findall(r"■\s*(\d+)", text) == ["7", "9"]
    assert "說明清楚" in text
    assert "等候太久" in text
    assert "已回覆" in text
    assert "QR" not in text


def test_unanswered_survey_prints_with_its_qr_code(client, complaint_survey, cs_a):
    client.force_login(cs_a)
    pdf = _get_pdf(client, reverse("surveys:pt_f021", args=[complaint_survey.pk]))
    text = pdf_text(pdf)
    assert "掃描 QR Code 線上填寫" in text
    assert "待回覆" in text
    assert "■" not in text.replace("■ 客訴處理後", "")


def test_branch_b_cannot_print_a_branch_a_survey(client, complaint_survey, therapist_b):
    client.force_login(therapist_b)
    response = client.get(reverse("surveys:pt_f021", args=[complaint_survey.pk]))
    assert response.status_code == 404
    assert Survey.objects.count() == 1
