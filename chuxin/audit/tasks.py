"""Background task: the daily audit anchor, run by the worker (queued by `manage.py anchoraudit` from cron)."""

from django_tasks import task

from .log import write_anchor


@task()
def anchor_audit_log() -> dict:
    """Append the chain's end to the anchor file outside the database. Safe to run more than once."""
    return write_anchor()
