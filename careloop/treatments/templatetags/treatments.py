"""Money the clinic's way: NT$12,000 (whole dollars, comma grouping whatever the locale)."""

from django import template

register = template.Library()


@register.filter
def ntd(value: int | None) -> str:
    if value is None or value == "":
        return "—"
    value = int(value)
    sign = "-" if value < 0 else ""
    return f"{sign}NT${abs(value):,}"
