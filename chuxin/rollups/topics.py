"""Per-topic roll-ups (专项整治): the same shape as the ledger counters, one row per (unit, topic).

Called from `counters` inside the ledger change's transaction; `recount`/`drift`/`rebuild` give the
ground truth that the property test and `verifyrollups` compare against.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Sum

from chuxin.orgs.models import Unit, subtree_q
from chuxin.problems.models import Problem, RectificationItem

from . import checks, shards
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


def recount_all(topic_ids: list[int], lineage: checks.Lineage | None = None) -> dict[tuple, dict]:
    """Every subtree's figures under these topics, counted from the ledger: {(unit id, topic id): figures}."""

    def own():
        problems = Problem.objects.filter(topic_id__in=topic_ids)
        for r in problems.values("unit_id", "topic_id").annotate(n=Count("id")).order_by():
            yield (r["unit_id"], r["topic_id"]), {"problems": r["n"]}
        items = RectificationItem.objects.filter(problem__topic_id__in=topic_ids)
        for r in items.values("unit_id", "problem__topic_id", "status").annotate(n=Count("id")).order_by():
            yield (
                (r["unit_id"], r["problem__topic_id"]),
                {"items": r["n"], STATUS_FIELDS[r["status"]]: r["n"]},
            )

    return checks.carry(own(), lineage)


def drift_all(topic_ids: list[int], lineage=None, out: dict | None = None) -> dict[int, dict]:
    """`drift()` of every unit under these topics: {unit id: {figure: (stored, recount)}} (into `out`)."""
    recounted = recount_all(topic_ids, lineage)
    stored_rows = (
        ((r.pop("unit_id"), r.pop("topic_id")), r)
        for r in TopicCounts.objects.filter(topic_id__in=topic_ids)
        .values("unit_id", "topic_id")
        .annotate(**{f: Sum(f) for f in TOPIC_COUNT_FIELDS})
        .order_by()
        .iterator(chunk_size=5000)
    )
    return checks.compare(stored_rows, recounted, lambda rest, f: f"topic {rest[0]} {f}", out)


def rebuild(topic_ids: list[int], lineage: checks.Lineage | None = None) -> int:
    """Recompute the topics' rows from the ledger (inside the caller's transaction)."""
    TopicCounts.objects.filter(topic_id__in=topic_ids).delete()
    total = recount_all(topic_ids, lineage)
    TopicCounts.objects.bulk_create(
        [TopicCounts(unit_id=u, topic_id=t, **c) for (u, t), c in total.items()], batch_size=5000
    )
    return len(total)
