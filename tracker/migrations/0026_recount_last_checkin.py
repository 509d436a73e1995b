from django.db import migrations


def recount_later(apps, schema_editor):
    """The stored summaries took the mark a logged cramp leaves on its day for the patient's last check-in: the
    next reader recounts them by the rule as it is now (tracker.clinic.review.with_summaries)."""
    apps.get_model("tracker", "ClinicSummary").objects.update(computed_version=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0025_access_log_view_list"),
    ]

    operations = [
        migrations.RunPython(recount_later, migrations.RunPython.noop),
    ]
