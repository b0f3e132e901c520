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

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chuxin.orgs.models import STEPLEN, Unit


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
    """Every unit's depth and parent, from one read of the tree's paths: what the recounts carry a unit's
    own figures up with."""

    def __init__(self):
        self.paths = dict(Unit.objects.values_list("pk", "path"))
        self._id_of = {p: pk for pk, p in self.paths.items()}

    def depth(self, unit_id: int) -> int:
        return len(self.paths[unit_id]) // STEPLEN

    def parent(self, unit_id: int) -> int | None:
        return self._id_of.get(self.paths[unit_id][:-STEPLEN])


def carry(own: Iterable[tuple[tuple, dict[str, int]]], lineage: Lineage | None = None) -> dict[tuple, dict]:
    """Figures of each unit's own rows ((unit id, *rest), {figure: n}; a key may repeat) -> the figures of
    every subtree, {(unit id, *rest): figures}: each unit's own rows summed, then each subtree's sum added to
    its parent's, deepest level first, so that every sum is added once (not once per ancestor)."""
    lineage = lineage or Lineage()
    total: dict[tuple, dict] = {}
    for key, figures in own:
        _add_into(total, key, figures)
    levels: dict[int, list[tuple]] = defaultdict(list)
    for key in total:
        levels[lineage.depth(key[0])].append(key)
    for depth in range(max(levels, default=0), 1, -1):
        for key in levels[depth]:
            parent = lineage.parent(key[0])
            if parent is not None:
                up = (parent, *key[1:])
                if _add_into(total, up, total[key]):
                    levels[depth - 1].append(up)  # a new key of the level above: carried in its turn
    return total


def _add_into(total: dict[tuple, dict], key: tuple, figures: dict[str, int]) -> bool:
    """Add `figures` to `total[key]`; True when the key is new."""
    acc = total.get(key)
    if acc is None:
        total[key] = dict(figures)
        return True
    for k, v in figures.items():
        acc[k] = acc.get(k, 0) + v
    return False


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
        r = recounted.pop(key, None) or {}
        if {f: v for f, v in s.items() if v} != r:  # zeros are absent from the recount
            differ(key, s, r)
    for key, r in recounted.items():
        differ(key, {}, r)
    recounted.clear()
    return out
