"""Every write made in the Django administration joins the audit log.

The admin records its own additions, changes and deletions through `LogEntry.objects.log_actions()`
(one call per save or delete, many objects at once for a bulk delete). That is the one door all its pages
go through, django-otp's device pages included, so the audit entry is written there: one entry per object,
naming the user, the model, the object and the admin's own description of the change. The admin's
change and delete views run in a transaction, so the entry commits or rolls back with the change.
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntryManager
from django.db import transaction

from .events import AuditEvent
from .log import record

_VERBS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def _audit(user_id, objects, action_flag, change_message) -> None:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=user_id).first()
    with transaction.atomic():
        for obj in objects:  # a deletion is logged before the object goes: it still has its key
            record(
                actor,
                AuditEvent.ADMIN_WRITE,
                obj,
                None,
                {
                    "admin": _VERBS.get(action_flag, str(action_flag)),
                    "model": obj._meta.label,
                    "object": str(obj)[:200],
                    "message": change_message,
                },
            )


def connect() -> None:
    original = LogEntryManager.log_actions
    if getattr(original, "audited", False):
        return

    def log_actions(self, user_id, queryset, action_flag, change_message="", *, single_object=False):
        objects = list(queryset)
        result = original(self, user_id, objects, action_flag, change_message, single_object=single_object)
        _audit(user_id, objects, action_flag, change_message)
        return result

    log_actions.audited = True
    LogEntryManager.log_actions = log_actions
