"""The reply pages: templates and the avoid-list (/replies/), and the composer of a case."""

import re

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from careloop.complaints.models import Communication
from careloop.replies.models import AvoidPhrase, ReplyTemplate, SentReply
from tests.replies.conftest import CLEAN_REPLY, DRAFT

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def marks(html: str) -> list[str]:
    return re.findall(r"<mark [^>]*>([^<]*)</mark>", html)


# --- /replies/ ---------------------------------------------------------------------------------


def test_everyone_on_complaints_reads_the_lists_only_administrators_see_edit_links(
    client, cs_a, administrator, django_assert_max_num_queries
):
    client.force_login(cs_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("replies:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "電子郵件：調查結果與處理方式" in html
    assert "這是(公司|我們的|本院所的)(規定|政策)" in html
    assert reverse("replies:phrase_new") not in html

    client.force_login(administrator)
    html = client.get(reverse("replies:index")).content.decode()
    assert reverse("replies:phrase_new") in html


def test_the_index_query_count_does_not_grow_with_the_lists(
    client, administrator, django_assert_max_num_queries
):
    for n in range(20):
        AvoidPhrase.objects.create(
            phrase=f"第{n}號用語", category="other", updated_by=administrator
        )
        ReplyTemplate.objects.create(
            name=f"範本{n}", channel="email", body="內容", updated_by=administrator
        )
    client.force_login(administrator)

    with django_assert_max_num_queries(8):
        assert client.get(reverse("replies:index")).status_code == 200


def test_a_phrase_added_through_the_page_is_flagged_on_the_next_check(
    client, administrator, cs_a, late_case
):
    client.force_login(administrator)
    response = client.post(
        reverse("replies:phrase_new"),
        {
            "phrase": "「恕不(退還|退費)」",
            "category": "other",
            "suggestion": "說明可行的做法",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert AvoidPhrase.objects.filter(phrase="恕不(退還|退費)", updated_by=administrator).exists()

    client.force_login(cs_a)
    response = client.post(
        reverse("replies:compose_check", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "subject": "", "body": "療程費用恕不退費。"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "恕不退費" in marks(response.content.decode())


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"phrase": "", "category": "other"}, "請輸入應避免的用語。"),
        ({"phrase": "應該是物流/其他部門的責任", "category": "other"}, "多種寫法請用括號"),
        ({"phrase": "不", "category": "other"}, "用語至少要有兩個固定的字"),
        (
            {"phrase": "這是(公司|我們的|本院所的)(規定|政策)", "category": "other"},
            "此用語已在清單中。",
        ),
        ({"phrase": "新的用語", "category": "nonsense"}, "類別選項不正確。"),
    ],
)
def test_a_bad_phrase_shows_the_error_beside_the_field(client, administrator, data, field_error):
    client.force_login(administrator)
    count = AvoidPhrase.objects.count()

    response = client.post(reverse("replies:phrase_new"), data)

    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert 'class="field-error"' in response.content.decode()
    assert AvoidPhrase.objects.count() == count


def test_an_administrator_edits_a_template_and_unknown_fields_are_refused(client, administrator):
    template = ReplyTemplate.objects.get(channel="letter")
    client.force_login(administrator)
    url = reverse("replies:template_edit", args=[template.pk])
    assert client.get(url).status_code == 200

    data = {
        "name": template.name,
        "channel": "letter",
        "subject": template.subject,
        "body": "{客戶名稱} 您好",
        "position": 0,
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert "「{客戶名稱}」不是可用的欄位。" in response.content.decode()

    response = client.post(url, {**data, "body": "{客戶姓名} 您好，感謝您的來信。"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "{客戶姓名} 您好，感謝您的來信。"
    assert template.history.first().history_user == administrator


def test_an_administrator_deletes_a_phrase(client, administrator):
    phrase = AvoidPhrase.objects.get(phrase="不是我們的(錯|問題|責任)")
    client.force_login(administrator)

    response = client.post(reverse("replies:phrase_delete", args=[phrase.pk]))

    assert response.status_code == 302
    assert not AvoidPhrase.objects.filter(pk=phrase.pk).exists()


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "replies:phrase_new", []),
        ("post", "replies:phrase_new", []),
        ("get", "replies:template_new", []),
        ("post", "replies:phrase_delete", ["phrase"]),
    ],
)
def test_non_administrators_cannot_edit(client, cs_a, method, name, args):
    phrase = AvoidPhrase.objects.first()
    client.force_login(cs_a)
    url = reverse(name, args=[phrase.pk if a == "phrase" else a for a in args])

    response = getattr(client, method)(url, {"phrase": "新的用語", "category": "other"})

    assert response.status_code == 403
    assert AvoidPhrase.objects.filter(pk=phrase.pk).exists()
    assert not AvoidPhrase.objects.filter(phrase="新的用語").exists()


# --- the composer --------------------------------------------------------------------------------


def test_the_compose_page_fills_a_template_from_the_case(client, cs_a, late_case):
    template = ReplyTemplate.objects.get(channel="email")
    client.force_login(cs_a)

    response = client.get(
        reverse("replies:compose", args=[late_case.number]), {"template": template.pk}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "林美玲 您好" in html
    assert "治療師遲到二十分鐘" in html
    assert 'value="mei@example.test"' in html
    assert f'<input type="hidden" name="template" value="{template.pk}">' in html


def test_htmx_render_answers_the_panel(client, cs_a, late_case):
    template = ReplyTemplate.objects.get(channel="private_message")
    client.force_login(cs_a)

    response = client.get(
        reverse("replies:compose_render", args=[late_case.number]),
        {"template": template.pk},
        **HTMX,
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="replies-panel">')
    assert "林美玲您好" in html
    # No LINE ID on the case: a private message goes by SMS to the complainant's phone.
    assert 'value="0912-000-111"' in html


def test_the_recipient_follows_the_channel(client, cs_a, late_case):
    client.force_login(cs_a)

    response = client.get(
        reverse("replies:compose_recipient", args=[late_case.number]), {"channel": "sms"}, **HTMX
    )

    assert 'value="0912-000-111"' in response.content.decode()


def test_check_marks_the_findings_on_the_text(client, cs_a, late_case):
    client.force_login(cs_a)

    response = client.post(
        reverse("replies:compose_check", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "subject": "", "body": DRAFT},
        **HTMX,
    )

    html = response.content.decode()
    assert marks(html) == ["{客戶姓名}", "這是公司規定", "您可能誤會了"]
    assert "缺少道歉或同理" in html
    assert "請先修改紅色標示的地方" in html


def test_check_without_javascript_shows_the_page_with_the_marks(client, cs_a, late_case):
    client.force_login(cs_a)

    response = client.post(
        reverse("replies:compose_check", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "subject": "主旨", "body": DRAFT},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "這是公司規定" in marks(html)
    assert "您可能誤會了" in html  # the textarea keeps the text being edited


def test_a_clean_reply_checks_clean(client, cs_a, late_case):
    cs_a.full_name = "張美惠"
    cs_a.save()
    client.force_login(cs_a)

    response = client.post(
        reverse("replies:compose_check", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "body": CLEAN_REPLY},
        **HTMX,
    )

    assert "檢查通過" in response.content.decode()


def test_sending_from_the_page_sends_logs_and_returns_to_the_case(
    client, cs_a, late_case, django_capture_on_commit_callbacks
):
    client.force_login(cs_a)
    data = {
        "channel": "email",
        "to": "",
        "subject": "關於您反映的情況",
        "body": CLEAN_REPLY,
        "key": "k1",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("replies:compose_send", args=[late_case.number]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[late_case.number]) + (
        "#replies-panel"
    )
    assert mail.outbox[0].to == ["mei@example.test"]  # the case's address, the field left empty
    assert Communication.objects.filter(complaint=late_case).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("replies:compose_send", args=[late_case.number]), data)
    assert len(mail.outbox) == 1  # a second submission of the same form sends nothing


def test_sending_with_htmx_reloads_the_case_page(
    client, cs_a, late_case, django_capture_on_commit_callbacks
):
    client.force_login(cs_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("replies:compose_send", args=[late_case.number]),
            {"channel": "email", "to": "mei@example.test", "subject": "主旨", "body": CLEAN_REPLY},
            **HTMX,
        )

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("complaints:detail", args=[late_case.number]))
    assert response["HX-Refresh"] == "true"  # same page: only a reload shows the new reply


def test_a_blocked_reply_answers_422_with_the_reasons_and_the_marks(client, cs_a, late_case):
    client.force_login(cs_a)

    response = client.post(
        reverse("replies:compose_send", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "subject": "主旨", "body": DRAFT},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "回覆中還有未填入的欄位" in html
    assert marks(html) == ["{客戶姓名}", "這是公司規定", "您可能誤會了"]
    assert SentReply.objects.count() == 0


def test_bad_input_shows_field_errors(client, cs_a, late_case):
    client.force_login(cs_a)

    response = client.post(
        reverse("replies:compose_send", args=[late_case.number]),
        {"channel": "fax", "to": "x", "body": ""},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "請選擇電子郵件、簡訊或 LINE。" in html
    assert "請填寫回覆內容。" in html


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "replies:compose"),
        ("get", "replies:compose_render"),
        ("get", "replies:compose_recipient"),
        ("post", "replies:compose_check"),
        ("post", "replies:compose_send"),
    ],
)
def test_branch_b_cannot_compose_on_a_branch_a_case(client, cs_b, late_case, method, name):
    client.force_login(cs_b)
    data = {"channel": "email", "to": "mei@example.test", "subject": "主旨", "body": CLEAN_REPLY}

    response = getattr(client, method)(reverse(name, args=[late_case.number]), data)

    assert response.status_code == 404
    assert Communication.objects.count() == 0


def test_a_therapist_sees_the_panel_without_the_composer_and_cannot_send(
    client, therapist_a, late_case
):
    client.force_login(therapist_a)

    html = client.get(reverse("replies:compose", args=[late_case.number])).content.decode()
    assert "只有客戶服務部、主管或本案負責人可以回覆客戶。" in html
    assert 'id="reply-composer"' not in html

    response = client.post(
        reverse("replies:compose_send", args=[late_case.number]),
        {"channel": "email", "to": "mei@example.test", "subject": "主旨", "body": CLEAN_REPLY},
    )
    assert response.status_code == 403
    assert Communication.objects.count() == 0


def test_the_case_panel_tag_renders_the_composer_and_sent_replies(
    rf: RequestFactory,
    cs_a,
    late_case,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    from careloop.replies.services import reply_send

    with django_capture_on_commit_callbacks(execute=True):
        reply_send(
            complaint=late_case,
            channel="email",
            to="mei@example.test",
            subject="主旨",
            body=CLEAN_REPLY,
            by=cs_a,
        )
    request = rf.get("/")
    request.user = cs_a

    with django_assert_max_num_queries(6):
        html = Template("{% load replies %}{% reply_case_panel c %}").render(
            Context({"request": request, "c": late_case})
        )

    assert 'id="replies-panel"' in html
    assert 'id="reply-composer"' in html
    assert "mei@example.test" in html
    assert "已發送" in html
