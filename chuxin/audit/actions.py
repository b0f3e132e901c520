"""Audited reads: exports and downloads leave an entry naming who took what out."""

from __future__ import annotations

from django.db import transaction

from .events import AuditEvent
from .log import record


def do_record_export(event: AuditEvent, detail: dict, *, acting_user, obj=None, unit=None) -> None:
    """Record that `acting_user` exported or downloaded something (`detail`: what, which filters, rows)."""
    with transaction.atomic():
        record(acting_user, event, obj, None, detail, unit=unit)
