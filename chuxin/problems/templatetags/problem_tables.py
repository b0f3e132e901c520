"""`{% items_table items show_unit %}` and `{% status_badge item %}`: see chuxin/problems/tables.py."""

from django import template
from django.utils.safestring import mark_safe

from chuxin.problems.tables import items_table as _items_table
from chuxin.problems.tables import status_badge as _status_badge

register = template.Library()


@register.simple_tag
def items_table(items, show_unit=False):
    return _items_table(items, bool(show_unit))


@register.simple_tag
def status_badge(item):
    return mark_safe(_status_badge(item.status, item.days_overdue(), item.get_status_display()))  # noqa: S308 — escaped there
