"""The errors a form shows above its fields."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def top_errors(form: forms.BaseForm) -> list[str]:
    """The form's own errors, then its hidden fields': a hidden field has no place beside which
    its error could show, so a key that was tampered with is said here instead of nowhere."""
    errors = [str(e) for e in form.non_field_errors()]
    for field in form.hidden_fields():
        errors.extend(str(e) for e in field.errors)
    return errors
