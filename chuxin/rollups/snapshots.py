"""Daily snapshots of the roll-ups: the history behind the overdue trend chart."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Sum

from .models import DailySnapshot, SubtreeCounts, SubtreeDue


@transaction.atomic
def take_snapshot(day: date, campaign_id: int | None = None) -> int:
    """Store every unit's subtree figures for `day` (idempotent: a second run replaces the day), for
    every campaign or for one."""
    one = {"campaign_id": campaign_id} if campaign_id is not None else {}
    overdue = {
        (r["unit_id"], r["campaign_id"]): r["n"]
        for r in SubtreeDue.objects.filter(due_date__lt=day, n__gt=0, **one)
        .values("unit_id", "campaign_id")
        .annotate(n=Sum("n"))
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
        for u, c, items, closed, kept in SubtreeCounts.objects.filter(items__gt=0, **one)
        .values_list("unit_id", "campaign_id", "items", "st_closed", "st_kept_up")
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
