"""`{% items_table items show_unit %}` and `{% status_badge item %}`: see chuxin/problems/tables.py.
`{% ledger_filters form campaign %}`: the ledger's filter form, held per process (see the tag)."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from chuxin.problems.tables import items_table as _items_table
from chuxin.problems.tables import status_badge as _status_badge

register = template.Library()


@register.simple_tag
def items_table(items, show_unit=False):
    return _items_table(items, bool(show_unit))


@register.simple_tag
def status_badge(item):
    return mark_safe(_status_badge(item.status, item.days_overdue(), item.get_status_display()))  # noqa: S308 — escaped there


FILTERS_HELD = 512  # filter forms held per process; when full the cache starts again
_filters: dict[tuple, str] = {}


@register.simple_tag
def ledger_filters(form, campaign):
    """The ledger's filter form (problems/_ledger_filters.html), rendered once per process for each language,
    campaign and set of submitted values, then reused: its selects and labels cost the ledger page a fifth of
    its template for markup that changes only with those. What the markup depends on is all in the key: a
    bound form's fields take their values and errors from the submitted data of their names alone, the
    labels and choices from the language, the hidden field from the campaign's id; nothing of the user or
    the request is in it (no CSRF token: the form is a GET). tests/test_ledger_workflow.py compares it
    with the template rendered afresh."""
    data = form.data
    key = (
        get_language(),
        campaign.pk if campaign else None,
        form.is_bound,
        tuple((name, tuple(_values(data, name))) for name in form.fields) if form.is_bound else (),
    )
    html = _filters.get(key)
    if html is None:
        if len(_filters) >= FILTERS_HELD:
            _filters.clear()
        html = _filters[key] = render_filters(form, campaign)
    return mark_safe(html)  # noqa: S308 — rendered by the template engine, which escaped it


def _values(data, name) -> list:
    return data.getlist(name) if hasattr(data, "getlist") else [data[name]] if name in data else []


def render_filters(form, campaign) -> str:
    return get_template("problems/_ledger_filters.html").render({"form": form, "campaign": campaign})
