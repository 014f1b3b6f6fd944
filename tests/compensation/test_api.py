"""The compensation API: the Done-when over JSON, then 404/403/409/422."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from careloop.compensation.models import Compensation
from tests.compensation.conftest import MODERATE, ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


@pytest.fixture
def api_head(pt_head_a):
    return ApiClient(pt_head_a)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def refused(response, status=409):
    assert response.status_code == status, response.content
    return response.json()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


# --- Done when ---------------------------------------------------------------------------------


def test_a_moderate_3000_case_assessed_and_offered_over_the_api(api_cs, case_b, package_3000):
    url = f"/complaints/{case_b.number}/compensation"
    before = ok(api_cs.get(f"{url}/assessment"))
    assert before["assessed"] is False
    assert [f["weight"] for f in before["factors"]] == [30, 20, 30, 20]

    body = ok(api_cs.post(f"{url}/assessment", {**MODERATE, "purchase": package_3000.pk}))
    assert (body["score"], body["level"], body["level_label"]) == (50, "moderate", "中度")
    assert body["affected_amount"] == 3000
    assert body["purchase"]["item_name"] == "肩頸舒緩 10 堂"
    assert body["cost"]["total_spend"] == 3000

    assert ok(api_cs.get(f"{url}/offers"))["offers"] == []
    offers = ok(api_cs.post(f"{url}/offers"), 201)["offers"]
    assert 2 <= len(offers) <= 3
    for offer in offers:
        assert 900 <= offer["refund_amount"] <= 1500
        assert offer["benefit_value"] > 0
    assert ok(api_cs.get(f"{url}/offers"))["level"] == "moderate"


def test_customer_service_grants_1500_and_2500_goes_to_the_head(
    api_cs, api_head, case_b, pt_head_a
):
    url = f"/complaints/{case_b.number}/compensations"
    alone = ok(api_cs.post(url, {"value": 1500, "kind": "refund", "description": "退部分"}), 201)
    assert (alone["status"], alone["approved_by"]["username"]) == ("approved", "cs_a")
    assert alone["approval"] is None

    asked = ok(api_cs.post(url, {"value": "2500", "kind": "refund", "description": "退半"}), 201)
    assert asked["status"] == "pending_approval"
    assert asked["requester_limit"] == 2000
    approval_id = asked["approval"]["id"]

    # The head sees it in the worklist API and in /compensation-approvals
    worklist = ok(api_head.get("/worklist"))
    assert [a["id"] for a in worklist["approvals"]] == [approval_id]
    assert worklist["approvals"][0]["value"] == 2500
    assert worklist["approvals"][0]["complaint"] == case_b.number
    assert [a["id"] for a in ok(api_head.get("/compensation-approvals"))] == [approval_id]
    # The requester does not
    assert ok(api_cs.get("/worklist"))["approvals"] == []
    assert ok(api_cs.get("/compensation-approvals")) == []

    decided = ok(
        api_head.post(
            f"/compensation-approvals/{approval_id}/decision",
            {"decision": "approve", "note": "同意"},
        )
    )
    assert decided["status"] == "approved"
    assert decided["approval"]["decided_by"]["username"] == "pt_head_a"
    assert ok(api_head.get("/worklist"))["approvals"] == []


def test_an_a_case_cannot_be_marked_paid_before_its_settlement(api_cs, case_a, media):
    created = ok(
        api_cs.post(
            f"/complaints/{case_a.number}/compensations",
            {"value": 1000, "kind": "refund", "description": "退還一堂"},
        ),
        201,
    )
    assert created["settlement_required"] is True
    paid_url = f"/compensations/{created['id']}/paid"
    body = refused(api_cs.post(paid_url, {}))
    assert "和解書" in body["detail"] and body["reasons"] == [body["detail"]]

    settled = ok(
        api_cs.upload(
            f"/compensations/{created['id']}/settlement",
            {
                "signed_on": timezone.localdate().isoformat(),
                "signed_by": "林美玲",
                "note": "當面簽署",
                "file": SimpleUploadedFile("和解書.png", _png(), content_type="image/png"),
            },
        )
    )
    assert settled["settlement"]["has_file"] is True
    assert settled["settlement"]["signed_by"] == "林美玲"

    paid = ok(api_cs.post(paid_url, {"note": "已匯款"}))
    assert (paid["status"], paid["done_note"]) == ("paid", "已匯款")


def test_a_12000_payout_on_a_b_case_needs_the_settlement(case_b, senior):
    api = ApiClient(senior)
    created = ok(
        api.post(
            f"/complaints/{case_b.number}/compensations",
            {"value": 12000, "kind": "refund", "description": "全額退費並補償"},
        ),
        201,
    )
    assert created["status"] == "approved"
    assert "NT$10,000" in refused(api.post(f"/compensations/{created['id']}/paid"))["detail"]


# --- refusals and bad input ----------------------------------------------------------------------


def test_the_requester_cannot_decide_their_own_request(case_b, pt_head_a):
    api = ApiClient(pt_head_a)
    created = ok(
        api.post(
            f"/complaints/{case_b.number}/compensations",
            {"value": 12000, "kind": "refund", "description": "全額退費"},
        ),
        201,
    )
    body = refused(
        api.post(
            f"/compensation-approvals/{created['approval']['id']}/decision",
            {"decision": "approve"},
        ),
        403,
    )
    assert "不可核准自己" in body["detail"]


def test_a_decided_request_answers_409(api_cs, api_head, case_b, senior):
    created = ok(
        api_cs.post(
            f"/complaints/{case_b.number}/compensations",
            {"value": 2500, "kind": "refund", "description": "退半"},
        ),
        201,
    )
    url = f"/compensation-approvals/{created['approval']['id']}/decision"
    ok(api_head.post(url, {"decision": "reject", "note": "金額過高"}))
    assert "已由" in refused(ApiClient(senior).post(url, {"decision": "approve"}))["detail"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (
            {"actual_loss": 6, "time_cost": 1, "emotional_distress": 1, "trust_loss": 1},
            {"actual_loss"},
        ),
        (
            {"actual_loss": "abc", "time_cost": 1},
            {"actual_loss", "emotional_distress", "trust_loss"},
        ),
        ({**MODERATE, "affected_amount": -5}, {"affected_amount"}),
        ({**MODERATE, "purchase": 999999}, {"purchase"}),
    ],
)
def test_bad_assessment_input_is_422_per_field(api_cs, case_b, payload, fields):
    body = refused(
        api_cs.post(f"/complaints/{case_b.number}/compensation/assessment", payload), 422
    )
    assert set(body["errors"]) == fields
    assert body["detail"] == "輸入資料有誤。"


def test_an_unknown_field_is_422(api_cs, case_b):
    body = refused(
        api_cs.post(
            f"/complaints/{case_b.number}/compensation/assessment", {**MODERATE, "score": 99}
        ),
        422,
    )
    assert "score" in body["errors"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"value", "kind", "description"}),
        ({"value": "很多", "kind": "refund", "description": "x"}, {"value"}),
        ({"value": 100, "kind": "cash", "description": "x"}, {"kind"}),
        ({"value": 10_000_000, "kind": "refund", "description": "x"}, {"value"}),
        ({"offer": 424242}, {"offer"}),
    ],
)
def test_bad_grant_input_is_422_per_field(api_cs, case_b, payload, fields):
    body = refused(api_cs.post(f"/complaints/{case_b.number}/compensations", payload), 422)
    assert set(body["errors"]) == fields
    assert not Compensation.objects.exists()


def test_bad_decision_input_is_422(api_cs, api_head, case_b):
    created = ok(
        api_cs.post(
            f"/complaints/{case_b.number}/compensations",
            {"value": 2500, "kind": "refund", "description": "退半"},
        ),
        201,
    )
    url = f"/compensation-approvals/{created['approval']['id']}/decision"
    assert set(refused(api_head.post(url, {"decision": "maybe"}), 422)["errors"]) == {"decision"}
    assert set(refused(api_head.post(url, {"decision": "reject"}), 422)["errors"]) == {"note"}


def test_bad_settlement_input_is_422(api_cs, case_a, media):
    created = ok(
        api_cs.post(
            f"/complaints/{case_a.number}/compensations",
            {"value": 1000, "kind": "refund", "description": "退還一堂"},
        ),
        201,
    )
    body = refused(
        api_cs.upload(
            f"/compensations/{created['id']}/settlement",
            {
                "signed_on": "2026-13-40",
                "signed_by": "",
                "file": SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="image/png"),
            },
        ),
        422,
    )
    assert set(body["errors"]) == {"signed_on", "signed_by", "file"}


def test_offers_edited_presented_and_chosen_over_the_api(api_cs, case_b, package_3000):
    url = f"/complaints/{case_b.number}/compensation"
    ok(api_cs.post(f"{url}/assessment", {**MODERATE, "purchase": package_3000.pk}))
    offers = ok(api_cs.post(f"{url}/offers"), 201)["offers"]
    first = offers[0]["id"]

    edited = ok(api_cs.patch(f"{url}/offers/{first}", {"title": "退費 30%＋彈力帶"}))
    assert edited["offers"][0]["title"] == "退費 30%＋彈力帶"
    assert edited["offers"][0]["refund_amount"] == 900
    assert set(
        refused(api_cs.patch(f"{url}/offers/{first}", {"refund_amount": -1}), 422)["errors"]
    ) == {"refund_amount"}

    assert "請先向客戶提出" in refused(api_cs.post(f"{url}/offers/{first}/choice"))["detail"]
    assert ok(api_cs.post(f"{url}/offers/present"))["presented"] is True
    assert (
        "已向客戶提出" in refused(api_cs.patch(f"{url}/offers/{first}", {"title": "x"}))["detail"]
    )
    chosen = ok(api_cs.post(f"{url}/offers/{first}/choice", {"note": "選退費"}))
    assert chosen["offers"][0]["chosen"] is True
    assert chosen["offers"][0]["chosen_by"]["username"] == "cs_a"

    granted = ok(api_cs.post(f"/complaints/{case_b.number}/compensations", {"offer": first}), 201)
    assert (granted["value"], granted["offer_id"], granted["status"]) == (
        1800,
        first,
        "approved",
    )
    cases = ok(api_cs.get(f"/complaints/{case_b.number}/compensations"))
    assert [c["id"] for c in cases] == [granted["id"]]


# --- branches ----------------------------------------------------------------------------------


def test_branch_b_cannot_see_branch_a_compensations(api_cs, case_b, cs_b):
    created = ok(
        api_cs.post(
            f"/complaints/{case_b.number}/compensations",
            {"value": 2500, "kind": "refund", "description": "退半"},
        ),
        201,
    )
    api_b = ApiClient(cs_b)
    assert api_b.get(f"/compensations/{created['id']}").status_code == 404
    assert api_b.get(f"/complaints/{case_b.number}/compensation/assessment").status_code == 404
    assert api_b.get(f"/complaints/{case_b.number}/compensation/offers").status_code == 404
    assert api_b.post(f"/compensations/{created['id']}/paid").status_code == 404
    assert (
        api_b.post(
            f"/compensation-approvals/{created['approval']['id']}/decision",
            {"decision": "approve"},
        ).status_code
        == 404
    )
    assert ok(api_b.get("/compensations"))["count"] == 0
    assert ok(api_cs.get("/compensations"))["count"] == 1


def test_the_list_filters_by_customer_status_and_month(api_cs, case_b, customer):
    url = f"/complaints/{case_b.number}/compensations"
    ok(api_cs.post(url, {"value": 100, "kind": "gift", "description": "小禮"}), 201)
    ok(api_cs.post(url, {"value": 2500, "kind": "refund", "description": "退半"}), 201)

    month = timezone.localdate().strftime("%Y-%m")
    assert ok(api_cs.get("/compensations", {"customer": customer.number}))["count"] == 2
    pending = ok(api_cs.get("/compensations", {"status": "pending_approval", "month": month}))
    assert [c["value"] for c in pending["items"]] == [2500]
    assert ok(api_cs.get("/compensations", {"month": "2001-01"}))["count"] == 0
    body = refused(api_cs.get("/compensations", {"status": "lost", "month": "13-2026"}), 422)
    assert set(body["errors"]) == {"status", "month"}
    assert "customer" in refused(api_cs.get("/compensations", {"customer": "C9"}), 422)["errors"]


def test_flag_review_over_the_api(api_cs, make_case, pt_head_a):
    for _ in range(3):
        number = make_case().number
        ok(
            api_cs.post(
                f"/complaints/{number}/compensations",
                {"value": 100, "kind": "gift", "description": "小禮"},
            ),
            201,
        )
    body = ok(api_cs.get(f"/complaints/{number}/compensation/assessment"))
    assert body["abuse"]["flagged"] is True
    assert body["abuse"]["compensated_complaints"] == 3
    flag_id = body["abuse"]["flag_id"]
    assert ok(api_cs.get("/compensations", {"flagged": "true"}))["count"] == 3

    assert api_cs.post(f"/compensation-flags/{flag_id}/review", {"note": "x"}).status_code == 403
    api_head = ApiClient(pt_head_a)
    assert set(
        refused(api_head.post(f"/compensation-flags/{flag_id}/review", {}), 422)["errors"]
    ) == {"note"}
    reviewed = ok(api_head.post(f"/compensation-flags/{flag_id}/review", {"note": "屬實"}))
    assert reviewed["reviewed_by"]["username"] == "pt_head_a"
    assert ok(api_cs.get("/compensations", {"flagged": "true"}))["count"] == 0
