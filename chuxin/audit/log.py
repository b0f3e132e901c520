"""Writing and checking the audit chain."""

from __future__ import annotations

import hashlib
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


def snapshot_fields(model) -> list:
    """The fields `snapshot` keeps for a model (model_to_dict's: editable ones, in its order)."""
    from itertools import chain

    opts = model._meta
    return [f for f in chain(opts.concrete_fields, opts.private_fields, opts.many_to_many) if f.editable]


def _plain(v):
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)  # dates and datetimes as _jsonable writes them (json's default=str)


def record_created(actor, model, entries) -> int:
    """Append the creation entries of many new rows at once (bulk imports), as `record_many` would, without a
    model instance per row: one head lock, the chain computed here, one executemany.

    `entries` yields (action, object id, values by attname, item id); the snapshot is built from the values
    the way `snapshot` builds it from an instance (many-to-many empty), so the entries are the same bytes."""
    from chuxin.core.bulk import insert_rows, reserve_ids

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_created() must run inside the change's transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    prev = head.last_hash
    now = timezone.now()
    at = json.dumps(now.isoformat())
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    name = getattr(actor, "username", "") if actor is not None else "system"
    actor_json = (
        f', "actor": {json.dumps(actor_id)}, "actor_name": {json.dumps(name, ensure_ascii=False)}, "after": '
    )
    model_json = json.dumps(model.__name__)
    fields = [(f.name, f.attname, f.many_to_many) for f in snapshot_fields(model)]
    postgres = transaction.get_connection().vendor == "postgresql"
    rows = []
    dumps = json.dumps
    sha = hashlib.sha256
    for action, object_id, values, item_id in entries:
        after = {n: ([] if m2m else _plain(values.get(a))) for n, a, m2m in fields}
        after_json = dumps(after, sort_keys=True, ensure_ascii=False)
        payload = (
            '{"action": '
            + dumps(action, ensure_ascii=False)
            + actor_json
            + after_json
            + f', "at": {at}, "before": null, "item_id": {dumps(item_id)}, "model": {model_json}, '
            f'"object_id": {dumps(object_id)}, "prev": "{prev}"}}'
        )
        digest = sha(payload.encode("utf-8")).hexdigest()
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "actor_name": name,
                "action": action,
                "model": model.__name__,
                "object_id": object_id,
                "item_id": item_id,
                "before": None,
                "after": after_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    insert_rows(
        AuditEntry, rows, reserve_ids(AuditEntry, len(rows)), cast={"after": "jsonb"} if postgres else None
    )
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
