"""Writes on a patient's record. Views call these; each checks its own rules."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import CheckIn, Episode, EpisodeLocation, EpisodeTerm, Medication, PatientProfile, Side, Term

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
HISTORY_BEFORE_JOINING = dt.timedelta(days=5 * 365)


@dataclass(frozen=True)
class LocationChoice:
    location: Term
    side: str


@dataclass(frozen=True)
class EpisodeDetails:
    """What the patient says about one cramp; the full form fills all of it, a quick log only severity and time."""

    started_at: dt.datetime
    severity: int
    duration_seconds: int | None = None
    woke_from_sleep: bool = False
    activity: Term | None = None
    locations: Sequence[LocationChoice] = ()
    triggers: Sequence[Term] = ()
    symptoms: Sequence[Term] = ()
    relief_measures: Sequence[Term] = ()
    relief_effect: str = ""
    medication_taken: str = ""
    notes: str = ""


# A client-generated id (idempotency key) and what to store under it.
NewEpisode = tuple[uuid.UUID, EpisodeDetails]


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
    """A cramp starts no later than a few minutes from now and no earlier than five years before joining."""
    if started_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"started_at": "This time is in the future. Enter when the cramp started."})
    if started_at < patient.date_joined - HISTORY_BEFORE_JOINING:
        raise ValidationError(
            {"started_at": "That is more than five years before you joined CrampApp. Check the year."}
        )


def _check_kinds(terms: Iterable[Term], kind: str, field: str) -> None:
    wrong = [term.label for term in terms if term.kind != kind]
    if wrong:
        raise ValidationError({field: f"Not a choice for this question: {', '.join(wrong)}."})


def _check_details(patient: User, details: EpisodeDetails) -> None:
    check_episode_start(patient=patient, started_at=details.started_at)
    _check_kinds([choice.location for choice in details.locations], Term.Kind.LOCATION, "locations")
    _check_kinds(details.triggers, Term.Kind.TRIGGER, "triggers")
    _check_kinds(details.symptoms, Term.Kind.SYMPTOM, "symptoms")
    _check_kinds(details.relief_measures, Term.Kind.RELIEF, "relief_measures")
    if details.activity is not None:
        _check_kinds([details.activity], Term.Kind.ACTIVITY, "activity")
    if any(choice.side not in Side.values for choice in details.locations):
        raise ValidationError({"locations": "Choose left, right or both sides."})


def _apply_details(episode: Episode, details: EpisodeDetails) -> None:
    episode.started_at = details.started_at
    episode.severity = details.severity
    episode.duration_seconds = details.duration_seconds
    episode.woke_from_sleep = details.woke_from_sleep
    episode.activity = details.activity
    episode.relief_effect = details.relief_effect
    episode.medication_taken = details.medication_taken
    episode.notes = details.notes


def _tags(details: EpisodeDetails) -> list[Term]:
    """The triggers, symptoms and relief measures, each once."""
    return list({term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]}.values())


def _replace_links(episode: Episode, details: EpisodeDetails) -> None:
    """Store the episode's locations and tags exactly as given, replacing earlier ones."""
    patient = episode.patient
    EpisodeLocation.objects.filter(patient=patient, episode=episode).delete()
    EpisodeTerm.objects.filter(patient=patient, episode=episode).delete()
    EpisodeLocation.objects.bulk_create(
        EpisodeLocation(patient=patient, episode=episode, location=choice.location, side=choice.side)
        for choice in details.locations
    )
    terms = {term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]}
    EpisodeTerm.objects.bulk_create(EpisodeTerm(patient=patient, episode=episode, term=term) for term in terms.values())


def _mark_day_with_cramps(patient: User, day: dt.date) -> None:
    CheckIn.objects.update_or_create(patient=patient, day=day, defaults={"status": CheckIn.Status.HAD_CRAMPS})


@transaction.atomic
def episode_create(
    *, patient: User, created_by: User, client_id: uuid.UUID, details: EpisodeDetails
) -> tuple[Episode, bool]:
    """Log a cramp and mark its day as checked in. Returns (episode, created).

    Submitting the same form twice (same `client_id`) returns the first episode instead of a copy.
    """
    existing = Episode.objects.for_patient(patient).filter(client_id=client_id).first()
    if existing is not None:
        return existing, False
    _check_details(patient, details)
    episode = Episode(patient=patient, created_by=created_by, client_id=client_id)
    _apply_details(episode, details)
    episode.full_clean(exclude=["patient", "client_id"])
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError:
        # The same form won a race with itself: the other request stored it.
        return Episode.objects.for_patient(patient).get(client_id=client_id), False
    _replace_links(episode, details)
    _mark_day_with_cramps(patient, local_day(patient, episode.started_at))
    return episode, True


@transaction.atomic
def episodes_bulk_create(
    *, patient: User, created_by: User, entries: Sequence[tuple[uuid.UUID, EpisodeDetails]]
) -> int:
    """Store many checked episodes at once (an import): the rules of episode_create, in a few queries.

    Raises ValidationError for the first entry that breaks a rule; then nothing is stored.
    """
    episodes, links = [], []
    for client_id, details in entries:
        _check_details(patient, details)
        episode = Episode(patient=patient, created_by=created_by, client_id=client_id)
        _apply_details(episode, details)
        # Field checks here; the database checks the constraints (one query per row would be too slow).
        episode.clean_fields(exclude=["patient", "created_by", "activity"])
        episodes.append(episode)
        links.append(details)
    Episode.objects.bulk_create(episodes, batch_size=500)
    EpisodeLocation.objects.bulk_create(
        (
            EpisodeLocation(patient=patient, episode=episode, location=choice.location, side=choice.side)
            for episode, details in zip(episodes, links, strict=True)
            for choice in details.locations
        ),
        batch_size=500,
    )
    EpisodeTerm.objects.bulk_create(
        (
            EpisodeTerm(patient=patient, episode=episode, term=term)
            for episode, details in zip(episodes, links, strict=True)
            for term in {
                term.pk: term for term in [*details.triggers, *details.symptoms, *details.relief_measures]
            }.values()
        ),
        batch_size=500,
    )
    days = {local_day(patient, episode.started_at) for episode in episodes}
    checkins = CheckIn.objects.filter(patient=patient, day__in=days)
    checkins.filter(status=CheckIn.Status.NO_CRAMPS).update(status=CheckIn.Status.HAD_CRAMPS)
    answered = set(checkins.values_list("day", flat=True))
    CheckIn.objects.bulk_create(
        (CheckIn(patient=patient, day=day, status=CheckIn.Status.HAD_CRAMPS) for day in days - answered), batch_size=500
    )
    return len(episodes)


@transaction.atomic
def episode_update(*, episode: Episode, details: EpisodeDetails) -> Episode:
    """Change an episode; a quick log becomes a full entry this way."""
    patient = episode.patient
    _check_details(patient, details)
    _apply_details(episode, details)
    episode.full_clean(exclude=["patient", "client_id"])
    episode.save()
    _replace_links(episode, details)
    _mark_day_with_cramps(patient, local_day(patient, episode.started_at))
    return episode


@transaction.atomic
def episode_delete(*, episode: Episode) -> None:
    """Delete an episode for good, with its locations and tags. The day's check-in stays as answered."""
    episode.delete()


@transaction.atomic
def checkin_record(*, patient: User, day: dt.date, status: str) -> CheckIn:
    """Answer the check-in for one local day.

    Today's answer can be changed; an earlier day can be filled in once. "No cramps" is refused
    for a day that has cramps logged.
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
    if status == CheckIn.Status.NO_CRAMPS and episodes_on_day(patient, day) > 0:
        raise ValidationError({"status": "You logged cramps on this day. Delete them first if they were a mistake."})
    checkin, _ = CheckIn.objects.update_or_create(patient=patient, day=day, defaults={"status": status})
    return checkin


def episodes_on_day(patient: User, day: dt.date) -> int:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=patient.zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=patient.zone)
    return Episode.objects.for_patient(patient).in_period(start, end).count()


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
) -> PatientProfile:
    _check_kinds(conditions, Term.Kind.CONDITION, "conditions")
    patient.time_zone = time_zone
    patient.full_clean(exclude=["password"])
    patient.save(update_fields=["time_zone"])
    profile = profile_for(patient)
    profile.other_conditions = other_conditions
    profile.reminder_time = reminder_time
    profile.full_clean()
    profile.save(update_fields=["other_conditions", "reminder_time", "updated_at"])
    profile.conditions.set(conditions)
    return profile


@transaction.atomic
def medication_add(
    *, patient: User, name: str, dose: str = "", started_on: dt.date | None = None, stopped_on: dt.date | None = None
) -> Medication:
    medication = Medication(patient=patient, name=name, dose=dose, started_on=started_on, stopped_on=stopped_on)
    medication.full_clean()
    medication.save()
    return medication


@transaction.atomic
def medication_update(
    *, medication: Medication, name: str, dose: str, started_on: dt.date | None, stopped_on: dt.date | None
) -> Medication:
    medication.name, medication.dose = name, dose
    medication.started_on, medication.stopped_on = started_on, stopped_on
    medication.full_clean()
    medication.save(update_fields=["name", "dose", "started_on", "stopped_on"])
    return medication


@transaction.atomic
def medication_delete(*, medication: Medication) -> None:
    medication.delete()
