"""Daily snapshots of the roll-ups: the history behind the overdue trend chart."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.dispatch import Signal
from django.utils import timezone

from .models import DailySnapshot, SubtreeCounts, SubtreeDue

# Sent by the daily snapshot before it reads the figures (campaign_id: the one campaign, or None for all): a
# strand whose figures a background task completes catches up here on work whose task was lost (the study
# strand's deferred organ tallies: chuxin/study/actions.py `count_pending_sessions`).
before_snapshot = Signal()


@transaction.atomic
def take_snapshot(day: date, campaign_id: int | None = None) -> int:
    """Store every unit's subtree figures for `day` (idempotent: a second run replaces the day), for
    every campaign or for one."""
    before_snapshot.send(take_snapshot, campaign_id=campaign_id)
    one = {"campaign_id": campaign_id} if campaign_id is not None else {}
    overdue = {
        (r["unit_id"], r["campaign_id"]): r["n"]
        # a shard row may be negative (shards.py): sum every non-zero row, not only the positive ones
        for r in SubtreeDue.objects.filter(due_date__lt=day, **one)
        .exclude(n=0)
        .values("unit_id", "campaign_id")
        .annotate(n=Sum("n"))
        .order_by()
    }
    DailySnapshot.objects.filter(date=day, **one).delete()
    rows = [
        DailySnapshot(
            unit_id=u,
            campaign_id=c,
            date=day,
            items=items,
            closed=closed,
            kept_up=kept,
            overdue=overdue.get((u, c), 0),
        )
        for u, c, items, closed, kept in SubtreeCounts.objects.filter(**one)
        .values_list("unit_id", "campaign_id")
        .annotate(n_items=Sum("items"), n_closed=Sum("st_closed"), n_kept=Sum("st_kept_up"))  # shards summed
        .filter(n_items__gt=0)
        .order_by()
        .iterator(chunk_size=5000)
    ]
    DailySnapshot.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def trend(unit_id: int, campaign_id: int, days: int = 90, until: date | None = None) -> list[DailySnapshot]:
    """The unit's last `days` snapshots (up to `until` when given), oldest first."""
    qs = DailySnapshot.objects.filter(unit_id=unit_id, campaign_id=campaign_id)
    if until is not None:
        qs = qs.filter(date__lte=until)
    return list(reversed(qs.order_by("-date")[:days]))


def rebuild_history(campaign_id: int, days: list[date]) -> int:
    """Rebuild a campaign's snapshots of past `days` from the items' own dates: how a campaign loaded
    with its history (the demo's 2019 campaign, an import of a finished campaign) gets figures as of any
    of its days. Replaces the campaign's rows of those days; returns the rows written.

    An item counts from the day it was recorded; as closed (or kept up) from the day it was closed, if it
    is closed now; as overdue from the day after its due date (else its deadline) until it was closed.
    The ledger keeps no status history, so an item reopened and closed again counts as closed from its
    last closing. On the day a snapshot is taken this gives exactly what take_snapshot() stores.
    Memory: units x days x 4 integers (the demo: 3 000 x 40)."""
    import numpy as np

    from chuxin.orgs.models import Unit
    from chuxin.problems.models import RectificationItem, Status

    days = sorted(set(days))
    if not days:
        return 0
    n = len(days)
    units = list(Unit.objects.order_by("path").values_list("pk", "path"))
    index = {path: i for i, (_pk, path) in enumerate(units)}
    # per unit and day: the change on that day (cumulated below); column n collects what never happens
    items = np.zeros((len(units), n + 1), dtype=np.int64)
    closed = np.zeros_like(items)
    kept = np.zeros_like(items)
    overdue = np.zeros_like(items)
    rows = (
        RectificationItem.objects.filter(problem__campaign_id=campaign_id)
        .values_list("unit_path", "created_at", "closed_at", "status", "due_date", "deadline")
        .iterator(chunk_size=5000)
    )
    done = (Status.CLOSED, Status.KEPT_UP)
    for path, created_at, closed_at, status, due, deadline in rows:
        u = index[path]
        start = bisect_left(days, timezone.localtime(created_at).date())
        items[u, start] += 1
        end = n
        if closed_at is not None and status in done:
            end = max(start, bisect_left(days, timezone.localtime(closed_at).date()))
            (closed if status == Status.CLOSED else kept)[u, end] += 1
        due = due or deadline
        if due is not None:
            late = max(start, bisect_right(days, due))  # overdue on the days after the due date
            if late < end:
                overdue[u, late] += 1
                overdue[u, end] -= 1
    for arr in (items, closed, kept, overdue):
        np.cumsum(arr, axis=1, out=arr)
    # Each unit's own figures into its ancestors', deepest first: one vectorised add per level.
    step = Unit.steplen
    parent = np.array([index.get(path[:-step], -1) for _pk, path in units], dtype=np.int64)
    depth = np.array([len(path) // step for _pk, path in units], dtype=np.int64)
    for d in range(int(depth.max()), 1, -1):
        kids = np.nonzero((depth == d) & (parent >= 0))[0]
        for arr in (items, closed, kept, overdue):
            np.add.at(arr, parent[kids], arr[kids])
    out = [
        DailySnapshot(
            unit_id=units[u][0],
            campaign_id=campaign_id,
            date=day,
            items=int(items[u, k]),
            closed=int(closed[u, k]),
            kept_up=int(kept[u, k]),
            overdue=int(overdue[u, k]),
        )
        for k, day in enumerate(days)
        for u in np.nonzero(items[:, k])[0].tolist()
    ]
    with transaction.atomic():
        DailySnapshot.objects.filter(campaign_id=campaign_id, date__in=days).delete()
        DailySnapshot.objects.bulk_create(out, batch_size=5000)
    return len(out)
