from django.utils import timezone
from django_tasks import task

from .snapshots import take_snapshot


@task()
def snapshot_rollups(day: str | None = None) -> int:
    """The daily snapshot, run by the worker (queued by `manage.py snapshotrollups` from cron)."""
    from datetime import date

    return take_snapshot(date.fromisoformat(day) if day else timezone.localdate())
