"""A form renderer that writes the commonest widgets (inputs and selects) in Python.

Django renders every widget through a template, and every option of a select through one more: the
ledger's filter form (three selects, 23 options) cost more than the 50 rows of the page under it. This
renderer takes the same context Django builds (`Widget.get_context`: the attributes, the selected options,
the option groups) and writes the markup of Django's own templates (django/forms/widgets/input.html,
select.html, select_option.html, attrs.html), escaped the same way; any other template goes to Django's.
Selected in settings.FORM_RENDERER; tests/test_forms_render.py compares both renderers' output."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "number",
        "email",
        "url",
        "password",
        "search",
        "tel",
        "checkbox",
        "date",
        "time",
        "datetime",
    )
}
SELECT = "django/forms/widgets/select.html"


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(out)


def _input(w: dict) -> str:
    value = "" if w["value"] is None else f' value="{conditional_escape(str(w["value"]))}"'
    return f'<input type="{conditional_escape(w["type"])}" name="{conditional_escape(w["name"])}"{value}{_attrs(w["attrs"])}>'


def _select(w: dict) -> str:
    parts = [f'<select name="{conditional_escape(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for o in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(o["value"]))}"{_attrs(o["attrs"])}>'
                f"{conditional_escape(o['label'])}</option>\n"  # select_option.html ends with a newline
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        w = context.get("widget") if isinstance(context, dict) else None
        if w is not None and template_name in INPUTS and "type" in w:
            return mark_safe(_input(w))  # noqa: S308 — every value escaped above
        if w is not None and template_name == SELECT and "optgroups" in w:
            if all(
                o.get("template_name") == "django/forms/widgets/select_option.html"
                for _g, opts, _i in w["optgroups"]
                for o in opts
            ):
                return mark_safe(_select(w))  # noqa: S308 — every value escaped above
        return super().render(template_name, context, request)
