"""Fill the work areas' counters from the ledger already there: for each area and each tree level, one
INSERT … SELECT that counts the problems (then the items, by status) under every unit of that level (the
unit is the row's unit's path cut to the level's length). Set-based on PostgreSQL and SQLite alike; the
same sums as areas.rebuild(), without loading the tree into Python."""

from django.db import migrations

AREAS = [1, 2, 4, 8, 16, 32]  # problems.WorkArea's bits, as they stood when this migration was written
STEPLEN = 4  # treebeard's path step for orgs.Unit
TABLE = "rollups_areacounts"


def forward(apps, schema_editor):
    # the status columns the table has when this runs (a later migration may have added one, e.g. st_returned)
    with schema_editor.connection.cursor() as cur:
        described = schema_editor.connection.introspection.get_table_description(cur, TABLE)
    statuses = [c.name[3:] for c in described if c.name.startswith("st_")]
    status_cols = ", ".join(f"st_{s}" for s in statuses)
    status_sums = ", ".join(f"SUM(CASE WHEN i.status = '{s}' THEN 1 ELSE 0 END)" for s in statuses)
    status_sets = ", ".join(f"st_{s} = {TABLE}.st_{s} + excluded.st_{s}" for s in statuses)
    zeros = ", ".join("0" for _ in statuses)
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT MAX(depth) FROM orgs_unit")
        depth = cur.fetchone()[0] or 0
        for area in AREAS:
            for level in range(1, depth + 1):
                args = [area, level * STEPLEN, level, area]
                cur.execute(
                    f"""
                    INSERT INTO {TABLE} (unit_id, campaign_id, area, problems, items, {status_cols})
                    SELECT a.id, p.campaign_id, %s, COUNT(*), 0, {zeros}
                    FROM problems_problem p
                    JOIN orgs_unit u ON u.id = p.unit_id
                    JOIN orgs_unit a ON a.path = SUBSTR(u.path, 1, %s)
                    WHERE u.depth >= %s AND (p.work_areas & %s) <> 0
                    GROUP BY a.id, p.campaign_id
                    ON CONFLICT (unit_id, campaign_id, area) DO UPDATE SET problems = {TABLE}.problems + excluded.problems
                    """,
                    args,
                )
                cur.execute(
                    f"""
                    INSERT INTO {TABLE} (unit_id, campaign_id, area, problems, items, {status_cols})
                    SELECT a.id, p.campaign_id, %s, 0, COUNT(*), {status_sums}
                    FROM problems_rectificationitem i
                    JOIN problems_problem p ON p.id = i.problem_id
                    JOIN orgs_unit u ON u.id = i.unit_id
                    JOIN orgs_unit a ON a.path = SUBSTR(u.path, 1, %s)
                    WHERE u.depth >= %s AND (p.work_areas & %s) <> 0
                    GROUP BY a.id, p.campaign_id
                    ON CONFLICT (unit_id, campaign_id, area) DO UPDATE SET items = {TABLE}.items + excluded.items, {status_sets}
                    """,
                    args,
                )


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0008_areacounts"),
        ("problems", "0007_ledger_indexes"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
