"""A patient's record: vocabularies, profile, medications, cramp episodes and daily check-ins.

Every table holding health data carries the patient's id, and every unique
constraint on it includes that id, so the tables can later be sharded by patient.
"""

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

MAX_DURATION_SECONDS = 24 * 60 * 60
MAX_NOTES_LENGTH = 2000
SEVERITY_MIN, SEVERITY_MAX = 0, 10
# Largest primary key a database integer holds; a bigger posted id is tampering (and overflows SQLite).
MAX_ID = 2**63 - 1


class TermQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> "TermQuerySet":
        return self.filter(kind=kind)

    def active(self) -> "TermQuerySet":
        return self.filter(is_active=True)


class Term(models.Model):
    """One item of a vocabulary (a body location, a trigger, a symptom ...), edited by staff."""

    class Kind(models.TextChoices):
        LOCATION = "location", "Body location"
        ACTIVITY = "activity", "Activity at onset"
        TRIGGER = "trigger", "Suspected trigger"
        SYMPTOM = "symptom", "Accompanying symptom"
        RELIEF = "relief", "Relief measure"
        CONDITION = "condition", "Diagnosed condition"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=60)
    label = models.CharField(max_length=80)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Inactive items stay on old entries but are not offered.")

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sort_order", "label"]
        constraints = [
            # Also serves the forms' query: one kind's items, in order.
            models.UniqueConstraint(fields=["kind", "slug"], name="tracker_term_unique_slug_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["location", "activity", "trigger", "symptom", "relief", "condition"]),
                name="tracker_term_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class PatientProfile(models.Model):
    """What a patient tells us about themselves once, not per entry."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True, related_name="patient_profile"
    )
    conditions = models.ManyToManyField(Term, through="PatientCondition", blank=True, related_name="+")
    other_conditions = models.CharField(
        "other conditions", max_length=300, blank=True, help_text="Anything not in the list, in your own words."
    )
    reminder_time = models.TimeField(
        "daily reminder", null=True, blank=True, help_text="A check-in reminder by e-mail at this time in your zone."
    )
    # The patient's local date of the last reminder sent, so that each day gets at most one.
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.patient}"


class PatientCondition(models.Model):
    # The profile's primary key is the patient's id, so this table carries it too.
    profile = models.ForeignKey(PatientProfile, on_delete=models.CASCADE)
    condition = models.ForeignKey(Term, on_delete=models.PROTECT, limit_choices_to={"kind": Term.Kind.CONDITION})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "condition"], name="tracker_patientcondition_unique"),
        ]

    def __str__(self) -> str:
        return self.condition.label


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
    name = models.CharField(max_length=120)
    dose = models.CharField(max_length=120, blank=True, help_text="As written on the label, e.g. '10 mg at night'.")
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
        return f"{self.name} {self.dose}".strip()


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"


class ReliefEffect(models.TextChoices):
    NOT_AT_ALL = "none", "Not at all"
    A_LITTLE = "little", "A little"
    A_LOT = "lot", "A lot"
    COMPLETELY = "complete", "Completely"


class EpisodeQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "EpisodeQuerySet":
        return self.filter(patient=patient)

    def in_period(self, start, end) -> "EpisodeQuerySet":
        """Episodes that started at or after `start` and before `end` (aware datetimes)."""
        return self.filter(started_at__gte=start, started_at__lt=end)

    def last_two_windows(self, days: int, now) -> tuple[int, int]:
        """(episodes in the last `days` days, episodes in the `days` before those), in one query."""
        boundary = now - dt.timedelta(days=days)
        counts = self.filter(started_at__gte=boundary - dt.timedelta(days=days), started_at__lte=now).aggregate(
            recent=models.Count("id", filter=models.Q(started_at__gte=boundary)),
            previous=models.Count("id", filter=models.Q(started_at__lt=boundary)),
        )
        return counts["recent"], counts["previous"]

    def with_details(self) -> "EpisodeQuerySet":
        """Everything a list row or detail page shows, in a fixed number of queries."""
        return self.select_related("activity").prefetch_related(
            Prefetch("locations", queryset=EpisodeLocation.objects.select_related("location")),
            "terms",
        )


class Episode(models.Model):
    """One cramp, as the patient logged it."""

    uuid = models.UUIDField(default=uuid4, editable=False)
    # Indexed by the (patient, started_at) index and the unique constraints, which all lead with it.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="episodes", db_index=False
    )
    started_at = models.DateTimeField("started")
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    severity = models.PositiveSmallIntegerField(help_text="0 = no pain, 10 = worst imaginable.")
    woke_from_sleep = models.BooleanField("woke me from sleep", default=False)
    activity = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Term.Kind.ACTIVITY},
        verbose_name="activity at onset",
    )
    # Triggers, accompanying symptoms and relief measures tried; Term.kind tells which.
    terms = models.ManyToManyField(Term, through="EpisodeTerm", blank=True, related_name="+")
    relief_effect = models.CharField("how well relief worked", max_length=16, choices=ReliefEffect, blank=True)
    medication_taken = models.CharField("medication taken for this cramp", max_length=200, blank=True)
    notes = models.TextField(max_length=MAX_NOTES_LENGTH, blank=True)
    # Generated by the form when it is shown: a second submission of the same form is the same episode.
    client_id = models.UUIDField(default=uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The episode list (newest first), period summaries and the dashboard.
            models.Index(fields=["patient", "-started_at"], name="tracker_episode_patient_start"),
        ]
        constraints = [
            # Detail, edit and delete pages look an episode up by patient and uuid.
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_episode_unique_uuid"),
            models.UniqueConstraint(fields=["patient", "client_id"], name="tracker_episode_unique_client_id"),
            models.CheckConstraint(
                condition=models.Q(severity__gte=SEVERITY_MIN, severity__lte=SEVERITY_MAX),
                name="tracker_episode_severity_0_to_10",
                violation_error_message="Severity must be between 0 and 10.",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_seconds__isnull=True)
                | models.Q(duration_seconds__gte=1, duration_seconds__lte=MAX_DURATION_SECONDS),
                name="tracker_episode_duration_up_to_24h",
                violation_error_message="A cramp lasts between one second and 24 hours.",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), MAX_NOTES_LENGTH),
                name="tracker_episode_notes_length",
                violation_error_message=f"Notes can be at most {MAX_NOTES_LENGTH} characters.",
            ),
            models.CheckConstraint(
                condition=models.Q(relief_effect__in=["", *ReliefEffect.values]),
                name="tracker_episode_relief_effect_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Cramp {self.severity}/10 at {self.started_at:%Y-%m-%d %H:%M} UTC"

    def _terms_of_kind(self, kind: str) -> list[Term]:
        return [term for term in self.terms.all() if term.kind == kind]

    @property
    def triggers(self) -> list[Term]:
        return self._terms_of_kind(Term.Kind.TRIGGER)

    @property
    def symptoms(self) -> list[Term]:
        return self._terms_of_kind(Term.Kind.SYMPTOM)

    @property
    def relief_measures(self) -> list[Term]:
        return self._terms_of_kind(Term.Kind.RELIEF)

    @property
    def needs_details(self) -> bool:
        """A quick log has no body location yet."""
        return not self.locations.all()


class EpisodeLocation(models.Model):
    """Where a cramp struck, and on which side."""

    # Indexed by the unique constraint, which leads with it.
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="locations")
    location = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": Term.Kind.LOCATION}
    )
    side = models.CharField(max_length=8, choices=Side)

    class Meta:
        ordering = ["location__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "episode", "location"], name="tracker_episodelocation_unique"),
            models.CheckConstraint(condition=models.Q(side__in=Side.values), name="tracker_episodelocation_side_valid"),
        ]

    def __str__(self) -> str:
        if self.side == Side.BOTH:
            return f"{self.location.label} (both sides)"
        return f"{self.location.label} ({self.get_side_display().lower()})"


class EpisodeTerm(models.Model):
    """A trigger, symptom or relief measure noted on an episode."""

    # Indexed by the unique constraint, which leads with it.
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "episode", "term"], name="tracker_episodeterm_unique"),
        ]

    def __str__(self) -> str:
        return self.term.label


class CheckIn(models.Model):
    """The patient's answer for one day in their own zone: cramps or none."""

    class Status(models.TextChoices):
        NO_CRAMPS = "none", "No cramps"
        HAD_CRAMPS = "cramps", "Had cramps"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField(help_text="The patient's local date.")
    status = models.CharField(max_length=8, choices=Status)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            # One per patient per local day; also serves the dashboard's "last 14 days" range scan.
            models.UniqueConstraint(fields=["patient", "day"], name="tracker_checkin_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(status__in=["none", "cramps"]), name="tracker_checkin_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.get_status_display()}"


class CareGrantQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "CareGrantQuerySet":
        return self.filter(patient=patient)

    def pending(self, now) -> "CareGrantQuerySet":
        return self.filter(status=CareGrant.Status.INVITED, invitation_expires_at__gt=now)

    def active(self, today) -> "CareGrantQuerySet":
        """Grants in force on `today` (a date): accepted, not revoked, not past their end date."""
        return self.filter(status=CareGrant.Status.ACTIVE).filter(
            models.Q(access_ends_on__isnull=True) | models.Q(access_ends_on__gte=today)
        )


class CareGrant(models.Model):
    """A patient's permission for one clinician to see their record: the only way a clinician sees it."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"
        CANCELLED = "cancelled", "Invitation cancelled"

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_received"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.INVITED)
    # Only a hash of the one-time code is kept; the patient sees the code once, when it is made.
    code_hash = models.CharField(max_length=64)
    invited_email = models.EmailField("clinician's e-mail", blank=True)
    invitation_expires_at = models.DateTimeField()
    access_ends_on = models.DateField("access ends on", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CareGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A clinician accepting looks the invitation up by its code.
            models.Index(fields=["code_hash"], name="tracker_caregrant_code"),
            # The gate and the clinic list: a clinician's active grants.
            models.Index(fields=["clinician", "status"], name="tracker_caregrant_clinician"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_caregrant_unique_uuid"),
            models.UniqueConstraint(fields=["patient", "code_hash"], name="tracker_caregrant_unique_code"),
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=models.Q(status="active"),
                name="tracker_caregrant_one_active_per_pair",
                violation_error_message="This clinician already has access.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["invited", "active", "revoked", "cancelled"]),
                name="tracker_caregrant_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(clinician__isnull=False, accepted_at__isnull=False),
                name="tracker_caregrant_active_has_clinician",
            ),
            models.CheckConstraint(
                condition=~models.Q(clinician=models.F("patient")), name="tracker_caregrant_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} → {self.clinician or self.invited_email or 'invitation'} ({self.status})"


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
        return f"Note by {self.author} on {self.created_at:%Y-%m-%d}"


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def anonymise_patient(self, patient, reference: str) -> int:
        """The one change allowed: when a patient deletes their account, their rows keep only `reference`."""
        return models.QuerySet.update(self.filter(patient=patient), patient=None, patient_reference=reference)

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """One look by a clinician at a patient's data. Append-only: never edited, never deleted."""

    class Action(models.TextChoices):
        VIEW_REVIEW = "view_review", "Opened the review"
        VIEW_REPORT = "view_report", "Opened the visit report"
        EXPORT_CSV = "export_csv", "Exported episodes (CSV)"
        EXPORT_JSON = "export_json", "Exported the whole record (JSON)"
        EXPORT_FHIR = "export_fhir", "Exported episodes (FHIR)"
        ADD_NOTE = "add_note", "Wrote a note"
        SCHEDULE_QUESTIONNAIRE = "schedule_questionnaire", "Set a questionnaire schedule"

    # Emptied when the patient deletes their account; patient_reference then still groups the rows.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    patient_reference = models.CharField(max_length=64, blank=True, help_text="An anonymous reference.")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=24, choices=Action)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            # The patient's access trail, newest first.
            models.Index(fields=["patient", "-at"], name="tracker_accesslog_patient_at"),
        ]

    def __str__(self) -> str:
        whose = self.patient or f"deleted patient {self.patient_reference[:8]}"
        return f"{self.clinician} {self.get_action_display().lower()} of {whose} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
