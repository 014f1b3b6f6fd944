"""A collapsed form that is rendered when it is opened.

A page's forms folded under <details> (add a plan, edit the record, log a communication, …)
were a fifth of the customer and case pages' time, rendered on every view for the few views
that open one. Folded, a form is a placeholder that asks the page for it when the <details>
is first opened (htmx: the same page with ``?open=<name>``, from which it takes that form):

    {% load collapsed %}
    {% collapsed "comm" url=page_url when communication_form.errors %}
      <summary>新增溝通記錄</summary>
    {% fields %}
      … the form's fields …
    {% endcollapsed %}

The fields are rendered in place, and the <details> open, when the ``when`` condition holds
(as in ``{% if %}``: a form sent back with its errors, a step the case is waiting for) or when
the request asks for this form with ``?open=<name>`` — which is also the placeholder's link
without JavaScript.
"""

from __future__ import annotations

from typing import Any, Protocol

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.defaulttags import TemplateIfParser
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

OPEN_PARAMETER = "open"


class _Condition(Protocol):
    def eval(self, context: template.Context) -> Any: ...


class CollapsedNode(template.Node):
    def __init__(
        self,
        name: FilterExpression,
        options: dict[str, FilterExpression],
        when: _Condition | None,
        summary: template.NodeList,
        fields: template.NodeList,
    ) -> None:
        self.name = name
        self.options = options
        self.when = when
        self.summary = summary
        self.fields = fields

    def render(self, context: template.Context) -> SafeString:
        name = str(self.name.resolve(context))
        options: dict[str, Any] = {k: v.resolve(context) for k, v in self.options.items()}
        request = context.get("request")
        asked = request is not None and request.GET.get(OPEN_PARAMETER) == name
        is_open = asked or (self.when is not None and bool(self.when.eval(context)))
        if is_open:
            body = format_html(
                '<div id="collapsed-{}" class="collapsed-fields">{}</div>',
                name,
                mark_safe(self.fields.render(context)),
            )
        else:
            body = render_to_string(
                "partials/collapsed_placeholder.html",
                {"name": name, "url": options.get("url") or "", "parameter": OPEN_PARAMETER},
            )
        return format_html(
            "<details{}{}>{}{}</details>",
            format_html(' class="{}"', options["class"]) if options.get("class") else "",
            mark_safe(" open") if is_open else "",
            mark_safe(self.summary.render(context)),
            body,
        )


@register.tag("collapsed")
def collapsed(parser: Parser, token: Token) -> CollapsedNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% collapsed %} needs the form's name.")
    name = parser.compile_filter(bits[1])
    options: dict[str, FilterExpression] = {}
    when = None
    for position, bit in enumerate(bits[2:], start=2):
        if bit == "when":
            when = TemplateIfParser(parser, bits[position + 1 :]).parse()
            break
        key, sep, value = bit.partition("=")
        if not sep or key not in ("url", "class"):
            raise template.TemplateSyntaxError(f"{{% collapsed %}}: unknown option {bit!r}.")
        options[key] = parser.compile_filter(value)
    summary = parser.parse(("fields",))
    parser.delete_first_token()
    fields = parser.parse(("endcollapsed",))
    parser.delete_first_token()
    return CollapsedNode(name, options, when, summary, fields)
