"""Reads of the privacy pages and API, scoped to the user's branches."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require, user_branch_ids
from careloop.privacy.models import DataSubjectRequest


def requests_visible_to(*, user: User) -> QuerySet[DataSubjectRequest]:
    """The requests of customers now in the user's branches, newest first; PermissionDenied
    without the role. Scoped by the customer's current branch, not the request's: a customer
    who moved to another branch is no longer this user's, nor is the dossier a copy gives."""
    require(user, Capability.PRIVACY_REQUEST)
    rows = DataSubjectRequest.objects.select_related("customer", "branch", "received_by")
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        rows = rows.filter(customer__branch_id__in=branch_ids)
    return rows


def request_get_for_user(*, user: User, request_id: int) -> DataSubjectRequest:
    """One request; 404 outside the user's branches (as for customers: 'not yours' and 'not
    there' look the same)."""
    found = (
        requests_visible_to(user=user)
        .select_related("identity_verified_by", "decided_by")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404(_("找不到此個資請求。"))
    return found
