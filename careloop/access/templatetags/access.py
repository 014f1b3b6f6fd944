"""The read log's panel on the customer page, as a self-contained tag:

    {% load access %}
    {% access_customer_panel customer %}

For a supervisor it leaves a placeholder that loads the panel when scrolled to (htmx
`revealed`; without JavaScript its link opens the full list), so the customer page pays no
query for it; for anyone else it renders nothing.
"""

from __future__ import annotations

from typing import Any

from django import template

from careloop.access.rules import may_view_read_log

register = template.Library()


@register.inclusion_tag("access/partials/customer_panel_tag.html", takes_context=True)
def access_customer_panel(context: template.Context, customer: Any) -> dict[str, Any]:
    request = context.get("request")
    if request is None or customer is None or not may_view_read_log(request.user):
        return {"hidden": True}
    return {"customer": customer}
