"""The working-day calendar API at /api/v1/calendar/…."""

import datetime as dt

import pytest

from careloop.workcalendar.models import Closure, ExtraWorkingDay

pytestmark = pytest.mark.django_db

TYPHOON = {"date": "2026-02-23", "kind": "typhoon", "reason": "颱風停止上班"}


def test_administrator_adds_lists_and_deletes_a_closure(api_admin, api_desk, branch_a, branch_b):
    # when the administrator closes branch A for a typhoon
    response = api_admin.post("/calendar/closures", {**TYPHOON, "branch": branch_a.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["branch"]["name"] == "台北總院"
    assert (body["kind_label"], body["chain_wide"]) == ("颱風假", False)
    assert body["created_by"]["username"] == "admin_a"
    # then staff see it for A, not for B, and in the unfiltered list
    feb = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
    assert len(api_desk.get("/calendar/closures", {**feb, "branch": branch_a.pk}).json()) == 1
    assert api_desk.get("/calendar/closures", {**feb, "branch": branch_b.pk}).json() == []
    assert [c["id"] for c in api_desk.get("/calendar/closures", feb).json()] == [body["id"]]
    # and the administrator deletes it
    assert api_admin.delete(f"/calendar/closures/{body['id']}").status_code == 204
    assert not Closure.objects.exists()
    assert api_admin.delete(f"/calendar/closures/{body['id']}").status_code == 404


def test_chain_wide_closure_binds_every_branch_in_the_list(api_admin, api_desk, branch_b):
    assert api_admin.post("/calendar/closures", TYPHOON).json()["chain_wide"] is True
    listed = api_desk.get(
        "/calendar/closures",
        {"date_from": "2026-02-23", "date_to": "2026-02-23", "branch": branch_b.pk},
    ).json()
    assert [c["branch"] for c in listed] == [None]


def test_staff_may_not_write(api_desk, api_admin):
    response = api_desk.post("/calendar/closures", TYPHOON)
    assert response.status_code == 403
    assert response.json()["detail"] == "只有系統管理員可以設定工作天曆。"
    # 403 comes before the input is even read
    assert api_desk.post("/calendar/extra-working-days", {"date": "x"}).status_code == 403
    closure_id = api_admin.post("/calendar/closures", TYPHOON).json()["id"]
    assert api_desk.delete(f"/calendar/closures/{closure_id}").status_code == 403
    assert Closure.objects.count() == 1


def test_bad_input_is_422_with_zh_hant_field_errors(api_admin):
    response = api_admin.post(
        "/calendar/closures", {"date": "2026-02-30", "kind": "holiday", "branch": 999}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["date"] == ["日期格式不正確，請用 YYYY-MM-DD。"]
    assert errors["kind"] == ["停診類別不正確。"]
    assert errors["branch"] == ["找不到此院所。"]
    assert errors["reason"] == ["請填寫原因。"]
    response = api_admin.post("/calendar/extra-working-days", {"date": "1926-03-07", "reason": "x"})
    assert response.json()["errors"] == {"date": ["日期須介於 2000 年與 2099 年之間。"]}
    # a field the API does not know is refused rather than dropped
    response = api_admin.post("/calendar/extra-working-days", {**TYPHOON})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert not Closure.objects.exists() and not ExtraWorkingDay.objects.exists()


def test_duplicate_day_is_409(api_admin, branch_a):
    payload = {**TYPHOON, "branch": branch_a.pk}
    assert api_admin.post("/calendar/closures", payload).status_code == 201
    response = api_admin.post("/calendar/closures", payload)
    assert response.status_code == 409
    assert response.json()["detail"] == "「台北總院」這一天已有停診設定。"
    extra = {"date": "2026-03-07", "reason": "週六加開門診"}
    assert api_admin.post("/calendar/extra-working-days", extra).status_code == 201
    response = api_admin.post("/calendar/extra-working-days", extra)
    assert response.status_code == 409
    assert response.json()["errors"] == {"date": ["這一天已有全院區的加開工作天設定。"]}


def test_extra_working_days_trio(api_admin, api_desk, branch_a):
    response = api_admin.post(
        "/calendar/extra-working-days",
        {"date": "2026-03-07", "branch": str(branch_a.pk), "reason": "週六加開門診"},
    )
    assert response.status_code == 201
    extra_id = response.json()["id"]
    listed = api_desk.get(
        "/calendar/extra-working-days", {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    ).json()
    assert [(e["id"], e["date"], e["reason"]) for e in listed] == [
        (extra_id, "2026-03-07", "週六加開門診")
    ]
    assert api_admin.delete(f"/calendar/extra-working-days/{extra_id}").status_code == 204
    assert not ExtraWorkingDay.objects.exists()


def test_working_days_give_each_date_with_its_reason(api_desk, branch_a, make_closure):
    make_closure(dt.date(2026, 2, 23), branch=branch_a, reason="颱風停止上班（台北市）")
    response = api_desk.get(
        "/calendar/working-days",
        {"date_from": "2026-02-13", "date_to": "2026-03-02", "branch": branch_a.pk},
    )
    assert response.status_code == 200
    body = response.json()
    days = {d["date"]: d for d in body["days"]}
    assert (body["branch"], len(days)) == (branch_a.pk, 18)
    assert days["2026-02-13"] == {
        "date": "2026-02-13",
        "weekday": "五",
        "is_working": True,
        "source": "weekday",
        "source_label": "平日",
        "reason": "",
    }
    assert (days["2026-02-17"]["is_working"], days["2026-02-17"]["reason"]) == (False, "春節")
    assert days["2026-02-23"]["source"] == "closure"
    assert days["2026-02-23"]["reason"] == "颱風停止上班（台北市）"
    assert days["2026-02-27"]["source"] == "national_holiday"
    # 2/13, 2/24–26, 3/2
    assert body["working_days"] == 5
    # without a branch only the chain-wide calendar applies
    chain = api_desk.get(
        "/calendar/working-days", {"date_from": "2026-02-23", "date_to": "2026-02-23"}
    ).json()
    assert chain["days"][0]["is_working"] is True and chain["branch"] is None


def test_working_days_show_the_makeup_workday(api_desk):
    response = api_desk.get(
        "/calendar/working-days", {"date_from": "2025-02-08", "date_to": "2025-02-08"}
    )
    day = response.json()["days"][0]
    assert (day["is_working"], day["source"], day["reason"]) == (
        True,
        "makeup_workday",
        "補行上班日",
    )


def test_working_days_range_is_checked(api_desk):
    response = api_desk.get(
        "/calendar/working-days", {"date_from": "2026-03-01", "date_to": "2026-02-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"date_to": ["結束日期不可早於開始日期。"]}
    response = api_desk.get(
        "/calendar/working-days", {"date_from": "2026-01-01", "date_to": "2027-12-31"}
    )
    assert response.json()["errors"] == {"date_to": ["一次最多查詢 366 天。"]}
    response = api_desk.get("/calendar/working-days", {"date_from": "tomorrow"})
    assert response.json()["errors"] == {"date_from": ["日期格式不正確，請用 YYYY-MM-DD。"]}
    # by default the coming 90 days
    assert len(api_desk.get("/calendar/working-days").json()["days"]) == 90


def test_unauthenticated_is_401(client):
    assert client.get("/api/v1/calendar/working-days").status_code == 401
