"""Background task: the daily reminders, run by the worker (`python manage.py db_worker`)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from .digest import build_digests


@task()
def send_daily_reminders(day: str | None = None) -> dict:
    """Build and send the digests of `day` (ISO date; default today). Safe to run more than once."""
    return build_digests(date.fromisoformat(day) if day else None)
