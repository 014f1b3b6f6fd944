"""Compensation 0004 moves approvals onto the authority kernel without losing one: every
compensation gets its Grant (the request it waited on, or its approval at once) with history,
and the way back rebuilds the requests."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("compensation", "0003_note_length_limits")]


def _request(apps, compensation, *, state, total, by, decided_by=None, note=""):
    """An approval request as the old code made it, with its history (asked, then decided)."""
    ApprovalRequest = apps.get_model("compensation", "ApprovalRequest")
    Historical = apps.get_model("compensation", "HistoricalApprovalRequest")
    fields = {
        "compensation_id": compensation.pk,
        "branch_id": compensation.branch_id,
        "value": compensation.value,
        "case_total": total,
        "requested_by_id": by.pk,
    }
    request = ApprovalRequest.objects.create(
        **fields,
        state=state,
        decided_by_id=decided_by.pk if decided_by else None,
        decided_at=compensation.requested_at if decided_by else None,
        note=note,
    )
    steps = [("pending", by, "+")] + ([(state, decided_by, "~")] if decided_by else [])
    for step_state, user, kind in steps:
        Historical.objects.create(
            **fields,
            id=request.pk,
            requested_at=request.requested_at,
            state=step_state,
            note="",
            history_date=request.requested_at,
            history_type=kind,
            history_user_id=user.pk,
        )
    return request


@pytest.mark.django_db(transaction=True)
def test_old_approval_requests_become_grants_and_back(make_case, cs_a, dept_head_a):
    case_b, case_c = make_case(grade="B"), make_case(grade="C")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Compensation = old.get_model("compensation", "Compensation")

    def compensation(case, value, status, **extra):
        return Compensation.objects.create(
            complaint_id=case.pk,
            branch_id=case.branch_id,
            customer_id=case.customer_id,
            kind="refund",
            description="退部分費用",
            requested_by_id=cs_a.pk,
            requester_limit=2000,
            value=value,
            status=status,
            **extra,
        )

    # case B: NT$1,500 paid at once, NT$2,500 approved by the head, NT$900 rejected
    at_once = compensation(
        case_b, 1500, "paid", approved_by_id=cs_a.pk, approved_at=case_b.received_at
    )
    waited = compensation(case_b, 2500, "approved")
    _request(old, waited, state="approved", total=4000, by=cs_a, decided_by=dept_head_a)
    rejected = compensation(case_b, 900, "rejected")
    _request(
        old, rejected, state="rejected", total=4900, by=cs_a, decided_by=dept_head_a, note="否"
    )
    # case C: NT$2,100 still waiting
    pending = compensation(case_c, 2100, "pending_approval")
    _request(old, pending, state="pending", total=2100, by=cs_a)

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from careloop.compensation.models import Compensation as Now
    from careloop.compensation.selectors import approvals_pending_for
    from careloop.compensation.services import case_granted_total

    rows = {k.pk: k for k in Now.objects.select_related("grant")}
    made = {"at_once": at_once, "waited": waited, "rejected": rejected, "pending": pending}
    grants = {name: rows[k.pk].grant for name, k in made.items()}
    assert {name: (g.state, g.approval_required, g.scope_total) for name, g in grants.items()} == {
        "at_once": ("approved", False, 1500),
        "waited": ("approved", True, 4000),
        "rejected": ("rejected", True, 4900),
        "pending": ("pending", True, 2100),
    }
    assert {g.case_key for g in grants.values()} == {
        f"complaint:{case_b.pk}",
        f"complaint:{case_c.pk}",
    }
    assert grants["at_once"].decided_by_id == cs_a.pk
    assert rows[at_once.pk].approval_request is None
    assert [h.history_user_id for h in grants["waited"].history.order_by("history_id")] == [
        cs_a.pk,
        dept_head_a.pk,
    ]
    # the totals read as before: what was approved, the rejected NT$900 not counted
    assert case_granted_total(complaint_id=case_b.pk) == 4000
    assert case_granted_total(complaint_id=case_c.pk) == 0
    # and the head can still decide the one left waiting
    assert approvals_pending_for(user=dept_head_a) == [grants["pending"]]

    # back again: the requests are rebuilt from the grants that waited, with their history
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    ApprovalRequest = back.get_model("compensation", "ApprovalRequest")
    Historical = back.get_model("compensation", "HistoricalApprovalRequest")
    assert sorted(
        ApprovalRequest.objects.values_list("compensation_id", "state", "case_total", "note")
    ) == sorted(
        [(waited.pk, "approved", 4000, ""), (rejected.pk, "rejected", 4900, "否"),
         (pending.pk, "pending", 2100, "")]
    )  # fmt: skip
    assert Historical.objects.filter(compensation_id=waited.pk).count() == 2
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
