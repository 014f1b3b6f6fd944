"""Dates as printed on the clinic's forms, in Western or 民國 (ROC) years.

Taiwanese forms count years from 1912 (民國元年), so 2024 is 民國113年. Some clinics print
their records that way; every printed form takes a `roc` flag and formats through here.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

ROC_EPOCH = 1911


def roc_year(day: date) -> int:
    """民國 year of a date (2024 → 113). Dates before 民國元年 are not on any clinic record."""
    if day.year <= ROC_EPOCH:
        raise ValueError(f"{day} is before 民國元年")
    return day.year - ROC_EPOCH


def date_long(day: date | None, *, roc: bool = False) -> str:
    """2024年3月1日, or 民國113年3月1日."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    if roc:
        return f"民國{roc_year(day)}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def date_short(day: date | None, *, roc: bool = False) -> str:
    """2024/03/01, or 113/03/01 — for the narrow date columns of the form's tables."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    year = roc_year(day) if roc else day.year
    return f"{year}/{day.month:02d}/{day.day:02d}"


def datetime_short(moment: datetime | None, *, roc: bool = False) -> str:
    """2024/03/01 14:30 in the clinic's time zone (Asia/Taipei), or 113/03/01 14:30."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{date_short(local.date(), roc=roc)} {local:%H:%M}"
