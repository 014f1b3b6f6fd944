"""The complaint API, writing: the workflow, its sub-resources and every refusal as 409/422."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from careloop.complaints.models import ActionItem, Approval, Complaint, Evidence, State
from tests.complaints.test_api_intake import B_CASE, ApiClient
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PLAN = {"scope": "遲到經過", "people": "治療師、櫃台", "timeline": "兩天"}
REPORT = {
    "facts": "前一位客人延誤",
    "root_cause": "排程過滿",
    "responsibility": "排程",
    "recommendation": "補課",
}
SOLUTION = {"immediate_remedy": "補一堂", "prevention": "排程留緩衝", "cost": 1200}


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


@pytest.fixture
def api_pt_head(pt_head_a):
    return ApiClient(pt_head_a)


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def refused(response) -> list[str]:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["detail"] == body["reasons"][0]
    return body["reasons"]


def intake(api, **overrides) -> str:
    payload = {**B_CASE, "owner": "cs_a", "nature": "staff_attitude", **overrides}
    return ok(api.post("/complaints", payload), 201)["number"]


def to_review(api, number: str) -> None:
    """Plan, investigate, report, propose: the case waits for its approval (5.4.2)."""
    ok(api.put(f"/complaints/{number}/investigation", PLAN))
    ok(api.post(f"/complaints/{number}/transitions", {"to": "investigating"}))
    ok(api.put(f"/complaints/{number}/investigation", {**PLAN, **REPORT}))
    ok(api.put(f"/complaints/{number}/solution", SOLUTION))
    body = ok(api.post(f"/complaints/{number}/transitions", {"to": "solution_review"}))
    assert body["state"] == "solution_review"


# --- a B case from intake to archive -----------------------------------------------------


def test_a_b_case_from_intake_to_archive(api_cs, api_pt_head):
    # given a B case recorded by customer service, owned by them
    number = intake(api_cs)
    assert number == "20260213-001"
    # when the investigation plan is written, the investigation starts
    plan = ok(api_cs.put(f"/complaints/{number}/investigation", PLAN))
    assert (plan["saved"], plan["scope"], plan["facts"]) == (True, "遲到經過", "")
    case = ok(api_cs.post(f"/complaints/{number}/transitions", {"to": "investigating"}))
    assert (case["state"], case["state_label"]) == ("investigating", "調查中")
    assert case["started_at"] is not None
    # then the report and the solution are written and submitted
    ok(api_cs.put(f"/complaints/{number}/investigation", {**PLAN, **REPORT}))
    solution = ok(api_cs.put(f"/complaints/{number}/solution", SOLUTION))
    assert (solution["cost"], solution["updated_by"]["username"]) == (1200, "cs_a")
    ok(api_cs.post(f"/complaints/{number}/transitions", {"to": "solution_review"}))
    # customer service may not approve their own solution (5.4.2)
    reasons = refused(api_cs.post(f"/complaints/{number}/approvals", {"decision": "approved"}))
    assert reasons == ["PT-P020 5.4.2：B／C級投訴的解決方案須由負責部門的主管或以上審核。"]
    # the physiotherapy head, the responsible department's, approves
    result = ok(
        api_pt_head.post(
            f"/complaints/{number}/approvals", {"decision": "approved", "comment": "同意"}
        )
    )
    assert result["complaint"]["state"] == "executing"
    assert (result["approval"]["decision_label"], result["approval"]["comment"]) == ("核准", "同意")
    # an action item, then the customer is told and accepts
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    item = ok(
        api_cs.post(
            f"/complaints/{number}/action-items",
            {"description": "補課一堂", "owner": "cs_a", "due_date": due},
        ),
        201,
    )
    assert (item["done"], item["owner"]["username"], item["due_date"]) == (False, "cs_a", due)
    ok(api_cs.post(f"/complaints/{number}/transitions", {"to": "communicating"}))
    talk = ok(
        api_cs.post(
            f"/complaints/{number}/communications",
            {
                "channel": "phone",
                "content": "說明調查結果與補課方案",
                "is_solution": True,
                "customer_response": "accepted",
            },
        ),
        201,
    )
    assert (talk["customer_response_label"], talk["by"]["username"]) == ("接受方案", "cs_a")
    case = ok(api_cs.post(f"/complaints/{number}/transitions", {"to": "follow_up"}))
    assert case["customer_accepted"] is True and case["follow_up_due"] is not None
    record = ok(
        api_cs.put(
            f"/complaints/{number}/closing-record",
            {"summary": "治療師遲到，已補課", "satisfaction_score": 8},
        )
    )
    assert record["satisfaction_score"] == 8
    # when the head signs off with the action item still open
    reasons = refused(api_pt_head.post(f"/complaints/{number}/transitions", {"to": "closed"}))
    # then the case stays open, citing 5.6.2
    assert "PT-P020 5.6.2：尚有 1 項行動項目未完成" in reasons
    assert Complaint.objects.get(number=number).state == State.FOLLOW_UP
    # when the item is done, the case closes
    done = ok(api_cs.patch(f"/complaints/{number}/action-items/{item['id']}", {"done": True}))
    assert done["done"] is True and done["done_by"]["username"] == "cs_a"
    case = ok(api_pt_head.post(f"/complaints/{number}/transitions", {"to": "closed"}))
    assert (case["state"], case["closed_by"]["username"]) == ("closed", "pt_head_a")
    # kept three years from the moment it closed (5.6.3; a 29 February closing to 1 March)
    closed_at = dt.datetime.fromisoformat(case["closed_at"])
    three_years = closed_at + relativedelta(years=3)
    until = dt.datetime.fromisoformat(case["retention_until"])
    assert three_years <= until <= three_years + dt.timedelta(days=1)
    # then it can be neither edited nor deleted (5.6.3)
    reasons = refused(api_cs.patch(f"/complaints/{number}", {"description": "改寫"}))
    assert reasons[0].startswith("PT-P020 5.6.3：")
    assert api_cs.delete(f"/complaints/{number}").status_code == 405
    # and the head archives it
    case = ok(api_pt_head.post(f"/complaints/{number}/transitions", {"to": "archived"}))
    assert case["state"] == "archived"
    transitions = ok(api_cs.get(f"/complaints/{number}/transitions"))
    assert [t["to_state"] for t in transitions] == [
        "investigating",
        "solution_review",
        "executing",
        "communicating",
        "follow_up",
        "closed",
        "archived",
    ]
    page = ok(api_cs.get(f"/complaints/{number}"))
    assert page["open_action_items"] == 0
    assert {m["standing"] for m in page["milestones"]} == {"done"}
    assert page["moves"] == []


def test_a_closed_case_refuses_every_edit_citing_5_6_3(api_cs, api_pt_head):
    # given a case closed (its row set as the workflow leaves it)
    number = intake(api_cs)
    Complaint.objects.filter(number=number).update(state=State.CLOSED)
    path = f"/complaints/{number}"
    # then every write answers 409 citing 5.6.3, and nothing changes
    attempts = [
        api_cs.patch(path, {"description": "改寫"}),
        api_cs.post(f"{path}/grade", {"criteria": ["a_safety"], "reason": "升級"}),
        api_cs.post(f"{path}/assignment", {"owner": None}),
        api_cs.post(f"{path}/customer", {}),
        api_cs.put(f"{path}/investigation", PLAN),
        api_cs.put(f"{path}/solution", SOLUTION),
        api_pt_head.post(f"{path}/approvals", {"decision": "approved"}),
        api_cs.post(f"{path}/action-items", {"description": "x", "due_date": "2026-12-01"}),
        api_cs.post(f"{path}/communications", {"channel": "phone", "content": "x"}),
        api_cs.put(f"{path}/closing-record", {"summary": "x"}),
        api_cs.upload(f"{path}/evidence", {"title": "x", "notes": "x"}),
    ]
    for response in attempts:
        assert refused(response)[0].startswith("PT-P020 5.6.3："), response.request["PATH_INFO"]
    assert Complaint.objects.get(number=number).description == B_CASE["description"]
    # reopening needs a supervisor and a reason
    reasons = refused(api_pt_head.post(f"{path}/transitions", {"to": "investigating"}))
    assert reasons == ["PT-P020 5.6.3：重新開啟案件時請說明理由。"]
    case = ok(
        api_pt_head.post(f"{path}/transitions", {"to": "investigating", "reason": "客戶再反映"})
    )
    assert case["state"] == "investigating"


# --- approval by grade -------------------------------------------------------------------


def test_an_a_solution_is_approved_by_senior_management_only(api_cs, api_pt_head, senior):
    number = intake(api_cs, criteria=["a_safety"])
    to_review(api_cs, number)
    # the responsible department's head may not approve an A case
    reasons = refused(api_pt_head.post(f"/complaints/{number}/approvals", {"decision": "approved"}))
    assert reasons == ["PT-P020 5.4.2：A級投訴的解決方案須由高級管理層審核批准。"]
    # senior management may
    result = ok(ApiClient(senior).post(f"/complaints/{number}/approvals", {"decision": "approved"}))
    assert result["complaint"]["state"] == "executing"
    assert (result["approval"]["grade"], result["approval"]["by"]["username"]) == ("A", "ceo")
    listed = ok(api_cs.get(f"/complaints/{number}/approvals"))
    assert [a["decision"] for a in listed] == ["approved"]


def test_a_rejection_needs_a_reason_and_reopens_the_investigation(api_cs, api_pt_head):
    number = intake(api_cs)
    to_review(api_cs, number)
    reasons = refused(api_pt_head.post(f"/complaints/{number}/approvals", {"decision": "rejected"}))
    assert reasons == ["PT-P020 5.4.2：退回方案時請說明理由。"]
    result = ok(
        api_pt_head.post(
            f"/complaints/{number}/approvals", {"decision": "rejected", "reason": "補課不足"}
        )
    )
    assert result["complaint"]["state"] == "investigating"
    assert result["approval"]["comment"] == "補課不足"
    response = api_pt_head.post(f"/complaints/{number}/approvals", {"decision": "maybe"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"decision": ["審核結果須為 approved 或 rejected。"]}
    assert Approval.objects.filter(complaint__number=number).count() == 1


# --- transitions: bad input ----------------------------------------------------------------


def test_transition_input_is_checked(api_cs):
    number = intake(api_cs)
    path = f"/complaints/{number}/transitions"
    unknown = api_cs.post(path, {"to": "done"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"to": ["處理階段代碼不正確：done。"]}
    assert "to" in api_cs.post(path, {}).json()["errors"]
    assert api_cs.post(path, {"to": ["closed"]}).status_code == 422
    score = api_cs.post(path, {"to": "closed", "satisfaction_score": 11})
    assert score.json()["errors"] == {"satisfaction_score": ["數值太大。"]}
    assert api_cs.post(path, {"to": "closed", "satisfaction_score": "ten"}).status_code == 422
    assert api_cs.raw("post", path, '{"to": "investigating"').status_code == 400
    # a state that exists but is not the next one is the workflow's answer
    reasons = refused(api_cs.post(path, {"to": "closed"}))
    assert reasons == ["PT-P020 5.1：案件目前為「已接收」，不能直接改為「已結案」。"]
    # the guard lists every missing condition at once
    reasons = refused(api_cs.post(path, {"to": "investigating"}))
    assert reasons == ["PT-P020 5.3.1：請先填寫調查計劃（範圍、人員、時間表）。"]
    assert Complaint.objects.get(number=number).state == State.RECEIVED


def test_only_handlers_may_work_a_case(therapist_a, api_cs):
    number = intake(api_cs)
    response = ApiClient(therapist_a).put(f"/complaints/{number}/investigation", PLAN)
    assert refused(response) == ["PT-P020 4.1：只有客戶服務部、主管或本案負責人可以處理此案件。"]


# --- corrections, grade, assignment, customer ----------------------------------------------


def test_intake_corrections_change_only_what_is_sent(api_cs):
    number = intake(api_cs)
    case = ok(
        api_cs.patch(
            f"/complaints/{number}",
            {"channel": "email", "complainant_phone": "(02)2345-6789", "departments": ["sales"]},
        )
    )
    assert (case["channel"], case["channel_label"]) == ("email", "電子郵件")
    assert case["complainant_phone"] == "+886223456789"
    assert [d["code"] for d in case["departments"]] == ["sales"]
    assert case["description"] == B_CASE["description"]
    # the branch and the time of receipt are not corrections
    response = api_cs.patch(f"/complaints/{number}", {"branch": "taoyuan", "received_at": "x"})
    assert set(response.json()["errors"]) == {"branch", "received_at"}
    response = api_cs.patch(f"/complaints/{number}", {"channel": "pigeon", "nature": "x"})
    assert set(response.json()["errors"]) == {"channel", "nature"}
    response = api_cs.patch(f"/complaints/{number}", {"complainant_email": "not-an-address"})
    assert response.status_code == 422 and "complainant_email" in response.json()["errors"]


def test_regrade_recomputes_deadlines_and_needs_a_reason(api_cs):
    number = intake(api_cs)
    response = api_cs.post(f"/complaints/{number}/grade", {"criteria": ["a_safety"]})
    assert response.json()["errors"] == {"grade_reason": ["調整投訴等級時請說明理由。"]}
    case = ok(
        api_cs.post(f"/complaints/{number}/grade", {"criteria": ["a_safety"], "reason": "有燙傷"})
    )
    assert (case["grade"], case["suggested_grade"]) == ("A", "A")
    assert case["start_due"] == "2026-02-14T16:00:00+08:00"
    assert case["resolution_due"] == "2026-02-25T23:59:59+08:00"
    history = ok(api_cs.get(f"/complaints/{number}"))["grade_history"]
    assert [(g["from_grade"], g["to_grade"], g["reason"]) for g in history] == [
        ("", "B", ""),
        ("B", "A", "有燙傷"),
    ]
    assert (
        "criteria"
        in api_cs.post(f"/complaints/{number}/grade", {"criteria": ["x"]}).json()["errors"]
    )


def test_assignment(api_cs, dept_head_a, therapist_b):
    number = intake(api_cs)
    case = ok(
        api_cs.post(
            f"/complaints/{number}/assignment",
            {"owner": dept_head_a.pk, "departments": ["operations", "physiotherapy"]},
        )
    )
    assert case["owner"]["username"] == "head_a"
    assert {d["code"] for d in case["departments"]} == {"operations", "physiotherapy"}
    # leaving a field out keeps it
    case = ok(api_cs.post(f"/complaints/{number}/assignment", {"owner": None}))
    assert case["owner"] is None and len(case["departments"]) == 2
    # an owner who cannot see the branch, or who does not exist, is refused
    response = api_cs.post(f"/complaints/{number}/assignment", {"owner": "therapist_b"})
    assert response.json()["errors"] == {"owner": ["負責人須能存取本案所屬院所。"]}
    response = api_cs.post(f"/complaints/{number}/assignment", {"owner": "ghost"})
    assert response.json()["errors"] == {"owner": ["找不到此員工：ghost。"]}


def test_complainant_becomes_a_customer_after_the_duplicate_check(api_cs, branch_a, cs_a):
    # given a customer already on file with the complainant's phone
    CustomerFactory(number="C0000007", phone="+886912000111", branch=branch_a, created_by=cs_a)
    number = intake(api_cs)
    # when the complainant is made a customer, the likely duplicate is shown first
    response = api_cs.post(f"/complaints/{number}/customer", {})
    assert response.status_code == 409
    assert [c["number"] for c in response.json()["candidates"]] == ["C0000007"]
    # and once confirmed as a new person the customer is created and linked
    case = ok(api_cs.post(f"/complaints/{number}/customer", {"allow_duplicate": True}), 201)
    assert case["customer"]["name"] == "林美玲"
    response = api_cs.post(f"/complaints/{number}/customer", {"allow_duplicate": True})
    assert response.json()["errors"] == {"customer": ["此案件已連結客戶。"]}


# --- sub-resources: refusals by stage ------------------------------------------------------


def test_action_items_wait_for_the_approved_solution(api_cs):
    number = intake(api_cs)
    response = api_cs.post(
        f"/complaints/{number}/action-items", {"description": "補課", "due_date": "2026-12-01"}
    )
    assert refused(response) == ["PT-P020 5.5.1：解決方案核准後才能訂定行動項目。"]
    response = api_cs.post(f"/complaints/{number}/action-items", {"due_date": "12/01"})
    assert response.json()["errors"] == {"due_date": ["日期格式不正確，請用 YYYY-MM-DD。"]}
    assert api_cs.patch(f"/complaints/{number}/action-items/999", {"done": True}).status_code == (
        404
    )
    assert not ActionItem.objects.exists()


def test_solution_cannot_be_told_before_it_is_approved(api_cs):
    number = intake(api_cs)
    response = api_cs.post(
        f"/complaints/{number}/communications",
        {"channel": "phone", "content": "說明方案", "is_solution": True},
    )
    assert refused(response) == ["PT-P020 5.4.2：解決方案尚未核准，不能向客戶說明方案。"]
    # a plain contact is logged, and is the first response
    talk = ok(
        api_cs.post(
            f"/complaints/{number}/communications",
            {"channel": "phone", "content": "已收到，調查中", "occurred_at": "2026-02-13T17:00"},
        ),
        201,
    )
    assert talk["occurred_at"] == "2026-02-13T17:00:00+08:00"
    assert ok(api_cs.get(f"/complaints/{number}"))["complaint"]["first_response_at"] == (
        "2026-02-13T17:00:00+08:00"
    )
    response = api_cs.post(
        f"/complaints/{number}/communications",
        {"channel": "fax", "content": "", "customer_response": "maybe"},
    )
    assert set(response.json()["errors"]) == {"channel", "customer_response"}


def test_a_submitted_solution_is_frozen(api_cs):
    number = intake(api_cs)
    to_review(api_cs, number)
    response = api_cs.put(f"/complaints/{number}/solution", SOLUTION)
    assert refused(response) == [
        "PT-P020 5.4.2：方案已送審或核准，不可修改；如需修改請由審核人退回。"
    ]
    response = api_cs.put(f"/complaints/{number}/investigation", PLAN)
    assert refused(response)[0].startswith("PT-P020 5.3.3：")
    response = api_cs.put(f"/complaints/{number}/solution", {"cost": -1})
    assert response.status_code == 422


def test_blank_investigation_and_solution_read_as_not_saved(api_cs):
    number = intake(api_cs)
    investigation = ok(api_cs.get(f"/complaints/{number}/investigation"))
    assert (investigation["saved"], investigation["scope"], investigation["updated_by"]) == (
        False,
        "",
        None,
    )
    solution = ok(api_cs.get(f"/complaints/{number}/solution"))
    assert (solution["saved"], solution["cost"]) == (False, 0)
    response = api_cs.put(f"/complaints/{number}/solution", {"cost": 5})
    assert set(response.json()["errors"]) == {"immediate_remedy", "prevention"}


# --- evidence ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_evidence_upload_is_checked_by_its_bytes(api_cs, media):
    number = intake(api_cs)
    path = f"/complaints/{number}/evidence"
    # a photo, whatever its name says
    photo = SimpleUploadedFile("現場照片.jpg", png_bytes(), content_type="image/jpeg")
    evidence = ok(api_cs.upload(path, {"title": "候診區照片", "file": photo}), 201)
    assert (evidence["kind"], evidence["kind_label"]) == ("file", "檔案")
    assert evidence["file_name"].endswith(".png")
    download = api_cs.client.get(evidence["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()
    # a text file called .pdf is refused
    fake = SimpleUploadedFile("報告.pdf", b"just text", content_type="application/pdf")
    response = api_cs.upload(path, {"title": "報告", "file": fake})
    assert response.json()["errors"] == {
        "file": ["只接受 JPEG、PNG、PDF、Word／Excel／PowerPoint 檔或 MP3／M4A 錄音。"]
    }
    # so is a PDF over 10 MB
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    response = api_cs.upload(path, {"title": "大檔", "file": big})
    assert response.json()["errors"]["file"][0].startswith("檔案太大")
    # notes alone are evidence too; nothing at all is not
    notes = ok(
        api_cs.upload(path, {"kind": "interview", "title": "訪談治療師", "notes": "排程過滿"}), 201
    )
    assert (notes["file_name"], notes["download_url"]) == (None, None)
    response = api_cs.upload(path, {"title": "空白"})
    assert response.json()["errors"] == {"notes": ["請上傳檔案或填寫內容。"]}
    assert api_cs.upload(path, {"kind": "rumour", "title": "x", "notes": "x"}).status_code == 422
    assert [e["title"] for e in ok(api_cs.get(path))] == ["候診區照片", "訪談治療師"]
    assert Evidence.objects.count() == 2
    # a row whose file went missing from storage answers 404, not 500
    stored = Evidence.objects.get(title="候診區照片")
    stored.file.storage.delete(stored.file.name)
    assert api_cs.client.get(evidence["download_url"]).status_code == 404


def test_evidence_file_is_not_served_to_another_branch(api_cs, media, therapist_b):
    number = intake(api_cs)
    photo = SimpleUploadedFile("p.png", png_bytes())
    url = ok(
        api_cs.upload(f"/complaints/{number}/evidence", {"title": "照片", "file": photo}), 201
    )["download_url"]
    assert ApiClient(therapist_b).client.get(url).status_code == 404
