"""Fill the strands' tallies from the rows already there: for each tally and each tree level, one
INSERT … SELECT that counts the rows under every unit of that level (the unit is the row's unit's
path cut to the level's length) and adds to what is there. Set-based on PostgreSQL and SQLite alike;
the same sums as tallies.rebuild(), without loading the tree into Python."""

from django.db import migrations

# key -> (FROM clause giving r.unit_id and r.campaign_id, condition)
SOURCES = {
    "study.meetings": ("study_meeting r", "1 = 1"),
    "study.sessions": ("study_meeting r", "r.kind = 'study_session'"),
    "research.topics": ("research_topic r", "1 = 1"),
    "research.reports": (
        "(SELECT t.unit_id, t.campaign_id, rp.status FROM research_report rp "
        "JOIN research_topic t ON t.id = rp.topic_id) r",
        "r.status IN ('submitted', 'reviewed')",
    ),
}
STEPLEN = 4  # treebeard's path step for orgs.Unit


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT MAX(depth) FROM orgs_unit")
        depth = cur.fetchone()[0] or 0
        for key, (source, condition) in SOURCES.items():
            for level in range(1, depth + 1):
                cur.execute(
                    f"""
                    INSERT INTO rollups_subtreetally (unit_id, campaign_id, key, n)
                    SELECT a.id, r.campaign_id, %s, COUNT(*)
                    FROM {source}
                    JOIN orgs_unit u ON u.id = r.unit_id
                    JOIN orgs_unit a ON a.path = SUBSTR(u.path, 1, %s)
                    WHERE u.depth >= %s AND {condition}
                    GROUP BY a.id, r.campaign_id
                    ON CONFLICT (unit_id, campaign_id, key) DO UPDATE SET n = rollups_subtreetally.n + excluded.n
                    """,
                    [key, level * STEPLEN, level],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0006_subtree_tally"),
        ("study", "0001_initial"),
        ("research", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
