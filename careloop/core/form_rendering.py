"""How form widgets are rendered.

A page with a few forms renders hundreds of widget templates (a ``<select>`` includes one
template per option), and with the Django template language that was about half of the
customer page's time. Django ships Jinja2 versions of its widget templates, which render
several times faster; the admin's widgets have no Jinja2 versions, so those fall back to the
Django template language. The ``<select>`` itself is our own copy of Django's with the option
written in place (core/jinja2/core/widgets/select.html): the same markup, without an include
per option, which was still a third of a staff picker's time.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist

# Django's widget templates we render with our own Jinja2 copy.
_OURS = {"django/forms/widgets/select.html": "core/widgets/select.html"}


class FormRenderer(BaseRenderer):
    """Jinja2 where a Jinja2 template exists (Django's widgets, ours under ``<app>/jinja2/``),
    the Django template language otherwise (the admin's widgets)."""

    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()
        self._django_only: set[str] = set()

    def get_template(self, template_name: str):
        if template_name not in self._django_only:
            try:
                return self._jinja2.get_template(_OURS.get(template_name, template_name))
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self._django.get_template(template_name)
