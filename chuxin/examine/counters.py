"""The 检视问题 roll-ups: per unit and campaign, the figures of its whole subtree, kept by the actions.

The same shape as chuxin.rollups: every change adds its delta to the row of the unit and of each
ancestor in the change's transaction; `recount` counts from the rows; `drift` compares; `rebuild`
recomputes everything (after the demo's bulk load). A unit move carries its subtree's figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, F

from chuxin.orgs.models import Unit, subtree_q
from chuxin.rollups import checks

from .models import COUNT_FIELDS, Checklist, ExamineCounts, Gap, Material

LIFE_FIELDS = {"democratic_life": "dlm", "org_life": "olm"}


def _ancestor_ids(unit_id: int) -> list[int]:
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).get()
    prefixes = [path[:i] for i in range(Unit.steplen, len(path) + 1, Unit.steplen)]
    return list(Unit.objects.filter(path__in=prefixes).values_list("pk", flat=True))


def _add_ids(unit_ids: list[int], campaign_id: int, delta: Counter) -> None:
    delta = Counter({k: v for k, v in delta.items() if v})
    if not delta or not unit_ids:
        return
    ExamineCounts.objects.bulk_create(
        [ExamineCounts(unit_id=u, campaign_id=campaign_id) for u in unit_ids], ignore_conflicts=True
    )
    ExamineCounts.objects.filter(unit_id__in=unit_ids, campaign_id=campaign_id).update(
        **{f: F(f) + v for f, v in delta.items()}
    )


def add(unit_id: int, campaign_id: int, **delta: int) -> None:
    """Add to the unit's and every ancestor's row; call inside the change's transaction."""
    _add_ids(_ancestor_ids(unit_id), campaign_id, Counter(delta))


def material_changed(material: Material, old_status: str | None) -> None:
    if old_status == material.status:
        return
    delta = Counter({f"m_{material.status}": 1})
    if old_status:
        delta[f"m_{old_status}"] -= 1
    _add_ids(_ancestor_ids(material.unit_id), material.campaign_id, delta)


def meeting_created(meeting) -> None:
    field = LIFE_FIELDS.get(meeting.kind)
    if field:
        add(meeting.unit_id, meeting.campaign_id, **{field: 1})


def unit_moved(unit: Unit, old_ancestor_ids: list[int], new_ancestor_ids: list[int]) -> None:
    old_only = [u for u in old_ancestor_ids if u not in new_ancestor_ids and u != unit.pk]
    new_only = [u for u in new_ancestor_ids if u not in old_ancestor_ids and u != unit.pk]
    for row in ExamineCounts.objects.filter(unit=unit):
        values = Counter({f: getattr(row, f) for f in COUNT_FIELDS})
        _add_ids(old_only, row.campaign_id, Counter({k: -v for k, v in values.items()}))
        _add_ids(new_only, row.campaign_id, values)


# --- recounting -----------------------------------------------------------------------------------------


def recount(unit: Unit, campaign_id: int) -> dict[str, int]:
    """A subtree's figures counted straight from the rows."""
    total: Counter = Counter()
    for c in _own_counts_q(campaign_id, subtree_q(unit.path, "unit__path"), unit.path).values():
        total.update(c)
    return {f: total.get(f, 0) for f in COUNT_FIELDS}


def _own_counts_q(campaign_id: int, q, path: str) -> dict[int, Counter]:
    from chuxin.study.models import Meeting

    own: dict[int, Counter] = defaultdict(Counter)
    checklists = Checklist.objects.filter(q, campaign_id=campaign_id)
    for field, qs in (("checklists", checklists), ("checklists_done", checklists.exclude(completed_at=None))):
        for r in qs.values("unit_id").annotate(n=Count("id")):
            own[r["unit_id"]][field] += r["n"]
    gaps = Gap.objects.filter(subtree_q(path, "checklist__unit__path"), checklist__campaign_id=campaign_id)
    for field, qs in (("gaps", gaps), ("gaps_to_problems", gaps.exclude(problem=None))):
        for r in qs.values("checklist__unit_id").annotate(n=Count("id")):
            own[r["checklist__unit_id"]][field] += r["n"]
    for r in (
        Material.objects.filter(q, campaign_id=campaign_id)
        .values("unit_id", "status")
        .annotate(n=Count("id"))
    ):
        own[r["unit_id"]][f"m_{r['status']}"] += r["n"]
    for r in (
        Meeting.objects.filter(q, campaign_id=campaign_id, kind__in=list(LIFE_FIELDS))
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
    ):
        own[r["unit_id"]][LIFE_FIELDS[r["kind"]]] += r["n"]
    return own


def stored(unit: Unit, campaign_id: int) -> dict[str, int]:
    row = ExamineCounts.objects.filter(unit=unit, campaign_id=campaign_id).first()
    return {f: getattr(row, f) if row else 0 for f in COUNT_FIELDS}


def drift(unit: Unit, campaign_id: int) -> dict:
    s, r = stored(unit, campaign_id), recount(unit, campaign_id)
    return {f: (s[f], r[f]) for f in COUNT_FIELDS if s[f] != r[f]}


def recount_all(campaign_id: int) -> dict[tuple, dict]:
    """Every subtree's figures in the campaign, counted from the rows: {(unit id,): figures}."""
    own: dict[int, Counter] = defaultdict(Counter)
    for root in Unit.objects.get_root_nodes():
        for uid, c in _own_counts_q(campaign_id, subtree_q(root.path, "unit__path"), root.path).items():
            own[uid].update(c)
    return checks.carry((((u,), c) for u, c in own.items()))


def drift_all(campaign_id: int) -> dict[int, dict]:
    """`drift()` of every unit: {unit id: {figure: (stored, recount)}} for the units that differ."""
    stored_rows = (
        ((r.pop("unit_id"),), r)
        for r in ExamineCounts.objects.filter(campaign_id=campaign_id)
        .values("unit_id", *COUNT_FIELDS)
        .iterator(chunk_size=5000)
    )
    return checks.compare(stored_rows, recount_all(campaign_id), lambda _rest, f: f)


@transaction.atomic
def rebuild(campaign_id: int) -> int:
    ExamineCounts.objects.filter(campaign_id=campaign_id).delete()
    total = recount_all(campaign_id)
    ExamineCounts.objects.bulk_create(
        [
            ExamineCounts(unit_id=u, campaign_id=campaign_id, **{f: c.get(f, 0) for f in COUNT_FIELDS})
            for (u,), c in total.items()
        ],
        batch_size=5000,
    )
    return len(total)
