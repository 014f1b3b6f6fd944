"""Filters for printed forms: boxes, dates (Western or 民國) and NT$ amounts."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from careloop.printing import dates

register = template.Library()

# □/■ rather than ☐/☑: Noto Sans/Serif CJK have no glyph for U+2610/U+2611, and the paper
# form itself prints □.
BOX_EMPTY = "□"
BOX_TICKED = "■"


@register.filter
def box(ticked: object) -> str:
    return BOX_TICKED if ticked else BOX_EMPTY


@register.filter
def form_date(day: date | None, roc: bool = False) -> str:
    return dates.date_long(day, roc=bool(roc))


@register.filter
def form_date_short(day: date | None, roc: bool = False) -> str:
    return dates.date_short(day, roc=bool(roc))


@register.filter
def form_datetime(moment: datetime | None, roc: bool = False) -> str:
    return dates.datetime_short(moment, roc=bool(roc))


@register.filter
def ntd(amount: int | None) -> str:
    """NT$1,200; a refund prints as -NT$1,200."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}NT${abs(amount):,}"
