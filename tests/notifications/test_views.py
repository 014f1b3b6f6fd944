"""The notifications page and the header badge, through Django's test client."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from careloop.accounts.permissions import user_role_codes
from careloop.core.context_processors import navigation
from careloop.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/notifications/"


def test_url_names_and_login(client):
    assert reverse("notifications:list") == URL
    assert reverse("notifications:open", args=[7]) == "/notifications/7/open/"
    assert reverse("notifications:read_all") == "/notifications/read-all/"
    assert client.get(URL).status_code == 302


def test_page_lists_newest_first_and_highlights_unread(client, alice, make_notifications):
    older, newer = make_notifications(alice, 2)
    Notification.objects.filter(pk=older.pk).update(read_at=timezone.now())
    client.force_login(alice)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(newer.title) < html.index(older.title)
    assert f'id="notification-{newer.pk}" class="unread"' in html
    assert f'id="notification-{older.pk}" class="read"' in html
    assert "共 2 則通知，1 則未讀" in html
    assert reverse("notifications:open", args=[newer.pk]) in html
    assert "全部標為已讀" in html


def test_page_shows_times_in_taipei(client, alice, make_notifications):
    (notification,) = make_notifications(alice, 1)
    utc = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    Notification.objects.filter(pk=notification.pk).update(created_at=utc)
    client.force_login(alice)

    assert "2026-03-02 00:30" in client.get(URL).content.decode()


def test_empty_page(client, alice):
    client.force_login(alice)

    html = client.get(URL).content.decode()

    assert "目前沒有通知。" in html and "全部標為已讀" not in html


def test_page_is_paginated_by_50(client, alice, make_notifications):
    make_notifications(alice, 51)
    client.force_login(alice)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["page"]) == 50 and "第 1 / 2 頁" in first.content.decode()
    assert [n.key for n in second.context["page"]] == ["note-0"]


def test_opening_marks_read_and_goes_to_its_page(client, alice, make_notifications):
    (notification,) = make_notifications(alice, 1)
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302 and response.url == "/complaints/0/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_one_without_a_safe_url_goes_to_the_list(client, alice, make_notifications):
    (notification,) = make_notifications(alice, 1)
    # Written around the service, which refuses such URLs.
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response.url == URL


def test_someone_elses_notification_is_404_and_stays_unread(client, alice, bob, make_notifications):
    (theirs,) = make_notifications(bob, 1)
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_notifications_are_not_listed(client, alice, bob, make_notifications):
    make_notifications(bob, 1, prefix="bobs")
    client.force_login(alice)

    assert "C0000" not in client.get(URL).content.decode()


def test_read_all_marks_only_mine_and_says_how_many(client, alice, bob, make_notifications):
    make_notifications(alice, 3)
    make_notifications(bob, 1)
    client.force_login(alice)

    assert client.get(reverse("notifications:read_all")).status_code == 405
    response = client.post(reverse("notifications:read_all"), follow=True)

    assert "已將 3 則通知標為已讀。" in response.content.decode()
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_header_shows_the_unread_count(client, alice, make_notifications):
    make_notifications(alice, 3)
    client.force_login(alice)

    html = client.get("/help/").content.decode()

    assert 'class="notifications-link"' in html
    assert 'aria-label="3 則未讀">3</span>' in html


def test_header_shows_no_badge_when_all_are_read(client, alice):
    client.force_login(alice)

    html = client.get("/help/").content.decode()

    assert 'class="notifications-link"' in html and "則未讀" not in html


def test_unread_count_costs_nothing_until_shown_and_one_query_then(
    alice, make_notifications, django_assert_num_queries
):
    make_notifications(alice, 2)
    request = RequestFactory().get("/")
    request.user = alice
    user_role_codes(alice)  # the menu's own query, read once per user object

    with django_assert_num_queries(0):
        unread = navigation(request)["notification_unread"]
    with django_assert_num_queries(1):
        assert unread == 2 and str(unread) == "2" and unread
    request.user = AnonymousUser()
    assert "notification_unread" not in navigation(request)


@pytest.mark.parametrize("n", [5, 60])
def test_page_query_count_is_bounded(
    client, alice, make_notifications, django_assert_max_num_queries, n
):
    make_notifications(alice, n)
    client.force_login(alice)

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
