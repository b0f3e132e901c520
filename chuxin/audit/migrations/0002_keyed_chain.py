"""Sequence numbers, the unit of each entry and a keyed MAC (HMAC-SM3) instead of a plain SHA-256.

Existing entries are checked under the old rule and re-chained under the new one, in order; an entry that
no longer matched its old hash is re-chained too, but its `before` gains a note, so the break stays visible.
"""

import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models


def rechain(apps, schema_editor):
    from chuxin.audit.log import GENESIS, current_alg
    from chuxin.audit.models import AuditEntry as Live

    Entry = apps.get_model("audit", "AuditEntry")
    Head = apps.get_model("audit", "AuditHead")
    alg = current_alg()
    prev, seq = GENESIS, 0
    for e in Entry.objects.order_by("id").iterator(chunk_size=2000):
        old = json.dumps(
            {
                "at": e.at.isoformat(),
                "actor": e.actor_id,
                "actor_name": e.actor_name,
                "action": e.action,
                "model": e.model,
                "object_id": e.object_id,
                "item_id": e.item_id,
                "before": e.before,
                "after": e.after,
                "prev": e.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        broken = hashlib.sha256(old.encode("utf-8")).hexdigest() != e.hash
        seq += 1
        live = Live(
            seq=seq,
            at=e.at,
            actor_id=e.actor_id,
            actor_name=e.actor_name,
            action=e.action,
            model=e.model,
            object_id=e.object_id,
            item_id=e.item_id,
            unit_id=None,
            before=e.before if not broken else {"_legacy_hash_mismatch": True, "before": e.before},
            after=e.after,
            alg=alg,
            prev_hash=prev,
        )
        prev = live.compute_hash()
        Entry.objects.filter(pk=e.pk).update(
            seq=seq, alg=alg, prev_hash=live.prev_hash, hash=prev, before=live.before
        )
    Head.objects.update_or_create(pk=1, defaults={"last_seq": seq, "last_hash": prev})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry", name="seq", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="auditentry",
            name="alg",
            field=models.CharField(default="sha256", max_length=16),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="orgs.unit",
            ),
        ),
        migrations.AddField(
            model_name="audithead", name="last_seq", field=models.BigIntegerField(default=0)
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="object_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditentry", name="model", field=models.CharField(blank=True, max_length=40)
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="auditentry", name="seq", field=models.BigIntegerField(unique=True)
        ),
        migrations.AlterModelOptions(name="auditentry", options={"ordering": ["seq"]}),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["action", "at"], name="audit_event_time"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["actor", "at"], name="audit_actor_time"),
        ),
    ]
