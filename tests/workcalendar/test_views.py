"""The 工作天曆 page, through Django's test client."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careloop.workcalendar.models import Closure, ClosureKind, ExtraWorkingDay

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = reverse("workcalendar:calendar")
ADD_CLOSURE = reverse("workcalendar:closure_add")
ADD_EXTRA = reverse("workcalendar:extra_working_day_add")


def _closure_post(**values):
    data = {
        "month": "2026-02",
        "closure-date": "2026-02-23",
        "closure-branch": "",
        "closure-kind": ClosureKind.TYPHOON,
        "closure-reason": "颱風停止上班",
    }
    data.update({f"closure-{k}": v for k, v in values.items()})
    return data


def test_staff_see_holidays_and_closures_of_the_month_but_no_forms(
    client, front_desk, branch_a, make_closure
):
    # given a typhoon day for branch A
    make_closure(dt.date(2026, 2, 23), branch=branch_a, reason="颱風停止上班（台北市）")
    client.force_login(front_desk)
    # when front desk opens February 2026
    response = client.get(PAGE, {"month": "2026-02"})
    html = response.content.decode()
    # then the national holidays, the observed day and the closure are listed, dates in zh-Hant
    assert response.status_code == 200
    assert "2026-02-17（二）" in html and "春節" in html
    assert "2026-02-27（五）" in html and "和平紀念日（補假）" in html
    assert "2026-02-23（一）" in html and "颱風假" in html and "颱風停止上班（台北市）" in html
    assert "台北總院" in html
    assert "2026-02-01（日） 至 2026-02-28（六）" in html
    # and nothing to add or delete
    assert "新增停診日" not in html and "刪除" not in html
    # and the nav has the page
    assert 'aria-current="page">工作天曆</a>' in html


def test_makeup_workday_is_shown(client, front_desk):
    client.force_login(front_desk)
    html = client.get(PAGE, {"month": "2025-02"}).content.decode()
    assert "2025-02-08（六）" in html and "補行上班日" in html


def test_default_is_the_coming_90_days_and_a_bad_month_says_so(client, front_desk):
    client.force_login(front_desk)
    assert "未來 90 天" in client.get(PAGE).content.decode()
    response = client.get(PAGE, {"month": "2026-13"})
    assert response.status_code == 200
    assert "月份格式不正確，請用 YYYY-MM。" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_administrator_adds_a_closure_without_javascript(client, administrator, branch_a):
    client.force_login(administrator)
    response = client.post(ADD_CLOSURE, _closure_post(branch=branch_a.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?month=2026-02"
    closure = Closure.objects.get()
    assert (closure.branch, closure.created_by) == (branch_a, administrator)
    html = client.get(response["Location"]).content.decode()
    assert "已新增停診日：2026-02-23（一） 台北總院。" in html


def test_administrator_adds_a_closure_with_htmx(client, administrator):
    client.force_login(administrator)
    response = client.post(ADD_CLOSURE, _closure_post(), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="calendar-body">')
    assert "已新增停診日：2026-02-23（一） 全院區。" in html
    assert "颱風停止上班" in html


def test_bad_date_is_shown_beside_the_field_and_nothing_is_saved(client, administrator):
    client.force_login(administrator)
    # without JavaScript: the whole page again
    response = client.post(ADD_CLOSURE, _closure_post(date="2026-02-30"))
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        '<p class="field-error" id="id_closure-date_error" role="alert">'
        "日期格式不正確，請用 YYYY-MM-DD。</p>"
    ) in html
    assert "<html" in html
    # with htmx: the body only
    response = client.post(ADD_CLOSURE, _closure_post(date="", kind=""), **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and "<html" not in html
    assert 'id="id_closure-date_error" role="alert">請填寫日期。' in html
    assert 'id="id_closure-kind_error" role="alert">請選擇停診類別。' in html
    assert not Closure.objects.exists()


def test_duplicate_day_is_shown_beside_the_date(client, administrator, make_closure):
    make_closure(dt.date(2026, 2, 23))
    client.force_login(administrator)
    response = client.post(ADD_CLOSURE, _closure_post(), **HTMX)
    assert response.status_code == 422
    assert (
        'id="id_closure-date_error" role="alert">這一天已有全院區的停診設定。'
        in response.content.decode()
    )


def test_administrator_adds_and_deletes_an_extra_working_day(client, administrator, branch_a):
    client.force_login(administrator)
    response = client.post(
        ADD_EXTRA,
        {
            "month": "2026-03",
            "extra-date": "2026-03-07",
            "extra-branch": branch_a.pk,
            "extra-reason": "週六加開門診",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "2026-03-07（六）" in response.content.decode()
    extra_day = ExtraWorkingDay.objects.get()
    url = reverse("workcalendar:extra_working_day_delete", args=[extra_day.pk])
    assert url in response.content.decode()
    response = client.post(url, {"month": "2026-03"}, **HTMX)
    assert response.status_code == 200
    assert "已刪除加開工作天：2026-03-07（六） 台北總院。" in response.content.decode()
    assert not ExtraWorkingDay.objects.exists()


def test_administrator_deletes_a_closure_without_javascript(client, administrator, make_closure):
    closure = make_closure(dt.date(2024, 7, 25), reason="凱米颱風")
    client.force_login(administrator)
    url = reverse("workcalendar:closure_delete", args=[closure.pk])
    response = client.post(url, {"month": "2024-07"})
    assert response.status_code == 302
    assert not Closure.objects.exists()
    assert Closure.history.filter(history_type="-").get().history_user == administrator


def test_staff_cannot_add_or_delete(client, front_desk, dept_head_a, make_closure):
    closure = make_closure(dt.date(2026, 2, 23))
    for user in (front_desk, dept_head_a):
        client.force_login(user)
        assert client.post(ADD_CLOSURE, _closure_post(date="2026-02-24")).status_code == 403
        assert client.post(ADD_EXTRA, {"extra-date": "2026-03-07"}).status_code == 403
        url = reverse("workcalendar:closure_delete", args=[closure.pk])
        assert client.post(url, **HTMX).status_code == 403
    assert Closure.objects.count() == 1 and not ExtraWorkingDay.objects.exists()


def _queries(client, month):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PAGE, {"month": month})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_is_bounded(
    client,
    administrator,
    branch_a,
    branch_b,
    make_closure,
    make_extra_day,
    django_assert_max_num_queries,
):
    client.force_login(administrator)
    few = _queries(client, "2026-03")
    # given entries on many days, for both branches and chain-wide
    for day in range(2, 28):
        make_closure(dt.date(2026, 3, day), branch=branch_a if day % 2 else branch_b)
        make_extra_day(dt.date(2026, 3, day), branch=None)
    with django_assert_max_num_queries(10):
        client.get(PAGE, {"month": "2026-03"})
    assert _queries(client, "2026-03") == few
