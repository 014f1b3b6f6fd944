"""/api/v1/surveys, /api/v1/surveys/nps and POST /api/v1/complaints/{number}/surveys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from careloop.complaints.models import State
from careloop.messaging.models import OutboundMessage
from careloop.surveys.models import Survey
from careloop.surveys.services import survey_answer
from tests.complaints.test_core_workflow import advance
from tests.surveys.conftest import ApiClient, expire

pytestmark = pytest.mark.django_db

ANSWER = {"satisfaction": 9, "recommend": 10, "went_well": "處理很迅速", "to_improve": ""}


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_list_gives_the_survey_with_its_answer(complaint_survey, cs_a):
    survey_answer(survey=complaint_survey, values=ANSWER)
    body = ok(ApiClient(cs_a).get("/surveys"))
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == complaint_survey.pk
    assert item["kind"] == "complaint_resolved"
    assert item["kind_label"] == "客訴處理後"
    assert item["status"] == "answered"
    assert item["complaint_number"] == complaint_survey.complaint.number
    assert item["customer"]["name"] == "林美玲"
    assert item["answer"]["satisfaction"] == 9
    assert item["answer"]["nps_group"] == "promoter"
    assert item["sent_at"].endswith("+08:00")


def test_list_filters_and_branch_scope(complaint_survey, cs_a, therapist_b):
    api = ApiClient(cs_a)
    assert ok(api.get("/surveys", {"status": "sent"}))["count"] == 1
    assert ok(api.get("/surveys", {"status": "answered"}))["count"] == 0
    assert ok(api.get("/surveys", {"kind": "package_completed"}))["count"] == 0
    assert ok(api.get("/surveys", {"branch": "taipei"}))["count"] == 1
    month = timezone.localtime(complaint_survey.sent_at)
    assert ok(api.get("/surveys", {"month": f"{month:%Y-%m}"}))["count"] == 1
    # branch B sees none of branch A's, and cannot ask for branch A
    api_b = ApiClient(therapist_b)
    assert ok(api_b.get("/surveys"))["count"] == 0
    refused = api_b.get("/surveys", {"branch": "taipei"})
    assert refused.status_code == 422
    assert refused.json()["errors"]["branch"] == ["找不到此院所：taipei。"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": "2026-3x"}, "month"),
        ({"month": "2026-13"}, "month"),
        ({"kind": "birthday"}, "kind"),
        ({"status": "lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_list_bad_filters_answer_422_in_chinese(complaint_survey, cs_a, params, field):
    response = ApiClient(cs_a).get("/surveys", params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "輸入資料有誤。"
    assert field in body["errors"]


def test_nps_with_branch_and_dates(complaint_survey, cs_a):
    survey_answer(survey=complaint_survey, values=ANSWER)
    today = timezone.localdate()
    body = ok(
        ApiClient(cs_a).get(
            "/surveys/nps", {"branch": "taipei", "from": f"{today}", "to": f"{today}"}
        )
    )
    assert body["nps"] == 100
    assert (body["responses"], body["promoters"], body["detractors"]) == (1, 1, 0)
    assert body["by_branch_month"] == [
        {
            "branch": {"id": complaint_survey.branch_id, "code": "taipei", "name": "台北總院"},
            "month": f"{today:%Y-%m}",
            "nps": 100,
            "responses": 1,
            "promoters": 1,
            "passives": 0,
            "detractors": 0,
        }
    ]
    # a range that excludes the answer: no score, not zero
    yesterday = today - dt.timedelta(days=1)
    empty = ok(ApiClient(cs_a).get("/surveys/nps", {"to": f"{yesterday}"}))
    assert (empty["nps"], empty["responses"]) == (None, 0)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"branch": "nowhere"}, "branch"),
    ],
)
def test_nps_bad_input_answers_422(cs_a, params, field):
    response = ApiClient(cs_a).get("/surveys/nps", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_nps_of_branch_b_does_not_count_branch_a(complaint_survey, therapist_b):
    survey_answer(survey=complaint_survey, values=ANSWER)
    assert ok(ApiClient(therapist_b).get("/surveys/nps"))["responses"] == 0


def test_send_now_creates_then_refuses_a_double_click(
    make_complaint, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    case = make_complaint(criteria=["b_staff"], owner=cs_a)
    complaint = advance(case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    api = ApiClient(cs_a)
    with django_capture_on_commit_callbacks(execute=True):
        body = ok(api.post(f"/complaints/{complaint.number}/surveys"), 201)
    assert body["status"] == "sent"
    assert body["channel"] == "sms"
    assert body["customer"] is None
    assert OutboundMessage.objects.filter(key=f"survey:{body['id']}").count() == 1
    again = api.post(f"/complaints/{complaint.number}/surveys")
    assert again.status_code == 409
    assert "10 分鐘" in again.json()["detail"]


def test_send_now_renews_an_expired_link(complaint_survey, cs_a):
    expire(complaint_survey)
    Survey.objects.filter(pk=complaint_survey.pk).update(
        last_sent_at=timezone.now() - dt.timedelta(days=31)
    )
    body = ok(ApiClient(cs_a).post(f"/complaints/{complaint_survey.complaint.number}/surveys"))
    assert body["id"] == complaint_survey.pk
    assert body["status"] == "sent"
    assert body["send_count"] == 2


def test_send_now_refusals(complaint_survey, cs_a, therapist_a, therapist_b):
    # an answered survey: 409
    survey_answer(survey=complaint_survey, values=ANSWER)
    number = complaint_survey.complaint.number
    answered = ApiClient(cs_a).post(f"/complaints/{number}/surveys")
    assert answered.status_code == 409
    assert answered.json()["detail"] == "客戶已回覆此問卷，不需再寄送。"
    # staff who do not handle the case: 403; another branch: 404
    assert ApiClient(therapist_a).post(f"/complaints/{number}/surveys").status_code == 403
    not_found = ApiClient(therapist_b).post(f"/complaints/{number}/surveys")
    assert not_found.status_code == 404
    assert not_found.json()["detail"] == "找不到此客訴案件。"


def test_send_now_for_a_case_still_investigating_is_409(make_complaint, cs_a):
    case = make_complaint(criteria=["b_staff"], owner=cs_a)
    response = ApiClient(cs_a).post(f"/complaints/{case.number}/surveys")
    assert response.status_code == 409
    assert "後續跟進" in response.json()["detail"]
    assert not Survey.objects.exists()


def test_send_now_without_a_mobile_or_email_is_422(make_complaint, cs_a, pt_head_a):
    case = make_complaint(criteria=["b_staff"], owner=cs_a, complainant_phone="+886223456789")
    complaint = advance(case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    response = ApiClient(cs_a).post(f"/complaints/{complaint.number}/surveys")
    assert response.status_code == 422
    assert "沒有手機號碼或電子郵件" in response.json()["errors"]["channel"][0]
