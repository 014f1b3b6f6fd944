"""The worklist's section of compensation approvals (domain.md §4, 分層授權)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.accounts.services import api_token_create
from careloop.compensation.models import Compensation
from careloop.compensation.services import approval_decide, compensation_grant
from careloop.complaints.services import complaint_intake
from careloop.worklist.selectors import worklist_approvals

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/worklist/"


@pytest.fixture
def ask(cs_a, branch_a, departments):
    """Customer service asks for a compensation above its NT$2,000 limit on a new case."""

    def make(value=2500):
        case = complaint_intake(
            values={
                "branch": branch_a,
                "complainant_name": "林美玲",
                "complainant_phone": "+886912000111",
                "channel": "phone",
                "received_at": timezone.now() - dt.timedelta(hours=1),
                "description": "治療師遲到二十分鐘。",
            },
            criteria=["b_staff"],
            departments=[departments["physiotherapy"]],
            by=cs_a,
        )
        return compensation_grant(
            complaint=case, value=value, kind="refund", description="退還半數療程費用", by=cs_a
        ).approval_request

    return make


def _decide(request, decision="approve", note=""):
    return {
        "from": "worklist",
        f"decide-{request.pk}-decision": decision,
        f"decide-{request.pk}-note": note,
    }


def test_a_department_head_sees_the_request_on_the_worklist_page(client, ask, pt_head_a, cs_a):
    request = ask()
    client.force_login(pt_head_a)

    html = client.get(URL).content.decode()

    assert 'id="approvals"' in html
    for text in (
        "待核准補償",
        "NT$2,500",
        request.compensation.complaint.number,
        "退還半數療程費用",
    ):
        assert text in html, text
    assert f'name="decide-{request.pk}-decision"' in html
    # The contact-line count is unchanged by the approvals
    assert "共 0 項待辦" in html

    client.force_login(cs_a)
    assert 'id="approvals"' not in client.get(URL).content.decode()


def test_deciding_from_the_worklist_swaps_the_section(client, ask, pt_head_a):
    first, second = ask(), ask(2600)
    client.force_login(pt_head_a)

    response = client.post(
        f"/compensation/approvals/{first.pk}/decide/", _decide(first, note="同意"), **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "已記錄審核結果。" in html
    assert f"approval-{first.pk}" not in html and f"approval-{second.pk}" in html
    assert Compensation.objects.get(pk=first.subject_id).status == "approved"


def test_a_rejection_without_a_reason_shows_beside_the_note(client, ask, pt_head_a):
    request = ask()
    client.force_login(pt_head_a)

    response = client.post(
        f"/compensation/approvals/{request.pk}/decide/", _decide(request, "reject"), **HTMX
    )

    assert response.status_code == 422
    assert "駁回時請說明理由。" in response.content.decode()
    assert Compensation.objects.get(pk=request.subject_id).status == "pending_approval"


def test_a_request_decided_meanwhile_says_so(client, ask, pt_head_a, senior):
    request = ask()
    approval_decide(request=request, approve=True, by=senior)
    client.force_login(pt_head_a)

    response = client.post(
        f"/compensation/approvals/{request.pk}/decide/", _decide(request), **HTMX
    )

    assert response.status_code == 422
    assert "已由" in response.content.decode()


def test_without_javascript_the_decision_redirects_to_the_worklist(client, ask, pt_head_a):
    request = ask()
    client.force_login(pt_head_a)

    response = client.post(
        f"/compensation/approvals/{request.pk}/decide/", _decide(request, "reject", "太高")
    )

    assert response.status_code == 302
    assert response["Location"] == "/worklist/#approvals"
    assert Compensation.objects.get(pk=request.subject_id).status == "rejected"


def test_the_api_lists_the_approvals_for_the_head_only(ask, pt_head_a, cs_a, therapist_a):
    request = ask()

    def get(user):
        _token, key = api_token_create(user=user, name="pytest")
        return Client(headers={"authorization": f"Bearer {key}"}).get("/api/v1/worklist").json()

    body = get(pt_head_a)
    assert [(a["id"], a["value"], a["requested_by"]) for a in body["approvals"]] == [
        (request.pk, 2500, str(cs_a))
    ]
    assert body["count"] == 0
    assert get(cs_a)["approvals"] == []
    assert get(therapist_a)["approvals"] == []


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_section_runs_the_same_queries_for_2_or_12_requests(client, ask, pt_head_a):
    for _ in range(2):
        ask()
    client.force_login(pt_head_a)
    _page_queries(client)
    small = _page_queries(client)

    for _ in range(10):
        ask()
    assert _page_queries(client) == small
    head = type(pt_head_a).objects.get(pk=pt_head_a.pk)
    with CaptureQueriesContext(connection) as ctx:
        # Roles, their limits, the user's branches, the requests with all they show
        found = worklist_approvals(user=head)
        for request in found:
            str(request.requested_by), request.compensation.complaint.number, request.branch.name
    assert len(found) == 12
    assert len(ctx.captured_queries) <= 4


def test_the_api_runs_the_same_queries_for_2_or_12_requests(ask, pt_head_a):
    _token, key = api_token_create(user=pt_head_a, name="pytest")
    api = Client(headers={"authorization": f"Bearer {key}"})
    for _ in range(2):
        ask()
    api.get("/api/v1/worklist")
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/worklist")
    for _ in range(10):
        ask()
    with CaptureQueriesContext(connection) as large:
        body = api.get("/api/v1/worklist").json()
    assert len(body["approvals"]) == 12
    assert len(large.captured_queries) == len(small.captured_queries)
