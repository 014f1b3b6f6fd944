"""Rendering a template for a case and sending a reply: checked, sent, logged on the case."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from careloop.complaints.models import Communication, Complaint, State
from careloop.complaints.services import solution_save
from careloop.complaints.workflow import WorkflowRefused
from careloop.messaging.backends import message_log_read
from careloop.messaging.models import MessageStatus, OutboundMessage
from careloop.replies.models import ReplyTemplate, SentReply
from careloop.replies.services import ReplyBlocked, reply_render, reply_send
from tests.replies.conftest import CLEAN_REPLY, DRAFT

pytestmark = pytest.mark.django_db


def email_template():
    return ReplyTemplate.objects.get(channel="email")


def test_given_a_case_with_a_solution_then_every_field_is_filled(late_case, cs_a, branch_a):
    branch_a.phone = "(02)2345-6789"
    branch_a.save()
    solution_save(
        complaint=late_case,
        values={"immediate_remedy": "補做一堂療程。", "prevention": "櫃台提前通知延誤。"},
        by=cs_a,
    )
    late_case.refresh_from_db()

    rendered = reply_render(template=email_template(), complaint=late_case, by=cs_a)

    assert rendered.subject == f"【台北總院】關於您反映事項的回覆（客訴編號 {late_case.number}）"
    assert rendered.body.startswith("林美玲 您好：\n\n感謝您於2026年2月13日撥冗")
    assert "治療師遲到二十分鐘，也沒有事先通知。" in rendered.body
    assert "補做一堂療程。" in rendered.body
    assert "櫃台提前通知延誤。" in rendered.body
    assert "台北總院 (02)2345-6789，cs_a@example.test" in rendered.body
    assert f"客服專員 {cs_a.full_name} 敬上" in rendered.body
    # No compensation granted: the field stays, for the checker to flag.
    assert "{補償}" in rendered.body
    assert rendered.body.count("{") == 1


def test_given_no_solution_yet_then_its_fields_stay_unfilled(late_case, cs_a):
    rendered = reply_render(template=email_template(), complaint=late_case, by=cs_a)

    assert "{解決方案}" in rendered.body and "{改善措施}" in rendered.body


def test_a_customer_record_name_wins_over_the_typed_complainant_name(
    make_complaint, cs_a, branch_a
):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(branch=branch_a, name="林美鈴")
    case = make_complaint(customer=customer, complainant_name="林小姐")

    rendered = reply_render(template=email_template(), complaint=case, by=cs_a)

    assert rendered.body.startswith("林美鈴 您好")


def test_branch_b_cannot_render_a_branch_a_case(late_case, cs_b):
    with pytest.raises(PermissionDenied):
        reply_render(template=email_template(), complaint=late_case, by=cs_b)


def send(case, by, **values):
    defaults = {
        "channel": "email",
        "to": "mei@example.test",
        "subject": f"關於您反映的情況（客訴編號 {case.number}）",
        "body": CLEAN_REPLY,
    }
    return reply_send(complaint=case, by=by, **{**defaults, **values})


def test_sending_a_clean_reply_emails_it_and_logs_a_communication(
    late_case, cs_a, django_capture_on_commit_callbacks
):
    cs_a.full_name = "張美惠"
    cs_a.save()
    assert late_case.first_response_at is None

    with django_capture_on_commit_callbacks(execute=True):
        sent = send(late_case, cs_a)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mei@example.test"]
    assert mail.outbox[0].body == CLEAN_REPLY
    communication = Communication.objects.get(complaint=late_case)
    assert communication.channel == "email"
    assert communication.by == cs_a
    assert communication.content.startswith("［電子郵件回覆］收件者：mei@example.test\n主旨：")
    assert communication.content.endswith(CLEAN_REPLY)
    assert sent.communication == communication
    assert sent.findings == []
    sent.message.refresh_from_db()
    assert sent.message.status == MessageStatus.SENT
    assert sent.message.complaint == late_case
    late_case.refresh_from_db()
    assert late_case.first_response_at == communication.occurred_at


def test_the_first_response_is_kept_when_a_second_reply_is_sent(
    late_case, cs_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(late_case, cs_a)
        late_case.refresh_from_db()
        first = late_case.first_response_at
        send(late_case, cs_a, body=CLEAN_REPLY + "\n補充：補課地點在二樓。")

    late_case.refresh_from_db()
    assert late_case.first_response_at == first
    assert Communication.objects.filter(complaint=late_case).count() == 2


def test_a_line_reply_goes_to_the_log_and_is_logged_as_social_media(
    late_case, cs_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(late_case, cs_a, channel="line", to="U" + "0" * 32, subject="")

    assert [m["body"] for m in message_log_read(channel="line")] == [CLEAN_REPLY]
    assert Communication.objects.get(complaint=late_case).channel == "social_media"


def test_a_reply_with_avoid_phrases_or_placeholders_is_refused_and_nothing_is_kept(
    late_case, cs_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReplyBlocked) as raised:
        send(late_case, cs_a, body=DRAFT)

    errors = raised.value.message_dict["body"]
    assert errors[0] == "回覆中還有未填入的欄位，請改成實際內容後再傳送。"
    assert "尚未填入「客戶姓名」。" in errors
    assert {f.kind for f in raised.value.result.findings} >= {"avoid-phrase", "placeholder"}
    assert OutboundMessage.objects.count() == 0
    assert Communication.objects.count() == 0
    assert len(mail.outbox) == 0


def test_an_avoid_phrase_blocks_a_customer_service_user_even_with_a_reason(late_case, cs_a):
    body = CLEAN_REPLY.replace("我們深感抱歉", "我們深感抱歉，但這是公司規定")

    with pytest.raises(ReplyBlocked) as raised:
        send(late_case, cs_a, body=body)
    assert raised.value.message_dict["body"][1] == "「這是公司規定」是應避免的用語（推卸責任）。"

    with pytest.raises(ValidationError) as raised:
        send(late_case, cs_a, body=body, override_reason="客戶要求引用規定原文")
    assert raised.value.message_dict == {
        "override_reason": ["只有部門主管以上可以放行含應避免用語的回覆。"]
    }
    assert SentReply.objects.count() == 0


def test_a_supervisor_may_send_an_avoid_phrase_with_a_reason_and_it_is_kept(
    late_case, pt_head_a, django_capture_on_commit_callbacks
):
    body = CLEAN_REPLY.replace("我們深感抱歉", "我們深感抱歉，但這是公司規定")

    with django_capture_on_commit_callbacks(execute=True):
        sent = send(late_case, pt_head_a, body=body, override_reason="客戶要求引用規定原文")

    assert sent.override_reason == "客戶要求引用規定原文"
    assert [f["kind"] for f in sent.findings if f["blocking"]] == ["avoid-phrase"]
    assert len(mail.outbox) == 1


def test_an_unfilled_field_cannot_be_overridden(late_case, pt_head_a):
    body = CLEAN_REPLY.replace("林美玲小姐", "{客戶姓名}")

    with pytest.raises(ReplyBlocked):
        send(late_case, pt_head_a, body=body, override_reason="急件")


def test_structure_warnings_do_not_block_and_are_kept(
    late_case, cs_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(late_case, cs_a, body="林美玲小姐您好，補課已安排在下週二上午十點。")

    assert "structure:apology" in [f["code"] for f in sent.findings]
    assert len(mail.outbox) == 1


def test_the_same_key_sends_once(late_case, cs_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(late_case, cs_a, key="abc123")
        second = send(late_case, cs_a, key="abc123")

    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    assert Communication.objects.filter(complaint=late_case).count() == 1


def test_branch_b_cannot_send_on_a_branch_a_case(late_case, cs_b):
    with pytest.raises(PermissionDenied):
        send(late_case, cs_b)
    assert Communication.objects.count() == 0


def test_a_therapist_who_does_not_own_the_case_cannot_send(late_case, therapist_a):
    with pytest.raises(PermissionDenied):
        send(late_case, therapist_a)


def test_a_closed_case_refuses_citing_5_6_3(late_case, cs_a):
    Complaint.objects.filter(pk=late_case.pk).update(state=State.CLOSED)
    late_case.refresh_from_db()

    with pytest.raises(WorkflowRefused) as raised:
        send(late_case, cs_a)
    assert "5.6.3" in raised.value.messages[0]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"channel": "fax"}, "channel", "請選擇電子郵件、簡訊或 LINE。"),
        ({"to": "not-an-address"}, "to", "請輸入有效的電子郵件地址。"),
        ({"subject": ""}, "subject", "電子郵件請填寫主旨。"),
        ({"channel": "sms", "to": "123"}, "to", "請輸入有效的手機號碼。"),
        ({"body": ""}, "body", "請填寫訊息內容。"),
    ],
)
def test_bad_input_gives_field_errors_and_keeps_nothing(late_case, cs_a, values, field, message):
    with pytest.raises(ValidationError) as raised:
        send(late_case, cs_a, **values)

    assert raised.value.message_dict[field] == [message]
    assert Communication.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_an_sms_reply_carries_no_subject(late_case, cs_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(late_case, cs_a, channel="sms", to="0912-000-111")

    assert sent.message.subject == ""
    assert sent.message.to == "+886912000111"
    assert [m["subject"] for m in message_log_read(channel="sms")] == [""]
    assert "主旨" not in sent.communication.content
    assert sent.communication.channel == "phone"
