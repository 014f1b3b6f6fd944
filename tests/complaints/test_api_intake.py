"""The complaint API, intake and deadlines: POST /complaints and GET /calendar/deadlines.

The §3.3 examples of domain.md go through both endpoints, so a client previewing a deadline
and the case it then records agree to the second.
"""

from __future__ import annotations

import pytest
from django.test import Client

from careloop.accounts.services import api_token_create
from careloop.complaints.models import Complaint, GradeChange
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON = "application/json"


class ApiClient:
    """Calls the API with one user's personal token (shared by the test_api_* modules)."""

    def __init__(self, user):
        _token, key = api_token_create(user=user, name="pytest")
        self.client = Client(headers={"authorization": f"Bearer {key}"})

    def get(self, path, params=None):
        return self.client.get(API + path, params or {})

    def post(self, path, payload=None):
        return self.client.post(API + path, payload or {}, content_type=JSON)

    def patch(self, path, payload):
        return self.client.patch(API + path, payload, content_type=JSON)

    def put(self, path, payload):
        return self.client.put(API + path, payload, content_type=JSON)

    def delete(self, path):
        return self.client.delete(API + path)

    def raw(self, method, path, body, content_type=JSON):
        return getattr(self.client, method)(API + path, body, content_type=content_type)

    def upload(self, path, data):
        """multipart/form-data, as a browser or `curl -F` sends it."""
        return self.client.post(API + path, data)


B_CASE = {
    "complainant_name": "林美玲",
    "complainant_phone": "0912-000-111",
    "channel": "phone",
    "received_at": "2026-02-13T16:00+08:00",
    "description": "治療師遲到二十分鐘，也沒有事先通知。",
    "expected_resolution": "希望補一堂課。",
    "criteria": ["b_staff"],
    "departments": ["physiotherapy"],
}
A_CASE = {
    **B_CASE,
    "received_at": "2025-02-06T10:00+08:00",
    "description": "電療後皮膚起水泡。",
    "criteria": ["a_safety"],
    "nature": "safety",
}


@pytest.fixture
def administrator(branch_a):
    return UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


# --- §3.3 through the preview ----------------------------------------------------------


def test_a_description_past_the_limit_is_refused_beside_it(api_cs, branch_a):
    response = api_cs.post("/complaints", {**B_CASE, "description": "遲" * 5001})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"]["description"] == ["內容最多 5000 字（目前 5001 字）。"]
    assert not Complaint.objects.exists()


def test_preview_of_a_b_case_received_on_friday_afternoon(api_cs, branch_a):
    # when a B case received 2026-02-13 16:00 (Friday before Lunar New Year) is previewed
    response = api_cs.get(
        "/calendar/deadlines",
        {"received_at": "2026-02-13T16:00+08:00", "grade": "B", "branch": branch_a.pk},
    )
    # then it starts within 48 calendar hours and is resolved by the end of the 5th working day
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start_due"] == "2026-02-15T16:00:00+08:00"
    assert body["resolution_due"] == "2026-03-02T23:59:59+08:00"
    assert body["record_due"] == "2026-02-14T16:00:00+08:00"
    assert body["first_response_due"] is None
    assert (body["grade"], body["branch"]["code"]) == ("B", "taipei")


def test_preview_of_an_a_case_counts_the_makeup_saturday(api_cs, branch_a):
    # when an A case received Thursday 2025-02-06 10:00 is previewed by branch code, the grade
    # following from the ticked criterion, on an online channel
    response = api_cs.get(
        "/calendar/deadlines",
        {
            "received_at": "2025-02-06T10:00+08:00",
            "branch": "taipei",
            "criteria": "a_safety",
            "channel": "email",
        },
    )
    # then 2025-02-08 (補行上班日) counts: resolved by the end of Monday 2025-02-10
    body = response.json()
    assert (body["grade"], body["suggested_grade"]) == ("A", "A")
    assert body["start_due"] == "2025-02-07T10:00:00+08:00"
    assert body["resolution_due"] == "2025-02-10T23:59:59+08:00"
    # and a safety complaint online is answered within 2 hours (domain.md §5)
    assert body["first_response_due"] == "2025-02-06T12:00:00+08:00"


def test_preview_reads_a_plus_sign_left_unencoded(api_cs, branch_a):
    # given a query string typed by hand, where "+08:00" arrives as " 08:00"
    url = f"{API}/calendar/deadlines?received_at=2026-02-13T16:00+08:00&grade=B&branch=taipei"
    response = api_cs.client.get(url)
    # then the offset is still read
    assert response.json()["start_due"] == "2026-02-15T16:00:00+08:00"


def test_preview_refuses_bad_input_naming_each_field(api_cs, branch_b):
    response = api_cs.get(
        "/calendar/deadlines",
        {"received_at": "yesterday", "grade": "D", "channel": "fax", "criteria": "x_unknown"},
    )
    errors = errors_of(response)
    assert errors["branch"] == ["請選擇院所。"]
    assert errors["grade"] == ["投訴等級須為 A、B 或 C。"]
    assert errors["channel"] == ["投訴渠道代碼不正確：fax。"]
    assert errors["criteria"] == ["評估標準代碼不正確：x_unknown"]
    assert "received_at" in errors
    assert "branch" in errors_of(api_cs.get("/calendar/deadlines", {"branch": "nowhere"}))
    # and a branch the user may not see is refused
    response = api_cs.get("/calendar/deadlines", {"branch": branch_b.pk, "grade": "B"})
    assert response.status_code == 403


# --- §3.3 through intake ----------------------------------------------------------------


def test_intake_of_the_b_example_answers_number_grade_and_deadlines(api_cs, cs_a):
    # when customer service records the B example by phone
    response = api_cs.post("/complaints", {**B_CASE, "owner": "cs_a", "nature": "staff_attitude"})
    # then it answers 201 with the number, both grades, the deadlines in Taipei time
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "20260213-001"
    assert (body["suggested_grade"], body["grade"], body["grade_label"]) == (
        "B",
        "B",
        "B 級（中度）",
    )
    assert body["start_due"] == "2026-02-15T16:00:00+08:00"
    assert body["resolution_due"] == "2026-03-02T23:59:59+08:00"
    assert body["record_due"] == "2026-02-14T16:00:00+08:00"
    assert body["first_response_due"] is None
    assert body["received_at"] == "2026-02-13T16:00:00+08:00"
    # and, recorded months after receipt, the late-record flag (5.1.3)
    assert body["is_record_late"] is True
    assert body["branch"]["code"] == "taipei"  # the recorder's branch by default
    assert body["complainant_phone"] == "+886912000111"
    assert body["complainant_phone_display"] == "0912-000-111"
    assert [d["code"] for d in body["departments"]] == ["physiotherapy"]
    assert body["nature"]["name"] == "人員態度"
    assert (body["owner"]["username"], body["received_by"]["username"]) == ("cs_a", "cs_a")
    assert (body["state"], body["state_label"]) == ("received", "已接收")
    complaint = Complaint.objects.get(number="20260213-001")
    assert complaint.received_by == cs_a


def test_intake_of_the_a_example(api_cs):
    response = api_cs.post("/complaints", A_CASE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["grade"]) == ("20250206-001", "A")
    assert body["start_due"] == "2025-02-07T10:00:00+08:00"
    assert body["resolution_due"] == "2025-02-10T23:59:59+08:00"


def test_a_lower_grade_than_suggested_needs_a_reason(api_cs):
    # when the A criterion is ticked but C chosen without a reason
    response = api_cs.post("/complaints", {**A_CASE, "grade": "C"})
    # then it is refused beside the reason field
    assert errors_of(response) == {"grade_reason": ["選擇與建議等級不同的等級時，請說明理由。"]}
    # and with a reason it is recorded as C, the suggestion kept
    response = api_cs.post("/complaints", {**A_CASE, "grade": "c", "grade_reason": "誤會已澄清"})
    body = response.json()
    assert (body["suggested_grade"], body["grade"], body["grade_reason"]) == (
        "A",
        "C",
        "誤會已澄清",
    )
    change = GradeChange.objects.get(complaint__number=body["number"])
    assert (change.to_grade, change.reason) == ("C", "誤會已澄清")


def test_typhoon_closure_moves_branch_a_deadlines_only(
    administrator, api_cs, branch_a, branch_b, therapist_b
):
    # given a typhoon day on Monday 2026-02-23 for branch A, set through the calendar API
    closure = ApiClient(administrator).post(
        "/calendar/closures",
        {"date": "2026-02-23", "kind": "typhoon", "reason": "颱風停止上班", "branch": branch_a.pk},
    )
    assert closure.status_code == 201, closure.content
    # when the B example is previewed and recorded at branch A
    preview = api_cs.get(
        "/calendar/deadlines",
        {"received_at": "2026-02-13T16:00+08:00", "grade": "B", "branch": branch_a.pk},
    ).json()
    recorded = api_cs.post("/complaints", B_CASE).json()
    # then the resolution moves one working day, to the end of 2026-03-03
    assert preview["resolution_due"] == "2026-03-03T23:59:59+08:00"
    assert recorded["resolution_due"] == "2026-03-03T23:59:59+08:00"
    # and the start, counted in hours, does not move
    assert recorded["start_due"] == "2026-02-15T16:00:00+08:00"
    # when the same case is recorded at branch B
    at_b = ApiClient(therapist_b).post("/complaints", {**B_CASE, "branch": "taoyuan"})
    # then branch B's deadline is not moved
    assert at_b.status_code == 201, at_b.content
    assert at_b.json()["resolution_due"] == "2026-03-02T23:59:59+08:00"
    assert at_b.json()["number"] == "20260213-002"


def test_online_channel_gets_a_first_response_deadline(api_cs):
    body = api_cs.post("/complaints", {**B_CASE, "channel": "email"}).json()
    # domain.md §5: b_staff is neither urgent nor high, so 24 hours
    assert body["first_response_due"] == "2026-02-14T16:00:00+08:00"


def test_intake_from_an_existing_customer_fills_the_complainant(api_cs, branch_a, cs_a):
    customer = CustomerFactory(
        number="C0000042", name="陳大文", phone="+886933444555", branch=branch_a, created_by=cs_a
    )
    payload = {k: v for k, v in B_CASE.items() if not k.startswith("complainant")}
    body = api_cs.post("/complaints", {**payload, "customer": customer.number}).json()
    assert body["customer"] == {"number": "C0000042", "name": "陳大文"}
    assert (body["complainant_name"], body["complainant_phone"]) == ("陳大文", "+886933444555")


# --- refusals -----------------------------------------------------------------------------


def test_unknown_codes_are_422_naming_each_field(api_cs, branch_b, therapist_b):
    customer_b = CustomerFactory(branch=branch_b, created_by=therapist_b)
    response = api_cs.post(
        "/complaints",
        {
            **B_CASE,
            "branch": "nowhere",
            "channel": "fax",
            "criteria": ["b_staff", "z_unknown"],
            "nature": "weather",
            "departments": ["physiotherapy", "kitchen"],
            "owner": "ghost",
            "grade": "D",
            "received_at": "13/02/2026",
            "complainant_phone": "12",
            "customer": customer_b.number,
        },
    )
    errors = errors_of(response)
    assert errors["branch"] == ["找不到此院所：nowhere。"]
    assert errors["channel"] == ["投訴渠道代碼不正確：fax。"]
    assert errors["criteria"] == ["評估標準代碼不正確：z_unknown"]
    assert errors["nature"] == ["找不到此投訴性質：weather。"]
    assert errors["departments"] == ["找不到此部門：kitchen。"]
    assert errors["owner"] == ["找不到此員工：ghost。"]
    assert errors["grade"] == ["投訴等級須為 A、B 或 C。"]
    assert errors["received_at"] == ["時間格式不正確，請用 ISO 8601，例如 2026-02-13T16:00+08:00。"]
    assert errors["complainant_phone"] == [
        "電話號碼格式不正確，請輸入如 0912-345-678 或 (02)2345-6789。"
    ]
    # a customer of another branch cannot be told from one that does not exist
    assert errors["customer"] == [f"找不到此客戶編號：{customer_b.number}。"]
    assert not Complaint.objects.exists()


def test_the_models_rules_answer_422_in_zh_hant(api_cs):
    future = api_cs.post("/complaints", {**B_CASE, "received_at": "2099-01-01T09:00"})
    assert errors_of(future)["received_at"] == ["接收時間不可晚於現在。"]
    government = api_cs.post("/complaints", {**B_CASE, "channel": "government"})
    assert errors_of(government)["third_party"] == ["經由第三方轉來的投訴，請填寫第三方單位名稱。"]
    anonymous = api_cs.post("/complaints", {**B_CASE, "complainant_phone": ""})
    assert errors_of(anonymous)["complainant_phone"] == [
        "請至少留下一種聯絡方式（電話、電子郵件或 LINE）。"
    ]
    missing = api_cs.post("/complaints", {"complainant_phone": "0912000111"})
    assert errors_of(missing)["channel"] == ["請選擇投訴渠道。"]
    ancient = api_cs.post("/complaints", {**B_CASE, "received_at": "1899-02-13T16:00"})
    assert errors_of(ancient)["received_at"] == ["時間須介於 2000 年與 2099 年之間。"]
    assert not Complaint.objects.exists()


def test_wrong_types_and_malformed_json_never_500(api_cs):
    # a string where a list is expected, a number where text is, a field that does not exist
    response = api_cs.post(
        "/complaints", {**B_CASE, "criteria": 5, "description": 123, "colour": "red"}
    )
    errors = errors_of(response)
    assert set(errors) == {"criteria", "description", "colour"}
    assert errors["description"] == ["請輸入文字。"]
    assert errors["colour"] == ["不接受此欄位。"]
    # a body that is not JSON at all
    response = api_cs.raw("post", "/complaints", "{not json")
    assert response.status_code == 400
    assert response.json()["detail"]
    # a JSON list instead of an object
    assert api_cs.raw("post", "/complaints", "[1, 2]").status_code == 422
    assert not Complaint.objects.exists()


def test_who_may_record(administrator, front_desk, branch_b):
    # the system administrator sees cases but does not take complaints
    response = ApiClient(administrator).post("/complaints", B_CASE)
    assert response.status_code == 403
    # the front desk does (any care role receives complaints, 5.1)
    desk = ApiClient(front_desk)
    assert desk.post("/complaints", B_CASE).status_code == 201
    # but not for a branch outside their own
    response = desk.post("/complaints", {**B_CASE, "branch": branch_b.pk})
    assert response.status_code == 403
    assert response.json()["detail"] == "您沒有此院所的權限。"
    # and without credentials nothing is answered
    assert Client().post(f"{API}/complaints", B_CASE, content_type=JSON).status_code == 401


# --- references ---------------------------------------------------------------------------


def test_criteria_and_natures(api_cs):
    criteria = api_cs.get("/complaints/criteria").json()
    assert len(criteria) == 18
    assert criteria[0] == {"code": "a_safety", "grade": "A", "text": "涉及人身安全或健康風險"}
    assert {c["grade"] for c in criteria} == {"A", "B", "C"}
    natures = api_cs.get("/complaints/natures").json()
    assert [n["code"] for n in natures][:2] == ["service_quality", "staff_attitude"]
    assert natures[0]["name"] == "服務質量"
