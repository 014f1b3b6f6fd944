"""Logging a contact from the worklist. The customer services check who may write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import User
from careloop.customers.models import ContactPlan, Customer, Interaction
from careloop.customers.services import contact_plan_add, contact_plan_complete, interaction_add
from careloop.worklist.selectors import WorkKind


@transaction.atomic
def worklist_contact_log(
    *,
    user: User,
    customer: Customer,
    kind: str,
    plan: ContactPlan | None = None,
    values: dict[str, Any],
) -> Interaction:
    """Log the contact a worklist line asked for, so the line leaves the list.

    A plan line closes its plan with the interaction. A line no plan stands behind (birthday,
    renewal, follow-up, care) is recorded as a done plan of the matching purpose, assigned to
    the user and due today: that is what keeps it from coming back.
    """
    kind = WorkKind(kind)
    if kind == WorkKind.PLAN:
        if plan is None:
            raise ValidationError({"plan_id": _("請指定要完成的聯繫計劃。")})
        if plan.done:
            raise ValidationError({"plan_id": _("此聯繫計劃已完成。")})
        return interaction_add(customer=customer, values=values, by=user, fulfils=plan)
    if plan is not None:
        raise ValidationError({"plan_id": _("此類待辦沒有聯繫計劃。")})
    interaction = interaction_add(customer=customer, values=values, by=user)
    record = contact_plan_add(
        customer=customer,
        values={"due_date": timezone.localdate(), "purpose": kind.purpose, "assignee": user},
        by=user,
    )
    contact_plan_complete(plan=record, by=user, interaction=interaction)
    return interaction
