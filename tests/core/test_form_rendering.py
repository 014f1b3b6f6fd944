"""Our <select> template renders exactly what Django's own Jinja2 widget templates render."""

import pytest
from django import forms
from django.forms.renderers import Jinja2

from careloop.core.form_rendering import FormRenderer


class OptionAsLabel(forms.Select):
    """A select whose options come from another template, which must still be included."""

    option_template_name = "django/forms/widgets/input_option.html"


def _widgets() -> list[tuple[forms.Widget, object]]:
    plain = [("", "（本人）"), ("7", '王 <小明> & "阿德"'), ("9", "林櫃台")]
    grouped = [
        ("台北院", [("1", "陳治療師"), ("2", "李治療師")]),
        ("台中院", [("3", "張治療師")]),
        ("4", "未分院"),
    ]
    return [
        (forms.Select(choices=plain), "9"),
        (forms.Select(choices=plain, attrs={"id": "id_staff", "required": True}), ""),
        (forms.Select(choices=plain, attrs={"disabled": False, "data-x": 'a"b'}), None),
        (forms.Select(choices=grouped), "3"),
        (forms.SelectMultiple(choices=grouped), ["1", "4"]),
        (forms.NullBooleanSelect(), True),
        (OptionAsLabel(choices=plain), "7"),
    ]


@pytest.mark.parametrize("widget, value", _widgets())
def test_select_renders_the_same_markup_as_djangos_templates(widget, value):
    ours = widget.render("staff", value, renderer=FormRenderer())
    django = widget.render("staff", value, renderer=Jinja2())
    assert ours == django
    assert ours.startswith('<select name="staff"')


def test_select_escapes_labels_and_attributes():
    html = forms.Select(choices=[("<v>", "a & <b>")], attrs={"title": '"q"'}).render(
        "x", None, renderer=FormRenderer()
    )
    assert 'value="&lt;v&gt;"' in html
    assert ">a &amp; &lt;b&gt;</option>" in html
    assert 'title="&#34;q&#34;"' in html


def test_select_is_rendered_with_our_template():
    template = FormRenderer().get_template("django/forms/widgets/select.html")
    assert template.template.name == "core/widgets/select.html"
