"""Sharded counter rows: the units near the root keep their figures in several rows, summed on read.

Every ledger change adds its delta to its unit's row and to every ancestor's, so the root's row — and a
province's — is touched by every change below it. One row per unit would serialise concurrent writers on
it: a writer holds the row lock from its counter statement to its commit. So a unit at depth
<= ``ROLLUP_SHARD_DEPTH`` (the root and the provinces by default) has up to ``ROLLUP_SHARDS`` rows per
campaign (and due date, topic, work area), told apart by ``shard``; deeper units keep one row (shard 0).

Rules, the same for the four ledger tables (SubtreeCounts, SubtreeDue, TopicCounts, AreaCounts):

- A writer picks the shard from the changed row's own unit (``shard_for(unit_id)``): a hash, so writers in
  different leaves spread over the shards of their common ancestors, and the same leaf always uses the
  same shard. Which shard a delta lands in never matters for correctness: only sums are read. Bulk paths,
  moves and rebuilds write shard 0; a single shard row may even go negative (a move took its share into
  shard 0 and a later change subtracts from shard k) — its unit's sum stays right.
- Readers sum the shards in the database (``GROUP BY`` the unit, ``Sum`` per counter): still one query,
  and at most ``ROLLUP_SHARDS`` × (1 + children) rows for the root's dashboard.
- ``ROLLUP_SHARDS`` and ``ROLLUP_SHARD_DEPTH`` can change at any time without a migration: existing rows
  keep counting, new deltas go to the new shards.
- ``upsert()``/``upsert_rows()`` add deltas with one ``INSERT … ON CONFLICT DO UPDATE`` per table (creating
  missing rows and adding to existing ones in one statement: every due date, every work area of a change
  at once), its rows sorted by their key, unit first, so that concurrent writers lock the rows they share
  in one order (no deadlocks).
- Inside ``one_statement()`` the upserts of one change (its counters, due dates, topic and work areas) go
  to PostgreSQL as one statement: the first upsert is the statement, the others data-modifying ``WITH``
  parts of it, which PostgreSQL runs after it in the order written — the order they were made in, as
  when they were separate statements — so the lock order is unchanged and a change costs one round trip.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import connection

from chuxin.orgs.models import STEPLEN, Unit, ancestor_paths

Target = tuple[int, int]  # (unit id, shard)


def shard_count() -> int:
    return max(1, settings.ROLLUP_SHARDS)


def shard_depth() -> int:
    return settings.ROLLUP_SHARD_DEPTH


def shard_for(key: int) -> int:
    """The shard a change keyed by `key` (its unit's id) writes to: Knuth's multiplicative hash, so that
    neighbouring ids (the leaves of one county) land on different shards."""
    n = shard_count()
    return (key * 2654435761 % 2**32) % n if n > 1 else 0


def spread(ancestors: Iterable[tuple[int, int]], key: int) -> list[Target]:
    """(unit id, depth) pairs -> the rows a change keyed by `key` writes: shallow units at the key's shard,
    the others at shard 0."""
    s, limit = shard_for(key), shard_depth()
    return [(pk, s if depth <= limit else 0) for pk, depth in ancestors]


def ancestry(unit_id: int) -> list[tuple[int, int]]:
    """(id, depth) of the unit and every ancestor, root first: one indexed query."""
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).get()
    return ancestry_of_path(path)


def ancestry_of_path(path: str) -> list[tuple[int, int]]:
    rows = Unit.objects.filter(path__in=ancestor_paths(path)).values_list("pk", "path")
    return sorted(((pk, len(p) // STEPLEN) for pk, p in rows), key=lambda r: r[1])


def unsharded(unit_ids: Iterable[int]) -> list[Target]:
    return [(u, 0) for u in unit_ids]


def upsert(
    model, keys: dict, targets: Sequence[Target], delta: dict[str, int], fields: Sequence[str]
) -> None:
    """Add `delta` (counter -> change) to the rows (`keys` + unit + shard) of `targets`, creating the missing
    ones, in one statement. `fields` are all the model's counters (a new row starts them at 0)."""
    upsert_rows(
        model, ["unit_id", *keys, "shard"], [((u, *keys.values(), s), delta) for u, s in targets], fields
    )


def upsert_rows(model, key_cols: Sequence[str], rows: Sequence[tuple[tuple, dict[str, int]]], fields) -> None:
    """Add each row's delta to the row of its key (values of `key_cols`, the model's unique key, unit first),
    creating missing rows, in one INSERT … ON CONFLICT DO UPDATE; rows in key order, so that concurrent
    writers lock the rows they share in the same order. Deltas that sum to nothing are left out."""
    summed: dict[tuple, dict[str, int]] = {}
    for key, delta in rows:
        acc = summed.setdefault(tuple(key), {})
        for f, v in delta.items():
            acc[f] = acc.get(f, 0) + v
    summed = {k: d for k, d in summed.items() if any(d.values())}
    if not summed:
        return
    changed = [f for f in fields if any(d.get(f) for d in summed.values())]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = [*key_cols, *fields]
    row_marks = "(" + ", ".join(["%s"] * len(cols)) + ")"
    params: list = []
    for key in sorted(summed):
        params += [*(_adapt(v) for v in key), *(summed[key].get(f, 0) for f in fields)]
    sets = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in changed)
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([row_marks] * len(summed))} "
        f"ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {sets}"
    )
    batch = getattr(_pending, "batch", None)
    if batch is not None:
        batch.append((sql, params))
        return
    with connection.cursor() as cur:
        cur.execute(sql, params)


_pending = threading.local()


@contextmanager
def one_statement():
    """Send the upserts made inside as one statement on PostgreSQL (see the module's docstring); elsewhere,
    or nested, each as it is made. Nothing is sent if the block raises."""
    if connection.vendor != "postgresql" or getattr(_pending, "batch", None) is not None:
        yield
        return
    _pending.batch = batch = []
    try:
        yield
    finally:
        _pending.batch = None
    if not batch:
        return
    (first, first_params), rest = batch[0], batch[1:]
    sql = first
    params = list(first_params)
    if rest:
        parts = ", ".join(f"u{n} AS ({part})" for n, (part, _p) in enumerate(rest, 1))
        sql = f"WITH {parts} {first}"
        params = [x for _s, part_params in rest for x in part_params] + params
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _adapt(v):
    return connection.ops.adapt_datefield_value(v) if isinstance(v, date) else v
