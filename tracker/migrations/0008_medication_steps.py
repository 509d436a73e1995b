"""Medication steps (started, dose changed, stopped), and a start and a stop step for every existing
medication with those dates, so that from here on a medicine's dates follow from its steps."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tracker.models


def steps_from_dates(apps, schema_editor):
    Medication = apps.get_model("tracker", "Medication")
    MedicationStep = apps.get_model("tracker", "MedicationStep")
    steps = []
    for medication in Medication.objects.exclude(started_on=None, stopped_on=None).iterator():
        common = {"patient_id": medication.patient_id, "medication_id": medication.pk, "created_by_id": None}
        if medication.started_on is not None:
            steps.append(MedicationStep(kind="started", day=medication.started_on, dose=medication.dose, **common))
        if medication.stopped_on is not None:
            steps.append(MedicationStep(kind="stopped", day=medication.stopped_on, dose="", **common))
    MedicationStep.objects.bulk_create(steps, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0007_caregivers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MedicationStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[("started", "Started"), ("dose_changed", "Dose changed"), ("stopped", "Stopped")],
                        max_length=16,
                        verbose_name="what changed",
                    ),
                ),
                ("day", models.DateField(help_text="The date in your own time zone.", verbose_name="date")),
                ("dose", models.CharField(blank=True, help_text="As written on the label.", max_length=120)),
                (
                    "side_effects",
                    models.JSONField(blank=True, default=list, validators=[tracker.models.check_side_effects]),
                ),
                ("side_effect_other", models.CharField(blank=True, max_length=120, verbose_name="other side effect")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "medication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="steps", to="tracker.medication"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["day", "created_at"],
                "constraints": [
                    models.UniqueConstraint(fields=("patient", "uuid"), name="tracker_medicationstep_unique_uuid"),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "started")),
                        fields=("patient", "medication"),
                        name="tracker_medicationstep_one_start",
                        violation_error_message="This medicine already has a start.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "stopped")),
                        fields=("patient", "medication"),
                        name="tracker_medicationstep_one_stop",
                        violation_error_message="This medicine already has a stop.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["started", "dose_changed", "stopped"])),
                        name="tracker_medicationstep_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("dose", ""), ("kind", "dose_changed"), _negated=True),
                        name="tracker_medicationstep_dose_change_has_dose",
                        violation_error_message="Write the new dose.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("kind", "stopped"), _negated=True), ("dose", ""), _connector="OR"),
                        name="tracker_medicationstep_stop_has_no_dose",
                        violation_error_message="A stop has no dose.",
                    ),
                ],
            },
        ),
        migrations.RunPython(steps_from_dates, migrations.RunPython.noop),
    ]
