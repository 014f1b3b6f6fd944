"""Posting an admin form as a browser would, for the tests that try to change records there."""

from typing import Any

from django import forms


def admin_form_posted(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser would post for this admin form as it stands."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or isinstance(field, forms.FileField):  # a file is not sent again
            continue
        if hasattr(field.widget, "widgets"):  # date and time in two inputs
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = part
        else:
            data[name] = value
    return data
