"""`{% privacy_customer_link customer %}`: the customer page's 「個資請求」 button, shown to those
who handle data-subject requests, without the page importing this app."""

from __future__ import annotations

from typing import Any

from django import template

from careloop.accounts.permissions import Capability, user_can

register = template.Library()


@register.inclusion_tag("privacy/partials/customer_link.html", takes_context=True)
def privacy_customer_link(context: dict[str, Any], customer: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and user_can(user, Capability.PRIVACY_REQUEST)
    return {"c": customer, "can_handle_privacy": allowed}
