"""Audit history (M21): an append-only log of every change and security event, chained by a keyed MAC.

The log is several independent chains (`chain`: the path of the province whose subtree the change belongs
to, "" for the root's, unit-less and all entries written before the chains were split), so that writers in
different provinces do not wait for each other's appends. Each entry carries its chain, its sequence number
in that chain and the MAC (HMAC-SM3, or HMAC-SHA-256 where SM3 is unavailable) of its content, the previous
entry's MAC in the chain and its own number, under a key that lives outside the database (see
`chuxin.audit.log`). A row changed, inserted, moved to another chain or removed in the middle breaks its
chain; rows cut from the end are caught by the chain's stored head and by the anchor file written outside
the database; a whole chain removed with its head, by the entry in chain "" that opened it.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models

from .events import AuditEvent

__all__ = ["AuditEntry", "AuditEvent", "AuditHead"]


def payload_of(content: dict) -> bytes:
    """The bytes an entry's MAC covers: its content (`AuditEntry.payload`'s keys) as canonical JSON. One
    definition for the entries written one by one (`log.record`) and many at once (`log.record_many`)."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # the log is append-only
        raise PermissionError("audit entries are never updated")

    def delete(self):
        raise PermissionError("audit entries are never deleted")


class AuditEntry(models.Model):
    # The chain: the path of the province (depth 2) the change belongs to, "" for the root's and the rest.
    chain = models.CharField(max_length=32, default="", blank=True)
    seq = models.BigIntegerField()  # 1, 2, 3 … in its chain without gaps; a gap is a deleted entry
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    # One of AuditEvent (checked when written; no `choices` here, so a new event needs no migration).
    action = models.CharField(max_length=40)
    model = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # The item the entry belongs to, so that an item's timeline is one indexed query.
    item_id = models.BigIntegerField(null=True, blank=True)
    # The unit the change belongs to, for the auditors' search by subtree. No database constraint: the
    # log outlives anything it mentions.
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    alg = models.CharField(max_length=16, default="sha256")  # hmac-sm3 | hmac-sha256 (| sha256: legacy)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]  # the order of writing across the chains
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        indexes = [
            models.Index(fields=["model", "object_id"], name="audit_object"),  # an object's history
            models.Index(fields=["item_id", "id"], name="audit_item_timeline"),  # the item page timeline
            models.Index(fields=["action", "at"], name="audit_event_time"),  # auditors: event + period
            models.Index(fields=["actor", "at"], name="audit_actor_time"),  # auditors: one person's actions
        ]

    def get_event_display(self) -> str:
        return AuditEvent(self.action).label if self.action in AuditEvent.values else self.action

    def payload(self) -> bytes:
        # "chain" is covered only outside chain "": the entries written before the chains were split keep
        # their MACs, and an entry moved into or out of chain "" changes its content either way.
        chain = {"chain": self.chain} if self.chain else {}
        return payload_of(
            {
                **chain,
                "seq": self.seq,
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "model": self.model,
                "object_id": self.object_id,
                "item_id": self.item_id,
                "unit": self.unit_id,
                "before": self.before,
                "after": self.after,
                "alg": self.alg,
                "prev": self.prev_hash,
            }
        )

    def compute_hash(self, key: bytes | None = None) -> str:
        from .log import mac

        return mac(self.alg, self.payload(), key)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are never deleted")


class AuditHead(models.Model):
    """One row per chain, locked while appending, so that concurrent writers extend a chain one at a time.
    It also says where the chain ends, so that rows cut from the end are noticed."""

    chain = models.CharField(max_length=32, default="", blank=True, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
