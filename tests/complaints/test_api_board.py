"""The complaint API, reading: the board (GET /complaints), the whole case, branch isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.complaints.models import Complaint, Nature, State
from careloop.workcalendar.calendar import working_day_end
from tests.complaints.test_api_intake import ApiClient
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


@pytest.fixture
def board(make_complaint, cs_a, senior, branch_b, departments):
    """Four open cases at A and one at B."""
    billing = Nature.objects.get(code="billing")
    return {
        "b_late": make_complaint(criteria=["b_staff"], owner=cs_a),
        "a_burn": make_complaint(
            criteria=["a_safety"],
            received_at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=dt.UTC),
            nature=billing,
            complainant_name="王小明",
            complainant_phone="+886922333444",
            depts=[departments["operations"]],
        ),
        "c_fresh": make_complaint(received_at=timezone.now() - dt.timedelta(hours=1)),
        "c_old": make_complaint(criteria=["c_general"]),
        "at_b": make_complaint(branch=branch_b, by=senior),
    }


def test_board_lists_the_users_branch_soonest_deadline_first(api_cs, board):
    Complaint.objects.filter(pk=board["c_old"].pk).update(
        state=State.CLOSED, closed_at=timezone.now()
    )
    response = api_cs.get("/complaints")
    # the A case started first (24 h), then the B case (48 h), then the fresh C case
    assert numbers(response) == [board[k].number for k in ("a_burn", "b_late", "c_fresh")]
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 25, 0)
    row = body["items"][0]
    assert (row["grade"], row["state_label"]) == ("A", "已接收")
    assert (row["standing"], row["standing_label"]) == ("overdue", "已逾期")
    assert (row["milestone"], row["milestone_label"]) == ("start", "啟動處理")
    assert row["due"] == "2026-02-13T17:00:00+08:00"
    assert row["seconds_left"] < 0
    assert row["nature"]["code"] == "billing"
    assert [d["code"] for d in row["departments"]] == ["operations"]
    fresh = body["items"][2]
    # a C case starts by the end of the 3rd working day after its receipt, counted on the
    # Taiwanese calendar from whatever day it is (a weekend or Lunar New Year stretches it)
    received_on = timezone.localdate(board["c_fresh"].received_at)
    due = working_day_end(after=received_on, n=3, branch_id=board["c_fresh"].branch_id)
    assert dt.datetime.fromisoformat(fresh["due"]) == due
    assert fresh["standing"] == "on_track"
    assert 0 < fresh["seconds_left"] <= (due - board["c_fresh"].received_at).total_seconds()
    # closed cases on request
    assert numbers(api_cs.get("/complaints", {"closed": "true"})) == [board["c_old"].number]


def test_board_filters(api_cs, board, cs_a):
    def only(**params):
        return numbers(api_cs.get("/complaints", params))

    assert only(grade="A") == [board["a_burn"].number]
    assert only(grade="a") == [board["a_burn"].number]
    assert only(state="received", nature="billing") == [board["a_burn"].number]
    assert only(department="operations") == [board["a_burn"].number]
    assert only(mine="true") == [board["b_late"].number]
    assert only(q="王小") == [board["a_burn"].number]
    assert only(q="0922-333-444") == [board["a_burn"].number]
    assert board["c_fresh"].number not in only(overdue="true")
    assert only(branch="taipei", grade="C") == [board["c_old"].number, board["c_fresh"].number]
    # another branch's cases are never listed, even when asked for by name
    assert only(branch="taoyuan") == []


def test_board_pagination_by_limit_and_offset(api_cs, board):
    everything = numbers(api_cs.get("/complaints"))
    page = api_cs.get("/complaints", {"limit": 2, "offset": 2}).json()
    assert [i["number"] for i in page["items"]] == everything[2:4]
    assert page["count"] == len(everything) == 4
    for bad in ({"limit": 101}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}):
        response = api_cs.get("/complaints", bad)
        assert response.status_code == 422, bad
        assert set(response.json()["errors"]) <= {"limit", "offset"}


def test_board_refuses_unknown_filter_codes(api_cs, board):
    response = api_cs.get(
        "/complaints",
        {"grade": "D", "state": "done", "branch": "nowhere", "department": "x", "nature": "y"},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"grade", "state", "branch", "department", "nature"}
    assert response.json()["errors"]["state"] == ["處理階段代碼不正確：done。"]


def test_board_query_count_does_not_grow_with_the_cases(
    api_cs, make_complaint, cs_a, branch_a, departments
):
    def board_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api_cs.get("/complaints", {"limit": 100})
        assert response.status_code == 200
        return len(queries)

    def add_cases(count: int) -> None:
        for n in range(count):
            customer = CustomerFactory(branch=branch_a, created_by=cs_a) if n % 2 else None
            make_complaint(
                criteria=["b_staff"] if n % 3 else ["c_general"],
                owner=cs_a if n % 2 else None,
                customer=customer,
                nature=Nature.objects.order_by("id")[n % 5],
                depts=[departments["physiotherapy"], departments["sales"]],
            )

    api_cs.get("/complaints")  # the token's first use is recorded once, outside the count
    add_cases(3)
    with_three = board_queries()
    add_cases(37)
    with_forty = board_queries()
    assert len(api_cs.get("/complaints", {"limit": 100}).json()["items"]) == 40
    assert with_forty == with_three
    assert with_forty <= 10


# --- the whole case -----------------------------------------------------------------------


def test_case_shows_intake_history_milestones_and_refused_moves(api_cs, board):
    number = board["b_late"].number
    response = api_cs.get(f"/complaints/{number}")
    assert response.status_code == 200, response.content
    case = response.json()
    assert case["complaint"]["number"] == number
    assert case["complaint"]["criteria"] == ["b_staff"]
    assert [(g["from_grade"], g["to_grade"]) for g in case["grade_history"]] == [("", "B")]
    assert case["grade_history"][0]["changed_by"]["username"] == "cs_a"
    assert case["transitions"] == [] and case["approvals"] == []
    assert case["investigation"] is None and case["solution"] is None
    milestones = {m["milestone"]: m for m in case["milestones"]}
    assert set(milestones) == {"start", "resolution"}
    assert milestones["start"]["due"] == "2026-02-15T16:00:00+08:00"
    assert (milestones["start"]["met"], milestones["start"]["standing"]) == (False, "overdue")
    assert milestones["resolution"]["label"] == "解決方案"
    # the one move from 已接收, refused until the plan is written, each reason citing its clause
    [move] = case["moves"]
    assert (move["code"], move["to"], move["to_label"]) == (
        "start_investigation",
        "investigating",
        "調查中",
    )
    assert move["allowed"] is False
    assert move["refusals"] == ["PT-P020 5.3.1：請先填寫調查計劃（範圍、人員、時間表）。"]


def test_unassigned_case_refusal_names_the_owner(api_cs, board):
    [move] = api_cs.get(f"/complaints/{board['a_burn'].number}").json()["moves"]
    assert "PT-P020 5.3.1：請指定本案負責人。" in move["refusals"]


def test_other_branch_cannot_read_or_touch_the_case(board, therapist_b):
    # given a member of staff of branch B
    api_b = ApiClient(therapist_b)
    number = board["b_late"].number
    # then A's case answers 404 everywhere, as a number that does not exist
    for path in (
        f"/complaints/{number}",
        f"/complaints/{number}/transitions",
        f"/complaints/{number}/investigation",
        f"/complaints/{number}/solution",
        f"/complaints/{number}/evidence",
        f"/complaints/{number}/approvals",
        f"/complaints/{number}/action-items",
        f"/complaints/{number}/communications",
        "/complaints/19990101-001",
    ):
        response = api_b.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"] == "找不到此客訴案件。"
    assert api_b.patch(f"/complaints/{number}", {"description": "改"}).status_code == 404
    assert api_b.post(f"/complaints/{number}/transitions", {"to": "investigating"}).status_code == (
        404
    )
    assert api_b.put(f"/complaints/{number}/closing-record", {}).status_code == 404
    # and B's own board lists only B's case
    assert numbers(api_b.get("/complaints")) == [board["at_b"].number]


def test_there_is_no_delete(api_cs, board, senior):
    # PT-P020 5.6.3: cases are kept; the API has no DELETE, for anyone
    for api in (api_cs, ApiClient(senior)):
        response = api.delete(f"/complaints/{board['b_late'].number}")
        assert response.status_code == 405
    assert Complaint.objects.filter(pk=board["b_late"].pk).exists()
