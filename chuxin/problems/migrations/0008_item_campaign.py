import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("problems", "0007_ledger_indexes"),
    ]

    operations = [
        # nullable while 0009 fills it; 0010 makes it required
        migrations.AddField(
            model_name="rectificationitem",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
    ]
