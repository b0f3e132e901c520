"""Strand roll-ups: named counters per unit subtree and campaign, the same index as the ledger's.

The ledger's counters (`counters.py`) have a column per figure. The strands (study, research, and the
ones to come: self-examination, opinions, …) each need a few counts of their own over a subtree, so
they share one narrow table, `SubtreeTally` (unit, campaign, key, n), with the same rules:

- each change adds its delta to the unit's row and every ancestor's row, inside the change's own
  transaction (`add()`); so a subtree's count is one row and a per-child table is one row per child;
- a unit move carries its subtree's tallies from the old ancestors to the new (`unit_moved`);
- the ground truth is a recount of the strand's own rows: `drift()` compares, `rebuild()` repairs;
  `verifyrollups` and the hypothesis property test check every declared tally.

A strand follows the pattern in three steps (see chuxin/study/apps.py and chuxin/research/apps.py):

1. declare each tally once, in its AppConfig.ready(), with the rows it counts:

       tallies.declare("study.sessions", lambda: Meeting.objects.filter(kind=MeetingKind.STUDY_SESSION))

   (`unit=`/`campaign=` name the lookups when they are not the row's own `unit`/`campaign`);
2. in the `do_…` action that creates or changes such a row, inside its transaction:

       tallies.add(meeting.unit, meeting.campaign_id, {"study.sessions": 1})

   (negative deltas when a row stops counting, e.g. a report returned to draft);
3. read with `tallies.read(units, campaign_id, keys)`: one query for any number of units.

A tally may also sum a column of its rows instead of counting them (`value="points"`): the evaluation's
survey and rating points roll up this way, and the deltas given to `add()` are then the column's change.

Organ tallies: the same table also holds figures of a unit's leading organ (its committee seats) rather
than of its subtree: the study sessions required of and attended by its members, how many of them
reported on research (先学一步, chuxin/dashboards/leadership.py). A per-child table of them is then one row
per child, however many seats, sessions and attendances lie behind. They take the same three steps, with
their own rules:

1. `declare_organ(key, recount)`, where `recount(unit_ids or None, campaign_ids)` counts the figure from
   the strand's rows: {(unit id, campaign id): n} (None: every organ);
2. the strand's actions add to the organs of the seats a change reaches, in one statement however many
   organs: `add_to_organs(key, campaign_id, seats, delta)` with `seats` a CommitteeMember queryset (a
   study session at the root reaches every organ whose members are homed below it);
3. read with `read()`, as any tally.

No delta is added to the ancestors. A change to the organs themselves (a seat taken or left, a member's
rank or home unit, a unit moved with the homes below it) recounts the organs concerned (`refresh_organs`),
from the model signals and the move connected in chuxin/rollups/apps.py; `drift()`, `rebuild()`,
`verifyrollups` and the property test cover the organ tallies with the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, QuerySet, Sum

from chuxin.orgs.models import CommitteeMember, Unit, ancestor_paths, subtree_q

from . import checks
from .models import SubtreeTally


@dataclass(frozen=True)
class Tally:
    key: str
    rows: Callable[[], QuerySet]  # the strand's rows this tally counts (all campaigns, all units)
    unit: str = "unit"  # lookup from a row to its unit
    campaign: str = "campaign"  # lookup from a row to its campaign
    value: str | None = None  # a column to sum instead of counting the rows

    def measure(self):
        return Sum(self.value) if self.value else Count("pk")

    def in_subtree(self, unit: Unit, campaign_id: int) -> QuerySet:
        return self.rows().filter(
            subtree_q(unit.path, f"{self.unit}__path"), **{f"{self.campaign}_id": campaign_id}
        )


TALLIES: dict[str, Tally] = {}


def declare(
    key: str,
    rows: Callable[[], QuerySet],
    *,
    unit: str = "unit",
    campaign: str = "campaign",
    value: str | None = None,
) -> None:
    TALLIES[key] = Tally(key, rows, unit, campaign, value)


@dataclass(frozen=True)
class OrganTally:
    key: str
    # (unit ids or None for all, campaign ids) -> {(unit id, campaign id): n}, counted from the strand's rows
    recount: Callable[[list[int] | None, list[int]], dict[tuple[int, int], int]]


ORGAN_TALLIES: dict[str, OrganTally] = {}


def declare_organ(
    key: str, recount: Callable[[list[int] | None, list[int]], dict[tuple[int, int], int]]
) -> None:
    ORGAN_TALLIES[key] = OrganTally(key, recount)


def _ancestor_ids(unit: Unit) -> list[int]:
    prefixes = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return list(Unit.objects.filter(path__in=prefixes).values_list("pk", flat=True))


def _apply(unit_ids: list[int], campaign_id: int, deltas: dict[str, int]) -> None:
    for key, v in deltas.items():
        if not v:
            continue
        SubtreeTally.objects.bulk_create(
            [SubtreeTally(unit_id=u, campaign_id=campaign_id, key=key) for u in unit_ids],
            ignore_conflicts=True,
        )
        SubtreeTally.objects.filter(unit_id__in=unit_ids, campaign_id=campaign_id, key=key).update(
            n=F("n") + v
        )


def add(unit: Unit, campaign_id: int, deltas: dict[str, int]) -> None:
    """Add `deltas` to the unit's and every ancestor's tallies; call inside the change's transaction."""
    unknown = set(deltas) - set(TALLIES)
    if unknown:
        raise KeyError(f"undeclared tallies: {sorted(unknown)}")
    if any(deltas.values()):
        _apply(_ancestor_ids(unit), campaign_id, deltas)


def add_many(units: list[Unit], campaign_id: int, deltas: dict[str, int]) -> None:
    """`add()` for the same deltas at many units at once (a request sent to every unit below): the
    ancestors' shares are summed first, then written with a few statements whatever the number of units
    (one insert per key, one update per key and distinct share)."""
    unknown = set(deltas) - set(TALLIES)
    if unknown:
        raise KeyError(f"undeclared tallies: {sorted(unknown)}")
    if not units or not any(deltas.values()):
        return
    prefixes = {p for u in units for p in ancestor_paths(u.path)}
    id_of = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "pk"))
    share: dict[int, int] = defaultdict(int)  # ancestor id -> how many of the units lie under it
    for u in units:
        for p in ancestor_paths(u.path):
            share[id_of[p]] += 1
    by_share: dict[int, list[int]] = defaultdict(list)
    for unit_id, n in share.items():
        by_share[n].append(unit_id)
    for key, v in deltas.items():
        if not v:
            continue
        SubtreeTally.objects.bulk_create(
            [SubtreeTally(unit_id=u, campaign_id=campaign_id, key=key) for u in share], ignore_conflicts=True
        )
        for n, unit_ids in by_share.items():
            SubtreeTally.objects.filter(unit_id__in=unit_ids, campaign_id=campaign_id, key=key).update(
                n=F("n") + v * n
            )


def add_to_organs(key: str, campaign_id: int, seats: QuerySet, delta: int = 1) -> None:
    """Add `delta` to the organ tally `key` of every unit once per seat of it in `seats` (CommitteeMember
    rows): one INSERT … SELECT … ON CONFLICT whatever the number of organs, rows in unit order (concurrent
    writers lock the rows they share in one order); call inside the change's transaction."""
    if key not in ORGAN_TALLIES:
        raise KeyError(f"undeclared organ tally: {key}")
    if not delta:
        return
    per_unit = seats.order_by().values("unit_id").annotate(seats=Count("pk")).values_list("unit_id", "seats")
    select, params = per_unit.query.sql_with_params()
    table = connection.ops.quote_name(SubtreeTally._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (unit_id, campaign_id, key, n) "
            f"SELECT s.unit_id, %s, %s, s.seats * %s FROM ({select}) s WHERE s.seats > 0 ORDER BY s.unit_id "
            f"ON CONFLICT (unit_id, campaign_id, key) DO UPDATE SET n = {table}.n + excluded.n",
            [campaign_id, key, delta, *params],
        )


def refresh_organs(unit_ids) -> None:
    """Recount the organ tallies of these units in every campaign and store them (a seat taken or left, a
    member's rank or home changed, homes moved): a few queries for any number of organs."""
    from chuxin.campaigns.models import Campaign

    unit_ids = sorted(set(unit_ids))
    if not unit_ids or not ORGAN_TALLIES:
        return
    campaigns = list(Campaign.objects.values_list("pk", flat=True))
    keys = sorted(ORGAN_TALLIES)
    # Beside a concurrent add_to_organs (a study session, an attendance) the recount must neither miss nor
    # double its delta. So every row it writes is first locked, in one statement and in unit order as
    # add_to_organs locks them (no deadlock between the two): an upsert whose update changes nothing, a missing
    # row inserted as 0. A change that added its delta before holds its row until it commits, and the recount
    # below, a later statement, sees its rows; a change that comes after waits for this transaction and adds
    # its delta to the recounted value.
    SubtreeTally.objects.bulk_create(
        [
            SubtreeTally(unit_id=u, campaign_id=c, key=key)
            for u in unit_ids
            for c in campaigns
            for key in keys
        ],
        update_conflicts=True,
        unique_fields=["unit", "campaign", "key"],
        update_fields=["key"],
        batch_size=5000,
    )
    held = SubtreeTally.objects.filter(unit_id__in=unit_ids, key__in=keys).values_list(
        "pk", "unit_id", "campaign_id", "key"
    )
    counted = {
        (u, c, key): n
        for key in keys
        for (u, c), n in ORGAN_TALLIES[key].recount(unit_ids, campaigns).items()
    }
    SubtreeTally.objects.bulk_update(
        [SubtreeTally(pk=pk, n=counted.get((u, c, key), 0)) for pk, u, c, key in held], ["n"], batch_size=5000
    )
    SubtreeTally.objects.filter(unit_id__in=unit_ids, key__in=keys, n=0).delete()


def organs_homed_under(unit: Unit) -> list[int]:
    """The units whose organs have a member homed in `unit`'s subtree."""
    return list(
        CommitteeMember.objects.filter(subtree_q(unit.path, "person__home_unit__path"))
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )


def read(units, campaign_id: int, keys) -> dict[int, dict[str, int]]:
    """unit id -> {key: count over the unit's subtree}, for any number of units in one query."""
    ids = [u.pk for u in units]
    out = {pk: dict.fromkeys(keys, 0) for pk in ids}
    for unit_id, key, n in SubtreeTally.objects.filter(
        unit_id__in=ids, campaign_id=campaign_id, key__in=list(keys)
    ).values_list("unit_id", "key", "n"):
        out[unit_id][key] = n
    return out


def unit_moved(unit: Unit, old_ancestor_ids: list[int], new_ancestor_ids: list[int]) -> None:
    """A moved unit takes its subtree's tallies from its old ancestors to its new ones."""
    old_only = [u for u in old_ancestor_ids if u not in new_ancestor_ids and u != unit.pk]
    new_only = [u for u in new_ancestor_ids if u not in old_ancestor_ids and u != unit.pk]
    for row in SubtreeTally.objects.filter(unit=unit).exclude(n=0).exclude(key__in=list(ORGAN_TALLIES)):
        _apply(old_only, row.campaign_id, {row.key: -row.n})
        _apply(new_only, row.campaign_id, {row.key: row.n})
    # the organs' figures do not move with the subtree, but the homes below now have other ancestors
    refresh_organs(organs_homed_under(unit))


def recount(unit: Unit, campaign_id: int) -> dict[str, int]:
    out = {
        key: t.in_subtree(unit, campaign_id).aggregate(n=t.measure())["n"] or 0 for key, t in TALLIES.items()
    }
    for key, t in ORGAN_TALLIES.items():
        out[key] = t.recount([unit.pk], [campaign_id]).get((unit.pk, campaign_id), 0)
    return out


def stored(unit: Unit, campaign_id: int) -> dict[str, int]:
    return read([unit], campaign_id, [*TALLIES, *ORGAN_TALLIES])[unit.pk]


def drift(unit: Unit, campaign_id: int) -> dict[str, tuple[int, int]]:
    s, r = stored(unit, campaign_id), recount(unit, campaign_id)
    return {f"tally:{k}": (s[k], r[k]) for k in r if s[k] != r[k]}


def recount_all(campaign_ids: list[int], lineage=None) -> dict[tuple, dict]:
    """Every declared tally (organ tallies too) of these campaigns counted from the strands' rows:
    {(unit id, campaign id, key): {"n": n}}, the subtree tallies carried to the ancestors, the organ tallies
    not."""

    def own():
        for key, t in TALLIES.items():
            rows = (
                t.rows()
                .filter(**{f"{t.campaign}_id__in": campaign_ids})
                .values(u=F(f"{t.unit}_id"), c=F(f"{t.campaign}_id"))
                .annotate(n=t.measure())
                .values_list("u", "c", "n")
            )
            for unit_id, cid, n in rows:
                if n:
                    yield (unit_id, cid, key), {"n": n}

    total = checks.carry(own(), lineage)
    for key, t in ORGAN_TALLIES.items():
        for (unit_id, cid), n in t.recount(None, campaign_ids).items():
            if n:
                total.setdefault((unit_id, cid, key), {"n": 0})["n"] += n
    return total


def drift_all(campaign_id: int, lineage=None, out: dict | None = None) -> dict[int, dict]:
    """`drift()` of every unit in the campaign: {unit id: {"tally:<key>": (stored, recount)}} (into `out`)."""
    recounted = recount_all([campaign_id], lineage)
    stored_rows = (
        ((u, campaign_id, k), {"n": n})
        for u, k, n in SubtreeTally.objects.filter(
            campaign_id=campaign_id, key__in=[*TALLIES, *ORGAN_TALLIES]
        )
        .values_list("unit_id", "key", "n")
        .iterator(chunk_size=5000)
    )
    return checks.compare(stored_rows, recounted, lambda rest, _f: f"tally:{rest[1]}", out)


def rebuild(campaign_ids: list[int], lineage=None) -> int:
    """Recompute every declared tally (organ tallies too) of these campaigns from the strands' rows. Returns
    rows written."""
    SubtreeTally.objects.filter(campaign_id__in=campaign_ids).delete()
    total = recount_all(campaign_ids, lineage)
    SubtreeTally.objects.bulk_create(
        [SubtreeTally(unit_id=u, campaign_id=c, key=k, n=v["n"]) for (u, c, k), v in total.items()],
        batch_size=5000,
    )
    return len(total)
