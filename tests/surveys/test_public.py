"""The public page /survey/<token>/: the form, one answer, expiry, bad tokens, rate limit, and
where the answer shows afterwards (the customer page and the case page)."""

from __future__ import annotations

import pytest
from django.core import signing
from django.urls import reverse

from careloop.complaints.models import Complaint
from careloop.surveys import public
from careloop.surveys.models import SurveyResponse, SurveyVisit
from careloop.surveys.tokens import SALT, survey_token
from tests.surveys.conftest import GOOD_ANSWER, answer_url, expire

pytestmark = pytest.mark.django_db


def test_given_a_valid_link_then_the_form_shows_on_a_phone_without_login(client, complaint_survey):
    response = client.get(answer_url(complaint_survey))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="viewport"' in text
    assert "客戶滿意度調查" in text
    assert "您對這次意見的處理結果滿意嗎？" in text  # the complaint wording
    assert "您有多大可能向親友推薦我們？" in text
    assert text.count('name="recommend"') == 11  # 0–10
    assert text.count('name="satisfaction"') == 10  # 1–10
    assert complaint_survey.complaint.number not in text  # nothing internal on a public page


def test_given_a_package_survey_then_the_form_names_the_package(
    client, three_sessions, use_sessions
):
    use_sessions(three_sessions, 3)
    survey = three_sessions.surveys.get()
    text = client.get(answer_url(survey)).content.decode()
    assert "肩頸放鬆療程 3 堂組" in text
    assert "您對這次的服務滿意嗎？" in text


def test_given_an_answer_then_thanks_and_a_second_answer_is_refused_with_the_reason(
    client, complaint_survey
):
    url = answer_url(complaint_survey)
    # when the customer answers
    response = client.post(url, GOOD_ANSWER)
    # then they are thanked
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:thanks", args=[survey_token(complaint_survey)])
    assert "感謝您撥冗填寫" in client.get(response["Location"]).content.decode()
    # when the same link is submitted again
    again = client.post(url, {**GOOD_ANSWER, "satisfaction": "1"})
    # then it is refused, and the page says why
    assert again.status_code == 409
    assert "此問卷已經填寫過了" in again.content.decode()
    assert "只能填寫一次" in again.content.decode()
    assert SurveyResponse.objects.get().satisfaction == 9
    # and opening the link again says the same, without a form
    reopened = client.get(url)
    assert reopened.status_code == 200
    assert "此問卷已經填寫過了" in reopened.content.decode()
    assert 'name="satisfaction"' not in reopened.content.decode()


def test_given_an_expired_link_then_the_page_says_so_and_takes_nothing(client, complaint_survey):
    expire(complaint_survey)
    url = answer_url(complaint_survey)
    shown = client.get(url)
    assert shown.status_code == 410
    assert "此問卷連結已過期" in shown.content.decode()
    posted = client.post(url, GOOD_ANSWER)
    assert posted.status_code == 410
    assert "此問卷連結已過期" in posted.content.decode()
    assert not SurveyResponse.objects.exists()


def _tampered(survey) -> list[str]:
    token = survey_token(survey)
    value, signature = token.rsplit(":", 1)
    survey_id, nonce = value.split(".")
    other_salt = signing.Signer(salt="another.salt").sign(value)
    return [
        f"{int(survey_id) + 1}.{nonce}:{signature}",  # another survey's id, same signature
        token[:-3],  # truncated in the SMS
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        signing.Signer(salt=SALT).sign(f"{survey_id}.wrongnonce"),  # our signature, old nonce
        signing.Signer(salt=SALT).sign("999999.x"),  # a survey that does not exist
        signing.Signer(salt=SALT).sign("abc"),  # no id at all
        other_salt,
        "not-a-token",
        "%E4%B8%AD",
    ]


def test_given_a_tampered_token_then_a_clear_message_and_404_never_500(client, complaint_survey):
    for token in _tampered(complaint_survey):
        for method in (client.get, client.post):
            response = method(f"/survey/{token}/", GOOD_ANSWER if method == client.post else {})
            assert response.status_code == 404, token
            assert "問卷連結無效" in response.content.decode(), token
    assert not SurveyResponse.objects.exists()
    # and the thanks page of a bad token goes back to the message, not to a 500
    assert client.get(f"/survey/{_tampered(complaint_survey)[0]}/thanks/").status_code == 302


def test_given_the_thanks_page_before_answering_then_back_to_the_form(client, complaint_survey):
    token = survey_token(complaint_survey)
    response = client.get(reverse("survey:thanks", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:answer", args=[token])


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"satisfaction": ""}, "satisfaction", "請選擇 1 到 10 分。"),
        ({"satisfaction": "11"}, "satisfaction", "請選擇 1 到 10 分。"),
        ({"satisfaction": "0"}, "satisfaction", "請選擇 1 到 10 分。"),
        ({"recommend": "ten"}, "recommend", "請選擇 0 到 10 分。"),
        ({"recommend": ""}, "recommend", "請選擇 0 到 10 分。"),
        ({"went_well": "好" * 2001}, "went_well", "2000"),
    ],
)
def test_given_bad_input_then_the_error_shows_beside_the_field(
    client, complaint_survey, changes, field, message
):
    response = client.post(answer_url(complaint_survey), {**GOOD_ANSWER, **changes})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_given_many_requests_from_one_sender_then_429(client, complaint_survey):
    url = answer_url(complaint_survey)
    for _ in range(public.VISIT_LIMIT):
        assert client.get(url).status_code == 200
    limited = client.get(url)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert "請稍後再試" in limited.content.decode()
    # another sender is not affected
    other = client.get(url, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200
    assert SurveyVisit.objects.count() == public.VISIT_LIMIT + 1


def test_given_an_answer_then_the_score_shows_on_the_customer_page(
    client, complaint_survey, customer_a, front_desk
):
    client.post(answer_url(complaint_survey), {**GOOD_ANSWER, "satisfaction": "7"})
    client.force_login(front_desk)
    response = client.get(reverse("customers:detail", args=[customer_a.number]))
    text = response.content.decode()
    section = text[text.index('id="satisfaction-panel"') :]
    section = section[: section.index("</section>")]
    assert "<strong>7</strong>" in section  # 最近一次
    assert "7/10" in section
    assert "處理很迅速" in section


def test_given_an_answer_then_the_score_shows_on_the_case_page(client, complaint_survey, cs_a):
    client.post(answer_url(complaint_survey), {**GOOD_ANSWER, "satisfaction": "7"})
    complaint = Complaint.objects.get(pk=complaint_survey.complaint_id)
    assert complaint.satisfaction_score == 7
    client.force_login(cs_a)
    text = client.get(reverse("complaints:detail", args=[complaint.number])).content.decode()
    closing = text[text.index('id="closing-panel"') :]
    closing = closing[: closing.index("</section>")]
    assert "7/10" in closing
    assert "滿意度問卷" in closing
