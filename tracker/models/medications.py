"""The medicines a patient takes or took, the steps of each one's history (started, dose changed, stopped) and
the side effects noticed at each step."""

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.names import refuse_direction_controls


class MedicationQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "MedicationQuerySet":
        return self.filter(patient=patient)

    def taken_on(self, day) -> "MedicationQuerySet":
        """Medicines being taken on `day`: started by then (or no start date) and not stopped before it."""
        return self.filter(
            models.Q(started_on__isnull=True) | models.Q(started_on__lte=day),
            models.Q(stopped_on__isnull=True) | models.Q(stopped_on__gte=day),
        )


class Medication(models.Model):
    """A medicine the patient takes or took, as they describe it (the dose is free text)."""

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120, validators=[refuse_direction_controls])
    dose = models.CharField(
        max_length=120,
        blank=True,
        help_text="As written on the label, e.g. '10 mg at night'.",
        validators=[refuse_direction_controls],
    )
    started_on = models.DateField("start date", null=True, blank=True)
    stopped_on = models.DateField("stop date", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["stopped_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_medication_unique_uuid"),
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="tracker_medication_stops_after_start",
                violation_error_message="The stop date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"Medication #{self.pk}"

    def timeline(self) -> list["MedicationStep"]:
        """The medicine's steps in order (prefetch `steps` to read many medicines in one query)."""
        return self.timeline_from(list(self.steps.all()))

    def timeline_from(self, steps: list["MedicationStep"]) -> list["MedicationStep"]:
        """`steps` in order. With none stored, a start and a stop date read as unsaved steps: a medicine
        written around the services (the admin, demo data) still has its history."""
        if not steps:
            dates = [
                (MedicationStep.Kind.STARTED, self.started_on, self.dose),
                (MedicationStep.Kind.STOPPED, self.stopped_on, ""),
            ]
            steps = [
                MedicationStep(patient_id=self.patient_id, medication=self, kind=kind, day=day, dose=dose)
                for kind, day, dose in dates
                if day is not None
            ]
        return sorted(steps, key=MedicationStep.sort_key)


MAX_DOSE_LENGTH = 120
MAX_SIDE_EFFECT_LENGTH = 120


class SideEffect(models.TextChoices):
    """Side effects of the medicines used for cramps (quinine, mexiletine, gabapentinoids, baclofen, …).
    Stored as a JSON list and checked by check_side_effects, so a new one needs no migration; "other"
    stays last, with its words in side_effect_other."""

    DROWSINESS = "drowsiness", "Drowsiness"
    DIZZINESS = "dizziness", "Dizziness"
    UNSTEADINESS = "unsteadiness", "Unsteadiness"
    WEAKNESS = "weakness", "Weakness"
    SWELLING = "swelling", "Swelling"
    NAUSEA = "nausea", "Nausea"
    TREMOR = "tremor", "Tremor"
    PALPITATIONS = "palpitations", "Palpitations (a racing or pounding heart)"
    TINNITUS = "tinnitus", "Ringing in the ears (tinnitus)"
    VISUAL_CHANGES = "visual_changes", "Changes in your sight"
    RASH = "rash", "Rash"
    OTHER = "other", "Other"


def check_side_effects(value) -> None:
    """A list of distinct known side effects."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Choose side effects from the list.", code="invalid_side_effects")
    unknown = [item for item in value if item not in SideEffect.values]
    if unknown:
        raise ValidationError(f"Not a side effect we list: {', '.join(unknown)}.", code="unknown_side_effect")
    if len(set(value)) != len(value):
        raise ValidationError("Each side effect once, please.", code="repeated_side_effect")


class MedicationStep(models.Model):
    """One step of a medicine's history: started, dose changed or stopped, on a local date.

    A medicine has at most one start and one stop (taking it again later is a new medication);
    the services keep Medication.started_on, stopped_on and dose in step with these rows.
    """

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        DOSE_CHANGED = "dose_changed", "Dose changed"
        STOPPED = "stopped", "Stopped"

    uuid = models.UUIDField(default=uuid4, editable=False)
    # Indexed by the unique constraints, which lead with it.
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Its index serves the prefetch of each medicine's steps (and deleting a medicine with them).
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("what changed", max_length=16, choices=Kind)
    day = models.DateField("date", help_text="The date in your own time zone.")
    dose = models.CharField(
        max_length=MAX_DOSE_LENGTH,
        blank=True,
        help_text="As written on the label.",
        validators=[refuse_direction_controls],
    )
    side_effects = models.JSONField(default=list, blank=True, validators=[check_side_effects])
    side_effect_other = models.CharField(
        "other side effect", max_length=MAX_SIDE_EFFECT_LENGTH, blank=True, validators=[refuse_direction_controls]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "created_at"]
        constraints = [
            # The step pages look a step up by patient and uuid.
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_medicationstep_unique_uuid"),
            models.UniqueConstraint(
                fields=["patient", "medication"],
                condition=models.Q(kind="started"),
                name="tracker_medicationstep_one_start",
                violation_error_message="This medicine already has a start.",
            ),
            models.UniqueConstraint(
                fields=["patient", "medication"],
                condition=models.Q(kind="stopped"),
                name="tracker_medicationstep_one_stop",
                violation_error_message="This medicine already has a stop.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["started", "dose_changed", "stopped"]),
                name="tracker_medicationstep_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="dose_changed", dose=""),
                name="tracker_medicationstep_dose_change_has_dose",
                violation_error_message="Write the new dose.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="stopped") | models.Q(dose=""),
                name="tracker_medicationstep_stop_has_no_dose",
                violation_error_message="A stop has no dose.",
            ),
        ]

    def __str__(self) -> str:
        return f"Medication step #{self.pk}"

    def sort_key(self) -> tuple[dt.date, int]:
        """Date order; on one date a start comes first and a stop last."""
        return self.day, list(self.Kind.values).index(self.kind)

    @property
    def side_effect_labels(self) -> list[str]:
        labels = dict(SideEffect.choices)
        named = [labels[item] for item in self.side_effects if item in labels and item != SideEffect.OTHER]
        if SideEffect.OTHER in self.side_effects:
            named.append(f"other: {self.side_effect_other}" if self.side_effect_other else "other")
        return named
