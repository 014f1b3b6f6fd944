import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from careloop.messaging.backends import MessageBackend, message_log_read
from careloop.messaging.models import MessageStatus, OutboundMessage
from careloop.messaging.services import message_deliver, message_send
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class ExplodingBackend(MessageBackend):
    def send(self, message):
        raise ConnectionError("gateway unreachable")


class CountingBackend(MessageBackend):
    sent: list[int] = []

    def send(self, message):
        CountingBackend.sent.append(message.pk)


def test_given_default_backend_when_sms_sent_then_it_is_read_back_from_the_log(
    django_capture_on_commit_callbacks, cs_a, branch_a
):
    customer = CustomerFactory(branch=branch_a)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            channel="sms",
            to="0912-345-678",
            subject="",
            body="王小姐您好，提醒您明天上午十點的療程。",
            customer=customer,
            by=cs_a,
        )

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None
    assert message.to == "+886912345678"
    logged = message_log_read(channel="sms")
    assert [(m["id"], m["to"], m["body"]) for m in logged] == [
        (message.pk, "+886912345678", "王小姐您好，提醒您明天上午十點的療程。")
    ]
    assert logged[0]["customer_id"] == customer.pk
    assert message_log_read(channel="line") == []


def test_given_default_backend_when_line_sent_twice_then_both_lines_are_logged_in_order(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = message_send(channel="line", to="U" + "a" * 32, subject="", body="第一則")
        second = message_send(channel="line", to="U" + "a" * 32, subject="", body="第二則")

    assert [m["id"] for m in message_log_read(channel="line")] == [first.pk, second.pk]


def test_given_email_when_sent_then_it_lands_in_the_outbox(
    django_capture_on_commit_callbacks, cs_a
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            channel="email",
            to="mei@example.test",
            subject="關於您的意見",
            body="林小姐您好，謝謝您的來信。",
            by=cs_a,
        )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mei@example.test"]
    assert mail.outbox[0].subject == "關於您的意見"
    assert mail.outbox[0].body == "林小姐您好，謝謝您的來信。"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.backend == "careloop.messaging.backends.EmailBackend"
    assert message.sent_by == cs_a


def test_given_same_key_when_sent_twice_then_one_message_and_one_email(
    django_capture_on_commit_callbacks,
):
    values = {"channel": "email", "to": "a@example.test", "subject": "主旨", "body": "內容"}
    with django_capture_on_commit_callbacks(execute=True):
        first = message_send(key="survey:1:invite", **values)
    with django_capture_on_commit_callbacks(execute=True):
        second = message_send(key="survey:1:invite", **{**values, "body": "另一個內容"})

    assert second.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_given_different_keys_when_sent_then_two_messages(django_capture_on_commit_callbacks):
    values = {"channel": "email", "to": "a@example.test", "subject": "主旨", "body": "內容"}
    with django_capture_on_commit_callbacks(execute=True):
        message_send(key="k:1", **values)
        message_send(key="k:2", **values)

    assert OutboundMessage.objects.count() == 2
    assert len(mail.outbox) == 2


def test_given_failing_backend_when_sent_then_marked_failed_and_kept(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGING_BACKENDS = {"sms": "tests.messaging.test_services.ExplodingBackend"}
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(channel="sms", to="0912345678", subject="", body="明天見")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "gateway unreachable" in message.error
    assert message.sent_at is None
    assert message.body == "明天見"
    assert message.backend == "tests.messaging.test_services.ExplodingBackend"


def test_given_backend_setting_not_a_backend_when_sent_then_marked_failed(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGING_BACKENDS = {"sms": "careloop.messaging.models.OutboundMessage"}
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(channel="sms", to="0912345678", subject="", body="明天見")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "ImproperlyConfigured" in message.error


def test_given_a_delivered_message_when_delivered_again_then_not_sent_twice(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGING_BACKENDS = {"sms": "tests.messaging.test_services.CountingBackend"}
    CountingBackend.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(channel="sms", to="0912345678", subject="", body="明天見")

    assert message_deliver(message_id=message.pk) is None
    assert CountingBackend.sent == [message.pk]


def test_given_a_message_claimed_by_another_worker_when_delivered_then_skipped(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGING_BACKENDS = {"sms": "tests.messaging.test_services.CountingBackend"}
    CountingBackend.sent = []
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(channel="sms", to="0912345678", subject="", body="明天見")
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)

    assert message_deliver(message_id=message.pk) is None
    assert CountingBackend.sent == []


def test_given_rolled_back_caller_then_nothing_is_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_send(channel="email", to="a@example.test", subject="主旨", body="內容")
    # The caller's transaction rolls back: the callbacks it captured are never run.
    assert len(callbacks) == 1
    assert len(mail.outbox) == 0


def test_given_a_complaint_when_sent_then_the_message_carries_its_customer(
    make_complaint, branch_a, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(branch=branch_a)
    complaint = make_complaint(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            channel="email", to="a@example.test", subject="主旨", body="內容", complaint=complaint
        )

    assert message.complaint == complaint
    assert message.customer == customer
    assert list(complaint.outbound_messages.all()) == [message]


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"channel": "fax"}, "channel", "請選擇電子郵件、簡訊或 LINE。"),
        ({"to": "  "}, "to", "請填寫收件者。"),
        ({"to": "not-an-address"}, "to", "請輸入有效的電子郵件地址。"),
        ({"subject": ""}, "subject", "電子郵件請填寫主旨。"),
        ({"subject": "長" * 201}, "subject", "主旨最多 200 字。"),
        ({"body": " \n "}, "body", "請填寫訊息內容。"),
        ({"channel": "sms", "to": "12345"}, "to", "請輸入有效的手機號碼。"),
        ({"channel": "line", "to": "U 123"}, "to", "LINE 收件者格式不正確。"),
        ({"channel": "line", "to": "U1", "body": "字" * 5001}, "body", "LINE 訊息最多 5000 字。"),
    ],
)
def test_given_bad_input_then_field_errors_and_nothing_stored(values, field, text):
    good = {"channel": "email", "to": "a@example.test", "subject": "主旨", "body": "內容"}

    with pytest.raises(ValidationError) as raised:
        message_send(**{**good, **values})

    assert raised.value.message_dict[field] == [text]
    assert OutboundMessage.objects.count() == 0
