"""The warning signs of a patient's entries, by the one table in education.warning_signs.

An entry's facts come from the entry (its symptoms, triggers, places, duration, relief) and from its patient
(diagnoses, spinal injury level, medicines taken that day, the symptoms noted before). The patient's part is
read once for a whole page, or for many patients at once for the clinic list, in one query (a second for the
symptoms noted before, only when a diagnosis explains a sign: contexts_for).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, DateField, IntegerField, Min, Value

from accounts.models import User
from education.warning_signs import SIGNS, EntryFacts, EntryWarning, warning_for

from .models import Episode, EpisodeTerm, EventKind, Medication, PatientProfile, Term

# The symptoms whose first appearance matters, and the diagnoses for which it does: those of the signs that a
# diagnosis can explain.
FIRST_SEEN_SYMPTOMS = sorted({symptom for sign in SIGNS if sign.explained_by for symptom in sign.symptoms})
EXPLAINING_CONDITIONS = frozenset(condition for sign in SIGNS for condition in sign.explained_by)


@dataclass(frozen=True)
class MedicineCourse:
    name: str
    started_on: dt.date | None
    stopped_on: dt.date | None

    def taken_on(self, day: dt.date) -> bool:
        """As MedicationQuerySet.taken_on: started by `day` (or no start date) and not stopped before it."""
        return (self.started_on is None or self.started_on <= day) and (
            self.stopped_on is None or self.stopped_on >= day
        )


@dataclass
class PatientContext:
    """What the rules need to know of a patient besides the entry itself."""

    # Diagnosed conditions: slug -> label; and any others in the patient's own words.
    conditions: dict[str, str] = field(default_factory=dict)
    other_conditions: str = ""
    spinal_injury_level: str = ""
    medicines: list[MedicineCourse] = field(default_factory=list)
    # Symptom slug -> when the patient's first entry noting it started; read only for a patient with a
    # diagnosis that explains a sign (the only signs that look at it).
    first_seen: dict[str, dt.datetime] = field(default_factory=dict)

    def medicines_on(self, day: dt.date) -> list[str]:
        """The names of the medicines taken on `day`."""
        return [course.name for course in self.medicines if course.taken_on(day)]

    @property
    def condition_labels(self) -> list[str]:
        """The patient's conditions as a clinician reads them: those chosen from the list, then any in their own
        words."""
        return [*self.conditions.values(), *([self.other_conditions] if self.other_conditions else [])]


def _profile_and_medicine_rows(ids: list[int], medicines: bool):
    """The patients' diagnoses (one row each, or one for a profile without any) and, with `medicines`, their
    medicines (a row each), in one statement: (arm, patient, injury level, other conditions, diagnosis slug,
    label and order, medicine name, start, stop), NULL where an arm has no value."""
    none_date = Value(None, output_field=DateField())
    profiles = (
        PatientProfile.objects.filter(patient_id__in=ids)
        .annotate(arm=Value("profile"), medicine=Value(None, output_field=CharField()), started=none_date)
        .annotate(stopped=none_date)
        .values_list(
            "arm",
            "patient_id",
            "spinal_injury_level",
            "other_conditions",
            "conditions__slug",
            "conditions__label",
            "conditions__sort_order",
            "medicine",
            "started",
            "stopped",
        )
        .order_by()
    )
    if not medicines:
        return profiles
    none_text = Value(None, output_field=CharField())
    courses = (
        Medication.objects.filter(patient_id__in=ids)
        .annotate(arm=Value("medicine"), level=none_text, others=none_text, slug=none_text, label=none_text)
        .annotate(sort_order=Value(None, output_field=IntegerField()))
        .values_list(
            "arm", "patient_id", "level", "others", "slug", "label", "sort_order", "name", "started_on", "stopped_on"
        )
        .order_by()
    )
    return profiles.union(courses, all=True)


def _course_order(course: MedicineCourse) -> tuple:
    return (course.stopped_on is None, course.stopped_on or dt.date.min, course.name)


def contexts_for(
    patients: Iterable[User], medications: Iterable[Medication] | None = None
) -> dict[int, PatientContext]:
    """Each patient's context, in one query whatever the number of patients (their diagnoses with their
    medicines, or only the diagnoses when the caller has read the `medications` already), and one more when a
    patient has a diagnosis that explains a sign."""
    contexts = {patient.pk: PatientContext() for patient in patients}
    ids = list(contexts)
    if not ids:
        return contexts
    diagnoses, courses = [], []
    for arm, patient_id, level, others, slug, label, order, name, started, stopped in _profile_and_medicine_rows(
        ids, medicines=medications is None
    ):
        if arm == "medicine":
            courses.append((patient_id, MedicineCourse(name, started, stopped)))
            continue
        contexts[patient_id].spinal_injury_level = level
        contexts[patient_id].other_conditions = others
        if slug:
            diagnoses.append((order, label, patient_id, slug))
    for _, label, patient_id, slug in sorted(diagnoses):
        contexts[patient_id].conditions[slug] = label
    if medications is not None:
        courses = [
            (medication.patient_id, MedicineCourse(medication.name, medication.started_on, medication.stopped_on))
            for medication in medications
        ]
    # In Medication's order (stopped_on, name), a medicine still taken last, as PostgreSQL sorts it.
    for patient_id, course in sorted(courses, key=lambda item: _course_order(item[1])):
        contexts[patient_id].medicines.append(course)
    explained = [pk for pk, context in contexts.items() if not EXPLAINING_CONDITIONS.isdisjoint(context.conditions)]
    if not explained:
        return contexts
    first_seen = (
        EpisodeTerm.objects.filter(
            patient_id__in=explained,
            term__kind=Term.Kind.SYMPTOM,
            term__slug__in=FIRST_SEEN_SYMPTOMS,
            term__owner__isnull=True,
        )
        .values_list("patient_id", "term__slug")
        .annotate(first=Min("episode__started_at"))
        .order_by()
    )
    for patient_id, slug, first in first_seen:
        contexts[patient_id].first_seen[slug] = first
    return contexts


def shared_slugs(terms: Iterable[Term]) -> frozenset[str]:
    """The slugs the rules read: those of the shared vocabularies' items. A patient's own word never raises or
    silences a sign, whatever it is called: an entry warns as it would without it (a place in the patient's own
    words is a place not recorded, which the leg rules take as possibly the leg)."""
    return frozenset(term.slug for term in terms if not term.is_own)


def facts_of(episode: Episode, context: PatientContext) -> EntryFacts:
    """The entry's facts as the rules read them; expects its places and terms read with it."""
    symptoms = shared_slugs(episode.symptoms)
    return EntryFacts(
        symptoms=symptoms,
        triggers=shared_slugs(episode.triggers),
        places=shared_slugs(place.location for place in episode.places),
        event_kind=episode.event_kind,
        duration_seconds=episode.duration_seconds,
        relief_effect=episode.relief_effect,
        conditions=frozenset(context.conditions),
        spinal_injury_level=context.spinal_injury_level,
        medicines=tuple(context.medicines_on(episode.local_day)),
        new_symptoms=frozenset(
            slug
            for slug in symptoms
            if slug not in context.first_seen or episode.started_at <= context.first_seen[slug]
        ),
    )


def painless_with_signs(
    *,
    severity: int | None,
    event_kind: str,
    symptoms: Iterable[Term],
    triggers: Iterable[Term],
    places: Iterable[Term],
    duration_seconds: int | None,
    relief_effect: str,
) -> str | None:
    """The warning signs, in a sentence, of a cramp (or an entry that does not say what it was) rated 0 (no pain)
    that notes them: a contradiction worth a second look, which the entry form and the imports refuse. A twitch or
    a spasm can be painless. None when there is no contradiction."""
    if severity != 0 or event_kind in (EventKind.TWITCH, EventKind.SPASM):
        return None
    symptom_slugs = shared_slugs(symptoms)
    facts = EntryFacts(
        symptoms=symptom_slugs,
        triggers=shared_slugs(triggers),
        places=shared_slugs(places),
        event_kind=event_kind,
        duration_seconds=duration_seconds,
        relief_effect=relief_effect or "",
        new_symptoms=symptom_slugs,
    )
    if (warning := warning_for(facts)) is None:
        return None
    return "; ".join(sign.in_sentence for sign in warning.signs)


def warning_of(episode: Episode, context: PatientContext) -> EntryWarning | None:
    return warning_for(facts_of(episode, context))


def with_warnings(patient: User, entries: Iterable[Episode], context: PatientContext | None = None) -> list[Episode]:
    """The patient's entries, each with its `warning` (None when it carries no sign); expects their places
    and terms read with them. `context` is the patient's when the caller has read it already."""
    entries = list(entries)
    if context is None:
        context = contexts_for([patient])[patient.pk]
    for entry in entries:
        entry.warning = warning_of(entry, context)
    return entries


def most_urgent(entries: Iterable[Episode]) -> Episode | None:
    """The entry with the most urgent warning among `entries` (read with_warnings), the newest of equals."""
    return max((entry for entry in entries if entry.warning), key=lambda entry: entry.warning.tier, default=None)


def warnings_by_patient(episodes: Iterable[Episode], contexts: dict[int, PatientContext]) -> dict[int, list]:
    """Each patient's warnings among `episodes` (of several patients), in the episodes' order."""
    found = defaultdict(list)
    for episode in episodes:
        if (warning := warning_of(episode, contexts[episode.patient_id])) is not None:
            found[episode.patient_id].append(warning)
    return found
