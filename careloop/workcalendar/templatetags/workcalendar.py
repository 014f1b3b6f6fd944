"""Dates the clinic's way: 2026-02-23（一）."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

_WEEKDAYS = (_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日"))


def weekday_label(day: dt.date) -> str:
    return str(_WEEKDAYS[day.weekday()])


@register.filter
def day_label(day: dt.date | None) -> str:
    if day is None:
        return ""
    return f"{day:%Y-%m-%d}（{weekday_label(day)}）"
