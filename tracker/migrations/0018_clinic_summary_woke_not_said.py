from django.db import migrations, models


def recount_later(apps, schema_editor):
    """The stored summaries were counted without the new figure: the next reader recounts them
    (tracker.clinic.review._stale)."""
    apps.get_model("tracker", "ClinicSummary").objects.update(computed_version=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_own_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinicsummary",
            name="woke_not_said",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(recount_later, migrations.RunPython.noop),
    ]
