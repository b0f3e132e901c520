"""Per-topic roll-ups (专项整治): the same shape as the ledger counters, one row per (unit, topic).

Called from `counters` inside the ledger change's transaction; `recount`/`drift`/`rebuild` give the
ground truth that the property test and `verifyrollups` compare against.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Sum

from chuxin.orgs.models import Unit, ancestor_paths, subtree_q
from chuxin.problems.models import Problem, RectificationItem

from . import shards
from .models import STATUS_FIELDS, TOPIC_COUNT_FIELDS, TopicCounts


def add(targets: list[shards.Target], topic_id: int | None, delta: Counter) -> None:
    """Add `delta` to the (unit, shard) rows of `targets` under the topic (one upsert, see shards.py)."""
    if topic_id is None:
        return
    shards.upsert(TopicCounts, {"topic_id": topic_id}, targets, delta, TOPIC_COUNT_FIELDS)


def sums(rows) -> list[dict]:
    """TopicCounts rows summed over their shards: one dict per (unit, topic) with every counter."""
    return list(
        rows.values("unit_id", "topic_id").annotate(**{f: Sum(f) for f in TOPIC_COUNT_FIELDS}).order_by()
    )


def item_fields(status: str) -> Counter:
    return Counter({"items": 1, STATUS_FIELDS[status]: 1})


def unit_moved(unit: Unit, old_only: list[shards.Target], new_only: list[shards.Target]) -> None:
    for row in sums(TopicCounts.objects.filter(unit=unit)):
        values = Counter({f: row[f] for f in TOPIC_COUNT_FIELDS})
        add(old_only, row["topic_id"], Counter({k: -v for k, v in values.items()}))
        add(new_only, row["topic_id"], values)


def recount(unit: Unit, topic_id: int) -> dict[str, int]:
    counts = dict.fromkeys(TOPIC_COUNT_FIELDS, 0)
    counts["problems"] = Problem.objects.filter(subtree_q(unit.path, "unit__path"), topic_id=topic_id).count()
    items = RectificationItem.objects.filter(subtree_q(unit.path, "unit__path"), problem__topic_id=topic_id)
    for row in items.values("status").annotate(n=Count("id")):
        counts["items"] += row["n"]
        counts[STATUS_FIELDS[row["status"]]] += row["n"]
    return counts


def stored(unit: Unit, topic_id: int) -> dict[str, int]:
    row = TopicCounts.objects.filter(unit=unit, topic_id=topic_id).aggregate(
        **{f: Sum(f) for f in TOPIC_COUNT_FIELDS}
    )
    return {f: row[f] or 0 for f in TOPIC_COUNT_FIELDS}


def drift(unit: Unit, topic_id: int) -> dict:
    s, r = stored(unit, topic_id), recount(unit, topic_id)
    return {f"topic {topic_id} {f}": (s[f], r[f]) for f in TOPIC_COUNT_FIELDS if s[f] != r[f]}


def rebuild(topic_ids: list[int]) -> int:
    """Recompute the topics' rows from the ledger (inside the caller's transaction)."""
    TopicCounts.objects.filter(topic_id__in=topic_ids).delete()
    paths = dict(Unit.objects.values_list("pk", "path"))
    ids_by_path = {p: pk for pk, p in paths.items()}
    own: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for r in (
        Problem.objects.filter(topic_id__in=topic_ids).values("unit_id", "topic_id").annotate(n=Count("id"))
    ):
        own[(r["unit_id"], r["topic_id"])]["problems"] += r["n"]
    items = RectificationItem.objects.filter(problem__topic_id__in=topic_ids)
    for r in items.values("unit_id", "problem__topic_id", "status").annotate(n=Count("id")):
        c = own[(r["unit_id"], r["problem__topic_id"])]
        c["items"] += r["n"]
        c[STATUS_FIELDS[r["status"]]] += r["n"]
    total: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for (unit_id, topic_id), c in own.items():
        path = paths[unit_id]
        for p in ancestor_paths(path):
            total[(ids_by_path[p], topic_id)].update(c)
    TopicCounts.objects.bulk_create(
        [TopicCounts(unit_id=u, topic_id=t, **c) for (u, t), c in total.items()], batch_size=5000
    )
    return len(total)
