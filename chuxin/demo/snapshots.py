"""Demo history for the trend charts: the daily roll-up snapshots of the past 90 days.

The worker keeps one snapshot a day (rollups.snapshots.take_snapshot); a fresh demo has only today's, so
its trend would be a single dot. This writes the days before today, walking each subtree's figures back
from today's: fewer items recorded, fewer closed, overdue rising towards today as deadlines pass. The
shape is deterministic (no randomness beyond the unit's id), so a seed gives the same demo.

Only units down to the county level (depth <= MAX_DEPTH) get a history: at 3 000 units that is every
dashboard people open first; at 100 000 units it keeps the table to a few hundred thousand rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from chuxin.rollups.models import DailySnapshot

DAYS = 90
MAX_DEPTH = 4
BATCH = 5000


def make_snapshot_history(today: date, days: int = DAYS) -> int:
    """Write the snapshots of the `days - 1` days before `today` (today's comes from take_snapshot)."""
    base = list(
        DailySnapshot.objects.filter(date=today, unit__depth__lte=MAX_DEPTH).values_list(
            "unit_id", "campaign_id", "items", "closed", "kept_up", "overdue"
        )
    )
    DailySnapshot.objects.filter(date__lt=today, date__gte=today - timedelta(days=days - 1)).delete()
    rows: list[DailySnapshot] = []
    written = 0
    for unit_id, campaign_id, items, closed, kept_up, overdue in base:
        wobble = (unit_id % 7) / 100  # units differ a little in pace
        for back in range(1, days):
            f = back / days  # 0 today … ~1 ninety days ago
            n_items = round(items * (1 - 0.3 * f))
            n_closed = min(round(closed * max(0.0, 1 - (1.15 + wobble) * f)), n_items)
            n_kept = min(round(kept_up * max(0.0, 1 - 1.3 * f)), n_items - n_closed)
            n_overdue = min(round(overdue * max(0.0, 1 - (0.8 + wobble) * f)), n_items - n_closed - n_kept)
            rows.append(
                DailySnapshot(
                    unit_id=unit_id,
                    campaign_id=campaign_id,
                    date=today - timedelta(days=back),
                    items=n_items,
                    closed=n_closed,
                    kept_up=n_kept,
                    overdue=n_overdue,
                )
            )
        if len(rows) >= BATCH:
            DailySnapshot.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
            rows = []
    DailySnapshot.objects.bulk_create(rows, batch_size=BATCH)
    return written + len(rows)
