"""Closures and extra working days in the admin go through the services."""

import datetime as dt

import pytest
from django.urls import reverse

from careloop.workcalendar.models import Closure, ExtraWorkingDay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_admin_adds_a_closure_with_the_same_checks(client, root, branch_a, make_closure):
    client.force_login(root)
    url = reverse("admin:workcalendar_closure_add")
    data = {"date": "2026-02-23", "branch": branch_a.pk, "kind": "typhoon", "reason": "颱風"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    closure = Closure.objects.get()
    assert closure.created_by == root
    assert closure.history.get().history_user == root
    # the same day again is refused on the form
    response = client.post(url, data)
    assert response.status_code == 200
    assert "此院所在這一天已有停診設定。" in response.content.decode()
    # and a bad year beside the date
    response = client.post(url, {**data, "date": "1926-02-23"})
    assert "日期須介於 2000 年與 2099 年之間。" in response.content.decode()
    assert Closure.objects.count() == 1


def test_admin_deletes_through_the_service(client, root, make_extra_day):
    extra_day = make_extra_day(dt.date(2026, 3, 7))
    client.force_login(root)
    url = reverse("admin:workcalendar_extraworkingday_delete", args=[extra_day.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not ExtraWorkingDay.objects.exists()
    assert ExtraWorkingDay.history.filter(history_type="-").get().history_user == root


def test_entries_are_not_edited_in_place(client, root, make_closure):
    closure = make_closure(dt.date(2026, 2, 23))
    client.force_login(root)
    page = client.get(reverse("admin:workcalendar_closure_change", args=[closure.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    changelist = client.get(reverse("admin:workcalendar_closure_changelist"))
    assert changelist.status_code == 200
