"""Staff pages: the list with NPS (branch-scoped, filtered, bounded queries), one survey, and the
case page's panel with its send / resend button."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.models import State
from careloop.messaging.models import OutboundMessage
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse
from careloop.surveys.services import survey_answer
from tests.complaints.test_core_workflow import advance
from tests.factories import UserFactory
from tests.surveys.conftest import expire

pytestmark = pytest.mark.django_db

ANSWER = {"satisfaction": 9, "recommend": 10, "went_well": "處理很迅速", "to_improve": ""}


def _rows(html: str) -> str:
    start = html.index('class="table survey-list"')
    return html[start : html.index("</table>", start)]


@pytest.fixture
def many_surveys(senior, make_complaint, branch_a, branch_b):
    """n answered complaint surveys at branch A and one waiting at branch B."""

    def make(n: int) -> None:
        now = timezone.now()
        for i in range(n):
            complaint = make_complaint(complainant_name=f"甲{i:02d}", by=senior)
            survey = Survey.objects.create(
                kind=SurveyKind.COMPLAINT_RESOLVED,
                branch=branch_a,
                complaint=complaint,
                customer=None,
                recipient_name=complaint.complainant_name,
                channel="sms",
                recipient="+886912000111",
                nonce="n",
                sent_by=senior,
                sent_at=now - dt.timedelta(hours=i + 1),
                expires_at=now + dt.timedelta(days=29),
                answered_at=now,
            )
            SurveyResponse.objects.create(
                survey=survey, satisfaction=8, recommend=i % 11, answered_at=now
            )
        complaint = make_complaint(branch=branch_b, complainant_name="乙客戶", by=senior)
        Survey.objects.create(
            kind=SurveyKind.COMPLAINT_RESOLVED,
            branch=branch_b,
            complaint=complaint,
            recipient_name="乙客戶",
            nonce="n",
            sent_by=senior,
            expires_at=now + dt.timedelta(days=30),
        )

    return make


def test_given_surveys_in_two_branches_then_branch_b_staff_list_only_theirs(
    client, many_surveys, therapist_b
):
    many_surveys(3)
    client.force_login(therapist_b)
    response = client.get(reverse("surveys:list"))
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    assert "乙客戶" in rows
    assert "甲00" not in rows
    # and asking for branch A by its id is not a way in
    branch_a_id = Survey.objects.exclude(recipient_name="乙客戶").first().branch_id
    filtered = client.get(reverse("surveys:list"), {"branch": branch_a_id})
    assert "甲00" not in _rows(filtered.content.decode())
    assert "找不到此院所" in filtered.content.decode()


def test_given_a_branch_b_user_then_a_branch_a_survey_is_404(
    client, many_surveys, therapist_b, cs_a
):
    many_surveys(1)
    survey = Survey.objects.get(recipient_name="甲00")
    client.force_login(therapist_b)
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 404
    assert client.get(reverse("surveys:pt_f021", args=[survey.pk])).status_code == 404
    assert client.post(reverse("surveys:resend", args=[survey.pk])).status_code == 404
    client.force_login(cs_a)
    assert client.get(reverse("surveys:detail", args=[survey.pk])).status_code == 200


def test_given_a_user_without_a_role_then_403(client, branch_a):
    client.force_login(UserFactory(username="nobody", home_branch=branch_a))
    assert client.get(reverse("surveys:list")).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(
    client, many_surveys, senior, django_assert_max_num_queries
):
    many_surveys(5)
    client.force_login(senior)
    client.get(reverse("surveys:list"))  # warm the session
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("surveys:list"))
    many_surveys(25)
    with django_assert_max_num_queries(14) as large:
        response = client.get(reverse("surveys:list"))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert _rows(response.content.decode()).count("<tr>") == 1 + 32  # head + 30 at A + 2 at B


def test_the_list_shows_counts_and_nps(client, many_surveys, senior):
    # given 11 answers with recommend 0..10 at A (2 promoters, 2 passives, 7 detractors)
    many_surveys(11)
    client.force_login(senior)
    text = client.get(reverse("surveys:list")).content.decode()
    assert "寄出 12 份：已回覆 11、待回覆 1、已過期 0" in text
    # NPS = 2/11 − 7/11 = −45.45… → −45
    assert '<strong class="nps-total">-45</strong>' in text
    assert "推薦者 2、中立者 2、批評者 7" in text


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"kind": "complaint_resolved"}, {"甲00", "乙客戶"}),
        ({"kind": "package_completed"}, set()),
        ({"status": "answered"}, {"甲00"}),
        ({"status": "sent"}, {"乙客戶"}),
        ({"status": "expired"}, set()),
        ({"month": "2020-01"}, set()),
    ],
)
def test_the_list_filters(client, many_surveys, senior, params, expected):
    many_surveys(1)
    client.force_login(senior)
    rows = _rows(client.get(reverse("surveys:list"), params).content.decode())
    assert {name for name in ("甲00", "乙客戶") if name in rows} == expected


def test_the_month_filter_takes_the_sending_month(client, many_surveys, senior):
    many_surveys(1)
    client.force_login(senior)
    month = timezone.localtime(Survey.objects.get(recipient_name="乙客戶").sent_at)
    rows = _rows(client.get(reverse("surveys:list"), {"month": f"{month:%Y-%m}"}).content.decode())
    assert "乙客戶" in rows
    bad = client.get(reverse("surveys:list"), {"month": "2026-13"})
    assert bad.status_code == 200
    assert "月份格式不正確" in bad.content.decode()


def test_htmx_gets_the_results_only(client, many_surveys, senior):
    many_surveys(1)
    client.force_login(senior)
    response = client.get(reverse("surveys:list"), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert 'class="table survey-list"' in text
    assert "<html" not in text


def test_an_expired_survey_shows_as_expired(client, complaint_survey, cs_a):
    expire(complaint_survey)
    client.force_login(cs_a)
    rows = _rows(client.get(reverse("surveys:list"), {"status": "expired"}).content.decode())
    assert "已過期" in rows


# --- the case page's panel ----------------------------------------------------------------


def _panel(complaint, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load surveys %}{% survey_case_panel c %}")
    return template.render(Context({"c": complaint, "request": request}))


def test_panel_before_follow_up_explains_when_the_survey_goes(case_a, cs_a):
    html = _panel(case_a, cs_a)
    assert 'id="survey-panel"' in html
    assert "尚未寄送滿意度問卷" in html
    assert "系統會自動寄出問卷" in html
    assert "<button" not in html


def test_panel_shows_sent_then_answered_with_the_scores(complaint_survey, cs_a):
    html = _panel(complaint_survey.complaint, cs_a)
    assert "待回覆" in html
    assert "重新寄送問卷連結" in html
    survey_answer(survey=complaint_survey, values=ANSWER)
    html = _panel(complaint_survey.complaint, cs_a)
    assert "已回覆" in html
    assert "9/10" in html
    assert "10/10" in html
    assert "推薦者" in html
    assert "處理很迅速" in html
    assert "<button" not in html


def test_panel_offers_renewal_of_an_expired_link(complaint_survey, cs_a, therapist_a):
    expire(complaint_survey)
    html = _panel(complaint_survey.complaint, cs_a)
    assert "已過期" in html
    assert "重新寄送（延長 30 天）" in html
    # someone who does not handle the case sees no button
    assert "<button" not in _panel(complaint_survey.complaint, therapist_a)


def test_panel_runs_a_fixed_number_of_queries(complaint_survey, cs_a, django_assert_num_queries):
    _panel(complaint_survey.complaint, cs_a)
    with django_assert_num_queries(1):
        _panel(complaint_survey.complaint, cs_a)


def test_send_button_without_js_sends_and_redirects_to_the_panel(
    client, make_complaint, cs_a, pt_head_a, django_capture_on_commit_callbacks
):
    # given a case at follow-up whose survey did not go out (the hook was not run)
    case = make_complaint(criteria=["b_staff"], owner=cs_a)
    complaint = advance(case, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a)
    assert not Survey.objects.exists()
    client.force_login(cs_a)
    # when the handler presses 寄送滿意度問卷
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:complaint_send", args=[complaint.number]))
    # then the survey is sent and the case page's panel is where they land
    assert response.status_code == 302
    assert response["Location"].endswith("#survey-panel")
    assert Survey.objects.filter(complaint=complaint).count() == 1
    assert OutboundMessage.objects.filter(complaint=complaint).count() == 1
    # when pressed again at once (htmx): refused as a double click, with the reason in the panel
    again = client.post(
        reverse("surveys:complaint_send", args=[complaint.number]), HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 422
    assert "請 10 分鐘後再重新寄送" in again.content.decode()
    assert 'id="survey-panel"' in again.content.decode()
    assert OutboundMessage.objects.filter(complaint=complaint).count() == 1


def test_send_button_for_branch_b_is_404(client, resolved_case, therapist_b):
    client.force_login(therapist_b)
    response = client.post(reverse("surveys:complaint_send", args=[resolved_case.number]))
    assert response.status_code == 404


def test_resend_from_the_survey_page(client, complaint_survey, cs_a):
    expire(complaint_survey)
    Survey.objects.filter(pk=complaint_survey.pk).update(
        last_sent_at=timezone.now() - dt.timedelta(days=31)
    )
    client.force_login(cs_a)
    page = client.get(reverse("surveys:detail", args=[complaint_survey.pk])).content.decode()
    assert "重新寄送（延長 30 天）" in page
    response = client.post(reverse("surveys:resend", args=[complaint_survey.pk]), follow=True)
    assert "已重新寄出問卷連結" in response.content.decode()
    complaint_survey.refresh_from_db()
    assert complaint_survey.send_count == 2
    assert complaint_survey.expires_at > timezone.now()
