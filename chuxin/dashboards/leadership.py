"""Figures across strands (先学一步, leadership first): a leading organ's study completion beside its
research reports, compared with the organs of the units directly below, and the strands' subtree
counts. They combine study and research, so they live here, above both strands (study does not
import research).

Every figure comes in a fixed number of queries whatever the size of the tree: the organs' seats,
cadre completion and reports for the unit and its children in one batch each; subtree counts from
the roll-up tallies (chuxin/rollups/tallies.py), one row per unit and tally."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from chuxin.orgs.models import CommitteeMember, Unit
from chuxin.research.models import SUBMITTED_STATUSES, Report
from chuxin.rollups import tallies
from chuxin.study.completion import cadre_completion, pct, share

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


def organ_figures_for(units: list[Unit], campaign=None) -> dict[int, OrganFigures]:
    """The leading organs of several units (their committee members' study completion and research
    reports), in three queries plus cadre_completion's two, however many units."""
    members = defaultdict(list)
    # Plain values, not model instances: the organs of the root and its children hold ~1,300 seats.
    seats = CommitteeMember.objects.filter(unit__in=[u.pk for u in units]).values_list(
        "unit_id", "person_id", "person__rank", "person__home_unit__path"
    )
    for unit_id, pk, rank, home_path in seats:
        members[unit_id].append(SimpleNamespace(pk=pk, rank=rank, home_unit=SimpleNamespace(path=home_path)))
    people = {p.pk: p for ps in members.values() for p in ps}
    comp = cadre_completion(people.values(), campaign)
    reports = Report.objects.filter(topic__cadre__in=list(people), status__in=SUBMITTED_STATUSES)
    if campaign is not None:
        reports = reports.filter(topic__campaign=campaign)
    reported = set(reports.values_list("topic__cadre", flat=True).distinct())
    out = {}
    for u in units:
        ps = members.get(u.pk, [])
        out[u.pk] = OrganFigures(
            unit=u,
            members=len(ps),
            study_done=sum(comp[p.pk][0] for p in ps),
            study_required=sum(comp[p.pk][1] for p in ps),
            reports_submitted=sum(1 for p in ps if p.pk in reported),
        )
    return out


def organ_figures(unit: Unit, campaign=None) -> OrganFigures:
    return organ_figures_for([unit], campaign)[unit.pk]


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def leadership_first(unit: Unit, campaign=None, children=None) -> dict:
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
    }


def subtree_activity(units: list[Unit], campaign_id: int) -> dict[int, dict[str, int]]:
    """unit id -> counts of study and research activity in its subtree, from the tallies (one query)."""
    rows = tallies.read(units, campaign_id, ACTIVITY.values())
    return {pk: {name: row[key] for name, key in ACTIVITY.items()} for pk, row in rows.items()}
