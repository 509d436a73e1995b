"""The patient's whole record as an HL7 FHIR R4 (4.0.1) collection Bundle, written as a stream.

Cramps, spasms and twitches follow the HL7 FHIR Symptoms Implementation Guide (STU 1,
http://hl7.org/fhir/uv/symptoms): one Symptom Observation per entry, a cramp-free check-in day as a
Symptom Absent Observation. Diagnoses are Conditions, medicines and their dose steps MedicationStatements,
questionnaires come from questionnaires.fhir. Every code used here is listed, with its source, in the
code table of tests/test_fhir.py.
"""

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from questionnaires.fhir import questionnaire_entries
from tracker.diary.tallies import slot_bounds

from ..models import (
    CRAMP_KINDS,
    LOCAL_DAY,
    CheckIn,
    EntryType,
    Episode,
    EpisodeLocation,
    EventKind,
    Medication,
    MedicationStep,
    PatientCondition,
    PatientProfile,
    Side,
)
from .record import instant

FHIR_CONTENT_TYPE = "application/fhir+json; fhirVersion=4.0"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SYMPTOMS_IG = "http://hl7.org/fhir/uv/symptoms"
# The guide's own code system, for codes not (yet) in LOINC or THO: the symptom category and "other events".
SYMPTOM_IG_CODES = f"{SYMPTOMS_IG}/CodeSystem/SymptomTemporary"
SYMPTOM_PROFILE = f"{SYMPTOMS_IG}/StructureDefinition/SymptomObservation"
SYMPTOM_ABSENT_PROFILE = f"{SYMPTOMS_IG}/StructureDefinition/SymptomAbsentObservation"
# The guide's way to name the scale a severity was rated on (context: Observation.component).
ASSESSMENT_SCALE = f"{SYMPTOMS_IG}/StructureDefinition/AssessmentScaleInformation"
# R4 core extension (context: any element): why a value is missing.
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# R4 Observation.bodySite is one CodeableConcept with no element for the side; HL7's laterality qualifier
# extension (published in mCODE STU4, context includes Observation.bodySite and CodeableConcept) carries it
# as a SNOMED CT qualifier value. The Symptoms guide's own LocationQualifier takes only a string.
LATERALITY_QUALIFIER = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
MEDICATION_STATEMENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/medication-statement-category"
# Stable ids for resources that have no uuid of their own, derived from what the file already shows.
PATIENT_ID_NAMESPACE = uuid.UUID("2e4790a5-eaa3-4079-8eef-fc8f9ef74544")
# Episodes read per query: memory stays flat however long the diary (prefetches run once per chunk).
EPISODE_CHUNK = 2000
# Characters of JSON text gathered before a piece of the response is written.
PIECE_CHARS = 64 * 1024


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _concept(system: str, code: str, display: str, text: str | None = None) -> dict:
    return {"coding": [_coding(system, code, display)], "text": text or display}


SYMPTOM_CATEGORY = _concept(SYMPTOM_IG_CODES, "symptom", "Symptom")
SYMPTOM = _concept(LOINC, "75325-1", "Symptom")
SYMPTOM_ABSENT = _concept(LOINC, "111551-8", "Symptom absent")
SEVERITY = _concept(LOINC, "64750-3", "Severity of symptoms")
TRIGGER = _concept(LOINC, "100752-5", "Exacerbating factors - Reported")
RELIEF = _concept(LOINC, "100753-3", "Alleviating factors - Reported")
FREQUENCY = _concept(LOINC, "104156-5", "Condition frequency - Reported")
OTHER_EVENT = _concept(SYMPTOM_IG_CODES, "OTHEREVENT", "Other Events", "Activity at onset")
# Our 0-10 question is a pain rating ("0 = no pain, 10 = worst imaginable"): its LOINC code goes on cramps
# only; a twitch or a spasm can be painless, so its rating travels under our own words.
PAIN_SCORE = _concept(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
CRAMP = _concept(SNOMED, "55300003", "Cramp (finding)", "Muscle cramp")
# Spasm and fasciculation as HL7's IPS problem list publishes them (SNOMED CT preferred terms); the text keeps
# the patient's own words. "Not sure" has no concept: it travels as words only.
EVENT_KIND_VALUES = {
    EventKind.SPASM: _concept(SNOMED, "45352006", "Spasm", "Muscle spasm or stiffness (as the patient described it)"),
    EventKind.TWITCH: _concept(
        SNOMED, "82470000", "Muscle fasciculation", "Muscle twitching, fasciculations (as the patient described it)"
    ),
    EventKind.UNSURE: {"text": "Cramp, spasm or twitch: the patient was not sure"},
}
# How a tally's number is counted, by kind: (unit in words, UCUM annotation).
COUNT_UNITS = {
    "": ("cramps", "{cramps}"),
    EventKind.CRAMP: ("cramps", "{cramps}"),
    EventKind.SPASM: ("spasms", "{spasms}"),
    EventKind.TWITCH: ("twitching episodes", "{episodes}"),
    EventKind.UNSURE: ("episodes", "{episodes}"),
}
# Only locations that one SNOMED CT body structure names exactly; the others travel as text. Codes from
# DICOM PS3.16 Annex L (Body Part Examined), the abdomen from the Symptoms guide's own table.
BODY_SITES = {
    "calf": ("53840002", "Calf of leg"),
    "foot-toes": ("56459004", "Foot"),
    "back": ("77568009", "Back"),
    "neck": ("45048000", "Neck"),
    "hand-fingers": ("85562004", "Hand"),
    "forearm": ("14975008", "Forearm"),
    "upper-arm": ("40983000", "Upper arm"),
    "abdomen": ("818983003", "Abdomen (body structure)"),
}
LATERALITY = {
    Side.LEFT: _concept(SNOMED, "7771000", "Left (qualifier value)", "left"),
    Side.RIGHT: _concept(SNOMED, "24028007", "Right (qualifier value)", "right"),
    Side.BOTH: _concept(SNOMED, "51440002", "Right and left (qualifier value)", "both sides"),
}
# Our condition vocabulary (tracker migration 0002) where a sourced SNOMED CT code names the same thing;
# "ALS or another motor neuron disease" is broader than ALS, so it stays text like the rest.
CONDITION_CODES = {"multiple-sclerosis": ("24700007", "Multiple sclerosis (disorder)")}
SPINAL_CORD_INJURY = "spinal-cord-injury"
ACTIVE = _concept(CONDITION_CLINICAL, "active", "Active")
PROBLEM_LIST_ITEM = _concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
PATIENT_SPECIFIED = _concept(MEDICATION_STATEMENT_CATEGORY, "patientspecified", "Patient Specified")


def _absent(element: str) -> dict:
    """A value the patient did not give, as FHIR's data-absent-reason on the element itself: the guide
    forbids component.dataAbsentReason yet requires a value, and "not recorded" is not "no"."""
    return {f"_{element}": {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}}


def _answer(question: str, element: str, value: bool | int | None) -> dict:
    """A component for an answer that may not have been given (None)."""
    return {"code": {"text": question}, **({element: value} if value is not None else _absent(element))}


def _text_component(question: str, answer: str) -> dict:
    return {"code": {"text": question}, "valueCodeableConcept": {"text": answer}}


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else round(value, 2)


def _site(place: EpisodeLocation) -> dict:
    site = {
        "extension": [{"url": LATERALITY_QUALIFIER, "valueCodeableConcept": LATERALITY[place.side]}],
        "text": place.label,
    }
    # A place in the patient's own words travels as text alone, whatever it is called.
    if place.location.slug in BODY_SITES and not place.location.is_own:
        site["coding"] = [_coding(SNOMED, *BODY_SITES[place.location.slug])]
    return site


def _severity(episode: Episode) -> list[dict]:
    """The guide's severity (a coded value, here the rating in words with its scale), and the rating as a
    number a receiving system can chart."""
    is_cramp = episode.event_kind in CRAMP_KINDS
    worst = "Worst: " if episode.is_tally else ""
    scale = PAIN_SCORE if is_cramp else {"text": "0-10 rating: 0 = no pain, 10 = worst imaginable"}
    rating = {
        "extension": [{"url": ASSESSMENT_SCALE, "valueCodeableConcept": scale}],
        "code": SEVERITY,
        "valueCodeableConcept": {"text": f"{worst}{episode.severity} out of 10"},
    }
    if is_cramp:
        number_code = {**PAIN_SCORE, "text": "Pain of the worst cramp, 0-10" if episode.is_tally else "Pain, 0-10"}
    else:
        which = "the worst one" if episode.is_tally else "it"
        number_code = {"text": f"How bad {which} was, 0-10 (0 = no pain, 10 = worst imaginable)"}
    return [rating, {"code": number_code, "valueInteger": episode.severity}]


def _count(episode: Episode, start: dt.datetime, end: dt.datetime) -> dict:
    """A tally's number as the guide's frequency: so many in the hours of that night or day."""
    unit, code = COUNT_UNITS[episode.event_kind]
    hours = (end - start).total_seconds() / 3600
    return {
        "code": FREQUENCY,
        "valueRatio": {
            "numerator": {"value": episode.cramp_count, "unit": unit, "system": UCUM, "code": code},
            "denominator": {"value": _number(hours), "unit": "h", "system": UCUM, "code": "h"},
        },
    }


def _components(episode: Episode, places: list[EpisodeLocation], period: tuple | None) -> list[dict]:
    components = _severity(episode)
    if period is not None:
        components.append(_count(episode, *period))
    if episode.entry_type == EntryType.NIGHT:
        components.append(_answer("Times woken by cramps", "valueInteger", episode.times_woken))
    if not episode.is_tally:
        components.append(_answer("Woke from sleep", "valueBoolean", episode.woke_from_sleep))
    if len(places) > 1:
        # bodySite holds one site: with several, each is here with its code and side.
        components += [{"code": {"text": "Body site"}, "valueCodeableConcept": _site(place)} for place in places]
    if episode.activity:
        components.append({"code": OTHER_EVENT, "valueCodeableConcept": {"text": episode.activity.label}})
    # The guide's factor value sets hold no code for our triggers and relief measures as worded: text.
    components += [{"code": TRIGGER, "valueCodeableConcept": {"text": term.label}} for term in episode.triggers]
    components += [{"code": RELIEF, "valueCodeableConcept": {"text": term.label}} for term in episode.relief_measures]
    if episode.relief_effect:
        components.append(_text_component("How well relief worked", episode.get_relief_effect_display()))
    # The guide links an associated symptom as its own Observation; these are ticks without a time or a
    # severity of their own, so they stay with the entry, in words.
    components += [_text_component("Accompanying symptom", term.label) for term in episode.symptoms]
    if episode.medication_taken:
        components.append({"code": {"text": "Medication taken for it"}, "valueString": episode.medication_taken})
    return components


def _on_its_clock(episode: Episode, moment: dt.datetime) -> str:
    """A moment of an entry with the offset of the zone the entry happened in: the local time the patient saw."""
    return moment.astimezone(episode.zone).isoformat(timespec="seconds")


def _observation(episode: Episode, subject: dict, performer: dict, members: list) -> dict:
    """One cramp (spasm, twitch), or one tally with its described cramps as members (they count once, in it)."""
    places = list(episode.places)
    if episode.is_tally:
        period = slot_bounds(episode.zone, episode.entry_type, episode.tally_date)
        effective = {"start": _on_its_clock(episode, period[0]), "end": _on_its_clock(episode, period[1])}
    else:
        period = None
        effective = {"start": _on_its_clock(episode, episode.started_at)}
        if episode.duration_seconds:
            end = episode.started_at + dt.timedelta(seconds=episode.duration_seconds)
            effective["end"] = _on_its_clock(episode, end)
    observation = {
        "resourceType": "Observation",
        "id": str(episode.uuid),
        "meta": {"profile": [SYMPTOM_PROFILE]},
        "status": "final",
        "category": [SYMPTOM_CATEGORY],
        "code": SYMPTOM,
        "subject": subject,
        "effectivePeriod": effective,
        "issued": instant(episode.created_at),
        "performer": [performer],
        "valueCodeableConcept": EVENT_KIND_VALUES.get(episode.event_kind, CRAMP),
        "component": _components(episode, places, period),
    }
    if places:
        observation["bodySite"] = (
            _site(places[0]) if len(places) == 1 else {"text": "; ".join(place.label for place in places)}
        )
    if members:
        observation["hasMember"] = [{"reference": f"urn:uuid:{member}"} for member in members]
    if episode.notes:
        observation["note"] = [{"text": episode.notes}]
    return observation


def _cramp_free_day(checkin: CheckIn, patient: User, subject: dict, performer: dict) -> dict:
    """A check-in "no cramps today" as the guide's Symptom Absent Observation on that local day. Its time is a
    date (FHIR's dateTime to the day): a check-in keeps no zone, and the profile's zone now may not be the one
    the day was lived in (a day in London written with New York's offset overlapped the next day's cramps)."""
    return {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(PATIENT_ID_NAMESPACE, f"cramp-free:{patient.pk}:{checkin.day}")),
        "meta": {"profile": [SYMPTOM_ABSENT_PROFILE]},
        "status": "final",
        "code": SYMPTOM_ABSENT,
        "subject": subject,
        "effectiveDateTime": checkin.day.isoformat(),
        "issued": instant(checkin.created_at),
        "performer": [performer],
        "valueCodeableConcept": CRAMP,
        "note": [{"text": "Daily check-in: no cramps on this day."}],
    }


def _cramps_day(checkin: CheckIn, patient: User, subject: dict, performer: dict) -> dict:
    """A check-in "I had cramps" on a day with none logged: the guide's Symptom Observation on that local day,
    without a count (the patient did not give one)."""
    return {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(PATIENT_ID_NAMESPACE, f"cramps-day:{patient.pk}:{checkin.day}")),
        "meta": {"profile": [SYMPTOM_PROFILE]},
        "status": "final",
        "category": [SYMPTOM_CATEGORY],
        "code": SYMPTOM,
        "subject": subject,
        "effectiveDateTime": checkin.day.isoformat(),
        "issued": instant(checkin.created_at),
        "performer": [performer],
        "valueCodeableConcept": CRAMP,
        "note": [{"text": "Daily check-in: cramps on this day, none logged one by one (their number not given)."}],
    }


def _condition(patient: User, subject: dict, key: str, code: dict) -> dict:
    """A diagnosis the patient reports (asserter): active, on their problem list."""
    return {
        "resourceType": "Condition",
        "id": str(uuid.uuid5(PATIENT_ID_NAMESPACE, f"condition:{patient.pk}:{key}")),
        "clinicalStatus": ACTIVE,
        "category": [PROBLEM_LIST_ITEM],
        "code": code,
        "subject": subject,
        "asserter": subject,
    }


def _conditions(patient: User, subject: dict) -> Iterator[dict]:
    profile = PatientProfile.objects.filter(patient=patient).only("other_conditions", "spinal_injury_level").first()
    for item in PatientCondition.objects.filter(profile_id=patient.pk).select_related("condition"):
        term = item.condition
        coded = CONDITION_CODES.get(term.slug)
        code = _concept(SNOMED, *coded, term.label) if coded else {"text": term.label}
        condition = _condition(patient, subject, term.slug, code)
        if term.slug == SPINAL_CORD_INJURY and profile and profile.spinal_injury_level:
            # R4 has no element for a level of injury; a clinician reads it here (at T6 or above: dysreflexia).
            condition["note"] = [{"text": f"Level of injury: {profile.get_spinal_injury_level_display()}."}]
        yield condition
    if profile and profile.other_conditions:
        yield _condition(patient, subject, "other", {"text": profile.other_conditions})


def _step_id(step: MedicationStep) -> uuid.UUID:
    """A saved step's uuid; a step read from the medicine's dates gets one derived from them."""
    if step.pk is not None:
        return step.uuid
    return uuid.uuid5(PATIENT_ID_NAMESPACE, f"medication-step:{step.medication.uuid}:{step.kind}:{step.day}")


def _step_statement(step: MedicationStep, following: MedicationStep | None, base: dict, source: dict) -> dict:
    """One step of a medicine as a MedicationStatement, part of the medicine's. R4 has no element for a
    side effect the patient noticed: an AdverseEvent would assert an event judged against the medicine, an
    AllergyIntolerance a propensity; the note says exactly what they ticked, in their words."""
    statement = {**base, "id": str(_step_id(step)), "partOf": [{"reference": f"urn:uuid:{base['id']}"}]}
    statement["informationSource"] = source
    if step.kind == MedicationStep.Kind.STOPPED:
        statement["status"] = "stopped"
        statement["effectiveDateTime"] = step.day.isoformat()
    else:
        statement["status"] = "active" if following is None else "completed"
        statement["effectivePeriod"] = {"start": step.day.isoformat()}
        if following is not None:
            statement["effectivePeriod"]["end"] = following.day.isoformat()
    if step.dose:
        statement["dosage"] = [{"text": step.dose}]
    if step.created_at:
        statement["dateAsserted"] = instant(step.created_at)
    note = f"{step.get_kind_display()}."
    if step.side_effect_labels:
        note += f" Side effects noticed: {'; '.join(step.side_effect_labels)}."
    statement["note"] = [{"text": note}]
    return statement


def _medication_statements(medication: Medication, today: dt.date, subject: dict, sources: dict) -> list[dict]:
    """The medicine as a whole, then each of its steps (start, dose changes, stop)."""
    stopped = medication.stopped_on is not None and medication.stopped_on <= today
    statement = {
        "resourceType": "MedicationStatement",
        "id": str(medication.uuid),
        "status": "stopped" if stopped else "active",
        "category": PATIENT_SPECIFIED,
        "medicationCodeableConcept": {"text": medication.name},
        "subject": subject,
        "dateAsserted": instant(medication.created_at),
        "informationSource": subject,
    }
    period = {"start": medication.started_on, "end": medication.stopped_on}
    if any(period.values()):
        statement["effectivePeriod"] = {key: day.isoformat() for key, day in period.items() if day}
    if medication.dose:
        statement["dosage"] = [{"text": medication.dose}]
    steps = medication.timeline()
    base = {key: statement[key] for key in ("resourceType", "id", "category", "medicationCodeableConcept", "subject")}
    return [statement] + [
        _step_statement(step, following, base, sources.get(step.created_by_id, subject))
        for step, following in zip(steps, [*steps[1:], None], strict=True)
    ]


def _related_person(caregiver: User, patient: User, subject: dict) -> dict:
    """A caregiver as FHIR sees them: a person related to this patient (one resource per pair)."""
    return {
        "resourceType": "RelatedPerson",
        "id": str(uuid.uuid5(PATIENT_ID_NAMESPACE, f"related-person:{patient.pk}:{caregiver.pk}")),
        "patient": subject,
        "relationship": [{"text": "caregiver"}],
        "name": [{"text": caregiver.full_name}],
    }


def _caregivers(patient: User):
    """The caregivers who entered anything in this record: cramps, check-ins or medicine steps (one query)."""
    entered = (
        Q(pk__in=Episode.objects.for_patient(patient).values("created_by"))
        | Q(pk__in=CheckIn.objects.filter(patient=patient).values("created_by"))
        | Q(pk__in=MedicationStep.objects.filter(patient=patient).values("created_by"))
    )
    return User.objects.filter(entered, role=User.Role.CAREGIVER).order_by("pk")


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def fhir_entries(patient: User) -> Iterator[dict]:
    """Every Bundle entry of the patient's record, read lazily: a fixed number of queries up to
    EPISODE_CHUNK entries (two more per further chunk), and memory that does not grow with the diary."""
    patient_id = str(uuid.uuid5(PATIENT_ID_NAMESPACE, str(patient.pk)))
    subject = {"reference": f"urn:uuid:{patient_id}", "display": patient.full_name}
    yield _entry(
        {
            "resourceType": "Patient",
            "id": patient_id,
            "active": patient.is_active,
            "name": [{"text": patient.full_name}],
            "telecom": [{"system": "email", "value": patient.email}],
        }
    )
    # Whoever entered a cramp, a check-in or a step is its performer or source: the patient or a caregiver.
    sources = {}
    for caregiver in _caregivers(patient):
        related = _related_person(caregiver, patient, subject)
        sources[caregiver.pk] = {"reference": f"urn:uuid:{related['id']}", "display": caregiver.full_name}
        yield _entry(related)
    for condition in _conditions(patient, subject):
        yield _entry(condition)
    today = timezone.localdate(timezone.now(), patient.zone)
    medications = Medication.objects.for_patient(patient).prefetch_related("steps").order_by("started_on", "pk")
    for medication in medications:
        for statement in _medication_statements(medication, today, subject, sources):
            yield _entry(statement)
    # A tally's described cramps are its members (and Observations of their own): not counted twice.
    members = defaultdict(list)
    described = Episode.objects.for_patient(patient).filter(tally__isnull=False).order_by("started_at", "pk")
    for tally_id, member in described.values_list("tally_id", "uuid"):
        members[tally_id].append(member)
    episodes = Episode.objects.for_patient(patient).with_details().order_by("started_at", "pk")
    for episode in episodes.iterator(chunk_size=EPISODE_CHUNK):
        performer = sources.get(episode.created_by_id, subject)
        yield _entry(_observation(episode, subject, performer, members.get(episode.pk, [])))
    cramp_free = CheckIn.objects.filter(patient=patient, status=CheckIn.Status.NO_CRAMPS).order_by("day")
    for checkin in cramp_free.iterator(chunk_size=EPISODE_CHUNK):
        yield _entry(_cramp_free_day(checkin, patient, subject, sources.get(checkin.created_by_id, subject)))
    # A day checked in as "had cramps" with nothing logged on it: a symptom, its number not given.
    cramps = Episode.objects.for_patient(patient).filter(event_kind__in=CRAMP_KINDS)
    logged_days = cramps.annotate(day=LOCAL_DAY).values("day")
    unlogged = (
        CheckIn.objects.filter(patient=patient, status=CheckIn.Status.HAD_CRAMPS)
        .exclude(day__in=logged_days)
        .order_by("day")
    )
    for checkin in unlogged.iterator(chunk_size=EPISODE_CHUNK):
        yield _entry(_cramps_day(checkin, patient, subject, sources.get(checkin.created_by_id, subject)))
    yield from questionnaire_entries(patient, subject)


def _pieces(texts: Iterable[str]) -> Iterator[str]:
    """The texts joined into pieces of about PIECE_CHARS: fewer, larger writes."""
    buffer, size = [], 0
    for text in texts:
        buffer.append(text)
        size += len(text)
        if size >= PIECE_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _bundle_texts(patient: User) -> Iterator[str]:
    opening = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": instant(timezone.now()),
    }
    yield json.dumps(opening)[:-1] + ', "entry": ['
    for number, entry in enumerate(fhir_entries(patient)):
        yield ("," if number else "") + json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    yield "]}"


def fhir_bundle_json(patient: User) -> Iterator[str]:
    """The Bundle as JSON text: its opening at once (the download starts before anything is read), then each
    entry serialised on its own, gathered into pieces, and the closing."""
    texts = _bundle_texts(patient)
    yield next(texts)
    yield from _pieces(texts)
