"""Cramp episodes, each one cramp or a night's (or day's) tally, with where it struck and the triggers, symptoms
and relief measures noted on it; and their queryset, in the domain's words."""

import datetime as dt
import zoneinfo
from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DateTimeField, ExpressionWrapper, F, Prefetch
from django.db.models.functions import ExtractHour, Length, TruncDate
from django.db.models.lookups import LessThanOrEqual

from accounts.models import validate_time_zone

from ..moments import MAX_UTC_OFFSET
from .counting_rule import CRAMP_KINDS, counted, cramps_only, cramps_sum
from .entries import (
    MAX_DURATION_SECONDS,
    MAX_NOTES_LENGTH,
    MAX_TALLY_CRAMPS,
    SEVERITY_MAX,
    SEVERITY_MIN,
    TALLY_TYPES,
    EntryType,
    EventKind,
    ReliefEffect,
    Side,
    stored_event_kind,
)
from .vocabulary import Term

# When an entry started on the clock of its own zone (its start moved by the zone's offset then, read as UTC):
# the local day and hour that counting reads in SQL, where a zone name per row cannot be used portably.
LOCAL_START = ExpressionWrapper(F("started_at") + F("utc_offset"), output_field=DateTimeField())
LOCAL_DAY = TruncDate(LOCAL_START, tzinfo=dt.UTC)
LOCAL_HOUR = ExtractHour(LOCAL_START, tzinfo=dt.UTC)


def _places() -> Prefetch:
    """An entry's places with their vocabulary items, as `place_list` (Episode.places)."""
    return Prefetch("locations", queryset=EpisodeLocation.objects.select_related("location"), to_attr="place_list")


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

    def on_local_days(self, first: dt.date | None, last: dt.date | None) -> "EpisodeQuerySet":
        """Episodes that started on the days first..last (None: no limit) of their own zones (Episode.local_day).
        Their start is bounded too, by those days widened by the widest offset from UTC, so that the (patient,
        started_at) index finds them."""
        episodes = self.alias(local_day=LOCAL_DAY)
        if first is not None:
            earliest = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC) - MAX_UTC_OFFSET
            episodes = episodes.filter(started_at__gte=earliest, local_day__gte=first)
        if last is not None:
            latest = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) + MAX_UTC_OFFSET
            episodes = episodes.filter(started_at__lt=latest, local_day__lte=last)
        return episodes

    def with_facts(self) -> "EpisodeQuerySet":
        """What an entry's warning signs are read from (tracker.warnings) and nothing else: its places and its
        triggers, symptoms and relief, in two queries. Not the tally it is counted in: joined for many entries,
        that row made PostgreSQL read the whole table."""
        return self.prefetch_related(_places(), Prefetch("terms", to_attr="term_list"))

    def with_summary(self) -> "EpisodeQuerySet":
        """What a row of the patient's list shows (its places, who entered it, the kind of tally it is counted
        in), in a fixed number of queries. The tally's kind is one joined column: a whole tally read with
        each row costs more than the rest of the row."""
        return self.for_table().prefetch_related(_places())

    def for_table(self) -> "EpisodeQuerySet":
        """Who entered each entry and the kind of tally it is counted in: what a row of a clinician's table
        shows (templates_jinja2/clinic/episode_cells.html) besides the entry's places and terms, which
        selectors.table_entries reads for the whole table. Not the tally's or the activity's row."""
        return self.select_related("created_by").annotate(tally_entry_type=models.F("tally__entry_type"))

    def with_signs(self) -> "EpisodeQuerySet":
        """What a row of the patient's log shows, and what its warning signs are read from (its triggers,
        symptoms and relief: tracker.warnings), in a fixed number of queries."""
        return self.for_table().with_facts()

    def with_details(self) -> "EpisodeQuerySet":
        """Everything a detail page or a full table shows (the tally itself and the activity too), in a fixed
        number of queries."""
        return self.with_signs().select_related("activity", "tally")


# A single entry's name by what the patient said it was (Episode.noun); a cramp, or one not said, is a "Cramp".
ENTRY_NOUNS = {EventKind.SPASM: "Spasm or stiffness", EventKind.TWITCH: "Twitching", EventKind.UNSURE: "Entry"}


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
    # The zone it happened in (an IANA name, the patient's when it was logged, or the phone's for a cramp kept
    # offline): its time is shown on that zone's clock, and it counts on that zone's day, wherever the patient
    # moves later.
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    # The zone's offset from UTC at `started_at`, kept with them by save() and set_utc_offset(): counting
    # reads each entry's local day and hour from it in SQL (LOCAL_START).
    utc_offset = models.DurationField("offset from UTC")
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
                    "utc_offset",
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
            models.CheckConstraint(condition=~models.Q(time_zone=""), name="tracker_episode_has_time_zone"),
            models.CheckConstraint(
                condition=models.Q(utc_offset__gte=-MAX_UTC_OFFSET, utc_offset__lte=MAX_UTC_OFFSET),
                name="tracker_episode_utc_offset_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode #{self.pk}"

    def save(self, **kwargs) -> None:
        self.set_utc_offset()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "utc_offset"}
        super().save(**kwargs)

    def set_utc_offset(self) -> None:
        """Keep `utc_offset` with the start and the zone: save() calls it, and so must a bulk write (which
        skips save()) before it stores the entry."""
        self.utc_offset = self.local_started_at.utcoffset()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_started_at(self) -> dt.datetime:
        """When it started, on the clock of the zone it happened in."""
        return self.started_at.astimezone(self.zone)

    @property
    def local_day(self) -> dt.date:
        """The day it counts on: its own zone's, which stays the same when the patient moves to another zone."""
        return self.local_started_at.date()

    @property
    def is_tally(self) -> bool:
        return self.entry_type in TALLY_TYPES

    @property
    def noun(self) -> str:
        """What it was, as a page's heading and messages name it: "Cramp" unless the patient said otherwise."""
        return ENTRY_NOUNS.get(self.event_kind, "Cramp")

    @property
    def counted_cramps(self) -> int:
        """What this entry adds to a count of cramps (see `cramps_only`): nothing for a spasm, twitch or
        "not sure", nor for a cramp its tally counts already."""
        return 0 if self.tally_id or self.event_kind not in CRAMP_KINDS else self.cramp_count

    @property
    def wakings(self) -> int:
        """How often its cramps woke the patient, counted as the cramps are (`counted_cramps`): a tally's
        `times_woken`, one for a single cramp marked "woke me from sleep", none for an entry whose cramps are not
        counted (a spasm, a twitch, a cramp its tally counts)."""
        if not self.counted_cramps:
            return 0
        if self.times_woken is not None:
            return self.times_woken
        return 1 if self.woke_from_sleep is True else 0

    @property
    def wakings_not_said(self) -> bool:
        """Whether it is one of the entries `wakings` adds up (a day tally aside, which does not ask) and does not
        say whether a cramp woke the patient: its 0 is not recorded, not a no."""
        not_said = self.times_woken is None and self.woke_from_sleep is None
        return bool(self.counted_cramps) and self.entry_type != EntryType.DAY and not_said

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
