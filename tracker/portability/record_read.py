"""The JSON record (record.py's document) read back and checked, item by item, before anything is stored.

Every problem names where it is, as a path into the document ("episodes[12].severity_0_10"), so that a
person who edited the file can find it. Nothing is written here: restore.py stores what this reads.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User, validate_time_zone
from questionnaires.engine import check_answers
from questionnaires.engine import score as engine_score
from questionnaires.models import EVERY_WEEKS_MAX, EVERY_WEEKS_MIN, Instrument
from tracker.diary.services import (
    FUTURE_TOLERANCE,
    MAX_OWN_WORD_LENGTH,
    EpisodeDetails,
    ImportedWords,
    LocationChoice,
    check_checkin_day,
    check_duration_since,
    each_once,
)

from ..diary.reminders import REMINDER_STEP_MINUTES
from ..models import (
    MAX_DOSE_LENGTH,
    MAX_DURATION_SECONDS,
    MAX_NOTES_LENGTH,
    MAX_SIDE_EFFECT_LENGTH,
    MAX_TALLY_CRAMPS,
    OWN_WORD_KINDS,
    SEVERITY_MAX,
    SEVERITY_MIN,
    CheckIn,
    EntryType,
    Episode,
    EventKind,
    Medication,
    MedicationStep,
    PatientProfile,
    ReliefEffect,
    Side,
    SideEffect,
    SpinalInjuryLevel,
    Term,
)
from .plans import MedicationPlan, RecordPlan, ResponsePlan, RestoredEpisode, SchedulePlan, StepPlan
from .record import RECORD_FORMAT, RECORD_VERSION
from .record_values import (
    Bad,
    read_boolean,
    read_code,
    read_day,
    read_list,
    read_moment,
    read_number,
    read_object,
    read_string,
    read_uuid,
    read_zone,
)
from .restore import ImportRejected

MAX_RECORD_EPISODES = 50_000
# Ids for medicines and steps of a version 1 file, which had none: the same file gives the same ids.
VERSION_1_NAMESPACE = uuid.UUID("6a1f3f0c-1c43-4f57-9a53-25e3c37e3a51")
SCORE_MAX = 999
EMAIL_LENGTH = User._meta.get_field("email").max_length
# The codes of each choice, read once (an enum's values are built anew at each call).
ENTRY_TYPES = EntryType.values
SIDES = Side.values
RELIEF_EFFECTS = ReliefEffect.values
EVENT_KINDS = EventKind.values
STEP_KINDS = MedicationStep.Kind.values
SIDE_EFFECTS = SideEffect.values
CHECKIN_STATUSES = CheckIn.Status.values
INJURY_LEVELS = SpinalInjuryLevel.values
OWN_WORDS_LENGTH = {
    "medication_taken": Episode._meta.get_field("medication_taken").max_length,
    "notes": MAX_NOTES_LENGTH,
}
MEDICATION_NAME_LENGTH = Medication._meta.get_field("name").max_length
OTHER_CONDITIONS_LENGTH = PatientProfile._meta.get_field("other_conditions").max_length


class _Reader:
    def __init__(self, patient: User, version: int):
        self.patient = patient
        self.version = version
        self.problems: list[str] = []
        self.terms: dict[str, dict[str, Term]] = defaultdict(dict)
        for term in Term.objects.shared():
            self.terms[term.kind][term.slug] = term
        # A trigger, relief measure or place that is not one of ours is the patient's own word, by its label.
        self.words = ImportedWords(patient)
        self.instruments = {item.slug: item for item in Instrument.objects.prefetch_related("items")}

    def each(self, document: dict, key: str, read: Callable[[dict, str], object]) -> list:
        """`read` applied to each item of a section; a bad item is a problem, and the others are read on."""
        found = []
        try:
            items = read_list(document.get(key), key)
        except Bad as problem:
            self.problems.append(str(problem))
            return found
        for index, item in enumerate(items):
            path = f"{key}[{index}]"
            try:
                found.append(read(read_object(item, path), path))
            except Bad as problem:
                self.problems.append(str(problem))
        return found

    def term(self, kind: str, value, path: str) -> Term:
        slug = value.get("slug") if isinstance(value, dict) else value
        own = isinstance(value, dict) and value.get("own") is True
        term = self.terms[kind].get(slug) if isinstance(slug, str) and not own else None
        if term is not None:
            return term
        label = value.get("label") if isinstance(value, dict) else None
        if kind in OWN_WORD_KINDS and isinstance(label, str):
            try:
                return self.words.find_or_add(kind, label)
            except ValidationError as error:
                raise Bad(f"{path}.label", error.messages[0]) from None
        raise Bad(path, f"“{slug}” is not one of our {Term.Kind(kind).label.lower()} codes")

    def own_word(self, item: dict, path: str) -> Term:
        """One of the patient's own words: the account's, or a new one (retired as in the file)."""
        kind = read_code(item, "kind", path, OWN_WORD_KINDS, blank_allowed=False)
        label = read_string(item, "label", path, MAX_OWN_WORD_LENGTH)
        try:
            word = self.words.find_or_add(kind, label)
        except ValidationError as error:
            raise Bad(f"{path}.label", error.messages[0]) from None
        if word.pk is None:
            word.is_active = read_boolean(item, "retired", path) is not True
        return word

    def terms_of(self, kind: str, item: dict, key: str, path: str) -> list[Term]:
        values = read_list(item.get(key), f"{path}.{key}")
        return each_once(self.term(kind, value, f"{path}.{key}[{i}]") for i, value in enumerate(values))

    def episode(self, item: dict, path: str) -> RestoredEpisode:
        entry_type = read_code(item, "entry_type", path, ENTRY_TYPES, blank_allowed=False)
        tally = entry_type != EntryType.SINGLE
        places = []
        for index, place in enumerate(read_list(item.get("locations"), f"{path}.locations")):
            where = f"{path}.locations[{index}]"
            side = read_code(read_object(place, where), "side", where, SIDES, blank_allowed=False)
            places.append(LocationChoice(self.term(Term.Kind.LOCATION, place, where), side))
        activity = item.get("activity")
        details = EpisodeDetails(
            started_at=read_moment(item, "started_at_utc", path),
            severity=read_number(item, "severity_0_10", path, SEVERITY_MIN, SEVERITY_MAX),
            duration_seconds=read_number(item, "duration_seconds", path, 1, MAX_DURATION_SECONDS, optional=True),
            woke_from_sleep=read_boolean(item, "woke_from_sleep", path),
            activity=self.term(Term.Kind.ACTIVITY, activity, f"{path}.activity") if activity else None,
            locations=places,
            triggers=self.terms_of(Term.Kind.TRIGGER, item, "triggers", path),
            symptoms=self.terms_of(Term.Kind.SYMPTOM, item, "symptoms", path),
            relief_measures=self.terms_of(Term.Kind.RELIEF, item, "relief_measures", path),
            relief_effect=read_code(item, "relief_effect", path, RELIEF_EFFECTS),
            medication_taken=read_string(item, "medication_taken", path, OWN_WORDS_LENGTH["medication_taken"]),
            notes=read_string(item, "notes", path, OWN_WORDS_LENGTH["notes"]),
            event_kind=read_code(item, "event_kind", path, EVENT_KINDS),
            entry_type=entry_type,
            cramp_count=read_number(item, "cramp_count", path, 1, MAX_TALLY_CRAMPS if tally else 1),
            times_woken=read_number(item, "times_woken", path, 0, MAX_TALLY_CRAMPS, optional=True),
            tally_date=read_day(item, "tally_date", path) if tally else None,
            part_of_tally=item.get("part_of_tally_id") is not None,
            time_zone=read_zone(item, "time_zone", path),
        )
        if signs := details.painless_signs():
            raise Bad(f"{path}.severity_0_10", f"is 0 (no pain) but the entry notes warning signs ({signs})")
        try:
            check_duration_since(details.started_at, details.duration_seconds)
        except ValidationError as error:
            raise Bad(f"{path}.duration_seconds", error.message_dict["duration_seconds"][0]) from None
        if details.part_of_tally:
            read_uuid(item, "part_of_tally_id", path)
        return RestoredEpisode(
            where=path, record_id=read_uuid(item, "id", path), details=details, by_someone_else=_by_someone_else(item)
        )

    def step(self, medication_id: uuid.UUID, item: dict, path: str, index: int) -> StepPlan:
        kind = read_code(item, "kind", path, STEP_KINDS, blank_allowed=False)
        effects = [
            read_code({"code": value}, "code", f"{path}.side_effects[{i}]", SIDE_EFFECTS, blank_allowed=False)
            for i, value in enumerate(
                value.get("code") if isinstance(value, dict) else value
                for value in read_list(item.get("side_effects"), f"{path}.side_effects")
            )
        ]
        if len(set(effects)) != len(effects):
            raise Bad(f"{path}.side_effects", "names a side effect twice")
        dose = read_string(item, "dose", path, MAX_DOSE_LENGTH)
        if kind == MedicationStep.Kind.DOSE_CHANGED and not dose:
            raise Bad(f"{path}.dose", "a change of dose needs the new dose")
        if kind == MedicationStep.Kind.STOPPED and dose:
            raise Bad(f"{path}.dose", "a stop has no dose")
        step_id = item.get("id")
        return StepPlan(
            record_id=(
                read_uuid(item, "id", path)
                if step_id is not None
                else uuid.uuid5(VERSION_1_NAMESPACE, f"{medication_id}:{index}:{kind}")
            ),
            kind=kind,
            day=read_day(item, "day", path),
            dose=dose,
            side_effects=effects,
            side_effect_other=read_string(item, "side_effect_other", path, MAX_SIDE_EFFECT_LENGTH),
        )

    def medication(self, item: dict, path: str) -> MedicationPlan:
        name = read_string(item, "name", path, MEDICATION_NAME_LENGTH).strip()
        if not name:
            raise Bad(f"{path}.name", "a medicine needs its name")
        started_on = read_day(item, "started_on", path, optional=True)
        stopped_on = read_day(item, "stopped_on", path, optional=True)
        if started_on and stopped_on and stopped_on < started_on:
            raise Bad(f"{path}.stopped_on", "is before started_on")
        record_id = (
            read_uuid(item, "id", path)
            if item.get("id") is not None
            else uuid.uuid5(VERSION_1_NAMESPACE, f"{name}:{started_on}")
        )
        steps = [
            self.step(record_id, read_object(step, f"{path}.steps[{i}]"), f"{path}.steps[{i}]", i)
            for i, step in enumerate(read_list(item.get("steps"), f"{path}.steps"))
        ]
        for kind in (MedicationStep.Kind.STARTED, MedicationStep.Kind.STOPPED):
            if sum(step.kind == kind for step in steps) > 1:
                raise Bad(f"{path}.steps", f"a medicine is {kind.label.lower()} once; take it again as a new one")
        return MedicationPlan(
            where=path,
            record_id=record_id,
            name=name,
            dose=read_string(item, "current_dose" if "current_dose" in item else "dose", path, MAX_DOSE_LENGTH),
            started_on=started_on,
            stopped_on=stopped_on,
            steps=steps,
        )

    def checkin(self, item: dict, path: str) -> tuple[dt.date, str, bool, bool, str]:
        """(day, status, whether someone answered it rather than a cramp marking it, whether that was someone
        else than the patient, where), for a day the patient could check in for (a file from a zone ahead of
        theirs may be a day ahead)."""
        status = read_code(item, "status", path, CHECKIN_STATUSES, blank_allowed=False)
        day = read_day(item, "day", path)
        try:
            check_checkin_day(self.patient, day, self.patient.today() + dt.timedelta(days=1))
        except ValidationError as error:
            raise Bad(f"{path}.day", error.message_dict["day"][0]) from None
        return day, status, item.get("entered_by") is not None, _by_someone_else(item), path

    def instrument(self, item: dict, path: str) -> Instrument:
        slug = item.get("questionnaire")
        if self.version == 1 and isinstance(item.get("questionnaire_url"), str):
            # Version 1 named the questionnaire by its title; its URL ends with the slug and version.
            slug = item["questionnaire_url"].rsplit("/", 1)[-1].split("|")[0]
        instrument = self.instruments.get(slug) if isinstance(slug, str) else None
        if instrument is None:
            raise Bad(f"{path}.questionnaire", f"“{slug}” is not one of our questionnaires")
        return instrument

    def schedule(self, item: dict, path: str) -> SchedulePlan:
        active = item.get("active", True)
        if not isinstance(active, bool):
            raise Bad(f"{path}.active", "must be true or false")
        return SchedulePlan(
            instrument=self.instrument(item, path),
            every_weeks=read_number(item, "every_weeks", path, EVERY_WEEKS_MIN, EVERY_WEEKS_MAX),
            next_due=read_day(item, "next_due", path),
            active=active,
        )

    def response(self, item: dict, path: str) -> ResponsePlan:
        answers = read_list(item.get("answers"), f"{path}.answers")
        for index, answer in enumerate(answers):
            where = f"{path}.answers[{index}]"
            answer = read_object(answer, where)
            if not isinstance(answer.get("link_id"), str) or not isinstance(answer.get("value"), int):
                raise Bad(where, "each answer needs its link_id and its value, as the export wrote them")
        score = item.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= SCORE_MAX:
            raise Bad(f"{path}.score", f"must be a number from 0 to {SCORE_MAX}")
        instrument = self.instrument(item, path)
        version = read_string(item, "version", path, 20) or str(item.get("questionnaire_url", "")).rpartition("|")[2]
        if version == instrument.version:
            # Answers to the questionnaire as it is now are checked and scored again, as when they were given.
            try:
                checked = check_answers(list(instrument.items.all()), {a["link_id"]: a["value"] for a in answers})
                score = engine_score(instrument, checked)
            except ValidationError as error:
                raise Bad(f"{path}.answers", "; ".join(error.messages)) from None
            answers = [answer.as_json() for answer in checked]
        answered_at = read_moment(item, "answered_at_utc", path)
        if answered_at > timezone.now() + FUTURE_TOLERANCE:
            raise Bad(f"{path}.answered_at_utc", "is in the future: a questionnaire is answered once it is filled in")
        return ResponsePlan(
            where=path,
            record_id=read_uuid(item, "id", path),
            instrument=instrument,
            version=version or instrument.version,
            answers=answers,
            score=score,
            answered_at=answered_at,
        )

    def profile(self, plan: RecordPlan, document: dict) -> None:
        try:
            profile = read_object(document.get("profile") or {}, "profile")
            plan.conditions = self.terms_of(Term.Kind.CONDITION, profile, "conditions", "profile")
            plan.other_conditions = read_string(profile, "other_conditions", "profile", OTHER_CONDITIONS_LENGTH)
            plan.spinal_injury_level = read_code(profile, "spinal_injury_level", "profile", INJURY_LEVELS)
            plan.reminder_time = _reminder_time(profile.get("reminder_time"))
        except Bad as problem:
            self.problems.append(str(problem))


def _by_someone_else(item: dict) -> bool:
    """Whether the file says someone other than the patient (a caregiver) entered the item."""
    entered = item.get("entered_by")
    return isinstance(entered, dict) and entered.get("role") != User.Role.PATIENT


def _reminder_time(value) -> dt.time | None:
    """A time of day on the patient's clock, on a quarter of an hour as the profile offers them, or null."""
    if value is None:
        return None
    try:
        time = dt.time.fromisoformat(value)
    except (TypeError, ValueError):
        time = None
    if (
        time is None
        or time.tzinfo is not None
        or time.second
        or time.microsecond
        or time.minute % REMINDER_STEP_MINUTES
    ):
        raise Bad(
            "profile.reminder_time",
            "must be a time of day such as 21:30, on a quarter of an hour, with no time zone, or null",
        )
    return time


def _unique(items: list, key: Callable, what: str, problems: list[str]) -> None:
    """Each id (or day) once in a file: a second one is named with where the first is."""
    first: dict = {}
    for item in items:
        where = first.setdefault(key(item), item.where)
        if where != item.where:
            problems.append(f"{item.where}: the same {what} as {where}")


def _account(document: dict) -> tuple[str, str]:
    account = read_object(document.get("account"), "account")
    email = account.get("email")
    time_zone = account.get("time_zone")
    if not isinstance(email, str) or not isinstance(time_zone, str) or len(email) > EMAIL_LENGTH:
        raise ImportRejected(["account: the file must name its account's e-mail address and time zone"])
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        raise ImportRejected([f"account.time_zone: “{time_zone}” is not a time zone we know"]) from None
    return email, time_zone


@dataclass(frozen=True)
class _Where:
    """A check-in's day with where it is, for _unique."""

    day: dt.date
    where: str


def record_plan(patient: User, document: dict) -> RecordPlan:
    """A parsed record file checked, or ImportRejected listing every problem with its path."""
    if document.get("format") != RECORD_FORMAT:
        raise ImportRejected([f"This JSON file is not a CrampApp backup: its “format” must be “{RECORD_FORMAT}”."])
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportRejected(["version: must be the whole number the export wrote, such as 2."])
    if version > RECORD_VERSION:
        raise ImportRejected(
            [
                f"This backup was written by a newer CrampApp (format version {version}); this one reads "
                f"versions 1 to {RECORD_VERSION}. Nothing was imported."
            ]
        )
    try:
        email, time_zone = _account(document)
    except Bad as problem:
        raise ImportRejected([str(problem)]) from None
    reader = _Reader(patient, version)
    plan = RecordPlan(email=email, time_zone=time_zone)
    reader.profile(plan, document)
    episodes = document.get("episodes")
    if isinstance(episodes, list) and len(episodes) > MAX_RECORD_EPISODES:
        raise ImportRejected(
            [f"This backup has more than {MAX_RECORD_EPISODES:,} entries, more than one import can take."]
        )
    plan.own_words = [
        word for word in each_once(reader.each(document, "own_words", reader.own_word)) if word.pk is None
    ]
    plan.episodes = reader.each(document, "episodes", reader.episode)
    plan.medications = reader.each(document, "medications", reader.medication)
    checkins = reader.each(document, "checkins", reader.checkin)
    plan.schedules = reader.each(document, "questionnaire_schedules", reader.schedule)
    plan.responses = reader.each(document, "questionnaire_responses", reader.response)
    problems = reader.problems
    _unique(plan.episodes, lambda item: item.record_id, "id", problems)
    _unique(plan.medications, lambda item: item.record_id, "id", problems)
    _unique(plan.responses, lambda item: item.record_id, "id", problems)
    _unique([_Where(day, where) for day, *_, where in checkins], lambda item: item.day, "day", problems)
    tallies = {entry.record_id for entry in plan.episodes if entry.details.is_tally}
    for index, item in enumerate(document.get("episodes") or []):
        tally_id = item.get("part_of_tally_id") if isinstance(item, dict) else None
        if tally_id is not None and _as_uuid(tally_id) not in tallies:
            problems.append(f"episodes[{index}].part_of_tally_id: no tally in this file has this id")
    if problems:
        raise ImportRejected(problems)
    plan.checkins = {day: (status, answered, by_other) for day, status, answered, by_other, _ in checkins}
    plan.left_out = [name for name in ("clinician_notes", "sharing") if document.get(name)]
    return plan


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return None
