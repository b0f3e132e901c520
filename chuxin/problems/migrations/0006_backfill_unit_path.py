"""Copy each unit's path onto its problems and items: one set-based UPDATE per table (a join on
PostgreSQL, a correlated subquery elsewhere), about half a minute for a million items."""

from django.db import migrations

TABLES = ["problems_problem", "problems_rectificationitem"]


def forward(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        for table in TABLES:
            if conn.vendor == "postgresql":
                cur.execute(
                    f"UPDATE {table} t SET unit_path = u.path FROM orgs_unit u "
                    "WHERE u.id = t.unit_id AND t.unit_path IS DISTINCT FROM u.path"
                )
            else:
                cur.execute(
                    f"UPDATE {table} SET unit_path = (SELECT path FROM orgs_unit u WHERE u.id = {table}.unit_id)"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0005_unit_path"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
