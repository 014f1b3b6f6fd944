import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_notifications_read_only(client, alice, make_notifications):
    (notification,) = make_notifications(alice, 1)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    listing = client.get(reverse("admin:notifications_notification_changelist"))
    detail = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))

    assert listing.status_code == 200 and notification.title in listing.content.decode()
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
