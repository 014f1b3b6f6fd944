"""How form widgets are rendered.

A page with a few forms renders hundreds of widget templates (a ``<select>`` includes one
template per option), and with the Django template language that was about half of the
customer page's time. Django ships Jinja2 versions of its widget templates, which render
several times faster; the admin's widgets have no Jinja2 versions, so those fall back to the
Django template language.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


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
                return self._jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self._django.get_template(template_name)
