"""Checking roll-ups against a recount, one unit or a whole campaign at a time.

Roll-ups kept by other apps in their own tables (the self-examination's ExamineCounts, …) are checked and
repaired by `verifyrollups` beside the ledger's counters and the tallies. An app registers its own in its
AppConfig.ready(), so that this app does not import it:

    checks.register("examine", drift=counters.drift, drift_all=counters.drift_all, rebuild=counters.rebuild)

`drift(unit, campaign_id)` returns {} when the unit's stored figures equal a recount of its subtree;
`drift_all(campaign_id)` answers the same for every unit at once, {unit id: {figure: (stored, recount)}},
from a few grouped queries (the recount `rebuild` writes, carried to the ancestors in memory: `carry`),
compared with the stored rows in one pass (`compare`); `rebuild(campaign_id)` recomputes them.

A missing row counts as zeros, on either side: only figures that differ are drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chuxin.orgs.models import Unit, ancestor_paths


@dataclass(frozen=True)
class Check:
    name: str
    drift: Callable[..., dict]
    drift_all: Callable[[int], dict[int, dict]]
    rebuild: Callable[[int], object]


CHECKS: dict[str, Check] = {}


def register(name: str, *, drift, drift_all, rebuild) -> None:
    CHECKS[name] = Check(name, drift, drift_all, rebuild)


class Lineage:
    """Every unit's ancestors (itself included), from one read of the tree's paths: what the recounts
    carry a unit's own figures up with."""

    def __init__(self):
        self.paths = dict(Unit.objects.values_list("pk", "path"))
        self._id_of = {p: pk for pk, p in self.paths.items()}
        self._cache: dict[int, tuple[int, ...]] = {}

    def __call__(self, unit_id: int) -> tuple[int, ...]:
        found = self._cache.get(unit_id)
        if found is None:
            found = self._cache[unit_id] = tuple(self._id_of[p] for p in ancestor_paths(self.paths[unit_id]))
        return found


def carry(own: Iterable[tuple[tuple, dict[str, int]]], lineage: Lineage | None = None) -> dict[tuple, dict]:
    """Figures of each unit's own rows ((unit id, *rest), {figure: n}) -> the figures of every subtree:
    each unit's added to its own and every ancestor's key ((ancestor id, *rest))."""
    lineage = lineage or Lineage()
    total: dict[tuple, dict] = {}
    for (unit_id, *rest), figures in own:
        for a in lineage(unit_id):
            acc = total.get((a, *rest))
            if acc is None:
                total[(a, *rest)] = dict(figures)
            else:
                for k, v in figures.items():
                    acc[k] = acc.get(k, 0) + v
    return total


def compare(
    stored: Iterable[tuple[tuple, dict[str, int]]],
    recounted: dict[tuple, dict[str, int]],
    label: Callable[[tuple, str], str],
    out: dict[int, dict] | None = None,
) -> dict[int, dict]:
    """Stored rows ((unit id, *rest), {figure: n}), read once, against the recount of the same keys ->
    {unit id: {label(rest, figure): (stored, recount)}} for the figures that differ. `recounted` is
    consumed (its entries are popped as the stored rows come), so that only one side is held in memory."""
    out = {} if out is None else out

    def differ(key, s: dict, r: dict):
        for f in s.keys() | r.keys():
            a, b = s.get(f) or 0, r.get(f) or 0
            if a != b:
                out.setdefault(key[0], {})[label(key[1:], f)] = (a, b)

    for key, s in stored:
        differ(key, s, recounted.pop(key, {}))
    for key, r in recounted.items():
        differ(key, {}, r)
    recounted.clear()
    return out
