"""Fill the organ tallies (tallies.py: study.organ_required, study.organ_done, research.organ_reporters)
from the rows already there, set-based on PostgreSQL and SQLite alike: the same figures as the recounts
(study.completion.organs_required/organs_done, research.organs.organs_reporters) that tallies.rebuild()
stores, without loading the seats into Python. A session is required of a seat's member when it is held at
the member's home unit or an ancestor (one pass per tree level: the ancestor's path is the home's path cut
to the level's length, an equality join) for the member's rank or lower."""

from django.db import migrations

STEPLEN = 4  # treebeard's path step for orgs.Unit
UPSERT = "ON CONFLICT (unit_id, campaign_id, key) DO UPDATE SET n = rollups_subtreetally.n + excluded.n"


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT MAX(depth) FROM orgs_unit")
        depth = cur.fetchone()[0] or 0
        for level in range(1, depth + 1):
            cur.execute(
                f"""
                INSERT INTO rollups_subtreetally (unit_id, campaign_id, key, n)
                SELECT cm.unit_id, m.campaign_id, 'study.organ_required', COUNT(*)
                FROM orgs_committeemember cm
                JOIN orgs_person p ON p.id = cm.person_id
                JOIN orgs_unit h ON h.id = p.home_unit_id
                JOIN orgs_unit a ON a.path = SUBSTR(h.path, 1, %s)
                JOIN study_meeting m ON m.unit_id = a.id
                WHERE h.depth >= %s AND m.kind = 'study_session' AND m.required_rank <= p.rank
                GROUP BY cm.unit_id, m.campaign_id
                {UPSERT}
                """,
                [level * STEPLEN, level],
            )
        cur.execute(
            f"""
            INSERT INTO rollups_subtreetally (unit_id, campaign_id, key, n)
            SELECT cm.unit_id, m.campaign_id, 'study.organ_done', COUNT(*)
            FROM orgs_committeemember cm
            JOIN orgs_person p ON p.id = cm.person_id
            JOIN orgs_unit h ON h.id = p.home_unit_id
            JOIN study_attendance at ON at.person_id = p.id
            JOIN study_meeting m ON m.id = at.meeting_id
            JOIN orgs_unit mu ON mu.id = m.unit_id
            WHERE at.status IN ('present', 'made_up') AND m.kind = 'study_session'
              AND m.required_rank <= p.rank AND SUBSTR(h.path, 1, LENGTH(mu.path)) = mu.path
            GROUP BY cm.unit_id, m.campaign_id
            {UPSERT}
            """
        )
        cur.execute(
            f"""
            INSERT INTO rollups_subtreetally (unit_id, campaign_id, key, n)
            SELECT r.unit_id, r.campaign_id, 'research.organ_reporters', COUNT(*)
            FROM (
                SELECT DISTINCT cm.id, cm.unit_id, t.campaign_id
                FROM orgs_committeemember cm
                JOIN research_topic t ON t.cadre_id = cm.person_id
                JOIN research_report rp ON rp.topic_id = t.id
                WHERE rp.status IN ('submitted', 'reviewed')
            ) r
            WHERE 1 = 1
            GROUP BY r.unit_id, r.campaign_id
            {UPSERT}
            """
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0012_shard_rows"),
        ("orgs", "0005_auditor_role"),
        ("study", "0002_alter_meeting_kind"),
        ("research", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
