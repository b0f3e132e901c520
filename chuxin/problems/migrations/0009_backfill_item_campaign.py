"""Copy each problem's campaign onto its items: one set-based UPDATE (a join on PostgreSQL, a correlated
subquery elsewhere), as 0006 did for the unit path."""

from django.db import migrations


def forward(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(
                "UPDATE problems_rectificationitem i SET campaign_id = p.campaign_id FROM problems_problem p "
                "WHERE p.id = i.problem_id AND i.campaign_id IS DISTINCT FROM p.campaign_id"
            )
        else:
            cur.execute(
                "UPDATE problems_rectificationitem SET campaign_id = (SELECT campaign_id FROM problems_problem p "
                "WHERE p.id = problems_rectificationitem.problem_id)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0008_item_campaign"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
