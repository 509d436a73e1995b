from django.db import migrations


def recount_later(apps, schema_editor):
    """The stored summaries counted a long spasm or twitching as a cramp that did not ease (a same-day sign): the
    next reader recounts them by the rule as it is now (tracker.clinic.review._stale)."""
    apps.get_model("tracker", "ClinicSummary").objects.update(computed_version=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0020_refuse_direction_controls"),
    ]

    operations = [
        migrations.RunPython(recount_later, migrations.RunPython.noop),
    ]
