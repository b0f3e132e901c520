"""Keeping the roll-up counters current, and recounting them from the ledger."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.expressions import RawSQL

from chuxin.orgs.models import Unit, ancestor_paths, subtree_q
from chuxin.problems.models import ACTIVE_STATUSES, Problem, RectificationItem

from . import areas, checks, shards, tallies, topics
from .models import (
    AREA_COUNT_FIELDS,
    COUNT_FIELDS,
    KIND_FIELDS,
    SOURCE_FIELDS,
    STATUS_FIELDS,
    AreaCounts,
    SubtreeCounts,
    SubtreeDue,
)


@dataclass(frozen=True)
class ItemState:
    """What of an item the counters see."""

    campaign_id: int
    unit_id: int
    status: str
    kind: str
    due_date: date | None
    topic_id: int | None = None  # the special-rectification topic of the item's problem
    work_areas: int = 0  # the central-task work areas of the item's problem (bits of WorkArea)
    # the unit's path when the caller holds the unit row (the actions lock it): spares a query for the
    # ancestors; not a figure, so not compared
    unit_path: str = field(default="", compare=False)
    # (id, depth) of the unit and its ancestors, root first, when the caller read them with the locked row
    # (`with_ancestry`): spares that query too; not compared
    ancestry: tuple = field(default=(), compare=False)

    @classmethod
    def of(cls, item: RectificationItem) -> ItemState:
        p = item.problem
        path = item.unit.path if RectificationItem.unit.is_cached(item) else ""
        found = getattr(item, "unit_ancestry", None) or ()
        # only while it is the unit the ancestry was read for (an edit may have moved the item)
        ancestry = tuple((pk, depth) for pk, depth in found) if found and found[-1][0] == item.unit_id else ()
        return cls(
            p.campaign_id,
            item.unit_id,
            item.status,
            item.kind,
            item.due_date,
            p.topic_id,
            p.work_areas,
            path,
            ancestry,
        )

    def fields(self) -> Counter:
        return Counter({"items": 1, STATUS_FIELDS[self.status]: 1, KIND_FIELDS[self.kind]: 1})

    def due(self) -> date | None:
        return self.due_date if self.status in ACTIVE_STATUSES else None


def _add(targets: list[shards.Target], campaign_id: int, delta: Counter, due: Counter) -> None:
    """Add `delta` to the counters and `due` to the due-date rows of `targets` ((unit, shard) rows, see
    shards.py): one upsert per table."""
    shards.upsert(SubtreeCounts, {"campaign_id": campaign_id}, targets, delta, COUNT_FIELDS)
    rows = [((u, campaign_id, d, s), {"n": v}) for d, v in due.items() if v for u, s in targets]
    shards.upsert_rows(SubtreeDue, ["unit_id", "campaign_id", "due_date", "shard"], rows, ["n"])


def with_ancestry(items):
    """`items` (a RectificationItem queryset joining its unit: select_related("unit")) with each item's
    unit and ancestors as `unit_ancestry`, [[id, depth], …] root first, read by the same statement — on
    PostgreSQL, where a statement costs a round trip (one indexed lookup per level, the paths cut from the
    unit's own). Elsewhere unchanged: item_changed() reads them itself."""
    if connection.vendor != "postgresql":
        return items
    unit = connection.ops.quote_name(Unit._meta.db_table)
    step = Unit.steplen
    return items.annotate(
        unit_ancestry=RawSQL(
            f"ARRAY(SELECT ARRAY[a.id, a.depth] FROM {unit} a WHERE a.path = ANY(ARRAY("
            f"SELECT substr({unit}.path, 1, n * {step}) FROM generate_series(1, length({unit}.path) / {step}) n"
            ")) ORDER BY a.path)",
            [],
        )
    )


def item_changed(before: ItemState | None, after: ItemState | None) -> None:
    """Apply an item's change to its unit and every ancestor; call inside the change's transaction."""
    if before == after:
        return
    groups: dict[tuple[int, int], tuple[Counter, Counter]] = defaultdict(lambda: (Counter(), Counter()))
    for state, sign in ((before, -1), (after, 1)):
        if state is None:
            continue
        delta, due = groups[(state.campaign_id, state.unit_id)]
        for k, v in state.fields().items():
            delta[k] += sign * v
        if state.due() is not None:
            due[state.due()] += sign
    topic_deltas: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for state, sign in ((before, -1), (after, 1)):
        if state is not None and state.topic_id is not None:
            for k, v in topics.item_fields(state.status).items():
                topic_deltas[(state.topic_id, state.unit_id)][k] += sign * v
    area_deltas: dict[tuple[int, int, int], Counter] = defaultdict(Counter)
    for state, sign in ((before, -1), (after, 1)):
        if state is not None:
            for area in areas.bits(state.work_areas):
                for k, v in areas.item_fields(state.status).items():
                    area_deltas[(state.campaign_id, area, state.unit_id)][k] += sign * v
    # the rows each unit's change writes: its own and its ancestors', near the root at the unit's shard
    targets: dict[int, list[shards.Target]] = {}
    paths = {s.unit_id: s.unit_path for s in (before, after) if s is not None and s.unit_path}
    known = {s.unit_id: list(s.ancestry) for s in (before, after) if s is not None and s.ancestry}

    def rows(unit_id: int) -> list[shards.Target]:
        if unit_id not in targets:
            path = paths.get(unit_id)
            found = known.get(unit_id) or (
                shards.ancestry_of_path(path) if path else shards.ancestry(unit_id)
            )
            targets[unit_id] = shards.spread(found, unit_id)
        return targets[unit_id]

    for unit_id in paths.keys() | {u for _c, u in groups} | {u for _t, u in topic_deltas}:
        rows(unit_id)  # the ancestors' ids are read before the first counter row is locked
    with shards.one_statement():  # every table's upsert in one round trip (PostgreSQL)
        for (campaign_id, unit_id), (delta, due) in groups.items():
            _add(rows(unit_id), campaign_id, delta, due)
        for (topic_id, unit_id), delta in topic_deltas.items():
            topics.add(rows(unit_id), topic_id, delta)
        areas.add_rows([(rows(u), cid, area, delta) for (cid, area, u), delta in area_deltas.items()])


def bulk_created(problems: list[Problem], items: list[RectificationItem]) -> None:
    """Counters for many new problems and items at once (bulk imports): deltas are summed per unit and
    ancestor in memory, then written with one statement per touched row."""

    paths = {}
    unit_ids = {p.unit_id for p in problems} | {i.unit_id for i in items}
    for pk, path in Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"):
        paths[pk] = path
    prefixes = {p for path in paths.values() for p in ancestor_paths(path)}
    id_of = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "pk"))

    def ancestors(unit_id):
        path = paths[unit_id]
        return [id_of[p] for p in ancestor_paths(path)]

    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    topic_counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    area_counts: dict[tuple[int, int, int], Counter] = defaultdict(Counter)
    due: Counter = Counter()
    by_pk = {p.pk: p for p in problems}
    for p in problems:
        for a in ancestors(p.unit_id):
            counts[(a, p.campaign_id)].update({"problems": 1, SOURCE_FIELDS[p.source]: 1})
            if p.topic_id is not None:
                topic_counts[(a, p.topic_id)]["problems"] += 1
            for area in areas.bits(p.work_areas):
                area_counts[(a, p.campaign_id, area)]["problems"] += 1
    for it in items:
        p = by_pk.get(it.problem_id) or it.problem
        cid, tid = p.campaign_id, p.topic_id
        state = ItemState(cid, it.unit_id, it.status, it.kind, it.due_date, tid, p.work_areas)
        for a in ancestors(it.unit_id):
            counts[(a, cid)].update(state.fields())
            if state.due() is not None:
                due[(a, cid, state.due())] += 1
            if tid is not None:
                topic_counts[(a, tid)].update(topics.item_fields(it.status))
            for area in areas.bits(p.work_areas):
                area_counts[(a, cid, area)].update(areas.item_fields(it.status))
    for (a, tid), delta in topic_counts.items():
        topics.add([(a, 0)], tid, delta)
    for (a, cid, area), delta in area_counts.items():
        areas.add([(a, 0)], cid, area, delta)
    _write_bulk(counts, due)


def _write_bulk(counts: dict, due: Counter) -> None:
    """Add summed deltas with one upsert per table (INSERT … ON CONFLICT DO UPDATE; SQLite and PostgreSQL),
    into shard 0 (the bulk paths' deltas go to one row per unit; see shards.py): on PostgreSQL one statement
    over arrays, on SQLite (in process, no round trips) one executemany."""
    from django.db import connection

    cols = list(COUNT_FIELDS)
    table = SubtreeCounts._meta.db_table
    names = ", ".join(["unit_id", "campaign_id", "shard", *cols])
    marks = ", ".join(["%s"] * (len(cols) + 3))
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)
    due_table = SubtreeDue._meta.db_table
    adapt = connection.ops.adapt_datefield_value
    if connection.vendor == "postgresql":
        # one statement per table over arrays (unnest): a 100 000-row import touches ~130 000 due-date rows,
        # which as one statement each (executemany, even pipelined) took most of the import's write time
        count_rows = [(u, cid, 0, *(c_.get(c, 0) for c in cols)) for (u, cid), c_ in sorted(counts.items())]
        due_rows = [(u, cid, d, n) for (u, cid, d), n in sorted(due.items())]
        with connection.cursor() as cur:
            if count_rows:
                arrays = ", ".join(["%s::bigint[]"] * (len(cols) + 3))
                cur.execute(
                    f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "
                    f"ON CONFLICT (unit_id, campaign_id, shard) DO UPDATE SET {sets}",
                    [list(column) for column in zip(*count_rows, strict=True)],
                )
            if due_rows:
                cur.execute(
                    f"INSERT INTO {due_table} (unit_id, campaign_id, due_date, shard, n) "
                    "SELECT u, c, d, 0, n FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::bigint[]) "
                    "AS t(u, c, d, n) ON CONFLICT (unit_id, campaign_id, due_date, shard) "
                    f"DO UPDATE SET n = {due_table}.n + excluded.n",
                    [list(column) for column in zip(*due_rows, strict=True)],
                )
        return
    days = {d: adapt(d) for d in {d for _u, _c, d in due}}  # a few hundred dates over ~130 000 rows
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT (unit_id, campaign_id, shard) DO UPDATE SET {sets}",
            [[u, cid, 0] + [c_.get(c, 0) for c in cols] for (u, cid), c_ in sorted(counts.items())],
        )
        cur.executemany(
            f"INSERT INTO {due_table} (unit_id, campaign_id, due_date, shard, n) VALUES (%s, %s, %s, 0, %s) "
            f"ON CONFLICT (unit_id, campaign_id, due_date, shard) DO UPDATE SET n = {due_table}.n + excluded.n",
            [[u, cid, days[d], n] for (u, cid, d), n in sorted(due.items())],
        )


class BulkTally:
    """The counters' deltas of many new problems and items (the import's fast path), summed per unit while
    the rows are written in parts; `bulk_created_rows` then carries them to the ancestors, so the work grows
    with the units touched, not the rows, and no list of all the rows is needed."""

    def __init__(self):
        self.per_unit: dict[tuple[int, int], Counter] = defaultdict(Counter)
        self.per_unit_due: Counter = Counter()
        self.per_unit_topic: dict[tuple[int, int], Counter] = defaultdict(Counter)
        self.per_unit_area: dict[tuple[int, int, int], Counter] = defaultdict(Counter)
        self._states: Counter = Counter()  # (unit, campaign, topic, status, kind, due date, areas) -> items

    def problem(self, p: dict) -> None:
        c = self.per_unit[(p["unit_id"], p["campaign_id"])]
        c["problems"] += 1
        c[SOURCE_FIELDS[p["source"]]] += 1
        if p.get("topic_id") is not None:
            self.per_unit_topic[(p["unit_id"], p["topic_id"])]["problems"] += 1
        for area in areas.bits(p.get("work_areas")):
            self.per_unit_area[(p["unit_id"], p["campaign_id"], area)]["problems"] += 1

    def item(self, it: dict, campaign_id: int, topic_id: int | None, work_areas: int = 0) -> None:
        unit_id, status = it["unit_id"], it["status"]
        self._states[(unit_id, campaign_id, topic_id, status, it["kind"], work_areas or 0)] += 1
        due_date = it["due_date"]
        if due_date is not None and status in _ACTIVE:  # ItemState.due()
            self.per_unit_due[(unit_id, campaign_id, due_date)] += 1

    def _fold(self) -> None:
        """Items of one state are counted once, times their number (most rows of a file share a state).

        The due dates are counted apart (`item`), so a state is (unit, campaign, topic, status, kind, areas):
        a 100 000-row file has ~80 000 distinct states with its due dates and far fewer without; each
        state's field names come from dicts made once per status, kind or mask, and plain dict arithmetic
        does the rest (a Counter built and merged per state was most of the counters' Python time)."""
        per_unit, per_topic, per_area = self.per_unit, self.per_unit_topic, self.per_unit_area
        names: dict[tuple[str, str], tuple[str, ...]] = {}
        topic_fields: dict[str, tuple] = {}
        area_fields: dict[str, tuple] = {}
        mask_bits: dict[int, list[int]] = {}
        for (unit_id, cid, tid, status, kind, mask), n in self._states.items():
            fields = names.get((status, kind))
            if fields is None:  # ItemState.fields(): items, its status's and its kind's
                fields = names[(status, kind)] = tuple(ItemState(cid, unit_id, status, kind, None).fields())
            c = per_unit[(unit_id, cid)]
            for k in fields:
                c[k] += n
            if tid is not None:
                tf = topic_fields.get(status)
                if tf is None:
                    tf = topic_fields[status] = tuple(topics.item_fields(status).items())
                t = per_topic[(unit_id, tid)]
                for k, v in tf:
                    t[k] += v * n
            if mask:
                af = area_fields.get(status)
                if af is None:
                    af = area_fields[status] = tuple(areas.item_fields(status))
                found = mask_bits.get(mask)
                if found is None:
                    found = mask_bits[mask] = areas.bits(mask)
                for area in found:
                    a = per_area[(unit_id, cid, area)]
                    for k in af:
                        a[k] += n
        self._states.clear()


_ACTIVE = frozenset(ACTIVE_STATUSES)


def bulk_created_rows(tally: BulkTally) -> None:
    """bulk_created for rows given as column values (the import's fast path, see BulkTally): the deltas
    summed per unit are carried to every ancestor and written with one upsert per table."""
    tally._fold()
    per_unit, per_unit_due, per_unit_topic = tally.per_unit, tally.per_unit_due, tally.per_unit_topic
    per_unit_area = tally.per_unit_area
    paths = {}
    unit_ids = {u for u, _c in per_unit} | {u for u, _t in per_unit_topic}
    for part in _parts(sorted(unit_ids)):
        for pk, path in Unit.objects.filter(pk__in=part).values_list("pk", "path"):
            paths[pk] = path
    prefixes = {path[:i] for path in paths.values() for i in range(Unit.steplen, len(path) + 1, Unit.steplen)}
    id_of = {}
    for part in _parts(sorted(prefixes)):
        id_of.update(Unit.objects.filter(path__in=part).values_list("path", "pk"))
    step = Unit.steplen
    lineage = {
        u: tuple(id_of[path[:i]] for i in range(step, len(path) + 1, step)) for u, path in paths.items()
    }

    def add_up(into: dict, key_rest, delta: dict, unit_id: int) -> None:
        for a in lineage[unit_id]:
            acc = into.get((a, *key_rest))
            if acc is None:
                into[(a, *key_rest)] = dict(delta)
            else:
                for k, v in delta.items():
                    acc[k] = acc.get(k, 0) + v

    counts: dict[tuple[int, int], dict] = {}
    for (u, cid), delta in per_unit.items():
        add_up(counts, (cid,), delta, u)
    due: dict = defaultdict(int)
    for (u, cid, d), n in per_unit_due.items():
        for a in lineage[u]:
            due[(a, cid, d)] += n
    topic_rows: dict = {}
    for (u, tid), delta in per_unit_topic.items():
        add_up(topic_rows, (tid,), delta, u)
    for (a, tid), delta in topic_rows.items():
        topics.add([(a, 0)], tid, Counter(delta))
    # the areas' deltas carried to the ancestors here too, then a few multi-row upserts, not one statement per
    # (unit, area): a 100 000-row file naming 服务中心工作 touches ~10 000 of those
    area_rows: dict[tuple, dict] = {}
    for (u, cid, area), delta in per_unit_area.items():
        add_up(area_rows, (cid, area, 0), delta, u)
    keys = sorted(area_rows)
    if keys and connection.vendor == "postgresql":
        _upsert_unnest(
            AreaCounts, ["unit_id", "campaign_id", "area", "shard"], keys, area_rows, AREA_COUNT_FIELDS
        )
        keys = []
    step = 20_000 // (4 + len(AREA_COUNT_FIELDS))  # parameters per statement well under SQLite's 32 766
    for i in range(0, len(keys), step):
        shards.upsert_rows(
            AreaCounts,
            ["unit_id", "campaign_id", "area", "shard"],
            [(k, area_rows[k]) for k in keys[i : i + step]],
            AREA_COUNT_FIELDS,
        )
    _write_bulk(counts, due)


def _upsert_unnest(model, key_cols: list[str], keys: list[tuple], deltas: dict, fields) -> None:
    """PostgreSQL: add `deltas[key]` to the row of each key (in key order) in one INSERT … SELECT FROM unnest(…)
    ON CONFLICT DO UPDATE, as `_write_bulk` does: one statement of a few arrays for a 100 000-row import's
    ~25 000 area rows, instead of multi-row VALUES statements of 20 000 parameters each."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = [*key_cols, *fields]
    columns = [list(column) for column in zip(*keys, strict=True)]
    columns += [[deltas[k].get(f, 0) for k in keys] for f in fields]
    arrays = ", ".join(["%s::bigint[]"] * len(cols))
    sets = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in fields)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {sets}",
            columns,
        )


def _parts(values: list, n: int = 900):
    """`values` in slices small enough for one IN (…) on SQLite."""
    for i in range(0, len(values), n):
        yield values[i : i + n]


def _problem_rows(problem: Problem) -> list[shards.Target]:
    return shards.spread(shards.ancestry(problem.unit_id), problem.unit_id)


def problem_created(problem: Problem) -> None:
    ancestors = _problem_rows(problem)
    _add(
        ancestors, problem.campaign_id, Counter({"problems": 1, SOURCE_FIELDS[problem.source]: 1}), Counter()
    )
    topics.add(ancestors, problem.topic_id, Counter({"problems": 1}))
    areas.add_masked(ancestors, problem.campaign_id, problem.work_areas, Counter({"problems": 1}))


def problem_areas_changed(problem: Problem, old_mask: int) -> None:
    """A problem's work areas changed (the problem row is locked by the caller, so its items are not
    changing meanwhile: every item action locks its problem too)."""
    areas.problem_areas_changed(problem, old_mask, _problem_rows(problem))


def problem_source_changed(problem: Problem, old_source: str) -> None:
    delta = Counter({SOURCE_FIELDS[old_source]: -1, SOURCE_FIELDS[problem.source]: 1})
    _add(_problem_rows(problem), problem.campaign_id, delta, Counter())


def unit_moved(unit: Unit, old_ancestor_ids: list[int], new_ancestor_ids: list[int]) -> None:
    """A moved unit takes its subtree's figures (the sum of its shard rows) from its old ancestors to its
    new ones, into their shard 0."""
    old_only = shards.unsharded(u for u in old_ancestor_ids if u not in new_ancestor_ids and u != unit.pk)
    new_only = shards.unsharded(u for u in new_ancestor_ids if u not in old_ancestor_ids and u != unit.pk)
    sums = {f: Sum(f) for f in COUNT_FIELDS}
    for row in SubtreeCounts.objects.filter(unit=unit).values("campaign_id").annotate(**sums).order_by():
        values = Counter({f: row[f] for f in COUNT_FIELDS})
        _add(old_only, row["campaign_id"], Counter({k: -v for k, v in values.items()}), Counter())
        _add(new_only, row["campaign_id"], values, Counter())
    due_rows = (
        SubtreeDue.objects.filter(unit=unit)
        .values_list("campaign_id", "due_date")
        .annotate(n=Sum("n"))
        .exclude(n=0)
        .order_by()
    )
    for campaign_id, due_date, n in due_rows:
        _add(old_only, campaign_id, Counter(), Counter({due_date: -n}))
        _add(new_only, campaign_id, Counter(), Counter({due_date: n}))
    topics.unit_moved(unit, old_only, new_only)
    areas.unit_moved(unit, old_only, new_only)


# --- recounting: the ground truth the counters must equal ---------------------------------------


def recount(unit: Unit, campaign_id: int) -> tuple[dict[str, int], dict[date, int]]:
    """Count a subtree's figures straight from the ledger rows."""
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    problems = Problem.objects.filter(subtree_q(unit.path, "unit__path"), campaign_id=campaign_id)
    for row in problems.values("source").annotate(n=Count("id")):
        counts["problems"] += row["n"]
        counts[SOURCE_FIELDS[row["source"]]] += row["n"]
    items = RectificationItem.objects.filter(
        subtree_q(unit.path, "unit__path"), problem__campaign_id=campaign_id
    )
    for row in items.values("status", "kind").annotate(n=Count("id")):
        counts["items"] += row["n"]
        counts[STATUS_FIELDS[row["status"]]] += row["n"]
        counts[KIND_FIELDS[row["kind"]]] += row["n"]
    due = {
        r["due_date"]: r["n"]
        for r in items.filter(status__in=ACTIVE_STATUSES, due_date__isnull=False)
        .values("due_date")
        .annotate(n=Count("id"))
    }
    return counts, due


def stored(unit: Unit, campaign_id: int) -> tuple[dict[str, int], dict[date, int]]:
    """What the counters hold for a subtree: the sums of the unit's shard rows."""
    row = SubtreeCounts.objects.filter(unit=unit, campaign_id=campaign_id).aggregate(
        **{f: Sum(f) for f in COUNT_FIELDS}
    )
    counts = {f: row[f] or 0 for f in COUNT_FIELDS}
    due = {
        d: n
        for d, n in SubtreeDue.objects.filter(unit=unit, campaign_id=campaign_id)
        .values_list("due_date")
        .annotate(n=Sum("n"))
        .exclude(n=0)
        .order_by()
    }
    return counts, due


def drift(unit: Unit, campaign_id: int) -> dict:
    """Differences between stored counters and a recount ({} when they agree)."""
    (sc, sd), (rc, rd) = stored(unit, campaign_id), recount(unit, campaign_id)
    out = {f: (sc[f], rc[f]) for f in COUNT_FIELDS if sc[f] != rc[f]}
    out.update(
        {str(d): (sd.get(d, 0), rd.get(d, 0)) for d in set(sd) | set(rd) if sd.get(d, 0) != rd.get(d, 0)}
    )
    for topic_id in _topic_ids([campaign_id]):
        out.update(topics.drift(unit, topic_id))
    out.update(areas.drift(unit, campaign_id))
    out.update(tallies.drift(unit, campaign_id))
    return out


def _topic_ids(campaign_ids: list[int]) -> list[int]:
    from chuxin.special.models import Topic

    return list(Topic.objects.filter(campaign_id__in=campaign_ids).values_list("pk", flat=True))


def _own_counts(campaign_id: int):
    """The figures of each unit's own problems and items, ((unit id,), figures), a unit repeated: two
    grouped queries."""
    for r in (
        Problem.objects.filter(campaign_id=campaign_id).values("unit_id", "source").annotate(n=Count("id"))
    ):
        yield (r["unit_id"],), {"problems": r["n"], SOURCE_FIELDS[r["source"]]: r["n"]}
    items = RectificationItem.objects.filter(problem__campaign_id=campaign_id)
    for r in items.values("unit_id", "status", "kind").annotate(n=Count("id")):
        n = r["n"]
        yield (r["unit_id"],), {"items": n, STATUS_FIELDS[r["status"]]: n, KIND_FIELDS[r["kind"]]: n}


def _own_due(campaign_id: int):
    """Each unit's own unfinished items per due date, ((unit id, due date), {"n": n}): one grouped query."""
    items = RectificationItem.objects.filter(
        problem__campaign_id=campaign_id, status__in=ACTIVE_STATUSES, due_date__isnull=False
    )
    for r in items.values("unit_id", "due_date").annotate(n=Count("id")):
        yield (r["unit_id"], r["due_date"]), {"n": r["n"]}


def recount_all(campaign_id: int, lineage: checks.Lineage | None = None) -> tuple[dict, dict]:
    """Every subtree's figures in a campaign, counted from the ledger rows: {(unit id,): figures} and
    {(unit id, due date): {"n": unfinished items}} (what `rebuild` writes, what `drift_all` compares)."""
    lineage = lineage or checks.Lineage()
    return checks.carry(_own_counts(campaign_id), lineage), checks.carry(_own_due(campaign_id), lineage)


def drift_all(campaign_id: int) -> dict[int, dict]:
    """`drift()` of every unit in one pass: {unit id: {figure: (stored, recount)}} for the units whose
    stored figures differ from a recount (a unit with no rows on either side is all zeros, and agrees).
    One table at a time, its recount dropped before the next (at 1 000 000 items the process peaked at
    1.0 GB with the counters' and due dates' recounts held together, 0.65 GB without)."""
    lineage = checks.Lineage()
    stored_counts = (
        ((r.pop("unit_id"),), r)
        for r in SubtreeCounts.objects.filter(campaign_id=campaign_id)
        .values("unit_id")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
        .order_by()
        .iterator(chunk_size=5000)
    )
    counts = checks.carry(_own_counts(campaign_id), lineage)
    out = checks.compare(stored_counts, counts, lambda _rest, f: f)
    stored_due = (
        ((u, d), {"n": n})
        for u, d, n in SubtreeDue.objects.filter(campaign_id=campaign_id)
        .values_list("unit_id", "due_date")
        .annotate(n=Sum("n"))
        .order_by()
        .iterator(chunk_size=5000)
    )
    due = checks.carry(_own_due(campaign_id), lineage)
    checks.compare(stored_due, due, lambda rest, _f: str(rest[0]), out)
    topics.drift_all(_topic_ids([campaign_id]), lineage, out)
    areas.drift_all(campaign_id, lineage, out)
    tallies.drift_all(campaign_id, lineage, out)
    return out


@transaction.atomic
def rebuild(campaign_id: int | None = None) -> int:
    """Recompute every counter from the ledger (after a bulk load, or to repair drift). Returns rows written."""
    from chuxin.campaigns.models import Campaign

    campaigns = [campaign_id] if campaign_id else list(Campaign.objects.values_list("pk", flat=True))
    SubtreeCounts.objects.filter(campaign_id__in=campaigns).delete()
    SubtreeDue.objects.filter(campaign_id__in=campaigns).delete()
    lineage = checks.Lineage()
    written = 0
    for cid in campaigns:
        counts, due = recount_all(cid, lineage)
        SubtreeCounts.objects.bulk_create(
            [SubtreeCounts(unit_id=u, campaign_id=cid, **c) for (u,), c in counts.items()], batch_size=5000
        )
        SubtreeDue.objects.bulk_create(
            [SubtreeDue(unit_id=u, campaign_id=cid, due_date=d, n=c["n"]) for (u, d), c in due.items()],
            batch_size=5000,
        )
        written += len(counts)
    written += topics.rebuild(_topic_ids(campaigns), lineage)
    written += areas.rebuild(campaigns, lineage)
    return written + tallies.rebuild(campaigns, lineage)
