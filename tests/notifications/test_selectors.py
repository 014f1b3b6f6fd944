import pytest
from django.http import Http404
from django.utils import timezone

from careloop.notifications.models import Notification
from careloop.notifications.selectors import (
    notification_get_for_user,
    notification_unread_count,
    notifications_for,
)

pytestmark = pytest.mark.django_db


def test_notifications_for_is_the_users_own_newest_first(alice, bob, make_notifications):
    mine = make_notifications(alice, 3)
    make_notifications(bob, 2)
    Notification.objects.filter(pk=mine[0].pk).update(read_at=timezone.now())

    assert list(notifications_for(user=alice)) == mine[::-1]
    assert list(notifications_for(user=alice, unread_only=True)) == mine[:0:-1]
    assert notification_unread_count(user=alice) == 2


def test_someone_elses_notification_is_404(alice, bob, make_notifications):
    (theirs,) = make_notifications(bob, 1)

    with pytest.raises(Http404):
        notification_get_for_user(user=alice, notification_id=theirs.pk)
    assert notification_get_for_user(user=bob, notification_id=theirs.pk) == theirs
