"""Compensation as a kind of grant (careloop.grants): counted per case, decided on the case."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from careloop.grants.kinds import GrantKind, kind_register
from careloop.grants.models import Grant, Scope


def _complaint_id(grant: Grant) -> int:
    return int(grant.case_key.removeprefix("complaint:"))


def _lock_case(grant: Grant) -> None:
    from careloop.complaints.models import Complaint

    # The case first, as a grant locks it, so the total read after cannot move meanwhile.
    Complaint.objects.select_for_update().filter(pk=_complaint_id(grant)).exists()


def _decided(grant: Grant, approve: bool, by: object) -> None:
    from careloop.compensation.services import grant_decided

    grant_decided(grant, approve, by)  # type: ignore[arg-type]


def _url(grant: Grant) -> str:
    if grant.is_pending:  # the approvers' list
        return reverse("worklist:today") + "#approvals"
    from careloop.complaints.models import Complaint

    number = Complaint.objects.values_list("number", flat=True).get(pk=_complaint_id(grant))
    return reverse("compensation:case", args=[number])


def register() -> None:
    kind_register(
        GrantKind(
            code="compensation",
            label=_("補償"),
            scope=Scope.CASE,
            lock_scope=_lock_case,
            decided=_decided,
            url=_url,
        )
    )
