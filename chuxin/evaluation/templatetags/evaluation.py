from django import template

register = template.Library()


@register.filter
def score(value) -> str:
    """A score out of 100 with one decimal, or a dash where there is no data."""
    return "—" if value is None else f"{value:.1f}"


@register.simple_tag
def part_score(value, short=False) -> str:
    """A score, or 样本不足 where the survey has fewer responses than the scheme's minimum."""
    if short:
        from django.utils.translation import gettext

        return gettext("Too few responses")
    return score(value)
