"""The FHIR R4 export: the HL7 Symptoms guide's shape, every code checked against its source, the Bundle
valid against the R4 models and HL7's R4 JSON schema, written as a stream in a fixed number of queries."""

import datetime as dt
import gzip
import hashlib
import json
import uuid
from functools import cache
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.bundle import Bundle
from jsonschema import Draft6Validator

from questionnaires.models import Instrument
from questionnaires.services import response_record
from tracker.diary.services import (
    EpisodeDetails,
    LocationChoice,
    checkin_record,
    episode_create,
    medication_add,
    medication_step_add,
    profile_for,
)
from tracker.diary.tallies import Overlap, slot_bounds
from tracker.models import CheckIn, EntryType, Episode, EventKind, Medication, PatientCondition
from tracker.portability.fhir import FHIR_CONTENT_TYPE, fhir_bundle_json, fhir_entries

from .factories import CaregiverFactory, grant_care, term

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SYMPTOM_IG_CODES = "http://hl7.org/fhir/uv/symptoms/CodeSystem/SymptomTemporary"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
LATERALITY_QUALIFIER = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
OUR_CODE_SYSTEMS = "https://crampapp.org/fhir/CodeSystem/"

IG = "HL7 FHIR Symptoms IG STU 1 (hl7.fhir.uv.symptoms 1.0.0), https://hl7.org/fhir/uv/symptoms/"
IG_INDEX = f"{IG}index.html, pre- and post-coordinated codes table (input/pagecontent/index.md)"
IG_PROFILE = f"{IG}StructureDefinition-SymptomObservation.html (input/fsh/SymptomObservation.fsh)"
IG_ABSENT = f"{IG}StructureDefinition-SymptomAbsentObservation.html (input/fsh/SymptomAbsentObservation.fsh)"
IG_TEMPORARY = f"{IG}CodeSystem-SymptomTemporary.html (input/fsh/Terminology.fsh)"
DICOM_BODY_PARTS = (
    "DICOM PS3.16 Annex L, Correspondence of Anatomic Region Codes and Body Part Examined, "
    "https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html"
)
MCODE_LATERALITY = (
    "HL7 mCODE STU4 LateralityQualifierVS, https://hl7.org/fhir/us/mcode/ValueSet-mcode-laterality-qualifier-vs.html"
)
R4 = "https://hl7.org/fhir/R4/"
IPS_PROBLEMS = (
    "HL7 IPS ValueSet Problems - SNOMED CT IPS Free Set 1.1.0 (SNOMED CT 20220731), "
    "https://hl7.org/fhir/uv/ips/ValueSet-problems-snomed-ct-ips-free-set.html "
    "(github.com/HL7/fhir-ips input/fsh/valuesets/ProblemsSnomedCtIpsFreeSet.fsh at 57c3299)"
)

# Every code the export uses: (code system, code) -> (display as published, where it is published).
CODE_TABLE = {
    (SNOMED, "55300003"): ("Cramp (finding)", f"{IG_INDEX}; ValueSet CommonSymptomCodes"),
    (SNOMED, "45352006"): ("Spasm", IPS_PROBLEMS),
    (SNOMED, "82470000"): ("Muscle fasciculation", IPS_PROBLEMS),
    (SNOMED, "53840002"): ("Calf of leg", DICOM_BODY_PARTS),
    (SNOMED, "56459004"): ("Foot", DICOM_BODY_PARTS),
    (SNOMED, "77568009"): ("Back", DICOM_BODY_PARTS),
    (SNOMED, "45048000"): ("Neck", DICOM_BODY_PARTS),
    (SNOMED, "85562004"): ("Hand", DICOM_BODY_PARTS),
    (SNOMED, "14975008"): ("Forearm", DICOM_BODY_PARTS),
    (SNOMED, "40983000"): ("Upper arm", DICOM_BODY_PARTS),
    (SNOMED, "818983003"): ("Abdomen (body structure)", IG_INDEX),
    (SNOMED, "7771000"): ("Left (qualifier value)", MCODE_LATERALITY),
    (SNOMED, "24028007"): ("Right (qualifier value)", MCODE_LATERALITY),
    (SNOMED, "51440002"): ("Right and left (qualifier value)", MCODE_LATERALITY),
    (SNOMED, "24700007"): (
        "Multiple sclerosis (disorder)",
        "GECCO (German Corona Consensus) FHIR IG, ValueSet chronic-neurological-mental-diseases, "
        "https://www.netzwerk-universitaetsmedizin.de/fhir/ValueSet/chronic-neurological-mental-diseases",
    ),
    (LOINC, "75325-1"): ("Symptom", IG_PROFILE),
    (LOINC, "111551-8"): ("Symptom absent", IG_ABSENT),
    (LOINC, "64750-3"): ("Severity of symptoms", IG_PROFILE),
    (LOINC, "100752-5"): ("Exacerbating factors - Reported", IG_PROFILE),
    (LOINC, "100753-3"): ("Alleviating factors - Reported", IG_PROFILE),
    (LOINC, "104156-5"): ("Condition frequency - Reported", IG_PROFILE),
    (LOINC, "72514-3"): ("Pain severity - 0-10 verbal numeric rating [Score] - Reported", "https://loinc.org/72514-3/"),
    (SYMPTOM_IG_CODES, "symptom"): ("Symptom", IG_TEMPORARY),
    (SYMPTOM_IG_CODES, "OTHEREVENT"): ("Other Events", IG_TEMPORARY),
    ("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"): (
        "Active",
        f"{R4}codesystem-condition-clinical.html",
    ),
    ("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item"): (
        "Problem List Item",
        f"{R4}codesystem-condition-category.html",
    ),
    ("http://terminology.hl7.org/CodeSystem/medication-statement-category", "patientspecified"): (
        "Patient Specified",
        f"{R4}codesystem-medication-statement-category.html",
    ),
    ("http://terminology.hl7.org/CodeSystem/observation-category", "survey"): (
        "Survey",
        f"{R4}codesystem-observation-category.html",
    ),
    ("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown"): (
        "Unknown",
        f"{R4}codesystem-data-absent-reason.html",
    ),
}
# UCUM units in quantities: (code) -> (meaning, source).
UCUM_TABLE = {
    "h": ("hour", "https://ucum.org/ucum#iso1000 (table 5, units of time)"),
    "{cramps}": ("a count: an annotation on the unity 1", "https://ucum.org/ucum#section-Curly-Braces"),
    "{spasms}": ("a count: an annotation on the unity 1", "https://ucum.org/ucum#section-Curly-Braces"),
    "{episodes}": ("a count: an annotation on the unity 1", "https://ucum.org/ucum#section-Curly-Braces"),
    "{score}": ("a score: an annotation on the unity 1", "https://ucum.org/ucum#section-Curly-Braces"),
}

SCHEMA_FILE = Path(__file__).parent / "fhir" / "fhir.schema.json.gz"
# sha256 of the uncompressed schema as shipped (see tests/fhir/SOURCE.md).
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"


@cache
def schema_validator() -> Draft6Validator:
    text = gzip.decompress(SCHEMA_FILE.read_bytes())
    assert hashlib.sha256(text).hexdigest() == SCHEMA_SHA256
    return Draft6Validator(json.loads(text))


def exported(client, patient) -> str:
    client.force_login(patient)
    response = client.get(reverse("tracker:export_download", args=["fhir"]))
    assert response.streaming
    assert response["Content-Type"] == FHIR_CONTENT_TYPE
    return b"".join(response.streaming_content).decode()


def resources_of(document: dict, resource_type: str) -> list[dict]:
    return [entry["resource"] for entry in document["entry"] if entry["resource"]["resourceType"] == resource_type]


def by_id(document: dict) -> dict[str, dict]:
    return {entry["resource"]["id"]: entry["resource"] for entry in document["entry"]}


def components(observation: dict, system: str | None = None, code: str | None = None, text: str | None = None):
    """The observation's components with that code (by system and code, or by text alone)."""
    found = []
    for component in observation.get("component", []):
        concept = component["code"]
        codings = {(coding["system"], coding["code"]) for coding in concept.get("coding", [])}
        if (system, code) in codings or (text is not None and concept.get("text") == text and not codings):
            found.append(component)
    return found


def codings_in(node) -> list[dict]:
    """Every Coding in a JSON document (a system and a code, and no value: not a Quantity)."""
    if isinstance(node, list):
        return [coding for item in node for coding in codings_in(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if {"system", "code"} <= node.keys() and "value" not in node else []
    return own + [coding for value in node.values() for coding in codings_in(value)]


def quantities_in(node) -> list[dict]:
    if isinstance(node, list):
        return [quantity for item in node for quantity in quantities_in(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if "value" in node and "code" in node else []
    return own + [quantity for value in node.values() for quantity in quantities_in(value)]


def extensions_in(node, url: str) -> list[dict]:
    if isinstance(node, list):
        return [extension for item in node for extension in extensions_in(item, url)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("url") == url else []
    return own + [extension for value in node.values() for extension in extensions_in(value, url)]


def log(patient, started_at, created_by=None, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=created_by or patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, **{"severity": 4, **details}),
    )
    return episode


def log_tally(patient, night, count, overlap="", **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(
            started_at=None,
            cramp_count=count,
            tally_date=night,
            **{"severity": 7, "entry_type": EntryType.NIGHT, **details},
        ),
        overlap=overlap,
    )
    return episode


def place(slug: str, side: str) -> LocationChoice:
    return LocationChoice(location=term("location", slug), side=side)


@pytest.fixture
def caregiver(patient):
    caregiver = CaregiverFactory(email="cara@example.org", full_name="Cara Giver")
    grant_care(patient, caregiver)
    return caregiver


@pytest.fixture
def record(patient, caregiver):
    """A whole record: cramps full, quick and by a caregiver, a spasm and a twitch, a night tally with a
    described cramp, cramp-free days, diagnoses, medicines with their steps, and a questionnaire."""
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    today = patient.today()
    now = timezone.now().replace(microsecond=0)
    zone = patient.zone
    night = today - dt.timedelta(days=20)
    described = log(patient, dt.datetime.combine(night + dt.timedelta(days=1), dt.time(2), tzinfo=zone), severity=5)
    record = {
        "full": log(
            patient,
            now - dt.timedelta(days=3),
            severity=7,
            duration_seconds=150,
            woke_from_sleep=True,
            activity=term("activity", "asleep"),
            locations=[place("calf", "left"), place("hamstring", "both")],
            triggers=[term("trigger", "cold")],
            symptoms=[term("symptom", "twitching")],
            relief_measures=[term("relief", "stretching")],
            relief_effect="lot",
            medication_taken="Magnesium",
            notes="Woke at 3, left calf first.",
        ),
        "by_caregiver": log(
            patient, now - dt.timedelta(days=2), created_by=caregiver, locations=[place("foot-toes", "right")]
        ),
        "quick": log(patient, now - dt.timedelta(hours=5), severity=2),
        "spasm": log(
            patient,
            now - dt.timedelta(days=4),
            event_kind=EventKind.SPASM,
            woke_from_sleep=False,
            locations=[place("neck", "both")],
        ),
        "twitch": log(patient, now - dt.timedelta(days=5), severity=1, event_kind=EventKind.TWITCH),
        "described": described,
        "tally": log_tally(
            patient,
            night,
            4,
            overlap=Overlap.PART,
            times_woken=3,
            locations=[place("calf", "both")],
            event_kind=EventKind.CRAMP,
        ),
        "night": night,
    }
    record["free_by_patient"] = checkin_record(
        patient=patient, created_by=patient, day=today - dt.timedelta(days=9), status=CheckIn.Status.NO_CRAMPS
    )
    record["free_by_caregiver"] = checkin_record(
        patient=patient, created_by=caregiver, day=today - dt.timedelta(days=8), status=CheckIn.Status.NO_CRAMPS
    )
    profile = profile_for(patient)
    profile.other_conditions = "Low thyroid"
    profile.save()
    for slug in ("multiple-sclerosis", "diabetic-neuropathy"):
        PatientCondition.objects.create(profile=profile, condition=term("condition", slug))
    baclofen = medication_add(
        patient=patient, name="Baclofen", dose="5 mg at night", started_on=today - dt.timedelta(60)
    )
    medication_step_add(
        medication=baclofen,
        created_by=caregiver,
        kind="dose_changed",
        day=today - dt.timedelta(days=30),
        dose="10 mg at night",
        side_effects=["drowsiness", "other"],
        side_effect_other="Vivid dreams",
    )
    medication_step_add(medication=baclofen, created_by=patient, kind="stopped", day=today - dt.timedelta(days=10))
    record["baclofen"] = baclofen
    # Written around the services (as the admin or demo data do): its history is read from its dates.
    record["magnesium"] = Medication.objects.create(
        patient=patient, name="Magnesium", dose="300 mg", started_on=today - dt.timedelta(days=90)
    )
    psfs = Instrument.objects.get(slug="psfs")
    record["answers"], _ = response_record(
        patient=patient,
        instrument=psfs,
        answered_by=patient,
        client_id=uuid.uuid4(),
        values={"frequency": 2, "severity": 1},
    )
    return record


class TestValidity:
    def test_the_whole_record_validates_with_the_r4_models_and_the_hl7_r4_json_schema(self, client, patient, record):
        text = exported(client, patient)
        bundle = Bundle.parse_raw(text)
        assert bundle.type == "collection"
        document = json.loads(text)
        errors = sorted(schema_validator().iter_errors(document), key=lambda error: list(error.path))
        assert [f"{list(error.path)}: {error.message[:300]}" for error in errors] == []
        kinds = {entry.resource.resource_type for entry in bundle.entry}
        assert kinds == {
            "Patient",
            "RelatedPerson",
            "Condition",
            "MedicationStatement",
            "Observation",
            "Questionnaire",
            "QuestionnaireResponse",
        }
        assert all(entry.fullUrl == f"urn:uuid:{entry.resource.id}" for entry in bundle.entry)

    def test_the_schema_check_catches_an_element_r4_does_not_have(self, client, patient, record):
        document = json.loads(exported(client, patient))
        observation = resources_of(document, "Observation")[0]
        observation["laterality"] = "left"
        assert list(schema_validator().iter_errors(document))

    def test_every_reference_points_into_the_bundle(self, client, patient, record):
        document = json.loads(exported(client, patient))
        urls = {entry["fullUrl"] for entry in document["entry"]}
        found = []

        def walk(node):
            if isinstance(node, dict):
                if isinstance(node.get("reference"), str):
                    found.append(node["reference"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(document)
        assert found
        assert set(found) <= urls


class TestCodes:
    def test_every_code_in_the_bundle_is_in_the_table_with_its_published_display(self, client, patient, record):
        document = json.loads(exported(client, patient))
        ours = set()
        for coding in codings_in(document):
            if coding["system"].startswith(OUR_CODE_SYSTEMS):
                ours.add((coding["system"], coding["code"]))
                continue
            key = (coding["system"], coding["code"])
            assert key in CODE_TABLE, key
            assert coding.get("display") == CODE_TABLE[key][0], key
        # Our questionnaires' answer codes are defined by the Questionnaires in the same Bundle.
        defined = {
            (option["valueCoding"]["system"], option["valueCoding"]["code"])
            for questionnaire in resources_of(document, "Questionnaire")
            for item in questionnaire["item"]
            for option in item.get("answerOption", [])
        }
        assert ours
        assert ours <= defined
        for quantity in quantities_in(document):
            assert (quantity["system"], quantity["code"] in UCUM_TABLE) == (UCUM, True), quantity
        for extension in extensions_in(document, DATA_ABSENT_REASON):
            assert ("http://terminology.hl7.org/CodeSystem/data-absent-reason", extension["valueCode"]) in CODE_TABLE

    def test_every_row_of_the_table_names_its_source(self):
        for key, (display, source) in {**CODE_TABLE, **UCUM_TABLE}.items():
            assert display, key
            assert "http" in source, key

    def test_finding_site_is_not_used_as_a_component_code(self, client, patient, record):
        assert "363698007" not in exported(client, patient)


class TestSymptoms:
    def test_a_cramp_is_a_symptom_observation_in_the_guides_shape(self, client, patient, record):
        document = json.loads(exported(client, patient))
        patient_url = document["entry"][0]["fullUrl"]
        full = by_id(document)[str(record["full"].uuid)]
        assert full["meta"]["profile"] == ["http://hl7.org/fhir/uv/symptoms/StructureDefinition/SymptomObservation"]
        assert full["category"][0]["coding"] == [{"system": SYMPTOM_IG_CODES, "code": "symptom", "display": "Symptom"}]
        assert full["code"]["coding"][0]["code"] == "75325-1"
        assert full["valueCodeableConcept"]["coding"][0]["code"] == "55300003"
        assert full["subject"]["reference"] == patient_url
        assert [performer["reference"] for performer in full["performer"]] == [patient_url]
        start = record["full"].started_at
        parsed = Bundle.parse_raw(json.dumps(document))
        period = next(entry.resource for entry in parsed.entry if entry.resource.id == full["id"]).effectivePeriod
        assert (period.start, period.end) == (start, start + dt.timedelta(seconds=150))
        [severity] = components(full, LOINC, "64750-3")
        assert severity["valueCodeableConcept"]["text"] == "7 out of 10"
        assert [pain["valueInteger"] for pain in components(full, LOINC, "72514-3")] == [7]
        assert [c["valueCodeableConcept"]["text"] for c in components(full, LOINC, "100752-5")] == ["Cold"]
        assert [c["valueCodeableConcept"]["text"] for c in components(full, LOINC, "100753-3")] == ["Stretching"]
        [activity] = components(full, SYMPTOM_IG_CODES, "OTHEREVENT")
        assert activity["valueCodeableConcept"]["text"] == "Asleep"
        assert [c["valueBoolean"] for c in components(full, text="Woke from sleep")] == [True]
        assert [c["valueString"] for c in components(full, text="Medication taken for it")] == ["Magnesium"]
        [effect] = components(full, text="How well relief worked")
        assert effect["valueCodeableConcept"]["text"] == "A lot"
        assert [c["valueCodeableConcept"]["text"] for c in components(full, text="Accompanying symptom")] == [
            "Twitching"
        ]
        assert full["note"] == [{"text": "Woke at 3, left calf first."}]
        assert "dataAbsentReason" not in full
        # A quick log: no duration, so no end; no notes, so no note.
        quick = by_id(document)[str(record["quick"].uuid)]
        # On the clock of the zone it was logged in, with that zone's offset.
        local = record["quick"].started_at.astimezone(record["quick"].zone)
        assert quick["effectivePeriod"] == {"start": local.isoformat(timespec="seconds")}
        assert "note" not in quick
        assert "bodySite" not in quick

    def test_left_right_and_both_sides_survive_with_their_body_site(self, client, patient, record):
        observations = by_id(json.loads(exported(client, patient)))
        by_caregiver = observations[str(record["by_caregiver"].uuid)]["bodySite"]
        assert by_caregiver["coding"] == [{"system": SNOMED, "code": "56459004", "display": "Foot"}]
        assert by_caregiver["text"] == "Foot or toes (right)"
        [side] = extensions_in(by_caregiver, LATERALITY_QUALIFIER)
        assert side["valueCodeableConcept"]["coding"][0]["code"] == "24028007"
        # A cramp felt in two places: bodySite names both, each site is a component with its code and side.
        full = observations[str(record["full"].uuid)]
        assert full["bodySite"] == {"text": "Calf (left); Back of thigh (hamstring) (both sides)"}
        sites = components(full, text="Body site")
        assert [site["valueCodeableConcept"]["text"] for site in sites] == [
            "Calf (left)",
            "Back of thigh (hamstring) (both sides)",
        ]
        assert sites[0]["valueCodeableConcept"]["coding"][0]["code"] == "53840002"
        assert "coding" not in sites[1]["valueCodeableConcept"]
        sides = [extensions_in(site, LATERALITY_QUALIFIER)[0]["valueCodeableConcept"] for site in sites]
        assert [(side["coding"][0]["code"], side["text"]) for side in sides] == [
            ("7771000", "left"),
            ("51440002", "both sides"),
        ]
        neck = observations[str(record["spasm"].uuid)]["bodySite"]
        assert extensions_in(neck, LATERALITY_QUALIFIER)[0]["valueCodeableConcept"]["text"] == "both sides"

    def test_a_spasm_and_a_twitch_are_not_cramps_and_carry_no_pain_score_code(self, client, patient, record):
        observations = by_id(json.loads(exported(client, patient)))
        for name, words, code in (("spasm", "spasm", "45352006"), ("twitch", "fasciculations", "82470000")):
            observation = observations[str(record[name].uuid)]
            assert observation["category"][0]["coding"][0]["code"] == "symptom"
            assert observation["code"]["coding"][0]["code"] == "75325-1"
            assert [coding["code"] for coding in observation["valueCodeableConcept"]["coding"]] == [code]
            assert words in observation["valueCodeableConcept"]["text"]
            assert "72514-3" not in json.dumps(observation)
            [severity] = components(observation, LOINC, "64750-3")
            assert severity["valueCodeableConcept"]["text"] == f"{record[name].severity} out of 10"
            [rating] = [c for c in observation["component"] if c["code"].get("text", "").startswith("How bad it was")]
            assert rating["valueInteger"] == record[name].severity

    def test_an_answer_not_given_is_absent_with_its_reason_never_false(self, client, patient, record):
        observations = by_id(json.loads(exported(client, patient)))
        [quick] = components(observations[str(record["quick"].uuid)], text="Woke from sleep")
        assert "valueBoolean" not in quick
        assert quick["_valueBoolean"]["extension"] == [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]
        [spasm] = components(observations[str(record["spasm"].uuid)], text="Woke from sleep")
        assert spasm["valueBoolean"] is False

    def test_a_night_tally_is_one_observation_with_its_count_and_its_described_cramps_as_members(
        self, client, patient, record
    ):
        observations = by_id(json.loads(exported(client, patient)))
        tally = observations[str(record["tally"].uuid)]
        [count] = components(tally, LOINC, "104156-5")
        start, end = slot_bounds(patient.zone, EntryType.NIGHT, record["night"])
        assert count["valueRatio"]["numerator"] == {"value": 4, "unit": "cramps", "system": UCUM, "code": "{cramps}"}
        assert count["valueRatio"]["denominator"]["value"] == (end - start).total_seconds() / 3600
        assert [c["valueInteger"] for c in components(tally, text="Times woken by cramps")] == [3]
        assert tally["hasMember"] == [{"reference": f"urn:uuid:{record['described'].uuid}"}]
        assert components(tally, LOINC, "64750-3")[0]["valueCodeableConcept"]["text"] == "Worst: 7 out of 10"
        # The described cramp is an Observation of its own, and no other entry counts it again.
        assert str(record["described"].uuid) in observations
        assert not components(observations[str(record["described"].uuid)], LOINC, "104156-5")

    def test_a_cramp_free_day_is_the_guides_symptom_absent_observation(self, client, patient, caregiver, record):
        document = json.loads(exported(client, patient))
        absent = [o for o in resources_of(document, "Observation") if "111551-8" in json.dumps(o["code"])]
        days = {record["free_by_patient"].day, record["free_by_caregiver"].day}
        # A date: a check-in keeps no zone, so no offset is claimed for it.
        assert {dt.date.fromisoformat(o["effectiveDateTime"]) for o in absent} == days
        for observation in absent:
            assert observation["valueCodeableConcept"]["coding"][0]["code"] == "55300003"
            assert observation["meta"]["profile"] == [
                "http://hl7.org/fhir/uv/symptoms/StructureDefinition/SymptomAbsentObservation"
            ]
        related = resources_of(document, "RelatedPerson")[0]["id"]
        performers = {o["performer"][0]["reference"] for o in absent}
        assert performers == {document["entry"][0]["fullUrl"], f"urn:uuid:{related}"}

    def test_a_day_checked_in_with_cramps_none_logged_is_a_symptom_without_a_count(self, client, patient, record):
        today = patient.today()
        unlogged = checkin_record(
            patient=patient, created_by=patient, day=today - dt.timedelta(days=12), status=CheckIn.Status.HAD_CRAMPS
        )
        # A day whose cramps are logged is told by their observations, not again.
        checkin_record(patient=patient, created_by=patient, day=today - dt.timedelta(days=3), status="cramps")
        document = json.loads(exported(client, patient))
        [day] = [
            o
            for o in resources_of(document, "Observation")
            if "effectiveDateTime" in o and "75325-1" in json.dumps(o["code"])
        ]
        assert day["effectiveDateTime"] == unlogged.day.isoformat()
        assert day["valueCodeableConcept"]["coding"][0]["code"] == "55300003"
        assert "component" not in day
        assert "their number not given" in day["note"][0]["text"]


class TestTheRestOfTheRecord:
    def test_diagnoses_are_conditions_coded_only_where_a_source_names_them(self, client, patient, record):
        conditions = resources_of(json.loads(exported(client, patient)), "Condition")
        codes = {condition["code"]["text"]: condition["code"].get("coding") for condition in conditions}
        assert codes == {
            "Multiple sclerosis": [{"system": SNOMED, "code": "24700007", "display": "Multiple sclerosis (disorder)"}],
            "Diabetic neuropathy": None,
            "Low thyroid": None,
        }
        for condition in conditions:
            assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
            assert condition["asserter"] == condition["subject"]

    def test_a_spinal_cord_injury_carries_its_level(self, client, patient, record):
        profile = profile_for(patient)
        profile.spinal_injury_level = "t6_or_above"
        profile.save()
        PatientCondition.objects.create(profile=profile, condition=term("condition", "spinal-cord-injury"))
        conditions = resources_of(json.loads(exported(client, patient)), "Condition")
        [injury] = [condition for condition in conditions if condition["code"]["text"] == "Spinal cord injury"]
        assert injury["note"] == [{"text": "Level of injury: At T6 or above (upper back or neck)."}]
        assert all("note" not in condition for condition in conditions if condition is not injury)

    def test_each_medicine_and_each_dose_step_is_a_medication_statement(self, client, patient, caregiver, record):
        document = json.loads(exported(client, patient))
        statements = by_id(document)
        baclofen = statements[str(record["baclofen"].uuid)]
        assert (baclofen["status"], baclofen["medicationCodeableConcept"]["text"]) == ("stopped", "Baclofen")
        steps = [s for s in resources_of(document, "MedicationStatement") if s.get("partOf")]
        of_baclofen = [s for s in steps if s["partOf"] == [{"reference": f"urn:uuid:{baclofen['id']}"}]]
        assert [(s["status"], s.get("dosage", [{}])[0].get("text")) for s in of_baclofen] == [
            ("completed", "5 mg at night"),
            ("completed", "10 mg at night"),
            ("stopped", None),
        ]
        changed = of_baclofen[1]
        assert changed["note"] == [{"text": "Dose changed. Side effects noticed: Drowsiness; other: Vivid dreams."}]
        assert changed["informationSource"]["display"] == "Cara Giver"
        assert changed["effectivePeriod"]["end"] == of_baclofen[2]["effectiveDateTime"]
        magnesium = statements[str(record["magnesium"].uuid)]
        assert magnesium["status"] == "active"
        [started] = [s for s in steps if s["partOf"] == [{"reference": f"urn:uuid:{magnesium['id']}"}]]
        assert (started["status"], started["dosage"]) == ("active", [{"text": "300 mg"}])
        # A step read from the medicine's dates keeps its id from one download to the next.
        again = by_id(json.loads(exported(client, patient)))
        assert started["id"] in again

    def test_questionnaires_travel_as_questionnaire_and_response(self, client, patient, record):
        document = json.loads(exported(client, patient))
        [response] = resources_of(document, "QuestionnaireResponse")
        assert response["id"] == str(record["answers"].uuid)
        assert [q["url"] for q in resources_of(document, "Questionnaire")] == [
            "https://crampapp.org/fhir/Questionnaire/psfs"
        ]


class TestStreaming:
    def test_the_download_is_the_bundle_of_the_entries_as_valid_json(self, client, patient, record):
        document = json.loads(exported(client, patient))
        assert document["resourceType"] == "Bundle"
        assert document["entry"] == json.loads(json.dumps(list(fhir_entries(patient))))

    def test_the_opening_is_written_before_anything_is_read(self, patient, django_assert_num_queries):
        pieces = fhir_bundle_json(patient)
        with django_assert_num_queries(0):
            opening = next(pieces)
        assert opening.startswith('{"resourceType": "Bundle"')
        assert opening.endswith('"entry": [')
        assert json.loads(opening + "".join(pieces))["entry"][0]["resource"]["resourceType"] == "Patient"

    @pytest.mark.parametrize("size", [3, 30])
    def test_the_query_count_does_not_grow_with_the_number_of_entries(
        self, client, patient, caregiver, django_assert_num_queries, size
    ):
        start = timezone.now() - dt.timedelta(days=size + 1)
        for number in range(size):
            log(
                patient,
                start + dt.timedelta(days=number),
                created_by=caregiver if number % 2 else patient,
                locations=[place("calf", "left")],
                triggers=[term("trigger", "cold")],
            )
        client.force_login(patient)
        # session, user; caregivers, profile, conditions, medicines (none, so no steps), described cramps,
        # episodes, their places and terms, cramp-free days, days with cramps none logged, questionnaire
        # answers (none, so no items)
        with django_assert_num_queries(13):
            response = client.get(reverse("tracker:export_download", args=["fhir"]))
            document = json.loads(b"".join(response.streaming_content))
        assert len(resources_of(document, "Observation")) == size
