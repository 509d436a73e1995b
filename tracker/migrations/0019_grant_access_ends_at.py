import datetime as dt
import zoneinfo

from django.db import migrations, models


def end_moments(apps, schema_editor):
    """Each grant with an end date ends at the next midnight in its patient's time zone (as
    CareGrant.save sets it from now on)."""
    CareGrant = apps.get_model("tracker", "CareGrant")
    grants = CareGrant.objects.filter(access_ends_on__isnull=False).select_related("patient")
    for grant in grants.iterator():
        zone = zoneinfo.ZoneInfo(grant.patient.time_zone)
        midnight = dt.datetime.combine(grant.access_ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        grant.access_ends_at = midnight.astimezone(dt.UTC)
        grant.save(update_fields=["access_ends_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_clinic_summary_woke_not_said"),
    ]

    operations = [
        migrations.AddField(
            model_name="caregrant",
            name="access_ends_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(end_moments, migrations.RunPython.noop),
    ]
