"""The compensation pages: the case panel (htmx and without JS), the list, the panels as tags."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careloop.compensation import services
from careloop.compensation.models import Compensation, Offer, Settlement
from tests.compensation.conftest import MODERATE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _assess_data(**overrides):
    data = {f"assess-{k}": v for k, v in MODERATE.items()}
    data.update({f"assess-{k}": v for k, v in overrides.items()})
    return data


def _grant(case, by, value, kind="refund"):
    return services.compensation_grant(
        complaint=case, value=value, kind=kind, description="退部分費用", by=by
    )


def test_urls_and_login(client, case_b):
    assert reverse("compensation:list") == "/compensation/"
    assert reverse("compensation:case", args=[case_b.number]) == f"/compensation/{case_b.number}/"
    assert client.get("/compensation/").status_code == 302


def test_the_case_page_shows_the_empty_panel_with_the_assessment_form(client, case_b, cs_a):
    client.force_login(cs_a)
    response = client.get(reverse("compensation:case", args=[case_b.number]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        'id="compensation-panel"',
        "補償評估",
        "實際損失（權重 30%）",
        "信任損害（權重 20%）",
        'name="assess-actual_loss"',
        "四項因素都評分後",
        "您的授權上限：NT$2,000",
        "此案尚無補償。",
    ):
        assert text in html, text


def test_the_live_score_follows_the_ratings(client, case_b, cs_a):
    client.force_login(cs_a)
    url = reverse("compensation:assess_preview", args=[case_b.number])

    html = client.get(url, _assess_data(), **HTMX).content.decode()
    assert "評估分數 50 / 100" in html and "補償等級：中度" in html

    html = client.get(url, _assess_data(actual_loss=5, emotional_distress=5), **HTMX).content
    assert "補償等級：嚴重" in html.decode()
    html = client.get(url, _assess_data(trust_loss=""), **HTMX).content.decode()
    assert "四項因素都評分後" in html


def test_saving_the_assessment_with_htmx_swaps_the_panel(client, case_b, cs_a, package_3000):
    client.force_login(cs_a)
    url = reverse("compensation:assess", args=[case_b.number])

    response = client.post(url, _assess_data(purchase=package_3000.pk), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "已儲存補償評估。" in html and "評估分數 50 / 100" in html
    assert "依評估等級產生方案" in html
    assert case_b.compensation_assessment.affected_amount == 3000


def test_bad_assessment_input_shows_beside_its_field_and_saves_nothing(client, case_b, cs_a):
    client.force_login(cs_a)
    url = reverse("compensation:assess", args=[case_b.number])

    response = client.post(url, _assess_data(time_cost="", affected_amount="-3"), **HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "請為「時間成本」評分（0–5）。" in html
    assert "金額不可為負數。" in html
    assert not hasattr(type(case_b).objects.get(pk=case_b.pk), "compensation_assessment")


def test_without_javascript_a_post_redirects_back_with_a_message(client, case_b, cs_a):
    client.force_login(cs_a)
    response = client.post(reverse("compensation:assess", args=[case_b.number]), _assess_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("compensation:case", args=[case_b.number])
    assert "已儲存補償評估。" in client.get(response["Location"]).content.decode()


def test_offers_generated_edited_presented_chosen_and_granted_from_the_panel(
    client, case_b, cs_a, package_3000
):
    client.force_login(cs_a)
    services.assessment_save(complaint=case_b, ratings=MODERATE, purchase=package_3000, by=cs_a)
    number = case_b.number

    html = client.post(reverse("compensation:offers_generate", args=[number]), **HTMX)
    html = html.content.decode()
    assert "部分退費 30%＋等值贈品" in html and "部分退費 50%" in html
    first = Offer.objects.order_by("position").first()

    # A bad edit shows its error beside the field
    edit = reverse("compensation:offer_update", args=[number, first.pk])
    bad = client.post(
        edit,
        {
            f"offer-{first.pk}-kind": "refund_gift",
            f"offer-{first.pk}-title": "",
            f"offer-{first.pk}-refund_amount": "abc",
            f"offer-{first.pk}-benefit_value": "900",
        },
        **HTMX,
    )
    assert bad.status_code == 422
    assert "請填寫方案名稱。" in bad.content.decode()
    assert "請輸入整數金額（新台幣）。" in bad.content.decode()

    client.post(reverse("compensation:offers_present", args=[number]), **HTMX)
    assert Offer.objects.filter(presented_at__isnull=False).count() == 3
    choose = reverse("compensation:offer_choose", args=[number, first.pk])
    html = client.post(choose, {f"choice-{first.pk}-note": "選第一案"}, **HTMX).content.decode()
    assert "客戶選擇此方案" in html
    assert f"{first.title}</option>" in html  # offered in the grant form

    response = client.post(
        reverse("compensation:grant", args=[number]),
        {"grant-offer": first.pk, "grant-value": "", "grant-kind": "", "grant-description": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert "已核予補償 NT$1,800（在您的授權上限內）。" in html
    assert Compensation.objects.get().offer == first
    # The choice is final now: no more choice buttons, the offer is no longer offered to grant
    assert "記錄：客戶選擇此方案" not in html
    assert f"{first.title}</option>" not in html


def test_granting_above_the_limit_sends_it_for_approval_and_the_head_decides_on_the_case(
    client, case_b, cs_a, pt_head_a
):
    client.force_login(cs_a)
    data = {
        "grant-value": "2500",
        "grant-kind": "refund",
        "grant-description": "退一半",
        "grant-offer": "",
    }
    html = client.post(reverse("compensation:grant", args=[case_b.number]), data, **HTMX)
    assert "超過您的授權上限 NT$2,000，已送交核准" in html.content.decode()
    request = Compensation.objects.get().approval_request

    client.force_login(pt_head_a)
    page = client.get(reverse("compensation:case", args=[case_b.number])).content.decode()
    assert f'name="decide-{request.pk}-decision"' in page
    response = client.post(
        reverse("compensation:decide", args=[request.pk]),
        {f"decide-{request.pk}-decision": "approve", f"decide-{request.pk}-note": "同意"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "已記錄審核結果。" in response.content.decode()
    assert Compensation.objects.get().status == "approved"


def test_bad_grant_input_shows_beside_its_fields(client, case_b, cs_a):
    client.force_login(cs_a)
    response = client.post(
        reverse("compensation:grant", args=[case_b.number]),
        {"grant-value": "", "grant-kind": "", "grant-description": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "未依方案時，請填寫補償價值。" in html
    assert "未依方案時，請選擇補償類型。" in html
    assert not Compensation.objects.exists()


def test_marking_an_a_case_paid_is_refused_until_the_settlement_is_recorded(
    client, case_a, cs_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    compensation = _grant(case_a, cs_a, 1000)
    client.force_login(cs_a)
    page = client.get(reverse("compensation:case", args=[case_a.number])).content.decode()
    assert "A 級客訴的補償須先登錄客戶簽署的和解書" in page
    assert "disabled" in page

    paid = reverse("compensation:paid", args=[case_a.number, compensation.pk])
    response = client.post(paid, {f"done-{compensation.pk}-note": ""}, **HTMX)
    assert response.status_code == 422
    assert "A 級客訴的補償須先登錄客戶簽署的和解書" in response.content.decode()

    settle = reverse("compensation:settlement", args=[case_a.number, compensation.pk])
    bad = client.post(settle, {f"settle-{compensation.pk}-signed_by": ""}, **HTMX)
    assert bad.status_code == 422
    assert "請填寫簽署日期。" in bad.content.decode()
    ok = client.post(
        settle,
        {
            f"settle-{compensation.pk}-signed_on": timezone.localdate().isoformat(),
            f"settle-{compensation.pk}-signed_by": "林美玲",
        },
        **HTMX,
    )
    assert "已登錄和解書。" in ok.content.decode()
    assert Settlement.objects.get().recorded_by == cs_a

    response = client.post(paid, {f"done-{compensation.pk}-note": "已退款"}, **HTMX)
    assert "已標記為已支付" in response.content.decode()


def test_branch_b_gets_404_for_branch_a_pages(client, case_b, cs_a, cs_b):
    compensation = _grant(case_b, cs_a, 2500)
    client.force_login(cs_b)
    number = case_b.number
    assert client.get(reverse("compensation:case", args=[number])).status_code == 404
    assert client.post(reverse("compensation:assess", args=[number])).status_code == 404
    assert (
        client.post(reverse("compensation:paid", args=[number, compensation.pk])).status_code == 404
    )
    assert (
        client.post(
            reverse("compensation:decide", args=[compensation.approval_request.pk])
        ).status_code
        == 404
    )
    assert number not in client.get("/compensation/").content.decode()


def test_a_therapist_sees_the_panel_without_forms(client, case_b, cs_a, therapist_a):
    _grant(case_b, cs_a, 1500)
    client.force_login(therapist_a)
    html = client.get(reverse("compensation:case", args=[case_b.number])).content.decode()
    assert "NT$1,500" in html
    assert 'name="assess-actual_loss"' not in html
    assert 'id="grant-form"' not in html
    response = client.post(reverse("compensation:assess", args=[case_b.number]), _assess_data())
    assert response.status_code == 302  # refused with a message, nothing saved
    assert not Compensation.objects.filter(status="x").exists()


# --- the list ----------------------------------------------------------------------------------


def test_the_list_filters_by_status_month_and_flag(client, make_case, cs_a):
    for value in (100, 200, 2500):
        _grant(make_case(), cs_a, value)
    client.force_login(cs_a)

    html = client.get("/compensation/").content.decode()
    assert "共 3 筆" in html and "待審查" in html  # three compensated complaints
    html = client.get("/compensation/", {"status": "pending_approval"}).content.decode()
    assert "共 1 筆" in html and "NT$2,500" in html
    html = client.get("/compensation/", {"month": "2001-01"}).content.decode()
    assert "共 0 筆" in html
    response = client.get("/compensation/", {"month": "2026-13"})
    assert response.status_code == 422
    assert "月份格式不正確" in response.content.decode()


def test_the_list_runs_a_bounded_number_of_queries(
    client, make_case, cs_a, django_assert_max_num_queries
):
    client.force_login(cs_a)
    for _ in range(3):
        _grant(make_case(), cs_a, 100)
    client.get("/compensation/")
    with CaptureQueriesContext(connection) as small:
        client.get("/compensation/")
    for _ in range(12):
        _grant(make_case(), cs_a, 2500)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/compensation/")
    assert "共 15 筆" in response.content.decode()


# --- the panels as tags ------------------------------------------------------------------------


def _render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template(template).render(Context({"request": request, **context}))


def test_the_case_panel_tag_renders_for_the_complaint_page(case_b, cs_a):
    _grant(case_b, cs_a, 1500)
    html = _render("{% load compensation %}{% compensation_case_panel c %}", cs_a, c=case_b)
    assert 'id="compensation-panel"' in html and "NT$1,500" in html

    from tests.factories import UserFactory

    nobody = UserFactory(home_branch=case_b.branch)
    tag = "{% load compensation %}{% compensation_case_panel c %}"
    assert _render(tag, nobody, c=case_b).strip() == ""


def test_the_complaint_page_loads_the_panel_when_scrolled_to(client, case_b, cs_a, cs_b):
    _grant(case_b, cs_a, 1500)
    client.force_login(cs_a)
    html = client.get(reverse("complaints:detail", args=[case_b.number])).content.decode()
    panel_url = reverse("compensation:case", args=[case_b.number])

    # The page holds a placeholder, not the panel: its forms and records are not read
    assert f'hx-get="{panel_url}" hx-trigger="revealed"' in html
    assert f'<a href="{panel_url}">開啟補償評估與方案</a>' in html  # without JavaScript
    assert "NT$1,500" not in html and 'name="assess-actual_loss"' not in html

    # What the placeholder loads is the whole panel, for this user only
    panel = client.get(panel_url, **HTMX)
    assert panel.status_code == 200
    assert panel.content.decode().lstrip().startswith('<section class="card compensation-panel"')
    assert "NT$1,500" in panel.content.decode()
    client.force_login(cs_b)
    assert client.get(panel_url, **HTMX).status_code == 404


def test_the_customer_panel_tag_shows_compensations_against_spend(
    case_b, cs_a, customer, package_3000
):
    _grant(case_b, cs_a, 1500)
    html = _render(
        "{% load compensation %}{% compensation_customer_panel customer %}",
        cs_a,
        customer=customer,
    )
    assert 'id="compensation-customer-panel"' in html
    assert "NT$1,500" in html and "NT$3,000" in html and "50.0%" in html
    assert case_b.number in html


def test_the_customer_panel_counts_every_compensation_and_adds_up_the_granted_ones(
    case_a, case_b, cs_a, customer, package_3000
):
    # Given one compensation granted within authority and one above it, awaiting approval
    _grant(case_b, cs_a, 1500)
    pending = _grant(case_a, cs_a, 2500)
    assert pending.status == "pending_approval"
    html = _render(
        "{% load compensation %}{% compensation_customer_panel customer %}",
        cs_a,
        customer=customer,
    )
    # Then both are listed and only the granted one counts towards the total
    assert case_a.number in html and case_b.number in html
    assert "獲核補償合計</dt><dd>NT$1,500" in html


def test_the_customer_panel_of_a_customer_without_compensation_skips_the_list(
    cs_a, customer, package_3000
):
    with CaptureQueriesContext(connection) as queries:
        html = _render(
            "{% load compensation %}{% compensation_customer_panel customer %}",
            cs_a,
            customer=customer,
        )
    assert "尚無補償記錄。" in html and "NT$3,000" in html
    assert not any("compensation_compensation" in q["sql"] and "LIMIT" in q["sql"] for q in queries)


def test_the_customer_panel_flag_review_from_the_customer_page(
    client, make_case, cs_a, pt_head_a, customer
):
    for _ in range(3):
        _grant(make_case(), cs_a, 100)
    flag = customer.compensation_flags.get()
    html = _render(
        "{% load compensation %}{% compensation_customer_panel customer %}",
        pt_head_a,
        customer=customer,
    )
    assert "補償審查：此客戶 12 個月內已有 3 件獲補償的客訴" in html
    assert reverse("compensation:flag_review", args=[flag.pk]) in html

    client.force_login(pt_head_a)
    url = reverse("compensation:flag_review", args=[flag.pk])
    bad = client.post(url, {"flag-note": ""}, **HTMX)
    assert bad.status_code == 422 and "請填寫審查意見。" in bad.content.decode()
    response = client.post(url, {"flag-note": "皆屬實"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.number])
    flag.refresh_from_db()
    assert flag.acknowledged_by == pt_head_a
