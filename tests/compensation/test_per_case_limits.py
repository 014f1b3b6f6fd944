"""Authority limits count per case, so a payout split into small grants needs the approval and
the settlement it would need whole; a grant sent twice with one key grants once (issue 19,
finding 1)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from careloop.compensation import services
from careloop.compensation.models import Compensation, Status
from careloop.compensation.selectors import approvals_pending_for, case_panel
from careloop.compensation.services import CompensationRefused
from careloop.grants.models import Grant
from tests.compensation.conftest import ApiClient

pytestmark = pytest.mark.django_db


def grant(case, by, value, *, key=""):
    return services.compensation_grant(
        complaint=case,
        value=value,
        kind="refund",
        description="退還部分療程費用",
        idempotency_key=key,
        by=by,
    )


def test_five_small_grants_by_customer_service_go_for_approval_once_past_the_limit(case_b, cs_a):
    # Given customer service (limit NT$2,000) splitting NT$9,000 into five grants on one case
    granted = [grant(case_b, cs_a, value) for value in (1800, 1800, 1800, 1800, 1800)]

    # Then the first is within the limit, and every grant that takes the case past it waits
    assert [k.status for k in granted] == [Status.APPROVED] + [Status.PENDING_APPROVAL] * 4
    request = granted[1].approval_request
    assert (request.value, request.case_total) == (1800, 3600)
    assert Grant.objects.filter(approval_required=True, compensation__complaint=case_b).count() == 4


def test_a_heads_two_9000_grants_need_senior_management_and_a_settlement(
    case_b, pt_head_a, senior, cs_a
):
    # Given a department head (limit NT$10,000) granting NT$9,000 twice on a B case
    first = grant(case_b, pt_head_a, 9000)
    second = grant(case_b, pt_head_a, 9000)

    # Then the second takes the case to NT$18,000 and waits for someone whose limit covers that
    assert first.status == Status.APPROVED
    assert second.status == Status.PENDING_APPROVAL
    assert second.approval_request.case_total == 18000
    assert approvals_pending_for(user=senior) == [second.approval_request]
    services.approval_decide(request=second.approval_request, approve=True, by=senior)

    # And neither can be marked paid before the customer signs a settlement (NT$18,000 in all)
    for compensation in (first, second):
        with pytest.raises(CompensationRefused) as refused:
            services.compensation_mark_done(compensation=compensation, by=cs_a)
        assert "累計 NT$18,000" in refused.value.messages[0]
        assert Compensation.objects.get(pk=compensation.pk).status == Status.APPROVED
    services.settlement_record(
        compensation=first, signed_on=timezone.localdate(), signed_by="林美玲", by=cs_a
    )
    assert services.compensation_mark_done(compensation=first, by=cs_a).status == Status.PAID


def test_an_approver_must_cover_the_cases_total_not_the_request_alone(
    case_b, cs_a, pt_head_a, senior
):
    # Given NT$9,000 granted by senior management, then NT$3,000 asked for by customer service
    grant(case_b, senior, 9000)
    request = grant(case_b, cs_a, 3000).approval_request
    assert request.case_total == 12000

    # Then a head (limit NT$10,000) does not see it among their approvals and may not decide it
    assert approvals_pending_for(user=pt_head_a) == []
    with pytest.raises(PermissionDenied) as refused:
        services.approval_decide(request=request, approve=True, by=pt_head_a)
    assert "累計將達 NT$12,000" in str(refused.value)
    # And senior management may
    services.approval_decide(request=request, approve=True, by=senior)
    assert Compensation.objects.get(pk=request.subject_id).status == Status.APPROVED


def test_a_rejected_or_pending_grant_does_not_count_toward_the_case(case_b, cs_a, pt_head_a):
    rejected = grant(case_b, cs_a, 2500).approval_request
    services.approval_decide(request=rejected, approve=False, note="金額過高", by=pt_head_a)
    # NT$2,500 rejected: the case has granted nothing, so NT$1,500 is within the limit
    assert grant(case_b, cs_a, 1500).status == Status.APPROVED


def test_a_grant_sent_twice_with_one_key_grants_once(case_b, cs_a):
    first = grant(case_b, cs_a, 1500, key="click-1")
    again = grant(case_b, cs_a, 1500, key="click-1")
    assert again.pk == first.pk
    assert Compensation.objects.filter(complaint=case_b).count() == 1
    # another key is another grant
    assert grant(case_b, cs_a, 300, key="click-2").pk != first.pk


def test_a_key_used_on_another_case_is_refused(make_case, cs_a):
    grant(make_case(), cs_a, 500, key="k")
    with pytest.raises(CompensationRefused):
        grant(make_case(), cs_a, 500, key="k")


def test_the_api_grants_once_per_idempotency_key(case_b, cs_a):
    api = ApiClient(cs_a)
    body = {"value": 1500, "kind": "refund", "description": "退費"}
    path = f"/api/v1/complaints/{case_b.number}/compensations"

    first = api.client.post(
        path, body, content_type="application/json", headers={"idempotency-key": "abc"}
    )
    again = api.client.post(
        path, body, content_type="application/json", headers={"idempotency-key": "abc"}
    )

    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["case_granted_total"] == 1500
    assert Compensation.objects.filter(complaint=case_b).count() == 1
    bad = api.client.post(
        path, body, content_type="application/json", headers={"idempotency-key": "x" * 65}
    )
    assert bad.status_code == 422
    assert "idempotency_key" in bad.json()["errors"]


def test_the_grant_form_carries_a_key_and_a_double_click_grants_once(client, case_b, cs_a):
    # Given the case's compensation panel, whose grant form carries a key made with it
    client.force_login(cs_a)
    html = client.get(reverse("compensation:case", args=[case_b.number])).content.decode()
    key = re.search(r'name="grant-idempotency_key" value="([0-9a-f]{32})"', html).group(1)
    data = {
        "grant-value": "1500",
        "grant-kind": "refund",
        "grant-description": "退費",
        "grant-idempotency_key": key,
    }

    # When the button is clicked twice
    url = reverse("compensation:grant", args=[case_b.number])
    client.post(url, data)
    client.post(url, data)

    # Then one compensation is granted, and the next form has a new key
    assert Compensation.objects.filter(complaint=case_b).count() == 1
    html = client.get(reverse("compensation:case", args=[case_b.number])).content.decode()
    assert f'value="{key}"' not in html


def test_a_payout_settled_before_a_later_grant_is_not_flagged_again(case_b, senior, cs_a):
    # Given NT$6,000 paid, then NT$6,000 more granted on the same case (NT$12,000 in all)
    paid = services.compensation_mark_done(compensation=grant(case_b, senior, 6000), by=senior)
    later = grant(case_b, senior, 6000)

    # Then only the one still to pay needs the settlement, on the panel and in the API
    panel = case_panel(complaint=case_b, user=cs_a)
    reasons = {line.compensation.pk: line.settlement_reason for line in panel.lines}
    assert reasons[paid.pk] == ""
    assert "累計 NT$12,000" in reasons[later.pk]
    api = ApiClient(cs_a)
    body = {k["id"]: k for k in api.get(f"/complaints/{case_b.number}/compensations").json()}
    assert body[paid.pk]["settlement_required"] is False
    assert body[later.pk]["settlement_required"] is True
    assert body[later.pk]["case_granted_total"] == 12000


def test_the_approvals_list_reads_the_cases_total_as_it_is_now(case_b, cs_a, pt_head_a, senior):
    # Given a NT$3,000 request (case total NT$3,000 when asked, within a head's NT$10,000)
    request = grant(case_b, cs_a, 3000).approval_request
    assert approvals_pending_for(user=pt_head_a) == [request]
    # When senior management grants NT$8,000 more on the case meanwhile
    grant(case_b, senior, 8000)
    # Then the head no longer sees a request they could not decide (NT$11,000 with it)
    assert approvals_pending_for(user=pt_head_a) == []
    assert approvals_pending_for(user=senior) == [request]


def test_the_page_says_the_cases_total_when_a_grant_goes_for_approval(client, case_b, cs_a):
    grant(case_b, cs_a, 1800)
    client.force_login(cs_a)
    data = {"grant-value": "1800", "grant-kind": "refund", "grant-description": "退費"}
    response = client.post(reverse("compensation:grant", args=[case_b.number]), data, follow=True)
    assert "使本案累計達 NT$3,600，超過您的授權上限 NT$2,000" in response.content.decode()


def test_a_tampered_idempotency_key_is_said_on_the_page_and_grants_nothing(client, case_b, cs_a):
    client.force_login(cs_a)
    data = {
        "grant-value": "800",
        "grant-kind": "refund",
        "grant-description": "退費",
        "grant-idempotency_key": "x" * 65,
    }
    response = client.post(reverse("compensation:grant", args=[case_b.number]), data)

    html = response.content.decode()
    assert response.status_code == 422
    assert (
        '<div class="form-errors" role="alert"><p>冪等鍵須為 1 至 64 個英數字或符號。</p>' in html
    )
    assert not Compensation.objects.filter(complaint=case_b).exists()
