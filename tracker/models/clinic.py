"""What clinicians read and write: each patient's stored figures for the clinic list, with the direction of
their trend, and the notes clinicians write on a patient's record."""

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from .entries import MAX_NOTES_LENGTH
from .episodes import Episode


class TrendDirection(models.TextChoices):
    WORSE = "worse", "More frequent"
    BETTER = "better", "Less frequent"
    STEADY = "steady", "About the same"
    UNKNOWN = "unknown", "Too few days recorded"


class ClinicSummaryQuerySet(models.QuerySet):
    def log_changed(self, patient_id: int) -> None:
        """Call in the transaction of every write to the patient's entries or check-ins: their summary gets a
        new log version, so a count read before this write commits keeps an older one and is recounted when
        next read. One INSERT ... ON CONFLICT UPDATE of the version alone (PostgreSQL and SQLite)."""
        self.bulk_create(
            [self.model(patient_id=patient_id, log_version=uuid4())],
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=["log_version"],
        )


class ClinicSummary(models.Model):
    """One patient's figures in the clinic list (tracker.clinic.review), stored so that a clinic of hundreds
    of patients is sorted without reading their episodes on every request.

    Never served stale: every write to the patient's log gives it a new `log_version`
    (`ClinicSummary.objects.log_changed`) and the figures keep the version they were counted at;
    `stale_from` is the first moment an entry crosses the edge of one of the sliding windows. Until either
    happens the stored figures are what a fresh count would give; after, the next reader recounts them.
    """

    # Figures derived from the record, not part of it: they go with the account (CASCADE, unlike the record's
    # rows, which account deletion empties one by one).
    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="clinic_summary"
    )
    log_version = models.UUIDField(default=uuid4)
    computed_version = models.UUIDField(null=True, blank=True)
    stale_from = models.DateTimeField(null=True, blank=True)
    # The last 30 local days: cramps, and the days recorded (a cramp logged or a check-in; with none, the figures
    # of those days are not recorded, never 0).
    recent = models.PositiveIntegerField(default=0)
    recorded_days = models.PositiveSmallIntegerField(default=0)
    mean_severity = models.FloatField(null=True, blank=True)
    worst_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    times_woken = models.PositiveIntegerField(default=0)
    # Single cramps and night tallies that do not say whether they woke the patient: not counted as no.
    woke_not_said = models.PositiveIntegerField(default=0)
    # Entries of the last 30 days with a warning sign, and the most urgent tier among them
    # (education.warning_signs.Tier); none when there is no such entry.
    warning_entries = models.PositiveIntegerField(default=0)
    warning_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    # Cramps per recorded day of the last 14 local days against the 14 before (tracker.trends).
    trend = models.CharField(max_length=8, choices=TrendDirection, default=TrendDirection.UNKNOWN)
    recent_rate = models.FloatField(null=True, blank=True)
    previous_rate = models.FloatField(null=True, blank=True)
    recent_recorded_days = models.PositiveSmallIntegerField(default=0)
    previous_recorded_days = models.PositiveSmallIntegerField(default=0)
    last_entry = models.DateTimeField(null=True, blank=True)
    last_checkin = models.DateField(null=True, blank=True)

    objects = ClinicSummaryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "clinic summaries"

    def __str__(self) -> str:
        return f"Clinic summary #{self.pk}"

    def is_current(self, now: dt.datetime) -> bool:
        """Whether these are still the figures a count at `now` would give."""
        counted_since_last_write = self.computed_version is not None and self.computed_version == self.log_version
        return counted_since_last_write and (self.stale_from is None or now < self.stale_from)


class ClinicianNote(models.Model):
    """A clinician's note on a patient, or on one of their episodes; the patient reads it too."""

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes_written")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="clinician_notes"
    )
    text = models.TextField(max_length=MAX_NOTES_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The review page and the patient's pages list a patient's notes, newest first.
            models.Index(fields=["patient", "-created_at"], name="tracker_note_patient_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_note_unique_uuid"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_NOTES_LENGTH),
                name="tracker_note_text_length",
                violation_error_message=f"A note can be at most {MAX_NOTES_LENGTH} characters.",
            ),
        ]

    def __str__(self) -> str:
        return f"Clinician note #{self.pk}"
