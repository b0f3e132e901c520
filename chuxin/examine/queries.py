"""Reading self-examination: the strand figures from the roll-ups, the life-meeting panel."""

from __future__ import annotations

from dataclasses import dataclass

from chuxin.orgs.models import Unit
from chuxin.problems.models import Source
from chuxin.rollups.models import SOURCE_FIELDS, SubtreeCounts
from chuxin.rollups.queries import counter_sums

from .models import COUNT_FIELDS, ExamineCounts, Material, MaterialStatus


@dataclass
class StrandFigures:
    unit: Unit
    counts: dict
    sources: dict

    @property
    def completion(self) -> float | None:
        c = self.counts
        return round(100 * c["checklists_done"] / c["checklists"], 1) if c["checklists"] else None

    @property
    def submitted(self) -> int:
        """Materials that reached the secretary (waiting, returned for rework, or approved)."""
        c = self.counts
        return c["m_submitted"] + c["m_returned"] + c["m_approved"]

    @property
    def materials(self) -> int:
        return sum(self.counts[f"m_{s.value}"] for s in MaterialStatus)

    @property
    def problems(self) -> int:
        return sum(self.sources.values())


def strand_figures(units: list[Unit], campaign_id: int) -> dict[int, StrandFigures]:
    """Each unit's subtree figures: one query on the 检视问题 counters, one on the ledger roll-ups."""
    ids = [u.pk for u in units]
    out = {
        u.pk: StrandFigures(u, dict.fromkeys(COUNT_FIELDS, 0), {s.value: 0 for s in Source}) for u in units
    }
    for row in ExamineCounts.objects.filter(unit_id__in=ids, campaign_id=campaign_id).values(
        "unit_id", *COUNT_FIELDS
    ):
        out[row.pop("unit_id")].counts = row
    fields = list(SOURCE_FIELDS.values())
    for row in counter_sums(SubtreeCounts.objects.filter(unit_id__in=ids, campaign_id=campaign_id), fields):
        uid = row.pop("unit_id")
        out[uid].sources = {key: row[f] for key, f in SOURCE_FIELDS.items()}
    return out


def life_meeting_panel(meeting) -> dict:
    """For a democratic / organisational life meeting: the members' materials submitted beforehand and
    the follow-up list (the problems the meeting raised, with their items)."""
    from chuxin.orgs.models import CommitteeMember
    from chuxin.problems.models import Problem

    members = [cm.person for cm in CommitteeMember.objects.filter(unit=meeting.unit).select_related("person")]
    materials = {
        m.person_id: m
        for m in Material.objects.filter(campaign=meeting.campaign, person__in=[p.pk for p in members])
    }
    problem_ids = list(meeting.criticisms.exclude(problem=None).values_list("problem_id", flat=True))
    follow_up = list(
        Problem.objects.filter(pk__in=problem_ids)
        .prefetch_related("items")
        .select_related("responsible_leader")
    )
    return {
        "materials": [(p, materials.get(p.pk)) for p in members],
        "follow_up": follow_up,
    }
