"""`{% collapsed %}`: a folded form is a placeholder until it is opened or asked for."""

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.test import RequestFactory

ENGINE = Engine.get_default()

SOURCE = (
    "{% load collapsed %}"
    '{% collapsed "plan" url="/customers/C0000001/" class="next-plan" '
    "when form_errors or waiting %}"
    "<summary>新增聯繫計劃</summary>"
    '{% fields %}<input name="plan-due_date">'
    "{% endcollapsed %}"
)


def _render(query: str = "", **context) -> str:
    request = RequestFactory().get("/customers/C0000001/" + query)
    return Template(SOURCE, engine=ENGINE).render(Context({"request": request, **context}))


def test_a_folded_form_is_a_placeholder_that_loads_it_when_opened():
    html = _render()
    assert 'name="plan-due_date"' not in html
    assert html.startswith('<details class="next-plan"><summary>新增聯繫計劃</summary>')
    assert 'hx-get="/customers/C0000001/?open=plan"' in html
    assert 'hx-trigger="toggle once from:closest details"' in html
    assert 'hx-select="#collapsed-plan" hx-target="this" hx-swap="outerHTML"' in html
    # without JavaScript, the link asks the page for the same form
    assert 'href="/customers/C0000001/?open=plan#collapsed-plan"' in html


def test_the_page_asked_for_the_form_renders_it_open():
    html = _render("?open=plan")
    assert html.startswith('<details class="next-plan" open>')
    assert (
        '<div id="collapsed-plan" class="collapsed-fields"><input name="plan-due_date"></div>'
        in html
    )
    assert "hx-get" not in html


def test_another_form_asked_for_leaves_this_one_folded():
    assert 'name="plan-due_date"' not in _render("?open=event")


@pytest.mark.parametrize("context", [{"form_errors": ["必填"]}, {"waiting": True}])
def test_the_condition_renders_the_form_in_place(context):
    html = _render(**context)
    assert '<details class="next-plan" open>' in html
    assert 'name="plan-due_date"' in html


def test_without_a_request_the_condition_alone_decides():
    html = Template(SOURCE, engine=ENGINE).render(Context({"waiting": False}))
    assert 'name="plan-due_date"' not in html and "hx-get" in html


@pytest.mark.parametrize(
    "tag",
    [
        "{% load collapsed %}{% collapsed %}{% fields %}{% endcollapsed %}",
        '{% load collapsed %}{% collapsed "x" size=3 %}{% fields %}{% endcollapsed %}',
        '{% load collapsed %}{% collapsed "x" %}<summary>x</summary>{% endcollapsed %}',
    ],
)
def test_a_malformed_tag_is_refused_when_the_template_is_read(tag):
    with pytest.raises(TemplateSyntaxError):
        Template(tag, engine=ENGINE)
