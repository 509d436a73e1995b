"""What a patient says about an entry (EpisodeDetails, LocationChoice, NewEpisode) and the rules it must meet.

episodes.py stores what passes these checks; forms and imports check a start or a tally's date with them first.
"""

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User, validate_time_zone
from crampapp.dates import when
from tracker.diary.tallies import slot_bounds, slot_of
from tracker.models import TALLY_TYPES, EntryType, Side, Term
from tracker.moments import check_utc_offset
from tracker.warnings import painless_with_signs

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
HISTORY_BEFORE_JOINING = dt.timedelta(days=5 * 365)


@dataclass(frozen=True)
class LocationChoice:
    location: Term
    side: str


@dataclass(frozen=True)
class EpisodeDetails:
    """What the patient says about one cramp; the full form fills all of it, a quick log severity, time and place.

    A quick log without a time (`started_at` None) started when episode_create stores it.
    """

    started_at: dt.datetime | None
    severity: int
    duration_seconds: int | None = None
    # None: not answered. A quick log does not ask; a tally answers through `times_woken`.
    woke_from_sleep: bool | None = None
    activity: Term | None = None
    locations: Sequence[LocationChoice] = ()
    triggers: Sequence[Term] = ()
    symptoms: Sequence[Term] = ()
    relief_measures: Sequence[Term] = ()
    relief_effect: str = ""
    # The patient's own words (PATIENTS_OWN_WORDS). None: not asked, as on a caregiver's form of an entry
    # already stored; a new entry then has none, and a change keeps what is stored.
    medication_taken: str | None = ""
    notes: str | None = ""
    event_kind: str = ""
    # A night or day tally: how many cramps (`severity` is the worst one's) and, for a night, how often they
    # woke the patient. Its start is that of its night or day (`tally_date`, or the one `started_at` is in).
    entry_type: str = EntryType.SINGLE
    cramp_count: int = 1
    times_woken: int | None = None
    tally_date: dt.date | None = None
    # From an import: a cramp described as one of the cramps of the tally of its night or day.
    part_of_tally: bool = False
    # The IANA zone it happened in. None: a new entry is in the patient's zone (resolved_details), a changed
    # one keeps its own (episode_update).
    time_zone: str | None = None

    @property
    def is_tally(self) -> bool:
        return self.entry_type in TALLY_TYPES

    def painless_signs(self) -> str | None:
        """The warning signs of a single cramp rated 0 (no pain) that notes them (painless_with_signs), which the
        imports refuse as the entry form does; None when there is no such contradiction."""
        if self.entry_type != EntryType.SINGLE:
            return None
        return painless_with_signs(
            severity=self.severity,
            event_kind=self.event_kind,
            symptoms=self.symptoms,
            triggers=self.triggers,
            places=[choice.location for choice in self.locations],
            duration_seconds=self.duration_seconds,
            relief_effect=self.relief_effect,
        )


# What the patient writes about an entry in their own words. A caregiver who logged the entry may change the
# rest of it, but neither reads these nor stores over them: the patient may have written them since.
PATIENTS_OWN_WORDS = ("medication_taken", "notes")


SIDES = frozenset(Side.values)


@dataclass(frozen=True)
class NewEpisode:
    """An entry to store from an import: its idempotency key, what it says, the id it had in the record it
    was restored from (None: it gets a new one), and where it is in the file ("Row 5", "episodes[3]"), which
    names it in a refusal."""

    client_id: uuid.UUID
    details: EpisodeDetails
    record_id: uuid.UUID | None = None
    where: str = ""


def start_for_day(patient: User, day_text: str | None) -> dt.datetime:
    """A sensible start time to offer: now, or midday of an earlier local day named as YYYY-MM-DD."""
    now = timezone.now()
    try:
        day = dt.date.fromisoformat(day_text or "")
    except ValueError:
        return now
    if day >= patient.local_day(now) or day < patient.local_day(patient.date_joined - HISTORY_BEFORE_JOINING):
        return now
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=patient.zone)


def check_episode_start(*, patient: User, started_at: dt.datetime) -> None:
    """A cramp starts no later than a few minutes from now and no earlier than five years before joining, at a
    moment whose UTC offset the database can store."""
    try:
        check_utc_offset(started_at)
    except ValidationError as error:
        raise ValidationError({"started_at": error.messages}) from None
    if started_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"started_at": "This time is in the future. Enter when the cramp started."})
    if started_at < patient.date_joined - HISTORY_BEFORE_JOINING:
        raise ValidationError(
            {"started_at": "That is more than five years before you joined CrampApp. Check the year."}
        )


def check_duration_since(started_at: dt.datetime | None, duration_seconds: int | None) -> None:
    """A cramp cannot have lasted longer than the time since it started (with the grace of a device's clock
    running a few minutes fast)."""
    if started_at is None or duration_seconds is None:
        return
    since = timezone.now() - started_at
    if dt.timedelta(seconds=duration_seconds) > since + FUTURE_TOLERANCE:
        minutes_ago = max(int(since.total_seconds()) // 60, 0)
        raise ValidationError(
            {
                "duration_seconds": f"This cramp started {minutes_ago} minute{'s' if minutes_ago != 1 else ''} ago, "
                f"so it cannot have lasted {round(duration_seconds / 60)} minutes yet."
            }
        )


def check_tally_date(*, patient: User, entry_type: str, day: dt.date, zone: dt.tzinfo) -> None:
    """A tally's night or day (in `zone`) has started, and is not more than five years before the patient joined."""
    start, _ = slot_bounds(zone, entry_type, day)
    if start > timezone.now() + FUTURE_TOLERANCE:
        period = "night" if entry_type == EntryType.NIGHT else "day"
        raise ValidationError(
            {"tally_date": f"This {period} has not started yet. Choose last night or an earlier one."}
        )
    if start < patient.date_joined - HISTORY_BEFORE_JOINING:
        raise ValidationError(
            {"tally_date": "That is more than five years before you joined CrampApp. Check the year."}
        )


# What a tally leaves to the cramps described one by one: they are about a single cramp.
SINGLE_CRAMP_FIELDS = ("duration_seconds", "activity", "triggers", "symptoms", "relief_measures", "relief_effect")


def _check_tally(details: EpisodeDetails) -> None:
    if not details.is_tally:
        if details.entry_type != EntryType.SINGLE:
            raise ValidationError({"entry_type": "Choose a single cramp, a night tally or a day tally."})
        if details.cramp_count != 1 or details.times_woken is not None:
            raise ValidationError({"cramp_count": "A single entry is one cramp. Log several as a tally."})
        return
    if any(getattr(details, name) for name in SINGLE_CRAMP_FIELDS) or details.medication_taken or details.part_of_tally:
        raise ValidationError(
            "A tally says how many cramps, the worst, where and how often they woke you. "
            "Describe one of its cramps as a single entry of that night or day."
        )
    if details.times_woken is not None:
        if details.entry_type != EntryType.NIGHT:
            raise ValidationError({"times_woken": "Waking is counted for a night. Leave this empty for a day."})
        if details.times_woken > details.cramp_count:
            raise ValidationError(
                {
                    "times_woken": f"That is more wakings than the {details.cramp_count} cramps counted, and a "
                    "cramp wakes you once at most. Check both numbers."
                }
            )


def resolved_details(patient: User, details: EpisodeDetails) -> EpisodeDetails:
    """The details with the zone and the start filled in: the patient's zone unless one is given; now for a
    quick log without a time; for a tally from a form, the start of its night or day in its zone. A tally
    with a start (an import) keeps it, and its date is that of the night or day the start is in (a date given
    must be that one)."""
    details = replace(details, time_zone=details.time_zone or patient.time_zone)
    try:
        validate_time_zone(details.time_zone)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from None
    if not details.is_tally:
        return details if details.started_at is not None else replace(details, started_at=timezone.now())
    zone = zoneinfo.ZoneInfo(details.time_zone)
    entry_type, day, start = details.entry_type, details.tally_date, details.started_at
    if start is None:
        if day is None:
            raise ValidationError({"tally_date": "Choose the night or the day."})
        check_tally_date(patient=patient, entry_type=entry_type, day=day, zone=zone)
        start, _ = slot_bounds(zone, entry_type, day)
    else:
        entry_type_at, day_at = slot_of(zone, start)
        if entry_type_at != entry_type:
            starts = "20:00" if entry_type == EntryType.NIGHT else "08:00"
            raise ValidationError({"started_at": f"A tally of this kind starts at {starts}."})
        if day is not None and day != day_at:
            # Two tallies of one night, dated apart, would count its cramps twice.
            slot = "night" if entry_type == EntryType.NIGHT else "day"
            raise ValidationError(
                {"tally_date": f"The tally starts in the {slot} of {when(day_at, 'day')}, not of {when(day, 'day')}."}
            )
        day = day_at
    # Woken when its cramps woke the patient at least once; unknown when the wakings were not counted.
    woke = None if details.times_woken is None else details.times_woken > 0
    return replace(details, started_at=start, tally_date=day, woke_from_sleep=woke)


def check_kinds(terms: Iterable[Term], kind: str, field: str) -> None:
    wrong = [term.label for term in terms if term.kind != kind]
    if wrong:
        raise ValidationError({field: f"Not a choice for this question: {', '.join(wrong)}."})


def check_owners(patient: User, terms: Iterable[Term], field: str) -> None:
    """Items of the shared vocabularies, or the patient's own words: never another patient's."""
    if any(term.owner_id not in (None, patient.pk) for term in terms):
        raise ValidationError({field: "Choose from the list."})


def check_details(patient: User, details: EpisodeDetails) -> None:
    """The rules of one entry; `details` as resolved_details returns them."""
    _check_tally(details)
    check_episode_start(patient=patient, started_at=details.started_at)
    check_duration_since(details.started_at, details.duration_seconds)
    check_owners(patient, [choice.location for choice in details.locations], "locations")
    check_owners(patient, details.triggers, "triggers")
    check_owners(patient, details.relief_measures, "relief_measures")
    check_kinds([choice.location for choice in details.locations], Term.Kind.LOCATION, "locations")
    check_kinds(details.triggers, Term.Kind.TRIGGER, "triggers")
    check_kinds(details.symptoms, Term.Kind.SYMPTOM, "symptoms")
    check_kinds(details.relief_measures, Term.Kind.RELIEF, "relief_measures")
    if details.activity is not None:
        check_kinds([details.activity], Term.Kind.ACTIVITY, "activity")
    if any(choice.side not in SIDES for choice in details.locations):
        raise ValidationError({"locations": "Choose left, right or both sides."})
