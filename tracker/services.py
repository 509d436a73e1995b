"""Writes on a patient's record. Views call these; each checks its own rules."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import (
    CRAMP_KINDS,
    TALLY_TYPES,
    CheckIn,
    ClinicSummary,
    EntryType,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Medication,
    MedicationStep,
    PatientProfile,
    Side,
    SideEffect,
    Term,
)
from .moments import check_utc_offset
from .tallies import (
    ASK,
    TallyExists,
    check_tally_free,
    link_imported_details,
    singles_for_tally,
    slot_bounds,
    slot_label,
    slot_of,
    tally_for_single,
    tally_of_slot,
)

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

    @property
    def is_tally(self) -> bool:
        return self.entry_type in TALLY_TYPES


# What the patient writes about an entry in their own words. A caregiver who logged the entry may change the
# rest of it, but neither reads these nor stores over them: the patient may have written them since.
PATIENTS_OWN_WORDS = ("medication_taken", "notes")


SIDES = frozenset(Side.values)
# Rows per INSERT of an import: few round trips, within PostgreSQL's and SQLite's limits on parameters.
BULK_BATCH = 2000


@dataclass(frozen=True)
class NewEpisode:
    """An entry to store from an import: its idempotency key, what it says, and the id it had in the record it
    was restored from (None: it gets a new one)."""

    client_id: uuid.UUID
    details: EpisodeDetails
    record_id: uuid.UUID | None = None


def local_day(patient: User, moment: dt.datetime) -> dt.date:
    """The calendar date of `moment` in the patient's own zone."""
    return moment.astimezone(patient.zone).date()


def patient_today(patient: User) -> dt.date:
    return local_day(patient, timezone.now())


def start_for_day(patient: User, day_text: str | None) -> dt.datetime:
    """A sensible start time to offer: now, or midday of an earlier local day named as YYYY-MM-DD."""
    now = timezone.now()
    try:
        day = dt.date.fromisoformat(day_text or "")
    except ValueError:
        return now
    if day >= local_day(patient, now) or day < local_day(patient, patient.date_joined - HISTORY_BEFORE_JOINING):
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


def check_tally_date(*, patient: User, entry_type: str, day: dt.date) -> None:
    """A tally's night or day has started, and is not more than five years before the patient joined."""
    start, _ = slot_bounds(patient, entry_type, day)
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


def _resolved(patient: User, details: EpisodeDetails) -> EpisodeDetails:
    """The details with the start filled in: now for a quick log without a time; for a tally from a form,
    the start of its night or day. A tally with a start (an import) keeps it, and its date is that of
    the night or day the start is in, unless given."""
    if not details.is_tally:
        return details if details.started_at is not None else replace(details, started_at=timezone.now())
    entry_type, day, start = details.entry_type, details.tally_date, details.started_at
    if start is None:
        if day is None:
            raise ValidationError({"tally_date": "Choose the night or the day."})
        check_tally_date(patient=patient, entry_type=entry_type, day=day)
        start, _ = slot_bounds(patient, entry_type, day)
    elif day is None:
        entry_type_at, day = slot_of(patient, start)
        if entry_type_at != entry_type:
            starts = "20:00" if entry_type == EntryType.NIGHT else "08:00"
            raise ValidationError({"started_at": f"A tally of this kind starts at {starts}."})
    # Woken when its cramps woke the patient at least once; unknown when the wakings were not counted.
    woke = None if details.times_woken is None else details.times_woken > 0
    return replace(details, started_at=start, tally_date=day, woke_from_sleep=woke)


def _check_kinds(terms: Iterable[Term], kind: str, field: str) -> None:
    wrong = [term.label for term in terms if term.kind != kind]
    if wrong:
        raise ValidationError({field: f"Not a choice for this question: {', '.join(wrong)}."})


def _check_details(patient: User, details: EpisodeDetails) -> None:
    """The rules of one entry; `details` as _resolved returns them."""
    _check_tally(details)
    check_episode_start(patient=patient, started_at=details.started_at)
    _check_kinds([choice.location for choice in details.locations], Term.Kind.LOCATION, "locations")
    _check_kinds(details.triggers, Term.Kind.TRIGGER, "triggers")
    _check_kinds(details.symptoms, Term.Kind.SYMPTOM, "symptoms")
    _check_kinds(details.relief_measures, Term.Kind.RELIEF, "relief_measures")
    if details.activity is not None:
        _check_kinds([details.activity], Term.Kind.ACTIVITY, "activity")
    if any(choice.side not in SIDES for choice in details.locations):
        raise ValidationError({"locations": "Choose left, right or both sides."})


def _apply_details(episode: Episode, details: EpisodeDetails) -> None:
    episode.started_at = details.started_at
    episode.severity = details.severity
    episode.duration_seconds = details.duration_seconds
    episode.woke_from_sleep = details.woke_from_sleep
    episode.activity = details.activity
    episode.relief_effect = details.relief_effect
    for name in PATIENTS_OWN_WORDS:
        if getattr(details, name) is not None:
            setattr(episode, name, getattr(details, name))
    episode.event_kind = details.event_kind
    episode.entry_type = details.entry_type
    episode.cramp_count = details.cramp_count
    episode.times_woken = details.times_woken
    episode.tally_date = details.tally_date


def _tags(details: EpisodeDetails) -> list[Term]:
    """The triggers, symptoms and relief measures, each once."""
    return list({term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]}.values())


def _validate(episode: Episode) -> None:
    """The episode's field rules, checked in Python: the model's validators mirror its check
    constraints, which the database still enforces. (full_clean would ask the database once per
    constraint and foreign key; the terms were checked by _check_details.)"""
    episode.clean_fields(exclude=["patient", "client_id", "created_by", "activity", "tally"])


def _replace_links(episode: Episode, details: EpisodeDetails) -> None:
    """Store the episode's locations and tags exactly as given, replacing earlier ones."""
    patient = episode.patient
    EpisodeLocation.objects.filter(patient=patient, episode=episode).delete()
    EpisodeTerm.objects.filter(patient=patient, episode=episode).delete()
    _add_links(episode, details)


def _add_links(episode: Episode, details: EpisodeDetails) -> None:
    patient = episode.patient
    EpisodeLocation.objects.bulk_create(
        EpisodeLocation(patient=patient, episode=episode, location=choice.location, side=choice.side)
        for choice in details.locations
    )
    terms = {term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]}
    EpisodeTerm.objects.bulk_create(EpisodeTerm(patient=patient, episode=episode, term=term) for term in terms.values())


def _mark_day_with_cramps(patient: User, episode: Episode) -> None:
    """The day of a cramp (tracker.models.CRAMP_KINDS) says "had cramps": one INSERT ... ON CONFLICT UPDATE. A
    spasm or a twitch leaves the day's check-in as it is: a day with only those can be cramp-free."""
    if episode.event_kind not in CRAMP_KINDS:
        return
    day = local_day(patient, episode.started_at)
    CheckIn.objects.bulk_create(
        [CheckIn(patient=patient, day=day, status=CheckIn.Status.HAD_CRAMPS)],
        update_conflicts=True,
        unique_fields=["patient", "day"],
        update_fields=["status", "updated_at"],
    )


class ClientIdReused(ValidationError):
    """The entry's client id names one of the patient's episodes that was stored with other details."""

    def __init__(self, episode: Episode):
        super().__init__(
            "This entry's id was already used for a cramp with different details, so it was not saved. "
            "The cramp saved first is unchanged.",
            code="client_id_reused",
        )
        self.episode = episode


def _same_entry(episode: Episode, details: EpisodeDetails) -> bool:
    """Whether `details` are what `episode` was stored with (a quick log without a time matches any time)."""
    if details.started_at is not None and details.started_at != episode.started_at:
        return False
    if details.tally_date is not None and details.tally_date != episode.tally_date:
        return False
    fields = ["severity", "duration_seconds", "relief_effect", "event_kind", "entry_type", "cramp_count", "times_woken"]
    fields += [name for name in PATIENTS_OWN_WORDS if getattr(details, name) is not None]
    if not details.is_tally:
        fields.append("woke_from_sleep")
    if any(getattr(details, name) != getattr(episode, name) for name in fields):
        return False
    if (details.activity.pk if details.activity else None) != episode.activity_id:
        return False
    links = {"patient_id": episode.patient_id, "episode": episode}
    places = EpisodeLocation.objects.filter(**links).order_by().values_list("location_id", "side")
    if {(choice.location.pk, choice.side) for choice in details.locations} != set(places):
        return False
    tags = EpisodeTerm.objects.filter(**links).values_list("term_id", flat=True)
    return {term.pk for term in _tags(details)} == set(tags)


def _stored_before(episode: Episode, details: EpisodeDetails) -> tuple[Episode, bool]:
    if not _same_entry(episode, details):
        raise ClientIdReused(episode)
    return episode, False


@transaction.atomic
def episode_create(
    *, patient: User, created_by: User, client_id: uuid.UUID, details: EpisodeDetails, overlap: str = ASK
) -> tuple[Episode, bool]:
    """Log a cramp or a tally, and mark its day as checked in. Returns (episode, created).

    `client_id` is the entry's idempotency key, per patient: the same entry sent again (a double
    tap, a resubmitted form, a retried offline sync) returns the stored episode; the same key with
    other details raises ClientIdReused and changes nothing.

    `overlap` answers how a single cramp inside a tally's night, or a tally over single cramps, is
    counted (tallies.Overlap, or tallies.AUTO); unanswered when it matters, OverlapNeedsChoice is raised.
    """
    existing = Episode.objects.for_patient(patient).filter(client_id=client_id).first()
    if existing is not None:
        return _stored_before(existing, details)
    sent = details
    details = _resolved(patient, details)
    _check_details(patient, details)
    check_tally_free(patient, details)
    episode = Episode(patient=patient, created_by=created_by, client_id=client_id)
    _apply_details(episode, details)
    _validate(episode)
    singles = []
    if details.is_tally:
        singles = singles_for_tally(patient, episode, overlap)
    else:
        episode.tally = tally_for_single(patient, details.started_at, details.severity, overlap)
    try:
        with transaction.atomic():
            episode.save(force_insert=True)
    except IntegrityError:
        # The same entry won a race with itself (the other request stored it), or another tally did.
        stored = Episode.objects.for_patient(patient).filter(client_id=client_id).first()
        if stored is None:
            raise TallyExists(tally_of_slot(patient, details.entry_type, details.tally_date)) from None
        return _stored_before(stored, sent)
    _add_links(episode, details)
    if singles:
        Episode.objects.for_patient(patient).filter(pk__in=[single.pk for single in singles]).update(tally=episode)
    _mark_day_with_cramps(patient, episode)
    ClinicSummary.objects.log_changed(patient.pk)
    return episode, True


@transaction.atomic
def episodes_bulk_create(*, patient: User, created_by: User, entries: Sequence[NewEpisode]) -> int:
    """Store many checked entries at once (an import): the rules of episode_create, in a few queries.

    Tallies are stored first, then the single cramps, those marked `part_of_tally` linked to the tally of
    their night or day. Raises ValidationError for the first entry that breaks a rule; then nothing is stored.
    """
    episodes, tallies, slots = [], [], set()
    for entry in entries:
        details = _resolved(patient, entry.details)
        _check_details(patient, details)
        if details.is_tally:
            slot = (details.entry_type, details.tally_date)
            if slot in slots:
                raise ValidationError(f"There are two tallies for {slot_label(*slot)}; keep one.")
            slots.add(slot)
            check_tally_free(patient, details)
        episode = Episode(patient=patient, created_by=created_by, client_id=entry.client_id)
        if entry.record_id is not None:
            episode.uuid = entry.record_id
        _apply_details(episode, details)
        _validate(episode)
        (tallies if details.is_tally else episodes).append((episode, details))
    Episode.objects.bulk_create([episode for episode, _ in tallies], batch_size=BULK_BATCH)
    link_imported_details(patient, [episode for episode, _ in tallies], episodes)
    Episode.objects.bulk_create([episode for episode, _ in episodes], batch_size=BULK_BATCH)
    stored = tallies + episodes
    EpisodeLocation.objects.bulk_create(
        (
            EpisodeLocation(patient=patient, episode=episode, location=choice.location, side=choice.side)
            for episode, details in stored
            for choice in details.locations
        ),
        batch_size=BULK_BATCH,
    )
    EpisodeTerm.objects.bulk_create(
        (
            EpisodeTerm(patient=patient, episode=episode, term=term)
            for episode, details in stored
            for term in {
                term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]
            }.values()
        ),
        batch_size=BULK_BATCH,
    )
    days = {local_day(patient, episode.started_at) for episode, _ in stored if episode.event_kind in CRAMP_KINDS}
    checkins = CheckIn.objects.filter(patient=patient, day__in=days)
    checkins.filter(status=CheckIn.Status.NO_CRAMPS).update(status=CheckIn.Status.HAD_CRAMPS)
    answered = set(checkins.values_list("day", flat=True))
    marked = (CheckIn(patient=patient, day=day, status=CheckIn.Status.HAD_CRAMPS) for day in days - answered)
    CheckIn.objects.bulk_create(marked, batch_size=BULK_BATCH)
    ClinicSummary.objects.log_changed(patient.pk)
    return len(stored)


@transaction.atomic
def episode_update(*, episode: Episode, details: EpisodeDetails, overlap: str = ASK) -> Episode:
    """Change an entry; a quick log becomes a full entry this way. A single cramp stays one, a tally a tally.

    `overlap` as for episode_create: a cramp moved into a tally's night is asked about, one already
    linked to that tally stays linked unless the answer says otherwise. The patient's own words that
    `details` leave out (None: a caregiver's change) stay as stored.
    """
    patient = episode.patient
    if details.is_tally != episode.is_tally:
        raise ValidationError("A single cramp cannot become a tally, or a tally a single cramp.")
    details = _resolved(patient, details)
    _check_details(patient, details)
    check_tally_free(patient, details, episode)
    singles = []
    if details.is_tally:
        moved = (details.entry_type, details.tally_date) != (episode.entry_type, episode.tally_date)
        if moved and episode.details.exists():
            raise ValidationError(
                {
                    "tally_date": "Some cramps of this tally are described one by one, on its night or day. "
                    "Count them separately first (on their own pages), then move the tally."
                }
            )
        _apply_details(episode, details)
        singles = singles_for_tally(patient, episode, overlap)
    else:
        episode.tally = tally_for_single(patient, details.started_at, details.severity, overlap, episode=episode)
        _apply_details(episode, details)
    _validate(episode)
    # Words the form did not ask for are left out of the UPDATE, so that it cannot store over what the
    # patient wrote since this request read the entry.
    kept = {name for name in PATIENTS_OWN_WORDS if getattr(details, name) is None}
    changed = [
        field.name for field in Episode._meta.concrete_fields if not field.primary_key and field.name not in kept
    ]
    try:
        with transaction.atomic():
            episode.save(update_fields=changed)
    except IntegrityError:
        raise TallyExists(tally_of_slot(patient, details.entry_type, details.tally_date)) from None
    _replace_links(episode, details)
    Episode.objects.for_patient(patient).filter(pk__in=[single.pk for single in singles]).update(tally=episode)
    _mark_day_with_cramps(patient, episode)
    ClinicSummary.objects.log_changed(patient.pk)
    return episode


@transaction.atomic
def episode_delete(*, episode: Episode) -> None:
    """Delete an episode for good, with its locations and tags. The day's check-in stays as answered."""
    episode.delete()
    ClinicSummary.objects.log_changed(episode.patient_id)


@transaction.atomic
def checkin_record(*, patient: User, created_by: User, day: dt.date, status: str) -> CheckIn:
    """Answer the check-in for one local day, as `created_by`: the patient, or a caregiver the caller let in.

    Today's answer can be changed; an earlier day can be filled in once. "No cramps" is refused
    for a day that has cramps logged. A new or changed answer records who gave it; the answer the day
    already has, sent again, changes nothing (so it stays whoever's it was).
    """
    today = patient_today(patient)
    if status not in CheckIn.Status.values:
        raise ValidationError({"status": "Choose “No cramps” or “I had cramps”."})
    if day > today:
        raise ValidationError({"day": "You can only check in for today or earlier days."})
    if day < local_day(patient, patient.date_joined - HISTORY_BEFORE_JOINING):
        raise ValidationError({"day": "That day is too long before you joined CrampApp."})
    existing = CheckIn.objects.filter(patient=patient, day=day).first()
    if existing is not None and day < today and existing.status != status:
        raise ValidationError({"day": "This day is already recorded. Log or edit a cramp to change it."})
    if status == CheckIn.Status.NO_CRAMPS and cramps_on_day(patient, day) > 0:
        raise ValidationError({"status": "You logged cramps on this day. Delete them first if they were a mistake."})
    if existing is not None and existing.status == status:
        return existing
    checkin, _ = CheckIn.objects.update_or_create(
        patient=patient, day=day, defaults={"status": status, "created_by": created_by}
    )
    ClinicSummary.objects.log_changed(patient.pk)
    return checkin


def cramps_on_day(patient: User, day: dt.date) -> int:
    """The entries of cramps (tracker.models.CRAMP_KINDS) on a local day: a spasm or a twitch leaves it cramp-free."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=patient.zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=patient.zone)
    return Episode.objects.for_patient(patient).in_period(start, end).filter(event_kind__in=CRAMP_KINDS).count()


def profile_for(patient: User) -> PatientProfile:
    """The patient's profile, created the first time it is needed."""
    profile, _ = PatientProfile.objects.get_or_create(patient=patient)
    return profile


@transaction.atomic
def profile_update(
    *,
    patient: User,
    time_zone: str,
    conditions: Iterable[Term],
    other_conditions: str,
    reminder_time: dt.time | None,
    spinal_injury_level: str = "",
) -> PatientProfile:
    _check_kinds(conditions, Term.Kind.CONDITION, "conditions")
    patient.time_zone = time_zone
    patient.full_clean(exclude=["password"])
    patient.save(update_fields=["time_zone"])
    profile = profile_for(patient)
    profile.other_conditions = other_conditions
    profile.reminder_time = reminder_time
    profile.spinal_injury_level = spinal_injury_level
    profile.full_clean()
    profile.save(update_fields=["other_conditions", "reminder_time", "spinal_injury_level", "updated_at"])
    profile.conditions.set(conditions)
    # Diagnoses and the injury level decide which signs warn (education.warning_signs), and the zone the days.
    ClinicSummary.objects.log_changed(patient.pk)
    return profile


def _day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def check_medication_step(*, step: MedicationStep, others: Sequence[MedicationStep], today: dt.date) -> None:
    """The rules of a medicine's history for `step` among the medicine's `others` steps, with field names:
    one start, first; one stop, last; no step in the future; a dose change names its dose, a stop none."""
    Kind = MedicationStep.Kind
    if step.kind not in Kind.values:
        raise ValidationError({"kind": "Choose what changed: started, dose changed or stopped."})
    if step.day is None:
        raise ValidationError({"day": "Enter the date of this change."})
    if step.day > today:
        raise ValidationError({"day": "This date is in the future. Add the change once it has happened."})
    start = next((other for other in others if other.kind == Kind.STARTED), None)
    stop = next((other for other in others if other.kind == Kind.STOPPED), None)
    if step.kind == Kind.STARTED and start is not None:
        raise ValidationError(
            {
                "kind": f"This medicine already started on {_day_text(start.day)}. "
                "If you took it again after stopping, add it as a new medication."
            }
        )
    if step.kind == Kind.STOPPED and stop is not None:
        raise ValidationError({"kind": f"This medicine already stopped on {_day_text(stop.day)}. Change that step."})
    if step.kind != Kind.STARTED and start is not None and step.day < start.day:
        raise ValidationError({"day": f"This is before the medicine started ({_day_text(start.day)})."})
    if step.kind != Kind.STOPPED and stop is not None and step.day > stop.day:
        raise ValidationError({"day": f"This is after the medicine was stopped ({_day_text(stop.day)})."})
    if step.kind == Kind.STARTED and others and step.day > (first := min(other.day for other in others)):
        raise ValidationError({"day": f"The start comes first, but there is a change on {_day_text(first)}."})
    if step.kind == Kind.STOPPED and others and step.day < (last := max(other.day for other in others)):
        raise ValidationError({"day": f"The stop cannot be before the last change ({_day_text(last)})."})
    if step.kind == Kind.DOSE_CHANGED and not step.dose.strip():
        raise ValidationError({"dose": "Write the new dose, as your prescriber or the label says."})
    if step.kind == Kind.STOPPED and step.dose:
        raise ValidationError({"dose": "Leave the dose empty when the medicine was stopped."})
    # Lengths and side effects; the medicine and patient are the caller's and not looked up again.
    step.full_clean(exclude=["patient", "medication", "created_by"])


def _saved_timeline(medication: Medication) -> list[MedicationStep]:
    """The medicine's stored steps, after storing the start and stop dates of one that had none as steps.

    Locks the medicine's row first (on PostgreSQL): two writes to one history wait for each other, so the
    second is checked against the first instead of failing on a unique constraint.
    """
    Medication.objects.select_for_update().filter(pk=medication.pk).values_list("pk").first()
    steps = medication.timeline_from(list(MedicationStep.objects.filter(medication=medication)))
    for step in steps:
        if step.pk is None:
            step.save()
    return steps


def _sync_medication(medication: Medication, steps: Sequence[MedicationStep]) -> None:
    """The medicine's start and stop dates from its steps, and its dose from the latest step that names one."""
    steps = sorted(steps, key=MedicationStep.sort_key)
    medication.started_on = next((step.day for step in steps if step.kind == MedicationStep.Kind.STARTED), None)
    medication.stopped_on = next((step.day for step in steps if step.kind == MedicationStep.Kind.STOPPED), None)
    doses = [step.dose for step in steps if step.dose]
    if doses:
        medication.dose = doses[-1]
    medication.full_clean(exclude=["patient"])
    medication.save(update_fields=["name", "dose", "started_on", "stopped_on"])
    # A medicine taken or stopped changes the warning signs of the entries around it (a statin's).
    ClinicSummary.objects.log_changed(medication.patient_id)


def _set_step_fields(step: MedicationStep, *, kind: str, day, dose: str, side_effects, side_effect_other: str) -> None:
    step.kind, step.day, step.dose = kind, day, dose.strip()
    # Known side effects once each, in the list's order; unknown ones are kept for full_clean to refuse.
    known = [effect for effect in SideEffect.values if effect in side_effects]
    step.side_effects = known + [effect for effect in side_effects if effect not in SideEffect.values]
    step.side_effect_other = side_effect_other.strip()
    if step.side_effect_other and SideEffect.OTHER not in step.side_effects:
        step.side_effects.append(SideEffect.OTHER)


def _date_steps(medication: Medication, steps: list[MedicationStep], dose: str, started_on, stopped_on):
    """`steps` with the start (on `dose`) and stop moved to the given dates, added or removed; checked."""
    today = patient_today(medication.patient)
    wanted = {
        MedicationStep.Kind.STARTED: (started_on, dose, "started_on"),
        MedicationStep.Kind.STOPPED: (stopped_on, "", "stopped_on"),
    }
    kept = [step for step in steps if step.kind not in wanted]
    changed = []
    for kind, (day, step_dose, _) in wanted.items():
        if day is None:
            continue
        step = next((step for step in steps if step.kind == kind), None) or MedicationStep(
            patient_id=medication.patient_id, medication=medication, kind=kind, created_by=medication.patient
        )
        step.day, step.dose = day, step_dose
        changed.append(step)
    for step in changed:
        try:
            check_medication_step(
                step=step, others=[other for other in kept + changed if other is not step], today=today
            )
        except ValidationError as error:
            field = wanted[step.kind][2]
            raise ValidationError(
                {"dose" if name == "dose" else field: messages for name, messages in error.message_dict.items()}
            ) from None
    removed = [step for step in steps if step.kind in wanted and step not in changed]
    return kept + changed, removed


@transaction.atomic
def medication_add(
    *, patient: User, name: str, dose: str = "", started_on: dt.date | None = None, stopped_on: dt.date | None = None
) -> Medication:
    """Add a medicine; its start (on `dose`) and stop dates become its first steps."""
    medication = Medication(patient=patient, name=name, dose=dose)
    medication.full_clean()
    medication.save()
    steps, _ = _date_steps(medication, [], dose, started_on, stopped_on)
    for step in steps:
        step.save()
    _sync_medication(medication, steps)
    return medication


@transaction.atomic
def medication_update(
    *, medication: Medication, name: str, dose: str, started_on: dt.date | None, stopped_on: dt.date | None
) -> Medication:
    """Rename a medicine and move its start (with the dose it started on) and stop steps."""
    medication.name, medication.dose = name, dose
    medication.full_clean(exclude=["patient"])
    steps, removed = _date_steps(medication, _saved_timeline(medication), dose, started_on, stopped_on)
    for step in removed:
        step.delete()
    for step in steps:
        step.save()
    _sync_medication(medication, steps)
    return medication


@transaction.atomic
def medication_step_add(
    *,
    medication: Medication,
    created_by: User,
    kind: str,
    day: dt.date | None,
    dose: str = "",
    side_effects: Sequence[str] = (),
    side_effect_other: str = "",
) -> MedicationStep:
    """Add a start, dose change or stop to a medicine's history; its dates and dose follow."""
    steps = _saved_timeline(medication)
    step = MedicationStep(patient_id=medication.patient_id, medication=medication, created_by=created_by)
    _set_step_fields(
        step, kind=kind, day=day, dose=dose, side_effects=side_effects, side_effect_other=side_effect_other
    )
    check_medication_step(step=step, others=steps, today=patient_today(medication.patient))
    step.save()
    _sync_medication(medication, [*steps, step])
    return step


@transaction.atomic
def medication_step_update(
    *,
    step: MedicationStep,
    kind: str,
    day: dt.date | None,
    dose: str,
    side_effects: Sequence[str],
    side_effect_other: str,
) -> MedicationStep:
    medication = step.medication
    others = [other for other in _saved_timeline(medication) if other.pk != step.pk]
    _set_step_fields(
        step, kind=kind, day=day, dose=dose, side_effects=side_effects, side_effect_other=side_effect_other
    )
    check_medication_step(step=step, others=others, today=patient_today(medication.patient))
    step.save()
    _sync_medication(medication, [*others, step])
    return step


@transaction.atomic
def medication_step_delete(*, step: MedicationStep) -> None:
    """Remove a step; removing the start or stop clears that date of the medicine."""
    medication = step.medication
    step.delete()
    _sync_medication(medication, list(MedicationStep.objects.filter(medication=medication)))


@transaction.atomic
def medication_delete(*, medication: Medication) -> None:
    medication.delete()
    ClinicSummary.objects.log_changed(medication.patient_id)
