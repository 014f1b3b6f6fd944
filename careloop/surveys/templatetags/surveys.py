"""{% survey_case_panel c %}: the case page's survey panel, with its own context."""

from __future__ import annotations

from typing import Any

from django import template

from careloop.complaints.models import Complaint
from careloop.surveys.selectors import survey_case_panel as panel_for

register = template.Library()


@register.inclusion_tag("surveys/partials/case_panel.html", takes_context=True)
def survey_case_panel(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {
        "survey_panel": panel_for(complaint=complaint, user=user),
        "csrf_token": context.get("csrf_token"),
    }
