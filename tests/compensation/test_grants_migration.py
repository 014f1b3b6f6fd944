"""Compensation 0004 moves approvals onto the authority kernel without losing one: every
compensation gets its Grant (the request it waited on, or its approval at once) with history."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("compensation", "0003_note_length_limits")]


@pytest.mark.django_db(transaction=True)
def test_old_approval_requests_become_grants(case_b, cs_a, dept_head_a):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Compensation = old.get_model("compensation", "Compensation")
    ApprovalRequest = old.get_model("compensation", "ApprovalRequest")
    HistoricalApprovalRequest = old.get_model("compensation", "HistoricalApprovalRequest")
    common = {
        "complaint_id": case_b.pk,
        "branch_id": case_b.branch_id,
        "customer_id": case_b.customer_id,
        "kind": "refund",
        "description": "退部分費用",
        "requested_by_id": cs_a.pk,
        "requester_limit": 2000,
    }
    Compensation.objects.create(
        **common, value=1500, status="paid", approved_by_id=cs_a.pk, approved_at=case_b.received_at
    )
    waited = Compensation.objects.create(**common, value=2500, status="approved")
    request = ApprovalRequest.objects.create(
        compensation_id=waited.pk,
        branch_id=case_b.branch_id,
        value=2500,
        case_total=4000,
        requested_by_id=cs_a.pk,
        state="approved",
        decided_by_id=dept_head_a.pk,
        decided_at=case_b.received_at,
        note="同意",
    )
    for state, user in (("pending", cs_a), ("approved", dept_head_a)):
        HistoricalApprovalRequest.objects.create(
            id=request.pk,
            compensation_id=waited.pk,
            branch_id=case_b.branch_id,
            value=2500,
            case_total=4000,
            requested_by_id=cs_a.pk,
            requested_at=request.requested_at,
            state=state,
            note="",
            history_date=request.requested_at,
            history_type="+" if state == "pending" else "~",
            history_user_id=user.pk,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from careloop.compensation.models import Compensation as Now
    from careloop.compensation.services import case_granted_total

    first, second = Now.objects.order_by("pk").select_related("grant")
    assert (first.grant.state, first.grant.approval_required) == ("approved", False)
    assert first.grant.decided_by_id == cs_a.pk
    assert first.approval_request is None
    assert second.approval_request == second.grant
    assert (second.grant.state, second.grant.scope_total, second.grant.note) == (
        "approved",
        4000,
        "同意",
    )
    assert [h.history_user_id for h in second.grant.history.order_by("history_id")] == [
        cs_a.pk,
        dept_head_a.pk,
    ]
    assert case_granted_total(complaint_id=case_b.pk) == 4000
