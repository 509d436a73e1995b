"""A patient's questionnaires as HL7 FHIR R4 (4.0.1) resources, for tracker.portability's Bundle:
each instrument answered as a Questionnaire (by canonical URL), each response as a QuestionnaireResponse,
and its score as an Observation derived from that response."""

import datetime as dt
import re
import uuid

from accounts.models import User

from .charts import format_score
from .engine import OPERATORS, options_of
from .models import Instrument, Item, QuestionnaireResponse
from .selectors import responses_for_export

# Canonical URLs identify our instruments; like namespace URIs they need not resolve.
CANONICAL_BASE = "https://crampapp.org/fhir"
QUESTIONNAIRE_ID_NAMESPACE = uuid.UUID("6c1d3f2e-93b5-4f0e-9f1e-6a0e3c7f5b21")
SCORE_ID_NAMESPACE = uuid.UUID("0b8f7d84-5d3c-4b77-a2a4-1f5c9e7d2c10")
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
UCUM = "http://unitsofmeasure.org"
SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}], "text": "Survey"}


def instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def canonical_url(instrument: Instrument) -> str:
    return f"{CANONICAL_BASE}/Questionnaire/{instrument.slug}"


def _answer_system(instrument: Instrument, item: Item) -> str:
    """The code system of one item's answer options."""
    return f"{CANONICAL_BASE}/CodeSystem/{instrument.slug}-{item.link_id}"


def questionnaire_reference(instrument: Instrument, version: str) -> str:
    return f"{canonical_url(instrument)}|{version}"


def _enable_when(instrument: Instrument, item: Item, items: dict[str, Item]) -> list[dict]:
    """Our condition (an earlier item's value compared with a number) in FHIR terms. On a coded item
    it becomes "any of the options that meet it", since FHIR compares codes only for equality."""
    trigger = items[item.enable_when_link_id]
    if trigger.display == Item.Display.SCALE:
        return [
            {
                "question": trigger.link_id,
                "operator": item.enable_when_operator,
                "answerInteger": item.enable_when_value,
            }
        ]
    test = OPERATORS[item.enable_when_operator]
    return [
        {
            "question": trigger.link_id,
            "operator": "=",
            "answerCoding": {
                "system": _answer_system(instrument, trigger),
                "code": option.code,
                "display": option.label,
            },
        }
        for option in options_of(trigger)
        if test(option.value, item.enable_when_value)
    ]


def _questionnaire_item(instrument: Instrument, item: Item, items: dict[str, Item]) -> dict:
    options = options_of(item)
    entry = {"linkId": item.link_id, "text": item.text, "required": item.required}
    if item.display == Item.Display.SCALE:
        entry["type"] = "integer"
        entry["extension"] = [
            {"url": MIN_VALUE, "valueInteger": min(option.value for option in options)},
            {"url": MAX_VALUE, "valueInteger": max(option.value for option in options)},
        ]
    else:
        entry["type"] = "choice"
        entry["answerOption"] = [
            {
                "valueCoding": {
                    "system": _answer_system(instrument, item),
                    "code": option.code,
                    "display": option.label,
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                }
            }
            for option in options
        ]
    if item.enable_when_link_id:
        conditions = _enable_when(instrument, item, items)
        entry["enableWhen"] = conditions
        if len(conditions) > 1:
            entry["enableBehavior"] = "any"
    return entry


def _computable_name(instrument: Instrument) -> str:
    """FHIR's machine name: a letter, then letters, digits and underscores ("cramp-impact" -> "CrampImpact")."""
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", instrument.slug))
    return name if name[:1].isalpha() else f"Questionnaire{name}"


def questionnaire_resource(instrument: Instrument) -> dict:
    items = list(instrument.items.all())
    by_link_id = {item.link_id: item for item in items}
    description = f"{instrument.description} {instrument.status_statement}".strip()
    return {
        "resourceType": "Questionnaire",
        "id": str(uuid.uuid5(QUESTIONNAIRE_ID_NAMESPACE, f"{instrument.slug}|{instrument.version}")),
        "url": canonical_url(instrument),
        "version": instrument.version,
        "name": _computable_name(instrument),
        "title": instrument.title,
        "status": "active" if instrument.active else "retired",
        "subjectType": ["Patient"],
        "description": description,
        "item": [_questionnaire_item(instrument, item, by_link_id) for item in items],
    }


def _response_item(instrument: Instrument, answer: dict, items: dict[str, Item]) -> dict:
    item = items.get(answer["link_id"])
    entry = {"linkId": answer["link_id"]}
    if item is not None:
        entry["text"] = item.text
    if item is not None and item.display == Item.Display.SCALE:
        entry["answer"] = [{"valueInteger": answer["value"]}]
    else:
        coding = {"code": answer["code"], "display": answer["label"]}
        if item is not None:
            coding = {"system": _answer_system(instrument, item), **coding}
        entry["answer"] = [{"valueCoding": coding}]
    return entry


def response_resources(response: QuestionnaireResponse, patient_reference: dict) -> list[dict]:
    """The QuestionnaireResponse and the Observation carrying its score."""
    instrument = response.instrument
    items = {item.link_id: item for item in instrument.items.all()}
    response_url = f"urn:uuid:{response.uuid}"
    questionnaire_response = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.uuid),
        "questionnaire": questionnaire_reference(instrument, response.instrument_version),
        "status": "completed",
        "subject": patient_reference,
        "authored": instant(response.answered_at),
        "author": patient_reference,
        "source": patient_reference,
        "item": [_response_item(instrument, answer, items) for answer in response.answers],
    }
    score_text = f"{instrument.title}: {instrument.score_label}"
    observation = {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(SCORE_ID_NAMESPACE, str(response.uuid))),
        "status": "final",
        "category": [SURVEY],
        "code": {"text": score_text},
        "subject": patient_reference,
        "effectiveDateTime": instant(response.answered_at),
        "issued": instant(response.created_at),
        "performer": [patient_reference],
        "valueQuantity": {
            "value": float(response.score),
            "unit": "score",
            "system": UCUM,
            "code": "{score}",
        },
        "derivedFrom": [{"reference": response_url, "display": f"{instrument.short_title} answers"}],
        "component": [
            {"code": {"text": f"{instrument.short_title}: {answer['link_id']}"}, "valueInteger": answer["value"]}
            for answer in response.answers
        ],
    }
    if instrument.score_help:
        observation["note"] = [{"text": f"Score {format_score(response.score)}. {instrument.score_help}"}]
    return [
        {"fullUrl": response_url, "resource": questionnaire_response},
        {"fullUrl": f"urn:uuid:{observation['id']}", "resource": observation},
    ]


def questionnaire_entries(patient: User, patient_reference: dict) -> list[dict]:
    """Bundle entries for every questionnaire the patient answered, in a fixed number of queries."""
    responses = list(responses_for_export(patient))
    instruments = {response.instrument_id: response.instrument for response in responses}
    entries = [
        {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
        for resource in (questionnaire_resource(instrument) for instrument in instruments.values())
    ]
    for response in responses:
        entries += response_resources(response, patient_reference)
    return entries
