"""Compensation's approvals move to the authority kernel (careloop.grants): every compensation
gets its Grant — the approval request it had, or an approval at once within the granter's
limit — with its history; the old ApprovalRequest tables go (and come back, filled, when the
migration is reversed)."""

import django.db.models.deletion
from django.db import migrations, models

GRANTED = {"approved", "paid", "delivered"}


def grants_from_approvals(apps, schema_editor):
    Compensation = apps.get_model("compensation", "Compensation")
    ApprovalRequest = apps.get_model("compensation", "ApprovalRequest")
    HistoricalApprovalRequest = apps.get_model("compensation", "HistoricalApprovalRequest")
    Grant = apps.get_model("grants", "Grant")
    HistoricalGrant = apps.get_model("grants", "HistoricalGrant")
    requests = {r.compensation_id: r for r in ApprovalRequest.objects.all()}
    totals: dict[int, int] = {}
    for k in Compensation.objects.select_related("complaint").order_by("requested_at", "id"):
        request = requests.get(k.pk)
        totals.setdefault(k.complaint_id, 0)
        if request is not None:
            state = request.state
            decided_by_id, decided_at, note = request.decided_by_id, request.decided_at, request.note
            total = request.case_total or totals[k.complaint_id] + k.value
        else:
            state = "approved" if k.status in GRANTED else "rejected"
            decided_by_id, decided_at, note = k.approved_by_id, k.approved_at, ""
            total = totals[k.complaint_id] + k.value
        if state == "approved":
            totals[k.complaint_id] += k.value
        grant = Grant.objects.create(
            kind="compensation",
            subject_id=k.pk,
            scope="case",
            case_key=f"complaint:{k.complaint_id}",
            branch_id=k.branch_id,
            customer_id=k.customer_id,
            title=f"客訴 {k.complaint.number}"[:200],
            value=k.value,
            scope_total=total,
            granter_limit=k.requester_limit,
            approval_required=request is not None,
            state=state,
            requested_by_id=k.requested_by_id,
            requested_at=k.requested_at,
            decided_by_id=decided_by_id,
            decided_at=decided_at,
            note=note,
        )
        Compensation.objects.filter(pk=k.pk).update(grant=grant)
        # The grant's history is the request's, when there was one (who asked, who decided).
        rows = (
            list(HistoricalApprovalRequest.objects.filter(id=request.pk).order_by("history_id"))
            if request is not None
            else []
        )
        for row in rows or [None]:
            HistoricalGrant.objects.create(
                id=grant.pk,
                kind=grant.kind,
                subject_id=grant.subject_id,
                scope=grant.scope,
                case_key=grant.case_key,
                branch_id=grant.branch_id,
                customer_id=grant.customer_id,
                title=grant.title,
                value=grant.value,
                scope_total=grant.scope_total,
                granter_limit=grant.granter_limit,
                approval_required=grant.approval_required,
                state=row.state if row else grant.state,
                requested_by_id=grant.requested_by_id,
                requested_at=grant.requested_at,
                decided_by_id=row.decided_by_id if row else grant.decided_by_id,
                decided_at=row.decided_at if row else grant.decided_at,
                note=row.note if row else grant.note,
                history_date=row.history_date if row else (grant.decided_at or grant.requested_at),
                history_type=row.history_type if row else "+",
                history_user_id=row.history_user_id if row else grant.requested_by_id,
                history_change_reason=row.history_change_reason if row else None,
            )


def approvals_from_grants(apps, schema_editor):
    """Backwards: the approval requests again, from the grants that waited for approval; the
    compensations' grants go (made again, from the requests, if the migration is re-applied)."""
    Compensation = apps.get_model("compensation", "Compensation")
    ApprovalRequest = apps.get_model("compensation", "ApprovalRequest")
    HistoricalApprovalRequest = apps.get_model("compensation", "HistoricalApprovalRequest")
    Grant = apps.get_model("grants", "Grant")
    HistoricalGrant = apps.get_model("grants", "HistoricalGrant")
    for grant in Grant.objects.filter(kind="compensation", approval_required=True).order_by("pk"):
        fields = {
            "compensation_id": grant.subject_id,
            "branch_id": grant.branch_id,
            "value": grant.value,
            "case_total": grant.scope_total,
            "requested_by_id": grant.requested_by_id,
            "requested_at": grant.requested_at,
        }
        request = ApprovalRequest.objects.create(
            **fields,
            state=grant.state,
            decided_by_id=grant.decided_by_id,
            decided_at=grant.decided_at,
            note=grant.note,
        )
        for row in HistoricalGrant.objects.filter(id=grant.pk).order_by("history_id"):
            HistoricalApprovalRequest.objects.create(
                **fields,
                id=request.pk,
                state=row.state,
                decided_by_id=row.decided_by_id,
                decided_at=row.decided_at,
                note=row.note,
                history_date=row.history_date,
                history_type=row.history_type,
                history_user_id=row.history_user_id,
                history_change_reason=row.history_change_reason,
            )
    Compensation.objects.update(grant=None)
    HistoricalGrant.objects.filter(kind="compensation").delete()
    Grant.objects.filter(kind="compensation").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compensation", "0003_note_length_limits"),
        ("grants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="compensation",
            name="grant",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="compensation",
                to="grants.grant",
                verbose_name="授權",
            ),
        ),
        migrations.AddField(
            model_name="historicalcompensation",
            name="grant",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="grants.grant",
                verbose_name="授權",
            ),
        ),
        migrations.RunPython(grants_from_approvals, approvals_from_grants),
        migrations.DeleteModel(name="HistoricalApprovalRequest"),
        migrations.DeleteModel(name="ApprovalRequest"),
    ]
