"""The audit log becomes several chains (one per province, and chain "" for the rest): each entry and
head row gets its chain; every existing entry and the existing head are chain "", whose MACs do not cover
the chain (models.AuditEntry.payload), so the existing chain verifies unchanged. The sequence number is
unique per chain."""

from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models


def reset_head_ids(apps, schema_editor):
    """The one head row was written with id 1 by hand (0002, the old `_lock_head`), so PostgreSQL's
    sequence for the id never moved; the next chain's head would be given id 1 again."""
    conn = schema_editor.connection
    for statement in conn.ops.sequence_reset_sql(no_style(), [apps.get_model("audit", "AuditHead")]):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_keyed_chain'),
        ('orgs', '0005_auditor_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditentry',
            options={'ordering': ['id']},
        ),
        migrations.AddField(
            model_name='auditentry',
            name='chain',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.AddField(
            model_name='audithead',
            name='chain',
            field=models.CharField(blank=True, default='', max_length=32, unique=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='seq',
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='audit_chain_seq'),
        ),
        migrations.RunPython(reset_head_ids, migrations.RunPython.noop),
    ]
