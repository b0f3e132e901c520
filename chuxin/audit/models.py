"""Audit history (M21): an append-only, hash-chained log of every change to ledger data."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # the log is append-only
        raise PermissionError("audit entries are never updated")

    def delete(self):
        raise PermissionError("audit entries are never deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    model = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    # The item the entry belongs to, so that an item's timeline is one indexed query.
    item_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["model", "object_id"], name="audit_object"),  # an object's history
            models.Index(fields=["item_id", "id"], name="audit_item_timeline"),  # the item page timeline
        ]

    def payload(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "actor": self.actor_id,
                "actor_name": self.actor_name,
                "action": self.action,
                "model": self.model,
                "object_id": self.object_id,
                "item_id": self.item_id,
                "before": self.before,
                "after": self.after,
                "prev": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode("utf-8")).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are never deleted")


class AuditHead(models.Model):
    """One row, locked while appending, so that concurrent writers extend the chain one at a time."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
