"""Reading the roll-ups: one row for a subtree, one row per child, a handful of due-date rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from operator import itemgetter

from django.db import connections, router
from django.db.models import Sum

from chuxin.orgs.models import Unit
from chuxin.problems.models import ladder_bands

from .models import (
    COUNT_FIELDS,
    KIND_FIELDS,
    SOURCE_FIELDS,
    STATUS_FIELDS,
    DailySnapshot,
    SubtreeCounts,
    SubtreeDue,
)

# The overdue bands are the escalation ladder's rungs (提醒 / 督办 / 告诫): (first day, last day or None).
OVERDUE_BUCKETS = [(first, last) for first, last, _level in ladder_bands()]


@dataclass
class Figures:
    unit: Unit
    counts: dict[str, int]
    overdue: int = 0
    buckets: list[int] = field(default_factory=list)
    # The day of the daily snapshot the figures were read from; None for the live roll-ups. A snapshot
    # keeps the items, closed, kept-up and overdue counts only: the other counters read 0.
    snapshot: date | None = None

    @property
    def items(self) -> int:
        return self.counts["items"]

    @property
    def closed(self) -> int:
        return self.counts[STATUS_FIELDS["closed"]]

    @property
    def kept_up(self) -> int:
        return self.counts[STATUS_FIELDS["kept_up"]]

    @property
    def not_done(self) -> int:
        return self.items - self.closed - self.kept_up

    @cached_property
    def completion(self) -> float | None:
        """Closed / total, as local notices count it; stage-complete is reported beside it. Kept once read:
        the root dashboard asks each of its ~180 children for it about eight times (sort, average, chart,
        table), and a Figures' counts are filled before it is handed out (figures_for, figures_on)."""
        return round(100 * self.closed / self.items, 2) if self.items else None

    def by(self, fields: dict[str, str]) -> dict[str, int]:
        return {key: self.counts[f] for key, f in fields.items()}

    def status_mix(self) -> dict[str, int]:
        return self.by(STATUS_FIELDS)

    def kind_mix(self) -> dict[str, int]:
        return self.by(KIND_FIELDS)

    def source_mix(self) -> dict[str, int]:
        return self.by(SOURCE_FIELDS)


def counter_sums(rows, fields=COUNT_FIELDS) -> list[dict]:
    """SubtreeCounts rows summed over their shards: one dict per unit, {"unit_id", *fields}."""
    return list(rows.values("unit_id").annotate(**{f: Sum(f) for f in fields}).order_by())


def _empty() -> dict[str, int]:
    return dict.fromkeys(COUNT_FIELDS, 0)


def _bucket(days: int) -> int:
    for i, (lo, hi) in enumerate(OVERDUE_BUCKETS):
        if days >= lo and (hi is None or days <= hi):
            return i
    return 0


def _units_sql(conn, ids: list[int]) -> tuple[str, list]:
    """`unit_id` among `ids` as SQL and its parameters. On PostgreSQL one parameter, a bigint[] literal: the
    statement's text is the same for any number of units and short enough for psycopg to keep it parsed (a
    list of 182 placeholders was split anew on every root dashboard), and the literal is one string to
    quote (psycopg's list adapter checks each element with a regular expression). Elsewhere a list of
    placeholders."""
    if conn.vendor == "postgresql":
        return "unit_id = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"unit_id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def figures_for(units: list[Unit], campaign_id: int, today: date) -> dict[int, Figures]:
    """Figures of each unit's subtree: one query for the counters (their shard rows summed per unit, see
    shards.py), one for the overdue dates.

    Both statements are written out rather than composed by the ORM: at the root (182 units × 21 counters)
    the ORM's per-value converters and per-id preparation cost several times what the database does, and
    most of the root dashboard's extra cost over a leaf's (tests/test_read_paths.py holds them to the ORM's
    answers). The sums are cast back to integers (PostgreSQL sums bigints as numeric)."""
    ids = [u.pk for u in units]
    out = {u.pk: Figures(u, _empty(), 0, [0] * len(OVERDUE_BUCKETS)) for u in units}
    if not ids:
        return out
    conn = connections[router.db_for_read(SubtreeCounts)]
    where, params = _units_sql(conn, ids)
    sums = ", ".join(f"CAST(SUM({f}) AS BIGINT)" for f in COUNT_FIELDS)
    counts_sql = (
        f"SELECT unit_id, {sums} FROM {SubtreeCounts._meta.db_table} "  # noqa: S608 — columns from COUNT_FIELDS
        f"WHERE {where} AND campaign_id = %s GROUP BY unit_id"
    )
    # Overdue by age, summed per unit and band in the database: one row per unit, not one per date.
    # As _bucket(): band i > 0 holds its own days; band 0 holds the rest (its own days, and any
    # overdue day no band names). Every non-zero row counts, not only the positive ones: a shard row may
    # be negative (shards.py).
    day = conn.ops.adapt_datefield_value
    bands, band_params = [], []
    for lo, hi in OVERDUE_BUCKETS[1:]:
        window = "due_date <= %s" + (" AND due_date >= %s" if hi is not None else "")
        bands.append(f"CAST(SUM(CASE WHEN {window} THEN n END) AS BIGINT)")
        band_params += [
            day(today - timedelta(days=lo)),
            *([day(today - timedelta(days=hi))] if hi is not None else []),
        ]
    due_sql = (
        f"SELECT unit_id, CAST(SUM(n) AS BIGINT), {', '.join(bands)} FROM {SubtreeDue._meta.db_table} "  # noqa: S608 — SQL from the bands above
        f"WHERE {where} AND campaign_id = %s AND due_date < %s AND n <> 0 GROUP BY unit_id"
    )
    with conn.cursor() as cur:
        cur.execute(counts_sql, [*params, campaign_id])
        for unit_id, *values in cur.fetchall():
            out[unit_id].counts = dict(zip(COUNT_FIELDS, values, strict=True))
        cur.execute(due_sql, [*band_params, *params, campaign_id, day(today)])
        for unit_id, total, *rest in cur.fetchall():
            f = out[unit_id]
            rest = [n or 0 for n in rest]
            f.overdue = total
            f.buckets = [total - sum(rest), *rest]
    return out


def snapshot_day(unit: Unit, campaign_id: int, day: date) -> date | None:
    """The day of the unit's latest snapshot on or before `day`, None if none (one indexed query on
    rollups_snapshot_unique). A subtree's item count never falls, so once a unit has a snapshot row it has
    one on every later snapshot day: its latest row is the campaign's latest snapshot day."""
    return (
        DailySnapshot.objects.filter(unit=unit, campaign_id=campaign_id, date__lte=day)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def figures_on(units: list[Unit], campaign_id: int, day: date | None) -> dict[int, Figures]:
    """Figures of each unit's subtree as the snapshot of `day` kept them (one query; units without a row
    had no items that day). `day` None: all zero."""
    out = {u.pk: Figures(u, _empty(), 0, [], snapshot=day) for u in units}
    if day is None:
        return out
    rows = DailySnapshot.objects.filter(
        unit_id__in=[u.pk for u in units], campaign_id=campaign_id, date=day
    ).values_list("unit_id", "items", "closed", "kept_up", "overdue")
    for unit_id, items, closed, kept_up, overdue in rows:
        f = out[unit_id]
        f.counts.update({"items": items, STATUS_FIELDS["closed"]: closed, STATUS_FIELDS["kept_up"]: kept_up})
        f.overdue = overdue
    return out


def ledger_total(
    unit: Unit, campaign_id: int, status: str | None = None, kind: str | None = None
) -> int | None:
    """How many items the ledger's subtree list holds, filtered by at most one of status or kind, read
    from the subtree's roll-up row (one indexed row); None when no single counter answers the filter."""
    field = ledger_total_field(status, kind)
    if field is None:
        return None
    return SubtreeCounts.objects.filter(unit=unit, campaign_id=campaign_id).aggregate(n=Sum(field))["n"] or 0


def ledger_total_field(status: str | None = None, kind: str | None = None) -> str | None:
    """The SubtreeCounts column that counts the ledger's subtree list filtered by at most one of status or
    kind; None when no single counter answers the filter."""
    if status and kind:
        return None
    return STATUS_FIELDS.get(status) if status else KIND_FIELDS.get(kind) if kind else "items"


def ledger_total_sql(field: str) -> str:
    """`ledger_total` as a scalar subquery for another statement, with two parameters (unit id, campaign
    id): the sum of the unit's shard rows of the column `field` (one of ledger_total_field's answers)."""
    if field not in COUNT_FIELDS:
        raise ValueError(f"not a roll-up column: {field!r}")
    table = SubtreeCounts._meta.db_table
    return f"(SELECT COALESCE(SUM({field}), 0) FROM {table} WHERE unit_id = %s AND campaign_id = %s)"  # noqa: S608 — a column from the list above


def dashboard(unit: Unit, campaign_id: int, today: date, visible_children, as_of: date | None = None) -> dict:
    """The unit's subtree, its direct children (worst completion first) and its own leading organ.

    `as_of` before `today`: the figures as they stood that day, read from the daily snapshots (never
    recounted), and ``cut_off`` is the day of the snapshot used (the latest on or before `as_of`).
    Otherwise the live roll-ups and ``cut_off`` is `today`."""
    children = list(visible_children)
    if as_of is not None and as_of < today:
        taken = snapshot_day(unit, campaign_id, as_of)
        figs = figures_on([unit, *children], campaign_id, taken)
        cut_off = taken or as_of
    else:
        figs = figures_for([unit, *children], campaign_id, today)
        cut_off = today
    me = figs[unit.pk]
    kids = [figs[c.pk] for c in children]
    # the children's counters summed column by column (zip and sum in C: 21 columns of ~180 children)
    columns = itemgetter(*COUNT_FIELDS)
    rows = [columns(k.counts) for k in kids] or [(0,) * len(COUNT_FIELDS)]
    own = {f: me.counts[f] - sum(col) for f, col in zip(COUNT_FIELDS, zip(*rows, strict=True), strict=True)}
    own_fig = Figures(unit, own, snapshot=me.snapshot)
    kids_with_items = [k for k in kids if k.items]
    kids.sort(
        key=lambda k: (k.completion is None, k.completion if k.completion is not None else 0, -k.overdue)
    )
    avg = (
        round(sum(k.completion for k in kids_with_items) / len(kids_with_items), 2)
        if kids_with_items
        else None
    )
    lags = own_fig.completion is not None and avg is not None and own_fig.completion < avg
    return {
        "me": me,
        "children": kids,
        "own": own_fig,
        "children_avg": avg,
        "leadership_lags": lags,
        "cut_off": cut_off,
        "historical": cut_off < today,
    }
