"""A patient's record: vocabularies, profile, medications, cramp episodes and daily check-ins.

Every table holding health data carries the patient's id, and every unique
constraint on it includes that id, so the tables can later be sharded by patient.
"""

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Coalesce, Length
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


class SpinalInjuryLevel(models.TextChoices):
    T6_OR_ABOVE = "t6_or_above", "At T6 or above (upper back or neck)"
    BELOW_T6 = "below_t6", "Below T6"


class PatientProfile(models.Model):
    """What a patient tells us about themselves once, not per entry."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True, related_name="patient_profile"
    )
    conditions = models.ManyToManyField(Term, through="PatientCondition", blank=True, related_name="+")
    other_conditions = models.CharField(
        "other conditions", max_length=300, blank=True, help_text="Anything not in the list, in your own words."
    )
    spinal_injury_level = models.CharField(
        "level of the spinal cord injury",
        max_length=12,
        choices=SpinalInjuryLevel,
        blank=True,
        help_text="Only for a spinal cord injury: an injury at T6 or above can cause autonomic dysreflexia.",
    )
    reminder_time = models.TimeField(
        "daily reminder", null=True, blank=True, help_text="A check-in reminder by e-mail at this time in your zone."
    )
    # The patient's local date of the last reminder sent, so that each day gets at most one.
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Patient profile #{self.pk}"


class PatientCondition(models.Model):
    # The profile's primary key is the patient's id, so this table carries it too.
    profile = models.ForeignKey(PatientProfile, on_delete=models.CASCADE)
    condition = models.ForeignKey(Term, on_delete=models.PROTECT, limit_choices_to={"kind": Term.Kind.CONDITION})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "condition"], name="tracker_patientcondition_unique"),
        ]

    def __str__(self) -> str:
        return f"Patient condition #{self.pk}"


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
    dose = models.CharField(max_length=MAX_DOSE_LENGTH, blank=True, help_text="As written on the label.")
    side_effects = models.JSONField(default=list, blank=True, validators=[check_side_effects])
    side_effect_other = models.CharField("other side effect", max_length=MAX_SIDE_EFFECT_LENGTH, blank=True)
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


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"


class ReliefEffect(models.TextChoices):
    NOT_AT_ALL = "none", "Not at all"
    A_LITTLE = "little", "A little"
    A_LOT = "lot", "A lot"
    COMPLETELY = "complete", "Completely"


class EntryType(models.TextChoices):
    """One cramp, or a tally of several: "last night, 4 cramps" (or "today, 6 cramps")."""

    SINGLE = "single", "Single cramp"
    NIGHT = "night", "Night tally"
    DAY = "day", "Day tally"


class EventKind(models.TextChoices):
    """What the patient felt, in their words; optional, and never a diagnosis."""

    CRAMP = "cramp", "Cramp"
    SPASM = "spasm", "Spasm or stiffness"
    TWITCH = "twitch", "Twitching (fasciculations)"
    UNSURE = "unsure", "Not sure"


# The event-kind filter's value for entries that do not say what kind they were.
KIND_NOT_SAID = "none"
MAX_TALLY_CRAMPS = 200
TALLY_TYPES = (EntryType.NIGHT, EntryType.DAY)


def stored_event_kind(kind: str) -> str:
    """The event_kind column's value for a kind chosen in a filter (KIND_NOT_SAID: entries that do not say)."""
    return "" if kind == KIND_NOT_SAID else kind


def counted(prefix: str = "") -> models.Q:
    """THE counting rule, the one place it is written: every entry counts its `cramp_count` (1 for a
    single cramp, the number for a night or day tally), except a cramp described later as one of a
    tally's (`tally` set), which that tally already counts. `prefix` names a relation, e.g. "last_60__".
    """
    return models.Q(**{f"{prefix}tally__isnull": True})


# What the diary counts as a cramp: an entry the patient called a cramp, or whose kind they did not say (the
# diary logs cramps unless told otherwise). Spasms or stiffness, twitching and "not sure" are counted apart.
CRAMP_KINDS = ("", EventKind.CRAMP)


def counted_kind(kind: str = "", prefix: str = "") -> models.Q:
    """The entries of one event kind (KIND_NOT_SAID: those that do not say); cramps (CRAMP_KINDS) for ""."""
    if not kind:
        return models.Q(**{f"{prefix}event_kind__in": CRAMP_KINDS})
    return models.Q(**{f"{prefix}event_kind": stored_event_kind(kind)})


def cramps_only(prefix: str = "") -> models.Q:
    """The entries whose `cramp_count` is added up as cramps: counted (see `counted`) and of a cramp kind."""
    return counted(prefix) & counted_kind("", prefix)


def cramps_sum(prefix: str = "", condition: models.Q | None = None) -> Coalesce:
    """The number of cramps among the entries (those matching `condition`), 0 when there are none."""
    return Coalesce(models.Sum(f"{prefix}cramp_count", filter=cramps_only(prefix) & (condition or models.Q())), 0)


def times_woken_sum(prefix: str = "", condition: models.Q | None = None) -> Coalesce:
    """How often cramps woke the patient: a tally's `times_woken`, one for a single cramp marked "woke me
    from sleep"; counted like the cramps (a tally's described cramps are in its own figure)."""
    woken = models.Case(
        models.When(**{f"{prefix}times_woken__isnull": False}, then=models.F(f"{prefix}times_woken")),
        models.When(**{f"{prefix}woke_from_sleep": True}, then=models.Value(1)),
        default=models.Value(0),
    )
    return Coalesce(models.Sum(woken, filter=cramps_only(prefix) & (condition or models.Q())), 0)


class EpisodeQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "EpisodeQuerySet":
        return self.filter(patient=patient)

    def of_kind(self, kind: str | None) -> "EpisodeQuerySet":
        """Entries of one event kind (KIND_NOT_SAID: those that do not say); all of them for None or ""."""
        if not kind:
            return self
        return self.filter(event_kind=stored_event_kind(kind))

    def counted(self) -> "EpisodeQuerySet":
        """The entries that carry the count (see `counted`): not the cramps described inside a tally."""
        return self.filter(counted())

    def cramps(self) -> "EpisodeQuerySet":
        """The entries whose count is of cramps (see `cramps_only`)."""
        return self.filter(cramps_only())

    def cramp_total(self) -> int:
        """The number of cramps in these entries, in one query."""
        return self.aggregate(cramps=cramps_sum())["cramps"]

    def totals(self) -> tuple[int, int]:
        """(entries, cramps) of these entries, in one query."""
        totals = self.aggregate(entries=models.Count("id"), cramps=cramps_sum())
        return totals["entries"], totals["cramps"]

    def in_period(self, start, end) -> "EpisodeQuerySet":
        """Episodes that started at or after `start` and before `end` (aware datetimes)."""
        return self.filter(started_at__gte=start, started_at__lt=end)

    def with_summary(self) -> "EpisodeQuerySet":
        """What a row of the patient's list shows (its places, who entered it, the kind of tally it is counted
        in), in a fixed number of queries. The tally's kind is one joined column: a whole tally read with
        each row costs more than the rest of the row."""
        return self.for_table().prefetch_related(
            Prefetch("locations", queryset=EpisodeLocation.objects.select_related("location"), to_attr="place_list")
        )

    def for_table(self) -> "EpisodeQuerySet":
        """Who entered each entry and the kind of tally it is counted in: what a row of a clinician's table
        shows (tracker_tags.episode_cells) besides the entry's places and terms, which
        selectors.table_entries reads for the whole table. Not the tally's or the activity's row."""
        return self.select_related("created_by").annotate(tally_entry_type=models.F("tally__entry_type"))

    def with_signs(self) -> "EpisodeQuerySet":
        """What a row of the patient's log shows, and what its warning signs are read from (its triggers,
        symptoms and relief: tracker.warnings), in a fixed number of queries."""
        return self.with_summary().prefetch_related(Prefetch("terms", to_attr="term_list"))

    def with_details(self) -> "EpisodeQuerySet":
        """Everything a detail page or a full table shows (the tally itself and the activity too), in a fixed
        number of queries."""
        return self.with_signs().select_related("activity", "tally")


class Episode(models.Model):
    """One cramp as the patient logged it, or a tally of several ("last night: 4 cramps, the worst 7/10").

    A cramp described later as one of a tally's points at it (`tally`) and is not counted again: see
    `counted`. A tally's severity is its worst cramp's; it starts when its night or day does.
    """

    uuid = models.UUIDField(default=uuid4, editable=False)
    # Indexed by the (patient, started_at) index and the unique constraints, which all lead with it.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="episodes", db_index=False
    )
    started_at = models.DateTimeField("started")
    # The validators repeat the check constraints below, so that a service can check a new
    # episode without asking the database.
    duration_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, "A cramp lasts at least one second."),
            MaxValueValidator(MAX_DURATION_SECONDS, "A cramp lasts at most 24 hours."),
        ],
    )
    severity = models.PositiveSmallIntegerField(
        help_text="0 = no pain, 10 = worst imaginable.",
        validators=[
            MinValueValidator(SEVERITY_MIN, "Severity must be between 0 and 10."),
            MaxValueValidator(SEVERITY_MAX, "Severity must be between 0 and 10."),
        ],
    )
    # None: not answered (a quick log does not ask, a tally without its wakings counted), never taken as no.
    woke_from_sleep = models.BooleanField("woke me from sleep", null=True, blank=True, default=None)
    entry_type = models.CharField("entry", max_length=8, choices=EntryType, default=EntryType.SINGLE)
    cramp_count = models.PositiveSmallIntegerField(
        "cramps",
        default=1,
        validators=[
            MinValueValidator(1, "A tally counts at least one cramp."),
            MaxValueValidator(MAX_TALLY_CRAMPS, f"A tally counts at most {MAX_TALLY_CRAMPS} cramps."),
        ],
    )
    # A tally's local date: the evening's for a night, the day's for a day. Empty for a single cramp.
    tally_date = models.DateField("night or day of the tally", null=True, blank=True)
    times_woken = models.PositiveSmallIntegerField(
        "times woken",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_TALLY_CRAMPS, f"At most {MAX_TALLY_CRAMPS} times.")],
    )
    event_kind = models.CharField("what kind of event", max_length=8, choices=EventKind, blank=True)
    # Set on a cramp described as one of a tally's. Its index serves a tally's page (its described
    # cramps) and the deletion of a tally, whose described cramps then count on their own.
    tally = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="details",
        verbose_name="one of the cramps of",
    )
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
    notes = models.TextField(max_length=MAX_NOTES_LENGTH, blank=True, validators=[MaxLengthValidator(MAX_NOTES_LENGTH)])
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
            # The episode list (newest first), period summaries and the dashboard. On PostgreSQL it holds
            # the columns that counts and summaries read, so they are read from the index alone (an
            # index-only scan) rather than row by row from the table.
            models.Index(
                fields=["patient", "-started_at"],
                name="tracker_episode_patient_start",
                include=[
                    "id",
                    "tally",
                    "cramp_count",
                    "severity",
                    "duration_seconds",
                    "times_woken",
                    "woke_from_sleep",
                    "entry_type",
                    "event_kind",
                ],
            ),
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
            # One tally per night (or day) and patient; also serves the look-up of the tally that a
            # cramp's time falls in.
            models.UniqueConstraint(
                fields=["patient", "entry_type", "tally_date"],
                condition=models.Q(tally_date__isnull=False),
                name="tracker_episode_one_tally_per_night",
                violation_error_message="There is already a tally for this night or day.",
            ),
            models.CheckConstraint(
                condition=models.Q(entry_type__in=EntryType.values), name="tracker_episode_entry_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(cramp_count__gte=1, cramp_count__lte=MAX_TALLY_CRAMPS),
                name="tracker_episode_cramp_count_1_to_200",
                violation_error_message=f"A tally counts between 1 and {MAX_TALLY_CRAMPS} cramps.",
            ),
            models.CheckConstraint(
                condition=models.Q(entry_type=EntryType.SINGLE, cramp_count=1, tally_date__isnull=True)
                | models.Q(entry_type__in=TALLY_TYPES, tally_date__isnull=False, tally__isnull=True),
                name="tracker_episode_single_or_tally",
                violation_error_message="A single entry is one cramp; a tally has its night or day.",
            ),
            models.CheckConstraint(
                condition=models.Q(times_woken__isnull=True)
                | models.Q(entry_type=EntryType.NIGHT, times_woken__lte=models.F("cramp_count")),
                name="tracker_episode_times_woken_in_night_tally",
                violation_error_message="Only a night tally counts wakings, at most once per cramp.",
            ),
            models.CheckConstraint(
                condition=models.Q(event_kind__in=["", *EventKind.values]), name="tracker_episode_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Episode #{self.pk}"

    @property
    def is_tally(self) -> bool:
        return self.entry_type in TALLY_TYPES

    @property
    def counted_cramps(self) -> int:
        """What this entry adds to a count of cramps (see `cramps_only`): nothing for a spasm, twitch or
        "not sure", nor for a cramp its tally counts already."""
        return 0 if self.tally_id or self.event_kind not in CRAMP_KINDS else self.cramp_count

    @property
    def count_label(self) -> str:
        """ "4 cramps (night tally)", "1 cramp", "1 cramp, counted in the night tally", or for another kind of
        event "3 of: spasm or stiffness (night tally)", "1 of: twitching (fasciculations)"."""
        if self.event_kind in CRAMP_KINDS:
            counted = f"{self.cramp_count} cramp{'s' if self.cramp_count != 1 else ''}"
        else:
            counted = f"{self.cramp_count} of: {self.get_event_kind_display().lower()}"
        if self.is_tally:
            return f"{counted} ({self.get_entry_type_display().lower()})"
        if self.tally_id:
            return f"{counted}, counted in the {self.tally_kind}"
        return counted

    @property
    def tally_kind(self) -> str:
        """The kind of tally this cramp is counted in, in words ("night tally"); from the column that
        with_summary reads along when there is one."""
        entry_type = getattr(self, "tally_entry_type", None) or self.tally.entry_type
        return EntryType(entry_type).label.lower()

    @property
    def places(self) -> list["EpisodeLocation"]:
        """Where the cramp was: `place_list` when read with_summary (a list, cheaper to fill and walk than the
        relation's queryset), else the relation."""
        return self.place_list if hasattr(self, "place_list") else list(self.locations.all())

    def _terms_of_kind(self, kind: str) -> list[Term]:
        # `term_list` when read with_details: a list, cheaper to walk than the relation's queryset.
        terms = self.term_list if hasattr(self, "term_list") else self.terms.all()
        return [term for term in terms if term.kind == kind]

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
        """A quick log has no body location yet (a tally needs none)."""
        return not self.is_tally and not self.places


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
        return f"Episode location #{self.pk}"

    @property
    def label(self) -> str:
        """Where, in the patient's words: "Calf (left)", "Thigh (both sides)"."""
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
        return f"Episode term #{self.pk}"


class CheckIn(models.Model):
    """The patient's answer for one day in their own zone: cramps or none."""

    class Status(models.TextChoices):
        NO_CRAMPS = "none", "No cramps"
        HAD_CRAMPS = "cramps", "Had cramps"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField(help_text="The patient's local date.")
    status = models.CharField(max_length=8, choices=Status)
    # Who gave the answer: the patient or a caregiver. Empty for days marked by a cramp, and for the patient's
    # answers from before this was recorded.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
        return f"Check-in #{self.pk}"


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
    """One patient's figures in the clinic list (tracker.review), stored so that a clinic of hundreds
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
    recent = models.PositiveIntegerField(default=0)
    mean_severity = models.FloatField(null=True, blank=True)
    worst_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    times_woken = models.PositiveIntegerField(default=0)
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

    def for_clinicians(self) -> "CareGrantQuerySet":
        return self.filter(role=CareGrant.Role.CLINICIAN)

    def for_caregivers(self) -> "CareGrantQuerySet":
        return self.filter(role=CareGrant.Role.CAREGIVER)


class CareGrant(models.Model):
    """A patient's permission for one clinician to review their record, or for one caregiver to keep
    their log with them: the only way anyone but the patient sees it."""

    class Role(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        CAREGIVER = "caregiver", "Caregiver"

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"
        CANCELLED = "cancelled", "Invitation cancelled"

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given")
    # Whom the invitation is for; it decides which of the two accounts below may accept it.
    role = models.CharField(max_length=16, choices=Role, default=Role.CLINICIAN)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_received"
    )
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="care_grants_received"
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
            # The caregiver's gate and their list of patients: a caregiver's active grants.
            models.Index(fields=["caregiver", "status"], name="tracker_caregrant_caregiver"),
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
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=models.Q(status="active"),
                name="tracker_caregrant_one_active_per_caregiver",
                violation_error_message="This caregiver already helps with this log.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["invited", "active", "revoked", "cancelled"]),
                name="tracker_caregrant_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["clinician", "caregiver"]), name="tracker_caregrant_role_valid"
            ),
            # A clinician's grant never names a caregiver and the other way round, so a query for
            # one kind of grantee cannot pick up the other.
            models.CheckConstraint(
                condition=models.Q(role="clinician", caregiver__isnull=True)
                | models.Q(role="caregiver", clinician__isnull=True),
                name="tracker_caregrant_grantee_matches_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active")
                | models.Q(accepted_at__isnull=False)
                & (models.Q(clinician__isnull=False) | models.Q(caregiver__isnull=False)),
                name="tracker_caregrant_active_has_grantee",
            ),
            models.CheckConstraint(
                condition=~models.Q(clinician=models.F("patient")), name="tracker_caregrant_not_self"
            ),
            models.CheckConstraint(
                condition=~models.Q(caregiver=models.F("patient")), name="tracker_caregrant_caregiver_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Care grant #{self.pk}"

    @property
    def grantee(self):
        """The clinician or caregiver who accepted, if anyone has."""
        return self.clinician if self.role == self.Role.CLINICIAN else self.caregiver

    @property
    def is_for_caregiver(self) -> bool:
        return self.role == self.Role.CAREGIVER


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


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def anonymise_patient(self, patient, reference: str) -> int:
        """The one change allowed: when a patient deletes their account, their rows keep only `reference`.

        The detail (dates, times and counts from their record) and the viewer's address go too: beside
        the viewer's id they would still describe the patient.
        """
        return models.QuerySet.update(
            self.filter(patient=patient), patient=None, patient_reference=reference, detail="", ip_address=None
        )

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """One look by a clinician or caregiver at a patient's data, or one entry a caregiver made in it.
    Append-only: never edited, never deleted."""

    class Action(models.TextChoices):
        VIEW_REVIEW = "view_review", "Opened the review"
        VIEW_REPORT = "view_report", "Opened the visit report"
        EXPORT_CSV = "export_csv", "Exported episodes (CSV)"
        EXPORT_JSON = "export_json", "Exported the whole record (JSON)"
        EXPORT_FHIR = "export_fhir", "Exported episodes (FHIR)"
        ADD_NOTE = "add_note", "Wrote a note"
        SCHEDULE_QUESTIONNAIRE = "schedule_questionnaire", "Set a questionnaire schedule"
        VIEW_LOG = "view_log", "Opened the log"
        LOG_EPISODE = "log_episode", "Logged a cramp"
        EDIT_EPISODE = "edit_episode", "Changed a cramp they logged"
        DELETE_EPISODE = "delete_episode", "Deleted a cramp they logged"
        RECORD_CHECKIN = "record_checkin", "Answered a check-in"

    class ViewerRole(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        CAREGIVER = "caregiver", "Caregiver"

    # Emptied when the patient deletes their account; patient_reference then still groups the rows.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    patient_reference = models.CharField(max_length=64, blank=True, help_text="An anonymous reference.")
    # Who looked: a clinician, or a caregiver (viewer_role says which, as it was at the time).
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer_role = models.CharField(max_length=16, choices=ViewerRole, default=ViewerRole.CLINICIAN)
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(viewer_role__in=["clinician", "caregiver"]),
                name="tracker_accesslog_viewer_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Access log entry #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
