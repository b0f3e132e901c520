from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0006_backfill_unit_path"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                fields=["source", "unit_path", "id"],
                name="problems_source_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(fields=["unit_path", "id"], name="items_path", opclasses=["varchar_pattern_ops", ""]),
        ),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(
                fields=["status", "unit_path", "due_date", "id"],
                name="items_status_path",
                opclasses=["", "varchar_pattern_ops", "", ""],
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(
                fields=["kind", "unit_path", "status", "id"],
                name="items_kind_path",
                opclasses=["", "varchar_pattern_ops", "", ""],
            ),
        ),
    ]
