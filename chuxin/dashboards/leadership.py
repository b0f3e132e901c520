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

from django.db.models import Exists, OuterRef

from chuxin.orgs.models import CommitteeMember, Unit, ancestor_paths
from chuxin.research.models import SUBMITTED_STATUSES, Report
from chuxin.rollups import tallies
from chuxin.study.completion import pct, share
from chuxin.study.models import DONE_STATUSES, Attendance, Meeting, MeetingKind

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
    reports), in four queries however many units. Same figures as cadre_completion() summed over each
    organ's seats: a study session is required of a member when it is held at the member's home unit or
    one of its ancestors for the member's rank or lower, and done when attended or made up.

    Shaped at the root of the 100k demo (~180 children, ~1,300 seats, ~700 sessions, ~5,000
    attendances): the sessions are found by unit id (the (unit, kind, date) index), not by joining the
    units on ~180 paths; the attendances by those sessions' ids; whether a member reported, with the
    seat (an EXISTS, which PostgreSQL answers from one hash of the campaign's reports)."""
    ids = [u.pk for u in units]
    seats = CommitteeMember.objects.filter(unit__in=ids).order_by()
    reports = Report.objects.filter(topic__cadre=OuterRef("person_id"), status__in=SUBMITTED_STATUSES)
    if campaign is not None:
        reports = reports.filter(topic__campaign=campaign)
    people = {}  # person id -> (rank, home unit path)
    seated = defaultdict(list)  # person id -> the units whose organ the person sits on
    path_ids = {}  # unit path -> unit id: the home units, then their ancestors
    reporters = set()  # the members who submitted a research report (in the campaign)
    for unit_id, person_id, rank, home_id, home, reported in seats.annotate(
        reported=Exists(reports)
    ).values_list(
        "unit_id", "person_id", "person__rank", "person__home_unit_id", "person__home_unit__path", "reported"
    ):
        people[person_id] = (rank, home)
        if reported:
            reporters.add(person_id)
        seated[person_id].append(unit_id)
        path_ids[home] = home_id
    # seats share few home units (an organ's members mostly sit at its unit): their ancestors once each
    lineage = {home: ancestor_paths(home) for home in path_ids}
    missing = {p for paths in lineage.values() for p in paths} - path_ids.keys()
    if missing:
        path_ids.update(Unit.objects.filter(path__in=missing).values_list("path", "pk"))
    path_of = {pk: path for path, pk in path_ids.items()}
    meetings = Meeting.objects.filter(kind=MeetingKind.STUDY_SESSION, unit_id__in=list(path_of))
    if campaign is not None:
        meetings = meetings.filter(campaign=campaign)
    sessions = {}  # meeting id -> (unit path, required rank)
    ranks_at = defaultdict(list)  # unit path -> the required ranks of its sessions
    for m_id, unit_id, rank in meetings.values_list("pk", "unit_id", "required_rank"):
        sessions[m_id] = (path_of[unit_id], rank)
        ranks_at[path_of[unit_id]].append(rank)
    attended = defaultdict(int)  # person id -> required sessions attended or made up
    if sessions:
        pairs = Attendance.objects.filter(
            meeting_id__in=list(sessions), person__in=seats.values("person_id"), status__in=DONE_STATUSES
        ).values_list("person_id", "meeting_id")
        for person_id, m_id in pairs:
            rank, home = people[person_id]
            path, needed = sessions[m_id]
            if needed <= rank and home.startswith(path):
                attended[person_id] += 1
    members, required, done, reported = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    needed_of = {}  # (home unit path, rank) -> sessions required
    for person_id, organs in seated.items():
        rank, home = people[person_id]
        needs = needed_of.get((home, rank))
        if needs is None:
            needs = needed_of[home, rank] = sum(r <= rank for p in lineage[home] for r in ranks_at.get(p, ()))
        for unit_id in organs:
            members[unit_id] += 1
            required[unit_id] += needs
            done[unit_id] += attended[person_id]
            reported[unit_id] += person_id in reporters
    return {
        u.pk: OrganFigures(
            unit=u,
            members=members[u.pk],
            study_done=done[u.pk],
            study_required=required[u.pk],
            reports_submitted=reported[u.pk],
        )
        for u in units
    }


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
