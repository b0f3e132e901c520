"""Per work-area roll-ups (M13, 围绕中心、服务大局): the ledger's figures per central task, one row per
(unit, campaign, area), kept like the ledger's own counters.

A problem carries its work areas as bits (`Problem.work_areas`, see WorkArea); its items inherit them. So a
problem tagged 防风险 and 保稳定 counts once under each, and the areas' figures do not add up to the
subtree's total (a problem with no area counts under none). The rules are those of `counters` and `topics`:

- every ledger change adds its delta to the unit's row and every ancestor's row, inside the change's own
  transaction (`counters.item_changed`, `problem_created`, `problem_areas_changed`, the bulk paths);
- a unit move carries its subtree's rows from the old ancestors to the new (`unit_moved`);
- the ground truth is a recount of the ledger rows: `drift()` compares, `rebuild()` repairs; `verifyrollups`
  and the hypothesis property test check them with the other counters.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Sum

from chuxin.orgs.models import Unit, subtree_q
from chuxin.problems.models import Problem, RectificationItem, WorkArea

from . import checks, shards
from .models import AREA_COUNT_FIELDS, STATUS_FIELDS, AreaCounts

AREAS = [a.value for a in WorkArea]


def bits(mask: int | None) -> list[int]:
    """The work areas a problem's mask names, in WorkArea order."""
    return [a for a in AREAS if (mask or 0) & a]


def item_fields(status: str) -> Counter:
    return Counter({"items": 1, STATUS_FIELDS[status]: 1})


def add(targets: list[shards.Target], campaign_id: int, area: int, delta: Counter) -> None:
    """Add `delta` to the (unit, shard) rows of `targets` under one area (one upsert, see shards.py)."""
    shards.upsert(AreaCounts, {"campaign_id": campaign_id, "area": area}, targets, delta, AREA_COUNT_FIELDS)


def add_rows(changes: list[tuple[list[shards.Target], int, int, Counter]]) -> None:
    """Several (targets, campaign, area, delta) changes in one upsert (one change touching several areas)."""
    rows = [((u, cid, area, s), delta) for targets, cid, area, delta in changes for u, s in targets]
    shards.upsert_rows(AreaCounts, ["unit_id", "campaign_id", "area", "shard"], rows, AREA_COUNT_FIELDS)


def add_masked(targets: list[shards.Target], campaign_id: int, mask: int, delta: Counter) -> None:
    add_rows([(targets, campaign_id, area, delta) for area in bits(mask)])


def problem_areas_changed(problem: Problem, old_mask: int, targets: list[shards.Target]) -> None:
    """A problem's areas changed: it and its items leave the areas it lost and join the ones it gained."""
    lost, gained = (old_mask or 0) & ~problem.work_areas, problem.work_areas & ~(old_mask or 0)
    if not (lost or gained):
        return
    held = Counter({"problems": 1})
    for status, n in (
        RectificationItem.objects.filter(problem=problem)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        held["items"] += n
        held[STATUS_FIELDS[status]] += n
    add_masked(targets, problem.campaign_id, lost, Counter({k: -v for k, v in held.items()}))
    add_masked(targets, problem.campaign_id, gained, held)


def _sums(rows):
    """AreaCounts rows summed over their shards, per (unit, campaign, area)."""
    return (
        rows.values("unit_id", "campaign_id", "area")
        .annotate(**{f: Sum(f) for f in AREA_COUNT_FIELDS})
        .order_by()
    )


def unit_moved(unit: Unit, old_only: list[shards.Target], new_only: list[shards.Target]) -> None:
    for row in _sums(AreaCounts.objects.filter(unit=unit)):
        values = Counter({f: row[f] for f in AREA_COUNT_FIELDS})
        add(old_only, row["campaign_id"], row["area"], Counter({k: -v for k, v in values.items()}))
        add(new_only, row["campaign_id"], row["area"], values)


def read(units, campaign_id: int) -> dict[int, dict[int, dict[str, int]]]:
    """unit id -> area -> figures of the unit's subtree (its shard rows summed), for any number of units in
    one query."""
    ids = [u.pk for u in units]
    out = {pk: {a: dict.fromkeys(AREA_COUNT_FIELDS, 0) for a in AREAS} for pk in ids}
    for row in _sums(AreaCounts.objects.filter(unit_id__in=ids, campaign_id=campaign_id)):
        unit_id, area = row.pop("unit_id"), row.pop("area")
        row.pop("campaign_id")
        if area in out[unit_id]:
            out[unit_id][area] = row
    return out


# --- recounting: the ground truth the counters must equal ---------------------------------------


def recount(unit: Unit, campaign_id: int) -> dict[int, dict[str, int]]:
    counts = {a: dict.fromkeys(AREA_COUNT_FIELDS, 0) for a in AREAS}
    problems = Problem.objects.filter(subtree_q(unit.path, "unit__path"), campaign_id=campaign_id)
    for mask, n in (
        problems.exclude(work_areas=0).values_list("work_areas").annotate(n=Count("id")).order_by()
    ):
        for a in bits(mask):
            counts[a]["problems"] += n
    items = RectificationItem.objects.filter(
        subtree_q(unit.path, "unit__path"), problem__campaign_id=campaign_id
    ).exclude(problem__work_areas=0)
    for mask, status, n in (
        items.values_list("problem__work_areas", "status").annotate(n=Count("id")).order_by()
    ):
        for a in bits(mask):
            counts[a]["items"] += n
            counts[a][STATUS_FIELDS[status]] += n
    return counts


def stored(unit: Unit, campaign_id: int) -> dict[int, dict[str, int]]:
    return read([unit], campaign_id)[unit.pk]


def drift(unit: Unit, campaign_id: int) -> dict:
    s, r = stored(unit, campaign_id), recount(unit, campaign_id)
    return {
        f"area {a} {f}": (s[a][f], r[a][f]) for a in AREAS for f in AREA_COUNT_FIELDS if s[a][f] != r[a][f]
    }


def recount_all(campaign_ids: list[int], lineage: checks.Lineage | None = None) -> dict[tuple, dict]:
    """Every subtree's figures per work area, counted from the ledger: {(unit id, campaign id, area): figures}."""

    def own():
        problems = Problem.objects.filter(campaign_id__in=campaign_ids).exclude(work_areas=0)
        for u, c, mask, n in (
            problems.values_list("unit_id", "campaign_id", "work_areas").annotate(n=Count("id")).order_by()
        ):
            for a in bits(mask):
                yield (u, c, a), {"problems": n}
        items = RectificationItem.objects.filter(problem__campaign_id__in=campaign_ids).exclude(
            problem__work_areas=0
        )
        for u, c, mask, status, n in (
            items.values_list("unit_id", "problem__campaign_id", "problem__work_areas", "status")
            .annotate(n=Count("id"))
            .order_by()
        ):
            for a in bits(mask):
                yield (u, c, a), {"items": n, STATUS_FIELDS[status]: n}

    return checks.carry(own(), lineage)


def drift_all(campaign_id: int, lineage=None, out: dict | None = None) -> dict[int, dict]:
    """`drift()` of every unit in the campaign: {unit id: {figure: (stored, recount)}} (into `out`)."""
    recounted = recount_all([campaign_id], lineage)
    stored_rows = (
        ((r.pop("unit_id"), r.pop("campaign_id"), r.pop("area")), r)
        for r in _sums(AreaCounts.objects.filter(campaign_id=campaign_id, area__in=AREAS)).iterator(
            chunk_size=5000
        )
    )
    return checks.compare(stored_rows, recounted, lambda rest, f: f"area {rest[1]} {f}", out)


def rebuild(campaign_ids: list[int], lineage: checks.Lineage | None = None) -> int:
    """Recompute the areas' rows of these campaigns from the ledger (inside the caller's transaction)."""
    AreaCounts.objects.filter(campaign_id__in=campaign_ids).delete()
    total = recount_all(campaign_ids, lineage)
    AreaCounts.objects.bulk_create(
        [AreaCounts(unit_id=u, campaign_id=c, area=a, **n) for (u, c, a), n in total.items()], batch_size=5000
    )
    return len(total)
