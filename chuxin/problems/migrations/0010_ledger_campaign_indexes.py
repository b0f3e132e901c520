import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("problems", "0009_backfill_item_campaign"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rectificationitem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.RemoveIndex(model_name="rectificationitem", name="items_path"),
        migrations.RemoveIndex(model_name="rectificationitem", name="items_status_path"),
        migrations.RemoveIndex(model_name="rectificationitem", name="items_kind_path"),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(
                fields=["campaign", "unit_path", "id"],
                name="items_campaign_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(
                fields=["campaign", "status", "unit_path", "due_date", "id"],
                name="items_campaign_status_path",
                opclasses=["", "", "varchar_pattern_ops", "", ""],
            ),
        ),
        migrations.AddIndex(
            model_name="rectificationitem",
            index=models.Index(
                fields=["campaign", "kind", "unit_path", "status", "id"],
                name="items_campaign_kind_path",
                opclasses=["", "", "varchar_pattern_ops", "", ""],
            ),
        ),
    ]
