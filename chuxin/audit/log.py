"""Writing and checking the audit chain."""

from __future__ import annotations

import json

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def snapshot(obj) -> dict:
    """A row as the audit log keeps it (before/after): its fields, many-to-many as lists of ids."""
    data = model_to_dict(obj)
    return {k: ([getattr(x, "pk", x) for x in v] if isinstance(v, list) else v) for k, v in data.items()}


def _jsonable(data):
    return json.loads(json.dumps(data, default=str, ensure_ascii=False)) if data is not None else None


def record(
    actor, action: str, obj, before: dict | None, after: dict | None, item_id: int | None = None
) -> AuditEntry:
    """Append one entry; must run inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the change's transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") if actor is not None else "system",
        action=action,
        model=type(obj).__name__,
        object_id=obj.pk,
        item_id=item_id,
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=head.last_hash,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry


def record_many(actor, entries) -> int:
    """Append many entries at once (bulk imports): one head lock, the chain computed here, one bulk insert.

    `entries` yields (action, obj, before, after, item_id)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the change's transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    prev = head.last_hash
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    name = getattr(actor, "username", "") if actor is not None else "system"
    rows = []
    for action, obj, before, after, item_id in entries:
        e = AuditEntry(
            at=now,
            actor_id=actor_id,
            actor_name=name,
            action=action,
            model=type(obj).__name__,
            object_id=obj.pk,
            item_id=item_id,
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=prev,
        )
        e.hash = prev = e.compute_hash()
        rows.append(e)
    AuditEntry.objects.bulk_create(rows, batch_size=2000)
    AuditHead.objects.filter(pk=1).update(last_hash=prev)
    return len(rows)


def verify_chain(batch: int = 5000) -> tuple[int, AuditEntry | None]:
    """Walk the chain in order; returns (entries checked, first broken entry or None)."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for e in rows:
            if e.prev_hash != prev or e.compute_hash() != e.hash:
                return checked, e
            prev = e.hash
            checked += 1
            last_id = e.id
    return checked, None
