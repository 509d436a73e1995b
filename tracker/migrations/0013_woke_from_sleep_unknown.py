"""Whether a cramp woke the patient can be unknown (None). The rows that were stored as "no" although
nobody was asked become unknown: quick logs, and tallies whose wakings were not counted."""

from django.db import migrations, models


def unasked_to_unknown(apps, schema_editor):
    Episode = apps.get_model("tracker", "Episode")
    EpisodeLocation = apps.get_model("tracker", "EpisodeLocation")
    # A quick log is a single cramp with no body location yet (Episode.needs_details): it never asked. The
    # full entry asks for both, so a single cramp with a place was answered.
    Episode.objects.filter(entry_type="single", woke_from_sleep=False).exclude(
        models.Exists(EpisodeLocation.objects.filter(episode=models.OuterRef("pk")))
    ).update(woke_from_sleep=None)
    # A tally's answer was taken from its count of wakings; without that count it was never given.
    Episode.objects.filter(entry_type__in=["night", "day"], times_woken__isnull=True, woke_from_sleep=False).update(
        woke_from_sleep=None
    )


def unknown_to_no(apps, schema_editor):
    """Before this migration the column could not be empty: unknown is stored as no again."""
    Episode = apps.get_model("tracker", "Episode")
    Episode.objects.filter(woke_from_sleep__isnull=True).update(woke_from_sleep=False)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0012_clinic_summary"),
    ]

    operations = [
        # Only the column's nullability changes: the (patient, started_at) index that includes it stays.
        migrations.AlterField(
            model_name="episode",
            name="woke_from_sleep",
            field=models.BooleanField(blank=True, default=None, null=True, verbose_name="woke me from sleep"),
        ),
        migrations.RunPython(unasked_to_unknown, unknown_to_no),
    ]
