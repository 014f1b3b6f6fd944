"""notification_send and friends: one notification and one e-mail per recipient and key."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from careloop.notifications import services
from careloop.notifications.models import Notification
from careloop.notifications.services import (
    notification_email_send,
    notification_mark_read,
    notification_send,
    notifications_email_send,
    notifications_mark_all_read,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "complaint:42:start:at_risk"


def _send(recipients, key=KEY, **values):
    values.setdefault("title", "客訴 C0042 即將逾期")
    values.setdefault("body", "客訴 C0042 的首次回覆期限是今天 17:00。")
    values.setdefault("url", "/complaints/42/")
    return notification_send(recipients=recipients, key=key, **values)


def test_same_key_twice_makes_one_notification_and_one_email(
    alice, django_capture_on_commit_callbacks
):
    # Given a sweep that notifies Alice
    with django_capture_on_commit_callbacks(execute=True):
        first = _send([alice])
    # When the sweep runs again after a worker restart
    with django_capture_on_commit_callbacks(execute=True):
        second = _send([alice])

    # Then she has one notification and one e-mail, and the second call made nothing
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(recipient=alice, key=KEY).count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@clinic.test"]
    assert message.subject == "[CareLoop] 客訴 C0042 即將逾期"
    assert "客訴 C0042 的首次回覆期限是今天 17:00。" in message.body
    assert "http://127.0.0.1:8000/complaints/42/" in message.body
    first[0].refresh_from_db()
    assert first[0].emailed_at is not None


def test_different_keys_make_separate_notifications(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send([alice], key="complaint:42:start:at_risk")
        _send([alice], key="complaint:42:start:breached")

    assert Notification.objects.filter(recipient=alice).count() == 2
    assert len(mail.outbox) == 2


def test_only_recipients_without_the_key_get_it_and_only_theirs_is_returned(
    alice, bob, django_capture_on_commit_callbacks
):
    # Given Alice was notified already
    with django_capture_on_commit_callbacks(execute=True):
        _send([alice])
    # When the same key goes to Alice and Bob (Bob named twice)
    with django_capture_on_commit_callbacks(execute=True):
        created = _send([alice, bob, bob])

    # Then only Bob's is new, and only Bob gets a second e-mail
    assert [n.recipient for n in created] == [bob]
    assert [m.to for m in mail.outbox] == [["alice@clinic.test"], ["bob@clinic.test"]]


def test_inactive_user_gets_nothing(alice, django_capture_on_commit_callbacks):
    left = UserFactory(username="left", email="left@clinic.test", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        created = _send([left, alice])

    assert [n.recipient for n in created] == [alice]
    assert not Notification.objects.filter(recipient=left).exists()
    assert [m.to for m in mail.outbox] == [["alice@clinic.test"]]


def test_user_without_email_gets_the_notification_in_app_only(
    db, django_capture_on_commit_callbacks
):
    no_mail = UserFactory(username="nomail", email="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (notification,) = _send([no_mail])

    assert notification.pk and notification.emailed_at is None
    assert callbacks == [] and mail.outbox == []


def test_email_false_sends_none(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = _send([alice], email=False)

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    alice, django_capture_on_commit_callbacks
):
    # Given a caller whose own work fails after it notified Alice
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _send([alice])
        raise RuntimeError("the sweep failed")

    # Then neither the notification nor its e-mail exists
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_email_is_sent_after_commit_not_before(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send([alice])

    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_email_link_uses_the_configured_base_url(alice, settings):
    settings.CARELOOP_BASE_URL = "https://care.example.tw/"
    (notification,) = _send([alice], email=False)

    notification_email_send(notification=notification)

    assert "https://care.example.tw/complaints/42/" in mail.outbox[0].body


def test_notification_without_url_links_to_the_inbox(alice):
    (notification,) = _send([alice], url="", email=False)

    notification_email_send(notification=notification)

    assert "http://127.0.0.1:8000/notifications/" in mail.outbox[0].body


def test_email_sender_called_twice_sends_once(alice):
    (notification,) = _send([alice], email=False)

    assert notifications_email_send(notification_ids=[notification.pk]) == 1
    assert notifications_email_send(notification_ids=[notification.pk]) == 0

    assert len(mail.outbox) == 1


def test_claim_is_the_conditional_update_not_the_read_before_it(alice):
    # Given two workers that both loaded the notification while it was not yet e-mailed
    (notification,) = _send([alice], email=False)
    seen_by_first = Notification.objects.select_related("recipient").get(pk=notification.pk)
    seen_by_second = Notification.objects.select_related("recipient").get(pk=notification.pk)
    assert seen_by_first.emailed_at is None and seen_by_second.emailed_at is None

    # When both try to send it
    sent = [
        notification_email_send(notification=seen_by_first),
        notification_email_send(notification=seen_by_second),
    ]

    # Then only the one whose UPDATE claimed the row sent it
    assert sent == [True, False]
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back(alice, monkeypatch):
    (notification,) = _send([alice], email=False)

    def broken(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)

    assert notification_email_send(notification=notification) is False
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_insert_race_lost_to_another_caller_is_not_new(alice):
    # Given another caller inserted Alice's notification after this one checked for it
    (theirs,) = _send([alice], email=False)

    # When this caller's insert reaches the unique constraint
    mine = services._create_once(
        recipient=alice, key=KEY, title="t", body="", url="", created_at=theirs.created_at
    )

    # Then it is not counted as new, and the transaction is still usable
    assert mine is None
    assert Notification.objects.filter(recipient=alice).count() == 1


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "complaints/1/", "/\\evil.example"]
)
def test_url_must_be_a_path_on_this_site(alice, url):
    with pytest.raises(ValueError):
        _send([alice], url=url)


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_key_must_be_given_and_fit(alice, key):
    with pytest.raises(ValueError):
        _send([alice], key=key)


def test_title_is_one_line_and_fits(alice):
    (notification,) = _send([alice], title="客訴\n即將逾期 " + "長" * 300, email=False)

    assert "\n" not in notification.title and len(notification.title) == 200


def test_no_recipients_is_a_no_op(db):
    assert notification_send(recipients=[], key=KEY, title="t", body="") == []
    assert not Notification.objects.exists()


def test_mark_read_keeps_the_first_reading_and_is_only_for_the_recipient(alice, bob):
    (notification,) = _send([alice], email=False)

    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=notification, by=bob)
    notification_mark_read(notification=notification, by=alice)
    first = notification.read_at
    notification_mark_read(notification=notification, by=alice)

    notification.refresh_from_db()
    assert first is not None and notification.read_at == first


def test_mark_all_read_marks_only_the_users_unread(alice, bob, make_notifications):
    make_notifications(alice, 3)
    make_notifications(bob, 2)

    assert notifications_mark_all_read(user=alice) == 3
    assert notifications_mark_all_read(user=alice) == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 2
