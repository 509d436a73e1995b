"""The patient's record as an HL7 FHIR R4 (4.0.1) Bundle."""

import datetime as dt
import uuid
from collections import defaultdict

from django.utils import timezone

from accounts.models import User
from questionnaires.fhir import questionnaire_entries

from ..models import EntryType, Episode, EpisodeLocation, EventKind
from ..selectors import episodes_filtered
from ..tallies import slot_bounds
from .record import instant as _instant

# --- HL7 FHIR R4 (4.0.1), following the Symptoms IG: one Observation per cramp -------------------

FHIR_CONTENT_TYPE = "application/fhir+json; fhirVersion=4.0"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# Patient resources get a stable id without exposing anything but what the URL already shows.
PATIENT_ID_NAMESPACE = uuid.UUID("2e4790a5-eaa3-4079-8eef-fc8f9ef74544")
# Only locations that one SNOMED CT body structure names exactly; the others (and the side,
# which R4 has no element for) travel as text.
BODY_SITE_CODES = {
    "calf": ("53840002", "Structure of calf of leg"),
    "forearm": ("14975008", "Forearm structure"),
    "upper-arm": ("40983000", "Structure of upper limb between shoulder and elbow"),
    "neck": ("45048000", "Neck structure"),
    "chest-wall": ("78904004", "Chest wall structure"),
    "back": ("77568009", "Structure of back of trunk"),
}


def _coded(system: str, code: str, display: str, text: str | None = None) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text or display}


CRAMP = _coded(SNOMED, "55300003", "Cramp (finding)", "Muscle cramp")
# What the patient said an entry was, when it was not a cramp: their words, without a code.
EVENT_KIND_VALUES = {
    EventKind.SPASM: {"text": "Muscle spasm or stiffness (as the patient described it)"},
    EventKind.TWITCH: {"text": "Muscle twitching, fasciculations (as the patient described it)"},
    EventKind.UNSURE: {"text": "Cramp, spasm or twitch: the patient was not sure"},
}
SYMPTOM = _coded(LOINC, "75325-1", "Symptom")
SEVERITY = _coded(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "Severity 0-10")
FINDING_SITE = _coded(SNOMED, "363698007", "Finding site")
SURVEY = _coded(OBSERVATION_CATEGORY, "survey", "Survey")
# An answer the patient did not give: absent, with the reason, rather than a false "no".
UNKNOWN = _coded(DATA_ABSENT_REASON, "unknown", "Unknown", "Not recorded")


def _site(place: EpisodeLocation) -> dict:
    text = f"{place.location.label}, {place.get_side_display().lower()}"
    code = BODY_SITE_CODES.get(place.location.slug)
    return _coded(SNOMED, *code, text) if code else {"text": text}


def _text_component(question: str, answer: str) -> dict:
    return {"code": {"text": question}, "valueCodeableConcept": {"text": answer}}


def _components(episode: Episode) -> list[dict]:
    places = list(episode.places)
    components = [{"code": SEVERITY, "valueInteger": episode.severity}]
    if episode.is_tally:
        # A tally is one Observation: the severity above is its worst cramp's.
        components[0]["code"] = {**SEVERITY, "text": "Severity 0-10 of the worst cramp"}
        period = "night" if episode.entry_type == EntryType.NIGHT else "day"
        components.append(
            {
                "code": {"text": f"Number of cramps in this {period}"},
                "valueQuantity": {
                    "value": episode.cramp_count,
                    "unit": "cramps",
                    "system": "http://unitsofmeasure.org",
                    "code": "{cramps}",
                },
            }
        )
        if episode.times_woken is not None:
            components.append({"code": {"text": "Times woken by cramps"}, "valueInteger": episode.times_woken})
    if episode.event_kind:
        components.append(_text_component("Kind of event (patient's choice)", episode.get_event_kind_display()))
    components += [{"code": FINDING_SITE, "valueCodeableConcept": _site(place)} for place in places]
    if episode.activity:
        components.append(_text_component("Activity at onset", episode.activity.label))
    components += [_text_component("Suspected trigger (aggravating factor)", term.label) for term in episode.triggers]
    components += [_text_component("Accompanying symptom", term.label) for term in episode.symptoms]
    components += [
        _text_component("Relief measure tried (alleviating factor)", term.label) for term in episode.relief_measures
    ]
    if episode.relief_effect:
        components.append(_text_component("How well relief worked", episode.get_relief_effect_display()))
    if not episode.is_tally:
        woke = {"code": {"text": "Woke from sleep"}}
        if episode.woke_from_sleep is None:
            woke["dataAbsentReason"] = UNKNOWN
        else:
            woke["valueBoolean"] = episode.woke_from_sleep
        components.append(woke)
    if episode.medication_taken:
        components.append(
            {"code": {"text": "Medication taken for this cramp"}, "valueString": episode.medication_taken}
        )
    return components


def _by_caregiver(episode: Episode) -> bool:
    return episode.created_by is not None and episode.created_by.is_caregiver


def _related_person(caregiver: User, patient: User, patient_reference: dict) -> dict:
    """A caregiver as FHIR sees them: a person related to this patient (one resource per pair)."""
    return {
        "resourceType": "RelatedPerson",
        "id": str(uuid.uuid5(PATIENT_ID_NAMESPACE, f"related-person:{patient.pk}:{caregiver.pk}")),
        "patient": patient_reference,
        "relationship": [{"text": "caregiver"}],
        "name": [{"text": caregiver.full_name}],
    }


def _observation(episode: Episode, patient: User, patient_reference: dict, performer: dict, members: list) -> dict:
    """One cramp, or one tally of cramps over its night or day with its described cramps as members."""
    period = {"start": _instant(episode.started_at)}
    if episode.is_tally:
        period["end"] = _instant(slot_bounds(patient, episode.entry_type, episode.tally_date)[1])
    elif episode.duration_seconds:
        period["end"] = _instant(episode.started_at + dt.timedelta(seconds=episode.duration_seconds))
    places = list(episode.places)
    observation = {
        "resourceType": "Observation",
        "id": str(episode.uuid),
        "status": "final",
        "category": [SURVEY],
        "code": SYMPTOM,
        "subject": patient_reference,
        "effectivePeriod": period,
        "issued": _instant(episode.created_at),
        "performer": [performer],
        "valueCodeableConcept": EVENT_KIND_VALUES.get(episode.event_kind, CRAMP),
        "component": _components(episode),
    }
    if members:
        observation["hasMember"] = [{"reference": f"urn:uuid:{member.uuid}"} for member in members]
    if len(places) == 1:
        observation["bodySite"] = _site(places[0])
    if episode.notes:
        observation["note"] = [{"text": episode.notes}]
    return observation


def fhir_bundle(patient: User) -> dict:
    """The patient and every cramp as a FHIR R4 collection Bundle, in a fixed number of queries."""
    patient_id = str(uuid.uuid5(PATIENT_ID_NAMESPACE, str(patient.pk)))
    reference = {"reference": f"urn:uuid:{patient_id}", "display": patient.full_name}
    patient_resource = {
        "resourceType": "Patient",
        "id": patient_id,
        "active": patient.is_active,
        "name": [{"text": patient.full_name}],
        "telecom": [{"system": "email", "value": patient.email}],
    }
    entries = [{"fullUrl": f"urn:uuid:{patient_id}", "resource": patient_resource}]
    episodes = list(episodes_filtered(patient).with_details().order_by("started_at"))
    # A cramp a caregiver logged has that caregiver, a RelatedPerson in this Bundle, as its performer.
    caregivers = {episode.created_by_id: episode.created_by for episode in episodes if _by_caregiver(episode)}
    performers = {}
    for caregiver in caregivers.values():
        related = _related_person(caregiver, patient, reference)
        entries.append({"fullUrl": f"urn:uuid:{related['id']}", "resource": related})
        performers[caregiver.pk] = {"reference": f"urn:uuid:{related['id']}", "display": caregiver.full_name}
    # A tally's described cramps are its members (and their own Observations): not counted twice.
    members = defaultdict(list)
    for episode in episodes:
        if episode.tally_id:
            members[episode.tally_id].append(episode)
    entries += [
        {
            "fullUrl": f"urn:uuid:{episode.uuid}",
            "resource": _observation(
                episode, patient, reference, performers.get(episode.created_by_id, reference), members[episode.pk]
            ),
        }
        for episode in episodes
    ]
    entries += questionnaire_entries(patient, reference)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": entries,
    }
