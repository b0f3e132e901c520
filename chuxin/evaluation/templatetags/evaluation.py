from django import template

register = template.Library()


@register.filter
def score(value) -> str:
    """A score out of 100 with one decimal, or a dash where there is no data."""
    return "—" if value is None else f"{value:.1f}"
