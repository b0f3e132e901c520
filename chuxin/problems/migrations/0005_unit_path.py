from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0004_more_problem_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="problem",
            name="unit_path",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="rectificationitem",
            name="unit_path",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
    ]
