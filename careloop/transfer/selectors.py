"""Reads of the transfer app, scoped to the requesting user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_branch_ids
from careloop.transfer.models import ExportLog, ImportJob


def import_job_get_for_user(*, user: User, job_id: int) -> ImportJob:
    """The user's own import job; 404 for anyone else's, as for a customer elsewhere."""
    require(user, Capability.CUSTOMER_EDIT)
    job = ImportJob.objects.filter(pk=job_id, created_by=user).first()
    if job is None:
        raise Http404(_("找不到此匯入作業。"))
    return job


def import_jobs_recent(*, user: User, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by=user)[:limit])


def export_logs_visible_to(*, user: User) -> QuerySet[ExportLog]:
    """Department heads see exports by staff of their branches; senior management, all."""
    require(user, Capability.CUSTOMER_REVIEW)
    logs = ExportLog.objects.select_related("user", "user__home_branch")
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        logs = logs.filter(user__home_branch_id__in=branch_ids)
    return logs.order_by("-created_at", "-id")
