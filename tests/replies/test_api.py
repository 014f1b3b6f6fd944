"""The reply API: /replies/check, /reply-templates, /avoid-phrases, /complaints/{n}/replies."""

import pytest
from django.core import mail

from careloop.complaints.models import Communication, Complaint, State
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply
from tests.complaints.test_api_intake import ApiClient
from tests.replies.conftest import CLEAN_REPLY, DRAFT

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


@pytest.fixture
def api_admin(administrator):
    return ApiClient(administrator)


def flagged(response, kind):
    assert response.status_code == 200, response.content
    return [f for f in response.json()["findings"] if f["kind"] == kind]


def test_check_answers_findings_with_spans(api_cs):
    response = api_cs.post("/replies/check", {"text": DRAFT})

    body = response.json()
    assert body["sendable"] is False
    avoid = flagged(response, "avoid-phrase")
    assert [DRAFT[s:e] for f in avoid for s, e in f["spans"]] == ["這是公司規定", "您可能誤會了"]
    assert avoid[0]["kind_label"] == "應避免用語"
    assert avoid[0]["blocking"] is True
    assert [f["message"] for f in flagged(response, "placeholder")] == ["尚未填入「客戶姓名」。"]
    assert "structure:apology" in [f["code"] for f in flagged(response, "structure")]


def test_check_with_a_case_adds_personalisation(api_cs, late_case):
    text = CLEAN_REPLY.replace("林美玲小姐", "陳先生")

    response = api_cs.post("/replies/check", {"text": text, "complaint": late_case.number})

    assert [f["message"] for f in flagged(response, "personalisation")] == [
        "沒有稱呼客戶的姓名（林美玲）。"
    ]


def test_check_passes_a_clean_reply(api_cs, cs_a, late_case):
    cs_a.full_name = "張美惠"
    cs_a.save()
    response = api_cs.post("/replies/check", {"text": CLEAN_REPLY, "complaint": late_case.number})

    assert response.json() == {"sendable": True, "clean": True, "findings": []}


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "text", "請填寫要檢查的回覆內容。"),
        ({"text": "  "}, "text", "請填寫要檢查的回覆內容。"),
        ({"text": "您好", "channel": "fax"}, "channel", "回覆管道代碼不正確。"),
        ({"text": 3}, "text", "請輸入文字。"),
        ({"text": "您好", "extra": 1}, "extra", "不接受此欄位。"),
    ],
)
def test_check_bad_input_is_422_with_field_errors(api_cs, payload, field, message):
    response = api_cs.post("/replies/check", payload)

    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]


def test_check_of_another_branchs_case_is_404(cs_b, late_case):
    response = ApiClient(cs_b).post(
        "/replies/check", {"text": "您好", "complaint": late_case.number}
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "找不到此客訴案件。"


def test_a_phrase_posted_by_an_administrator_is_flagged_on_the_next_check(api_admin, api_cs):
    text = "林小姐您好，療程費用恕不退費。"
    assert flagged(api_cs.post("/replies/check", {"text": text}), "avoid-phrase") == []

    response = api_admin.post(
        "/avoid-phrases", {"phrase": "恕不(退還|退費)", "category": "other", "suggestion": "說明"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["active"] is True
    assert response.json()["category_label"] == "其他"

    avoid = flagged(api_cs.post("/replies/check", {"text": text}), "avoid-phrase")
    assert [text[s:e] for f in avoid for s, e in f["spans"]] == ["恕不退費"]


def test_deleting_a_phrase_stops_flagging_it(api_admin, api_cs):
    phrase = AvoidPhrase.objects.get(phrase__startswith="(您|你)")

    assert api_admin.delete(f"/avoid-phrases/{phrase.pk}").status_code == 204

    assert flagged(api_cs.post("/replies/check", {"text": "您可能誤會了"}), "avoid-phrase") == []
    assert api_admin.delete(f"/avoid-phrases/{phrase.pk}").status_code == 404


def test_put_changes_a_phrase_and_keeps_what_is_not_given(api_admin):
    phrase = AvoidPhrase.objects.get(phrase="不是我們的(錯|問題|責任)")

    response = api_admin.put(f"/avoid-phrases/{phrase.pk}", {"active": False})

    assert response.status_code == 200
    phrase.refresh_from_db()
    assert (phrase.active, phrase.category) == (False, "blame_shifting")


def test_only_administrators_write_the_lists(api_cs):
    phrase = AvoidPhrase.objects.first()

    assert api_cs.get("/avoid-phrases").status_code == 200
    assert (
        api_cs.post("/avoid-phrases", {"phrase": "新的用語", "category": "other"}).status_code
        == 403
    )
    assert api_cs.delete(f"/avoid-phrases/{phrase.pk}").status_code == 403
    assert (
        api_cs.post(
            "/reply-templates", {"name": "新範本", "channel": "email", "body": "x"}
        ).status_code
        == 403
    )
    assert AvoidPhrase.objects.filter(pk=phrase.pk).exists()
    assert not ReplyTemplate.objects.filter(name="新範本").exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"category": "other"}, "phrase", "請輸入應避免的用語。"),
        ({"phrase": "「」", "category": "other"}, "phrase", "請輸入應避免的用語。"),
        (
            {"phrase": "不", "category": "other"},
            "phrase",
            "用語至少要有兩個固定的字，以免每則回覆都被標示。",
        ),
        ({"phrase": "(應該", "category": "other"}, "phrase", "括號沒有成對，請檢查「(」與「)」。"),
        (
            {"phrase": "這是(公司|我們的|本院所的)(規定|政策)", "category": "other"},
            "phrase",
            "此用語已在清單中。",
        ),
        ({"phrase": "新的用語", "category": "x"}, "category", "類別選項不正確。"),
        ({"phrase": "新的用語"}, "category", "請選擇類別。"),
    ],
)
def test_bad_phrases_are_422_with_field_errors(api_admin, payload, field, message):
    response = api_admin.post("/avoid-phrases", payload)

    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]


def test_templates_are_listed_created_changed_and_rendered_for_a_case(api_admin, api_cs, late_case):
    assert {t["channel"] for t in api_cs.get("/reply-templates").json()} == {
        "email",
        "social_public",
        "private_message",
        "phone_script",
        "letter",
    }
    response = api_admin.post(
        "/reply-templates",
        {
            "name": "簡訊：補課通知",
            "channel": "private_message",
            "body": "{客戶姓名}您好，案件 {案件編號}。",
        },
    )
    assert response.status_code == 201, response.content
    template_id = response.json()["id"]

    response = api_admin.put(f"/reply-templates/{template_id}", {"active": False})
    assert response.status_code == 200
    assert response.json()["body"] == "{客戶姓名}您好，案件 {案件編號}。"
    assert template_id not in [
        t["id"] for t in api_cs.get("/reply-templates", {"active": "true"}).json()
    ]

    response = api_cs.get(f"/reply-templates/{template_id}/render", {"complaint": late_case.number})
    assert response.json()["body"] == f"林美玲您好，案件 {late_case.number}。"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"channel": "email", "body": "x"}, "name", "請填寫範本名稱。"),
        ({"name": "n", "channel": "fax", "body": "x"}, "channel", "回覆管道選項不正確。"),
        (
            {"name": "n", "channel": "email", "body": "{客戶名稱}"},
            "body",
            "「{客戶名稱}」不是可用的欄位。",
        ),
    ],
)
def test_bad_templates_are_422_with_field_errors(api_admin, payload, field, message):
    response = api_admin.post("/reply-templates", payload)

    assert response.status_code == 422
    assert response.json()["errors"][field][0].startswith(message)


def test_placeholders_are_listed(api_cs):
    names = [p["name"] for p in api_cs.get("/reply-placeholders").json()]

    assert names[:3] == ["客戶姓名", "案件編號", "接收日期"]


def test_sending_a_reply_logs_a_communication(
    api_cs, late_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_cs.post(
            f"/complaints/{late_case.number}/replies",
            {"channel": "email", "subject": "關於您反映的情況", "body": CLEAN_REPLY, "key": "r1"},
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complaint"] == late_case.number
    assert body["message"]["to"] == "mei@example.test"
    communication = Communication.objects.get(pk=body["communication"])
    assert communication.complaint == late_case
    assert len(mail.outbox) == 1
    listed = api_cs.get(f"/complaints/{late_case.number}/replies").json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert listed[0]["message"]["status"] == "sent"


def test_a_blocked_reply_is_422_with_every_finding(api_cs, late_case):
    response = api_cs.post(
        f"/complaints/{late_case.number}/replies",
        {"channel": "email", "subject": "主旨", "body": DRAFT},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "回覆中還有未填入的欄位，請改成實際內容後再傳送。"
    assert {f["kind"] for f in body["findings"]} >= {"avoid-phrase", "placeholder", "structure"}
    assert SentReply.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"channel": "fax", "subject": "s", "body": "x"},
            "channel",
            "請選擇電子郵件、簡訊或 LINE。",
        ),
        ({"channel": "email", "body": "林小姐您好"}, "subject", "電子郵件請填寫主旨。"),
        ({"channel": "email", "subject": "s"}, "body", "請填寫訊息內容。"),
        (
            {"channel": "email", "subject": "s", "body": "x", "template": 999999},
            "template",
            "找不到此範本。",
        ),
        (
            {"channel": "email", "subject": "s", "body": "x", "is_solution": "maybe"},
            "is_solution",
            "請輸入是或否（true/false）。",
        ),
    ],
)
def test_bad_replies_are_422_with_field_errors(api_cs, late_case, payload, field, message):
    response = api_cs.post(f"/complaints/{late_case.number}/replies", payload)

    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]
    assert Communication.objects.count() == 0


def test_branch_b_cannot_send_or_list_replies_of_a_branch_a_case(cs_b, late_case):
    api = ApiClient(cs_b)
    payload = {"channel": "email", "subject": "主旨", "body": CLEAN_REPLY}

    assert api.post(f"/complaints/{late_case.number}/replies", payload).status_code == 404
    assert api.get(f"/complaints/{late_case.number}/replies").status_code == 404
    template = ReplyTemplate.objects.first()
    assert (
        api.get(
            f"/reply-templates/{template.pk}/render", {"complaint": late_case.number}
        ).status_code
        == 404
    )
    assert Communication.objects.count() == 0


def test_a_closed_case_is_409_citing_5_6_3(api_cs, late_case):
    Complaint.objects.filter(pk=late_case.pk).update(state=State.CLOSED)

    response = api_cs.post(
        f"/complaints/{late_case.number}/replies",
        {"channel": "email", "subject": "主旨", "body": CLEAN_REPLY},
    )

    assert response.status_code == 409
    assert "5.6.3" in response.json()["detail"]
