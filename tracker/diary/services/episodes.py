"""Storing, changing and deleting a patient's entries, one at a time or many from an import."""

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tracker.diary.services.episode_details import (
    PATIENTS_OWN_WORDS,
    EpisodeDetails,
    NewEpisode,
    check_details,
    resolved_details,
)
from tracker.diary.tallies import (
    ASK,
    TallyExists,
    check_tally_free,
    link_imported_details,
    singles_for_tally,
    slot_label,
    tally_for_single,
    tally_of_slot,
)
from tracker.models import (
    CRAMP_KINDS,
    LOCAL_DAY,
    CheckIn,
    ClinicSummary,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Term,
    counted,
)

# Rows per INSERT of an import: few round trips, within PostgreSQL's and SQLite's limits on parameters.
BULK_BATCH = 2000


def _apply_details(episode: Episode, details: EpisodeDetails) -> None:
    episode.started_at = details.started_at
    episode.time_zone = details.time_zone
    episode.set_utc_offset()
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
    constraint and foreign key; the terms were checked by check_details.)"""
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
    """The day of a cramp (tracker.models.CRAMP_KINDS), in its own zone, says "had cramps": a day not answered
    yet, or answered "no cramps" (which the cramp contradicts), is marked by the cramp (no `created_by`), a mark
    that _unmark_days_without_cramps takes back when the day's cramps are gone; the patient's own "had cramps"
    stays theirs. A spasm or a twitch leaves the day's check-in as it is: a day with only those can be
    cramp-free. A cramp described as one of a tally's leaves it too: its tally marks the day it is counted on."""
    if episode.event_kind not in CRAMP_KINDS or episode.tally_id is not None:
        return
    day = episode.local_day
    CheckIn.objects.filter(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS).update(
        status=CheckIn.Status.HAD_CRAMPS, created_by=None
    )
    CheckIn.objects.bulk_create(
        [CheckIn(patient=patient, day=day, status=CheckIn.Status.HAD_CRAMPS)], ignore_conflicts=True
    )


def _unmark_days_without_cramps(patient: User, days: set[dt.date]) -> None:
    """Of `days`, those a cramp marked "had cramps" (_mark_day_with_cramps) and that no longer have a cramp
    counted on them (it was deleted, moved to another day, said to be another kind of event, or described as one
    of a tally's, which counts it on its own day) are not recorded again, so that the patient can answer for
    them; an answer the patient gave stays."""
    if not days:
        return
    with_cramps = set(
        Episode.objects.for_patient(patient)
        .on_local_days(min(days), max(days))
        .filter(counted(), event_kind__in=CRAMP_KINDS)
        .annotate(day=LOCAL_DAY)
        .values_list("day", flat=True)
    )
    CheckIn.objects.filter(
        patient=patient, day__in=days - with_cramps, status=CheckIn.Status.HAD_CRAMPS, created_by__isnull=True
    ).delete()


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
    details = resolved_details(patient, details)
    check_details(patient, details)
    check_tally_free(patient, details)
    episode = Episode(patient=patient, created_by=created_by, client_id=client_id)
    _apply_details(episode, details)
    _validate(episode)
    singles = []
    if details.is_tally:
        singles = singles_for_tally(patient, episode, overlap)
    else:
        episode.tally = tally_for_single(
            patient,
            details.started_at,
            details.severity,
            overlap,
            zone=episode.zone,
            event_kind=details.event_kind,
            woke=details.woke_from_sleep,
        )
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
    # The cramps the tally now counts no longer mark their own days.
    _unmark_days_without_cramps(patient, {single.local_day for single in singles})
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
        try:
            details = resolved_details(patient, entry.details)
            check_details(patient, details)
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
        except ValidationError as error:
            if not entry.where:
                raise
            raise ValidationError([f"{entry.where}: {message}" for message in error.messages]) from None
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
    days = {
        episode.local_day for episode, _ in stored if episode.event_kind in CRAMP_KINDS and episode.tally_id is None
    }
    checkins = CheckIn.objects.filter(patient=patient, day__in=days)
    checkins.filter(status=CheckIn.Status.NO_CRAMPS).update(status=CheckIn.Status.HAD_CRAMPS, created_by=None)
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
    `details` leave out (None: a caregiver's change) stay as stored, and so does its zone.
    """
    patient = episode.patient
    if details.is_tally != episode.is_tally:
        raise ValidationError("A single cramp cannot become a tally, or a tally a single cramp.")
    day_before = episode.local_day
    details = resolved_details(patient, replace(details, time_zone=details.time_zone or episode.time_zone))
    check_details(patient, details)
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
        zone = zoneinfo.ZoneInfo(details.time_zone)
        episode.tally = tally_for_single(
            patient,
            details.started_at,
            details.severity,
            overlap,
            zone=zone,
            event_kind=details.event_kind,
            episode=episode,
            woke=details.woke_from_sleep,
        )
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
    _unmark_days_without_cramps(patient, {day_before, episode.local_day, *(single.local_day for single in singles)})
    ClinicSummary.objects.log_changed(patient.pk)
    return episode


@transaction.atomic
def episode_delete(*, episode: Episode) -> None:
    """Delete an episode for good, with its locations and tags. The day's check-in stays as the patient answered
    it; a "had cramps" that the cramp itself marked goes with the day's last cramp."""
    day = episode.local_day
    episode.delete()
    _unmark_days_without_cramps(episode.patient, {day})
    ClinicSummary.objects.log_changed(episode.patient_id)
