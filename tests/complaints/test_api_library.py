"""案例資料庫 over JSON (complaints/library_api.py, mounted at /api/v1/): search, similar cases
for a case and for a description not yet saved, branch isolation, bad input as zh-Hant 422."""

from __future__ import annotations

import pytest

from careloop.complaints.models import Nature
from tests.complaints.test_api_intake import ApiClient
from tests.complaints.test_library import (  # noqa: F401 (fixtures)
    NEW_LATENESS,
    _fresh_library,
    cs_b,
    library,
    new_lateness,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


def _labels(response, library) -> list[str]:
    assert response.status_code == 200, response.content
    return [library[item["number"]] for item in response.json()["items"]]


def test_search_ranks_a_sentence_and_pages(api_cs, library):
    response = api_cs.get("/library/cases", {"q": "治療師遲到很久", "limit": 5})
    body = response.json()
    assert (body["mode"], body["limit"], body["offset"]) == ("ranked", 5, 0)
    assert body["count"] >= 8
    assert _labels(response, library) == ["late"] * 5
    item = body["items"][0]
    assert item["solution"]["immediate_remedy"] and item["solution"]["prevention"]
    assert set(item["outcome"]) == {"customer_accepted", "satisfaction_score", "summary", "closed_at"}
    assert 0 < item["similarity"] <= 1 and item["score"] >= item["similarity"]
    assert item["nature"]["code"] == "service_quality"
    assert item["departments"][0]["code"] == "physiotherapy"
    assert item["received_at"].endswith("+08:00")
    second = api_cs.get("/library/cases", {"q": "治療師遲到很久", "limit": 5, "offset": 5})
    assert {i["number"] for i in second.json()["items"]}.isdisjoint(
        {i["number"] for i in body["items"]}
    )


def test_search_filters_by_nature_and_department_codes(api_cs, library):
    response = api_cs.get("/library/cases", {"nature": "billing", "department": "sales"})
    assert response.json()["mode"] == "recent"
    assert sorted(_labels(response, library)) == sorted(
        ["billing", "refund", "refund", "refund", "wait"]
    )
    by_id = api_cs.get("/library/cases", {"nature": Nature.objects.get(code="billing").pk})
    assert len(_labels(by_id, library)) == 8


def test_search_answers_bad_filters_in_zh_hant(api_cs, branch_b):
    response = api_cs.get(
        "/library/cases", {"nature": "nope", "department": "nope", "branch": branch_b.pk}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["nature"] == ["找不到此投訴性質。"]
    assert errors["department"] == ["找不到此部門。"]
    assert errors["branch"] == ["找不到此院所，或您無權查看該院所的案件。"]
    too_many = api_cs.get("/library/cases", {"limit": 51})
    assert too_many.status_code == 422 and "limit" in too_many.json()["errors"]
    too_long = api_cs.get("/library/cases", {"q": "字" * 201})
    assert too_long.json()["errors"]["q"] == ["關鍵字最多 200 個字。"]


def test_similar_to_a_case(api_cs, library, new_lateness):
    response = api_cs.get(f"/library/similar/{new_lateness.number}")
    assert _labels(response, library) == ["late"] * 5
    more = api_cs.get(f"/library/similar/{new_lateness.number}", {"limit": 8})
    assert _labels(more, library).count("late") >= 6
    assert api_cs.get(f"/library/similar/{new_lateness.number}", {"limit": 0}).status_code == 422


def test_similar_to_a_description_not_saved_yet(api_cs, library):
    response = api_cs.post(
        "/library/similar",
        {
            "description": NEW_LATENESS,
            "nature": "service_quality",
            "departments": ["physiotherapy"],
            "channel": "phone",
        },
    )
    assert _labels(response, library) == ["late"] * 5


def test_similar_to_a_description_answers_bad_input_in_zh_hant(api_cs):
    response = api_cs.post(
        "/library/similar",
        {"description": " ", "nature": "nope", "departments": ["nope"], "channel": "fax"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["description"] == ["請填寫投訴內容描述。"]
    assert errors["nature"] == ["找不到此投訴性質。"]
    assert errors["departments"] == ["找不到此部門。"]
    assert errors["channel"] == ["投訴渠道代碼不正確：fax。"]
    missing = api_cs.post("/library/similar", {})
    assert missing.status_code == 422 and missing.json()["errors"]["description"]


def test_branch_b_cannot_reach_branch_a(cs_b, library, new_lateness):
    api_b = ApiClient(cs_b)
    response = api_b.get(f"/library/similar/{new_lateness.number}")
    assert response.status_code == 404
    assert response.json()["detail"] == "找不到此客訴案件。"
    assert api_b.get("/library/cases").json()["count"] == 0
    similar = api_b.post("/library/similar", {"description": NEW_LATENESS})
    assert similar.json()["items"] == []


def test_the_library_needs_a_token(client):
    assert client.get("/api/v1/library/cases").status_code == 401
