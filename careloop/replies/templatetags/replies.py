"""The reply composer as a self-contained tag for the case page:

    {% load replies %}
    {% reply_case_panel c %}      (c: the Complaint)

It reads what it shows (a fixed number of queries) for the user of the request, and renders
nothing for a user who may not see complaints.
"""

from __future__ import annotations

from typing import Any

from django import template

from careloop.accounts.permissions import Capability, user_can
from careloop.replies.panels import panel_build

register = template.Library()


@register.inclusion_tag("replies/partials/case_panel_tag.html", takes_context=True)
def reply_case_panel(context: template.Context, complaint: Any) -> dict[str, Any]:
    request = context.get("request")
    if (
        request is None
        or complaint is None
        or not user_can(request.user, Capability.COMPLAINT_VIEW)
    ):
        return {"hidden": True}
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "reply_panel": panel_build(complaint=complaint, user=request.user),
    }
