"""Each entry keeps the time zone it happened in, with that zone's offset from UTC at its start (issue 22).

The entries already stored get their patient's zone of today: the zone every page showed them in until now.
The (patient, started_at) index also covers the offset, which the day summaries read.
"""

import datetime as dt
import zoneinfo

from django.db import migrations, models

import accounts.models

BATCH = 2000


def zones_of_patients(apps, schema_editor):
    Episode = apps.get_model("tracker", "Episode")
    User = apps.get_model("accounts", "User")
    zones = User.objects.filter(episodes__isnull=False).values_list("time_zone", flat=True).distinct()
    for name in zones:
        zone = zoneinfo.ZoneInfo(name)
        entries = Episode.objects.filter(patient__time_zone=name).only("pk", "started_at").order_by("pk")
        changed = []
        for episode in entries.iterator(chunk_size=BATCH):
            episode.time_zone = name
            episode.utc_offset = episode.started_at.astimezone(zone).utcoffset()
            changed.append(episode)
            if len(changed) == BATCH:
                Episode.objects.bulk_update(changed, ["time_zone", "utc_offset"])
                changed = []
        Episode.objects.bulk_update(changed, ["time_zone", "utc_offset"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_staff_role"),
        ("tracker", "0014_warning_signs"),
    ]

    operations = [
        # Filled in below; the defaults only let the columns be added to a table that has rows.
        migrations.AddField(
            model_name="episode",
            name="time_zone",
            field=models.CharField(default="UTC", max_length=64, validators=[accounts.models.validate_time_zone]),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="episode",
            name="utc_offset",
            field=models.DurationField(default=dt.timedelta(0), verbose_name="offset from UTC"),
            preserve_default=False,
        ),
        migrations.RunPython(zones_of_patients, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="episode",
            constraint=models.CheckConstraint(
                condition=models.Q(("time_zone", ""), _negated=True), name="tracker_episode_has_time_zone"
            ),
        ),
        migrations.AddConstraint(
            model_name="episode",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("utc_offset__gte", dt.timedelta(days=-1, seconds=28860)),
                    ("utc_offset__lte", dt.timedelta(seconds=57540)),
                ),
                name="tracker_episode_utc_offset_in_range",
            ),
        ),
        migrations.RemoveIndex(
            model_name="episode",
            name="tracker_episode_patient_start",
        ),
        migrations.AddIndex(
            model_name="episode",
            index=models.Index(
                fields=["patient", "-started_at"],
                include=(
                    "id",
                    "tally",
                    "cramp_count",
                    "severity",
                    "duration_seconds",
                    "times_woken",
                    "woke_from_sleep",
                    "entry_type",
                    "event_kind",
                    "utc_offset",
                ),
                name="tracker_episode_patient_start",
            ),
        ),
    ]
