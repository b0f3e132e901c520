"""Figures across strands (先学一步, leadership first): a leading organ's study completion beside its
research reports, compared with the organs of the units directly below, and the strands' subtree
counts. They combine study and research, so they live here, above both strands (study does not
import research).

Every figure comes in a fixed number of queries whatever the size of the tree, from the roll-up tallies
(chuxin/rollups/tallies.py): the organs' figures from the organ tallies, the subtree counts from the
subtree tallies, one row per unit and tally."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from chuxin.orgs.models import CommitteeMember, Unit
from chuxin.rollups import tallies
from chuxin.study.completion import pct, share
from chuxin.study.models import Meeting

# The strand counts shown per subtree; a new strand adds its declared tally keys here.
ACTIVITY = {
    "study_sessions": "study.sessions",
    "meetings": "study.meetings",
    "topics": "research.topics",
    "reports": "research.reports",
}


@dataclass
class OrganFigures:
    unit: Unit
    members: int
    study_done: int
    study_required: int
    reports_submitted: int

    @property
    def study_share(self) -> float | None:
        return share(self.study_done, self.study_required)

    @property
    def research_share(self) -> float | None:
        return share(min(self.reports_submitted, self.members), self.members)

    @property
    def study_pct(self) -> int | None:
        return pct(self.study_share)

    @property
    def research_pct(self) -> int | None:
        return pct(self.research_share)


# The organs' figures, from the organ tallies (one row per unit and figure, kept by the strands' actions)
ORGAN = {
    "study_done": "study.organ_done",
    "study_required": "study.organ_required",
    "reports_submitted": "research.organ_reporters",
}


def organ_figures_for(units: list[Unit], campaign) -> dict[int, OrganFigures]:
    """The leading organs of several units (their committee members' study completion and research
    reports in the campaign), in two queries however many units and seats: the seats counted per organ
    (the seats' unit index), the figures read from the organ tallies. The same figures as
    cadre_completion() summed over each organ's seats (a study session is required of a member when it is
    held at the member's home unit or one of its ancestors for the member's rank or lower, and done when
    attended or made up), which the tallies' recounts (study.completion.organs_required/organs_done,
    research.organs.organs_reporters) and verifyrollups check."""
    ids = [u.pk for u in units]
    members = dict(
        CommitteeMember.objects.filter(unit__in=ids)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    rows = tallies.read(units, campaign.pk, ORGAN.values())
    return {
        u.pk: OrganFigures(
            unit=u, members=members.get(u.pk, 0), **{name: rows[u.pk][key] for name, key in ORGAN.items()}
        )
        for u in units
    }


def organ_figures(unit: Unit, campaign) -> OrganFigures:
    return organ_figures_for([unit], campaign)[unit.pk]


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def leadership_first(unit: Unit, campaign, children=None) -> dict:
    """The leading organ's completion vs the average of its direct children's; flags a lagging lead."""
    children = list(Unit.objects.children_of(unit) if children is None else children)
    figs = organ_figures_for([unit, *children], campaign)
    own = figs[unit.pk]
    kids = [figs[c.pk] for c in children]
    avg_study = _mean(c.study_share for c in kids)
    avg_research = _mean(c.research_share for c in kids)
    lag_study = own.study_share is not None and avg_study is not None and own.study_share < avg_study
    lag_research = (
        own.research_share is not None and avg_research is not None and own.research_share < avg_research
    )
    return {
        "own": own,
        "children": kids,
        "children_study": avg_study,
        "children_research": avg_research,
        "children_study_pct": pct(avg_study),
        "children_research_pct": pct(avg_research),
        "lags_study": lag_study,
        "lags_research": lag_research,
        "lags": lag_study or lag_research,
        # a study session near the root whose share of the organ tallies a background task is still adding
        # (study/actions.py): the study figures are short of it until then
        "updating": Meeting.objects.filter(campaign_id=campaign.pk, organs_counted=False).exists(),
    }


def subtree_activity(units: list[Unit], campaign_id: int) -> dict[int, dict[str, int]]:
    """unit id -> counts of study and research activity in its subtree, from the tallies (one query)."""
    rows = tallies.read(units, campaign_id, ACTIVITY.values())
    return {pk: {name: row[key] for name, key in ACTIVITY.items()} for pk, row in rows.items()}
