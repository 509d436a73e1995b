"""A record coming back into the signed-in account, from our JSON backup or our CSV.

Everything is read and checked before anything is stored, then stored in one transaction, or nothing.
What is in the account already is matched by id (by day for a check-in, by questionnaire for a schedule):
the same is left alone, what differs is kept as it is now, what is missing is restored. So importing a
file twice changes nothing, and a re-import after edits and deletions brings back what was deleted and
leaves the edited entries as they are now.
"""

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize

from accounts.models import User
from accounts.names import isolated
from questionnaires.models import QuestionnaireResponse, Schedule
from tracker.diary.services import (
    EpisodeDetails,
    NewEpisode,
    check_medication_step,
    each_once,
    episodes_bulk_create,
    own_words_store,
    profile_for,
)

from ..models import (
    CRAMP_KINDS,
    CheckIn,
    ClinicSummary,
    Episode,
    Medication,
    MedicationStep,
    PatientCondition,
)
from .plans import RecordPlan, RestoredEpisode

MAX_PROBLEMS_SHOWN = 50
RESTORED, SAME, KEPT = "restored", "already here", "differs and was kept as it is"
# What each part of a record is called in the summary: (one, several).
NOUNS = {
    "episodes": ("entry", "entries"),
    "checkins": ("check-in day", "check-in days"),
    "medications": ("medicine", "medicines"),
    "profile": ("profile detail", "profile details"),
    "schedules": ("questionnaire schedule", "questionnaire schedules"),
    "responses": ("questionnaire answer", "questionnaire answers"),
}
LEFT_OUT = {"clinician_notes": "your clinicians' notes", "sharing": "whom you shared your diary with"}


class ImportRejected(Exception):
    """Nothing was imported; `problems` says why, with rows or paths as the file shows them."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems

    def shown(self, limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
        """The first `limit` problems, and how many more there are."""
        hidden = len(self.problems) - limit
        return self.problems[:limit] + ([f"… and {hidden} more problems."] if hidden > 0 else [])


class NotYourRecord(ImportRejected):
    """The file is the record of an account with another e-mail address: imported only when confirmed."""


@dataclass
class RestoreResult:
    """How many items of each part were restored, were already here, or differ and were kept."""

    counts: dict[str, Counter] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    # The cramps the restored entries count (a tally its number; a cramp of a tally, a spasm or a twitch none).
    cramps: int = 0
    # The restored entries and check-ins that a caregiver had entered (RestoredEpisode.by_someone_else).
    by_others: int = 0

    def add(self, part: str, outcome: str, number: int = 1) -> None:
        self.counts.setdefault(part, Counter())[outcome] += number

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def _parts(self, outcome: str) -> str:
        named = []
        for part in NOUNS:
            counter = self.counts.get(part, Counter())
            if counter[outcome]:
                one, several = NOUNS[part]
                named.append(f"{counter[outcome]} {one if counter[outcome] == 1 else several}")
                if part == "episodes" and outcome == RESTORED and self.cramps != counter[outcome]:
                    named[-1] += f" with {self.cramps} cramp{pluralize(self.cramps)}"
        return ", ".join(named)

    def message(self) -> str:
        """ "3 restored (2 entries, 1 medicine), 12 already here, 1 differs and was kept as it is (1 entry)."""
        said = []
        for outcome in (RESTORED, SAME, KEPT):
            number = self.total(outcome)
            if number:
                words = "differ and were kept as they are" if outcome == KEPT and number > 1 else outcome
                said.append(f"{number} {words} ({self._parts(outcome)})")
        return ", ".join(said) + "." if said else "The file holds nothing to import."

    def left_out_message(self) -> str:
        if not self.left_out:
            return ""
        return (
            f"Not imported: {' and '.join(LEFT_OUT[name] for name in self.left_out)}. "
            "Invite your clinicians and caregivers again from the sharing page."
        )

    def by_others_message(self) -> str:
        if not self.by_others:
            return ""
        items = "entry or check-in" if self.by_others == 1 else "entries and check-ins"
        return (
            f"{self.by_others} restored {items} had been entered by a caregiver, and now read as entered by you: "
            "a backup holds no link to anyone else's account."
        )


def _instant(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _fingerprint(details: EpisodeDetails) -> tuple:
    """What an entry says, to tell an entry of a file from the same entry as it is stored now."""
    return (
        _instant(details.started_at),
        details.entry_type,
        details.cramp_count,
        details.severity,
        details.event_kind,
        details.duration_seconds,
        details.woke_from_sleep,
        details.times_woken,
        details.activity.pk if details.activity else None,
        frozenset((choice.location.pk, choice.side) for choice in details.locations),
        frozenset(term.pk for term in [*details.triggers, *details.symptoms, *details.relief_measures]),
        details.relief_effect,
        details.medication_taken or "",
        details.notes or "",
        details.part_of_tally,
    )


def _stored_fingerprint(episode: Episode) -> tuple:
    return (
        _instant(episode.started_at),
        episode.entry_type,
        episode.cramp_count,
        episode.severity,
        episode.event_kind,
        episode.duration_seconds,
        episode.woke_from_sleep,
        episode.times_woken,
        episode.activity_id,
        frozenset((place.location_id, place.side) for place in episode.places),
        frozenset(term.pk for term in episode.term_list),
        episode.relief_effect,
        episode.medication_taken,
        episode.notes,
        episode.tally_id is not None,
    )


def same_cramp_key(started_at: dt.datetime, places, entry_type: str) -> tuple:
    """For a row of an older CSV without ids: an entry that starts in the same minute at the same places."""
    return started_at.astimezone(dt.UTC).replace(second=0, microsecond=0), frozenset(places), entry_type


def _place_keys(details: EpisodeDetails) -> set[tuple[int, str]]:
    return {(choice.location.pk, choice.side) for choice in details.locations}


def episodes_restore(*, patient: User, created_by: User, entries: list[RestoredEpisode], result: RestoreResult) -> None:
    """Store the entries the diary lacks. An entry with an id is matched by it; one without (an older CSV) by
    its start and places, each stored entry matching one row, so that two cramps of the same minute and
    place in a file are two cramps; a row whose details differ from the entry it matches is counted as kept as it
    is, never as the same. A tally for a night or day that has another tally is kept out. The patient's
    own words that the entries bring and the account lacks are stored first."""
    words = (
        term
        for entry in entries
        for term in [
            *(choice.location for choice in entry.details.locations),
            *entry.details.triggers,
            *entry.details.relief_measures,
        ]
    )
    try:
        own_words_store(patient=patient, words=each_once(words))
    except ValidationError as error:
        raise ImportRejected(error.messages) from None
    by_id, by_key, slots = {}, defaultdict(list), set()
    stored = Episode.objects.for_patient(patient).with_details()
    for episode in stored.iterator(chunk_size=2000):
        fingerprint = _stored_fingerprint(episode)
        by_id[episode.uuid] = (fingerprint, episode.time_zone)
        places = {(place.location_id, place.side) for place in episode.places}
        # Rows without an id are matched by the minute (an older file has no seconds): compared without the instant.
        by_key[same_cramp_key(episode.started_at, places, episode.entry_type)].append(fingerprint[1:])
        if episode.is_tally:
            slots.add((episode.entry_type, episode.tally_date))
    new = []
    for entry in entries:
        details = entry.details
        if entry.record_id is not None and entry.record_id in by_id:
            fingerprint, zone = by_id[entry.record_id]
            # A file without the entry's zone says nothing about it.
            same = fingerprint == _fingerprint(details) and details.time_zone in (None, zone)
            result.add("episodes", SAME if same else KEPT)
            continue
        key = same_cramp_key(details.started_at, _place_keys(details), details.entry_type)
        if entry.record_id is None and by_key[key]:
            # Each stored entry of that minute and place answers for one row: the same one if there is, else
            # one that the row would change, which stays as it is.
            fingerprint, matching = _fingerprint(details)[1:], by_key[key]
            same = fingerprint in matching
            matching.remove(fingerprint if same else matching[0])
            result.add("episodes", SAME if same else KEPT)
            continue
        if details.is_tally and (details.entry_type, details.tally_date) in slots:
            result.add("episodes", KEPT)
            continue
        new.append(NewEpisode(uuid.uuid4(), details, entry.record_id, where=entry.where))
        result.by_others += entry.by_someone_else
    try:
        stored_count = episodes_bulk_create(patient=patient, created_by=created_by, entries=new)
    except ValidationError as error:
        raise ImportRejected(error.messages) from None
    except IntegrityError:
        raise ImportRejected(["An entry breaks a rule of the diary (for example a severity above 10)."]) from None
    result.add("episodes", RESTORED, stored_count)
    result.cramps += sum(
        entry.details.cramp_count
        for entry in new
        if not entry.details.part_of_tally and entry.details.event_kind in CRAMP_KINDS
    )


def _checkins_restore(patient: User, created_by: User, plan: RecordPlan, result: RestoreResult) -> None:
    """A day marked by a cramp rather than answered (no one entered it) comes back the same way."""
    stored = dict(CheckIn.objects.filter(patient=patient).values_list("day", "status"))
    for day, (status, *_) in plan.checkins.items():
        if day in stored:
            result.add("checkins", SAME if stored[day] == status else KEPT)
    new = {day: answer for day, answer in plan.checkins.items() if day not in stored}
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=day, status=status, created_by=created_by if answered else None)
        for day, (status, answered, _) in new.items()
    )
    result.add("checkins", RESTORED, len(new))
    result.by_others += sum(by_other for _, _, by_other in new.values())


def _step_print(kind, day, dose, side_effects, other) -> tuple:
    return kind, day, dose, tuple(side_effects), other


def _medications_restore(patient: User, created_by: User, plan: RecordPlan, result: RestoreResult) -> None:
    stored = {item.uuid: item for item in Medication.objects.for_patient(patient).prefetch_related("steps")}
    medicines, steps = [], []
    for item in plan.medications:
        planned = {_step_print(s.kind, s.day, s.dose, s.side_effects, s.side_effect_other) for s in item.steps}
        medication = stored.get(item.record_id)
        if medication is not None:
            now = {
                _step_print(s.kind, s.day, s.dose, s.side_effects, s.side_effect_other) for s in medication.timeline()
            }
            same = (medication.name, medication.started_on, medication.stopped_on) == (
                item.name,
                item.started_on,
                item.stopped_on,
            )
            result.add("medications", SAME if same and now == planned else KEPT)
            continue
        medication = Medication(
            patient=patient,
            uuid=item.record_id,
            name=item.name,
            dose=item.dose,
            started_on=item.started_on,
            stopped_on=item.stopped_on,
        )
        medicines.append(medication)
        steps += [
            MedicationStep(
                patient=patient,
                medication=medication,
                uuid=step.record_id,
                kind=step.kind,
                day=step.day,
                dose=step.dose,
                side_effects=step.side_effects,
                side_effect_other=step.side_effect_other,
                created_by=created_by,
            )
            for step in item.steps
        ]
    _check_medications(patient, medicines, steps, {item.record_id: item.where for item in plan.medications})
    Medication.objects.bulk_create(medicines)
    MedicationStep.objects.bulk_create(steps)
    result.add("medications", RESTORED, len(medicines))


def _check_medications(
    patient: User, medicines: list[Medication], steps: list[MedicationStep], where: dict[uuid.UUID, str]
) -> None:
    """The rules a medicine and its history meet on the pages (tracker.diary.services.medications), each
    problem named by its path in the file."""
    today, problems = patient.today(), []
    for medication in medicines:
        path = where[medication.uuid]
        try:
            medication.full_clean(exclude=["patient"], validate_unique=False)
        except ValidationError as error:
            problems += [
                f"{path}.{name}: {message}" for name, messages in error.message_dict.items() for message in messages
            ]
        history = [step for step in steps if step.medication is medication]
        for index, step in enumerate(history):
            try:
                check_medication_step(step=step, others=[other for other in history if other is not step], today=today)
            except ValidationError as error:
                problems += [
                    f"{path}.steps[{index}].{name}: {message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
    if problems:
        raise ImportRejected(problems)


def _profile_restore(patient: User, plan: RecordPlan, result: RestoreResult, *, fresh: bool) -> None:
    """Diagnoses are added to those listed; a detail is filled in where the account has none, and a detail
    that differs is kept. A fresh account (nothing in its diary yet) takes the file's time zone."""
    profile = profile_for(patient)
    have = set(PatientCondition.objects.filter(profile=profile).values_list("condition_id", flat=True))
    missing = [term for term in plan.conditions if term.pk not in have]
    PatientCondition.objects.bulk_create(PatientCondition(profile=profile, condition=term) for term in missing)
    result.add("profile", RESTORED, len(missing))
    result.add("profile", SAME, len(plan.conditions) - len(missing))
    changed = []
    for name in ("other_conditions", "spinal_injury_level", "reminder_time"):
        wanted, now = getattr(plan, name), getattr(profile, name)
        if wanted in ("", None):
            continue
        if now in ("", None):
            setattr(profile, name, wanted)
            changed.append(name)
        result.add("profile", RESTORED if name in changed else SAME if now == wanted else KEPT)
    if changed:
        profile.save(update_fields=[*changed, "updated_at"])
    if plan.time_zone != patient.time_zone:
        if fresh:
            patient.time_zone = plan.time_zone
            patient.save(update_fields=["time_zone"])
        result.add("profile", RESTORED if fresh else KEPT)


def _questionnaires_restore(patient: User, created_by: User, plan: RecordPlan, result: RestoreResult) -> None:
    schedules = {item.instrument_id: item for item in Schedule.objects.filter(patient=patient)}
    for item in plan.schedules:
        now = schedules.get(item.instrument.pk)
        if now is not None:
            same = (now.every_weeks, now.next_due, now.active) == (item.every_weeks, item.next_due, item.active)
            result.add("schedules", SAME if same else KEPT)
    Schedule.objects.bulk_create(
        Schedule(
            patient=patient,
            instrument=item.instrument,
            every_weeks=item.every_weeks,
            next_due=item.next_due,
            active=item.active,
            set_by=created_by,
        )
        for item in plan.schedules
        if item.instrument.pk not in schedules
    )
    result.add("schedules", RESTORED, sum(item.instrument.pk not in schedules for item in plan.schedules))
    responses = dict(QuestionnaireResponse.objects.for_patient(patient).values_list("uuid", "answers"))
    new = []
    for item in plan.responses:
        if item.record_id in responses:
            result.add("responses", SAME if responses[item.record_id] == item.answers else KEPT)
            continue
        new.append(
            QuestionnaireResponse(
                patient=patient,
                uuid=item.record_id,
                instrument=item.instrument,
                instrument_version=item.version,
                answers=item.answers,
                score=Decimal(str(item.score)).quantize(Decimal("0.1")),
                answered_at=item.answered_at,
                answered_by=created_by,
            )
        )
    QuestionnaireResponse.objects.bulk_create(new)
    result.add("responses", RESTORED, len(new))


@transaction.atomic
def record_restore(*, patient: User, created_by: User, plan: RecordPlan, owner_confirmed: bool) -> RestoreResult:
    """Restore a checked record file into the patient's account: all of it, or (raising) nothing."""
    if plan.email.casefold() != patient.email.casefold() and not owner_confirmed:
        raise NotYourRecord(
            [
                f"This backup is the record of the account {isolated(plan.email)}, not of yours "
                f"({isolated(patient.email)}). If it is your own record from an account with another address, "
                "tick the box below and choose the file again."
            ]
        )
    fresh = not (Episode.objects.for_patient(patient).exists() or CheckIn.objects.filter(patient=patient).exists())
    result = RestoreResult(left_out=plan.left_out)
    try:
        _profile_restore(patient, plan, result, fresh=fresh)
        _medications_restore(patient, created_by, plan, result)
        _checkins_restore(patient, created_by, plan, result)
        _questionnaires_restore(patient, created_by, plan, result)
    except IntegrityError:
        # The checks above mirror the database's rules; should one slip through, nothing is stored.
        raise ImportRejected(["Something in this backup breaks a rule of the record; nothing was imported."]) from None
    try:
        own_words_store(patient=patient, words=plan.own_words)
    except ValidationError as error:
        raise ImportRejected(error.messages) from None
    episodes_restore(patient=patient, created_by=created_by, entries=plan.episodes, result=result)
    ClinicSummary.objects.log_changed(patient.pk)
    return result
