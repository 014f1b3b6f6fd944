"""Staff pickers on forms: a <select> of the people who may be chosen.

A branch has a few dozen staff and a customer page has four pickers of them; Django builds a
whole `User` for every option of every picker (and converts its dates) only to print its id
and name, which was most of a picker's cost. These pickers read the two columns instead. The
field still validates against its queryset, so a submitted choice gets the full `User`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue

from careloop.accounts.models import User


class StaffChoiceIterator(ModelChoiceIterator):
    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        for value, full_name, username in self.queryset.values_list(key, "full_name", "username"):
            # The label is User.__str__'s.
            yield (ModelChoiceIteratorValue(value, None), full_name or username)


def staff_picker(field: forms.ModelChoiceField, staff: QuerySet[User]) -> None:
    """Offer `staff` on a ModelChoiceField of users, options read as (id, name) pairs."""
    field.iterator = StaffChoiceIterator
    field.queryset = staff  # after the iterator: setting it hands the widget its choices
