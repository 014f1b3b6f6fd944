"""The notifications API (/api/v1/notifications…): the user's own, as on the page."""

import pytest
from django.test import Client
from django.utils import timezone

from careloop.accounts.services import api_token_create
from careloop.notifications.models import Notification

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _client(user) -> Client:
    _token, key = api_token_create(user=user, name="pytest")
    return Client(headers={"authorization": f"Bearer {key}"})


def test_list_is_mine_newest_first_with_counts(alice, bob, make_notifications):
    older, newer = make_notifications(alice, 2)
    make_notifications(bob, 1)
    Notification.objects.filter(pk=older.pk).update(read_at=timezone.now())

    response = _client(alice).get(f"{API}/notifications")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["unread"] == 1
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    item = body["items"][0]
    assert item["key"] == "note-1" and item["title"] == "客訴 C0001 即將逾期"
    assert item["url"] == "/complaints/1/" and item["read_at"] is None
    assert item["emailed_at"] is None and item["created_at"]


def test_list_unread_only_and_paging(alice, make_notifications):
    made = make_notifications(alice, 3)
    Notification.objects.filter(pk=made[2].pk).update(read_at=timezone.now())
    client = _client(alice)

    unread = client.get(f"{API}/notifications", {"unread": "true"}).json()
    page = client.get(f"{API}/notifications", {"limit": 1, "offset": 1}).json()

    assert unread["count"] == 2
    assert [i["id"] for i in unread["items"]] == [made[1].pk, made[0].pk]
    assert page["count"] == 3 and [i["id"] for i in page["items"]] == [made[1].pk]


def test_bad_query_is_422_in_the_shared_shape(alice):
    response = _client(alice).get(f"{API}/notifications", {"unread": "maybe"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"unread": ["請輸入是或否（true/false）。"]}


def test_read_marks_it_read(alice, make_notifications):
    (notification,) = make_notifications(alice, 1)

    response = _client(alice).post(f"{API}/notifications/{notification.pk}/read")

    assert response.status_code == 200
    assert response.json()["id"] == notification.pk and response.json()["read_at"]
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_404(alice, bob, make_notifications):
    (theirs,) = make_notifications(bob, 1)

    response = _client(alice).post(f"{API}/notifications/{theirs.pk}/read")

    assert response.status_code == 404
    assert response.json() == {"detail": "找不到此通知。"}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_mine(alice, bob, make_notifications):
    make_notifications(alice, 2)
    make_notifications(bob, 1)

    response = _client(alice).post(f"{API}/notifications/read-all")

    assert response.status_code == 200 and response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_without_credentials_is_401(db):
    assert Client().get(f"{API}/notifications").status_code == 401
