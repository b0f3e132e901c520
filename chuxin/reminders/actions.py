"""State changes of notifications: one entry point each, audited like every other write."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chuxin.audit.events import AuditEvent
from chuxin.audit.log import record

from .models import Notification


def do_mark_notifications_read(*, acting_user) -> int:
    """Mark every unread notification of the acting user as read; returns how many."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=acting_user, read_at__isnull=True)
        ids = list(unread.values_list("pk", flat=True))
        n = Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        if n:
            record(acting_user, AuditEvent.NOTIFICATIONS_READ, acting_user, None, {"notifications": ids})
    return n
