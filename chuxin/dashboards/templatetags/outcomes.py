"""Outcomes on the dashboards: the subtree's outcomes per central task (M13) and the outcomes that lead a page
before its activity counts (M14), from the roll-ups."""

from django import template
from django.db.models import Sum

from chuxin.problems.models import WorkArea
from chuxin.rollups import areas
from chuxin.rollups.models import STATUS_FIELDS

register = template.Library()


def area_rows(unit, campaign_id: int) -> list[dict]:
    """One row per work area, in WorkArea order: problems, items, rectified, kept up, not done, completion
    (closed / items, as the subtree's own rate is counted). One indexed query of at most six rows."""
    figs = areas.read([unit], campaign_id)[unit.pk]
    rows = []
    for area in WorkArea:
        f = figs[area.value]
        closed, kept = f[STATUS_FIELDS["closed"]], f[STATUS_FIELDS["kept_up"]]
        rows.append(
            {
                "area": area,
                "problems": f["problems"],
                "items": f["items"],
                "closed": closed,
                "kept_up": kept,
                "not_done": f["items"] - closed - kept,
                "completion": round(100 * closed / f["items"], 2) if f["items"] else None,
            }
        )
    return rows


@register.inclusion_tag("dashboards/_work_areas.html")
def work_areas_panel(unit, campaign, cut_off=None, historical=False):
    """The subtree's outcomes per central task. The per-area counters are live only: the daily snapshots
    (rollups/snapshots.py, what a past `as_of` reads) keep the subtree's totals, not its areas. So on a
    past day the panel says it has no figures for that day instead of showing today's under that date, as
    the status, kind and source mixes are hidden there."""
    if historical:
        from django.utils import timezone

        return {
            "unit": unit,
            "campaign": campaign,
            "rows": [],
            "historical": True,
            "cut_off": cut_off,
            "today": timezone.localdate(),  # the link to the live figures names today, as the page's own does
        }
    return {"unit": unit, "campaign": campaign, "rows": area_rows(unit, campaign.pk), "historical": False}


@register.inclusion_tag("dashboards/_outcomes_lead.html")
def outcomes_lead(unit, campaign):
    """Outcomes before activity counts (M14): the subtree's problems solved, on pages that otherwise lead
    with counts of meetings and reports. One indexed row."""
    from chuxin.rollups.models import SubtreeCounts

    row = SubtreeCounts.objects.filter(unit=unit, campaign=campaign).aggregate(  # the shard rows summed
        items=Sum("items"), closed=Sum(STATUS_FIELDS["closed"]), kept=Sum(STATUS_FIELDS["kept_up"])
    )
    items, closed, kept = row["items"] or 0, row["closed"] or 0, row["kept"] or 0
    return {
        "unit": unit,
        "campaign": campaign,
        "items": items,
        "solved": closed + kept,
        "closed": closed,
        "completion": round(100 * closed / items, 2) if items else None,
    }
