from django.db import migrations, models


def recount_later(apps, schema_editor):
    """The stored summaries counted times woken and warning signs over 30 times 24 hours, the cramps over 30 local
    days, and not the days recorded: the next reader recounts them all over the same local days
    (tracker.clinic.review._stale)."""
    apps.get_model("tracker", "ClinicSummary").objects.update(computed_version=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0021_recount_long_cramp_rule"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinicsummary",
            name="recorded_days",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(recount_later, migrations.RunPython.noop),
    ]
