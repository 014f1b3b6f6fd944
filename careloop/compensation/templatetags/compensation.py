"""The compensation panels as self-contained tags, for pages of other apps:

    {% load compensation %}
    {% compensation_case_panel c lazy=True %} on the complaint page (c: the Complaint)
    {% compensation_customer_panel customer %} on the customer page

Each reads what it shows (a fixed number of queries) for the user of the request, and renders
nothing for a user who may not see complaints.
"""

from __future__ import annotations

from typing import Any

from django import template

from careloop.accounts.permissions import Capability, user_can
from careloop.compensation.panels import case_panel_context, customer_panel_context

register = template.Library()


def _base(context: template.Context) -> dict[str, Any] | None:
    request = context.get("request")
    if request is None or not user_can(request.user, Capability.COMPLAINT_VIEW):
        return None
    return {"request": request, "csrf_token": context.get("csrf_token"), "user": request.user}


@register.inclusion_tag("compensation/partials/case_panel_tag.html", takes_context=True)
def compensation_case_panel(
    context: template.Context, complaint: Any, lazy: bool = False
) -> dict[str, Any]:
    """`lazy=True`: a placeholder that loads the panel when scrolled to. Most cases end
    without compensation, and its nine queries were a fifth of the case page."""
    base = _base(context)
    if base is None or complaint is None:
        return {"hidden": True}
    if lazy:
        return {**base, "c": complaint, "lazy": True}
    return {**base, **case_panel_context(user=base["user"], complaint=complaint)}


@register.inclusion_tag("compensation/partials/customer_panel_tag.html", takes_context=True)
def compensation_customer_panel(context: template.Context, customer: Any) -> dict[str, Any]:
    base = _base(context)
    if base is None or customer is None:
        return {"hidden": True}
    return {**base, **customer_panel_context(user=base["user"], customer=customer)}
