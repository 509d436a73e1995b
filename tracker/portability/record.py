"""A patient's whole record as a JSON document, written as a stream (the CSV is in csv_export.py, FHIR in
fhir.py; restore.py reads the document back)."""

import datetime as dt
import json
from collections.abc import Iterator

from django.utils import timezone

from accounts.models import User
from questionnaires.export import responses_document, schedules_document
from tracker.diary.selectors import episodes_filtered

from ..models import (
    CareGrant,
    CheckIn,
    ClinicianNote,
    Episode,
    Medication,
    MedicationStep,
    PatientCondition,
    PatientProfile,
    SideEffect,
    Term,
)

RECORD_FORMAT = "crampapp-record"
# 2: ids for medicines and their steps, each step's dose, questionnaire schedules, the profile's injury level.
# Each entry's time_zone came later, within version 2: a file without it is read in the account's zone; and
# own_words, the patient's words with those retired: a file without it brings the words its entries use.
RECORD_VERSION = 2
# Episodes per query while the document is written: memory stays flat at any size.
EPISODE_CHUNK = 1000


def instant(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else None


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _term(term: Term) -> dict:
    # A patient's own word is marked: a restore finds it by its label, as an item of ours or an own word.
    return {"slug": term.slug, "label": term.label, **({"own": True} if term.is_own else {})}


def _entered_by(entry: Episode | CheckIn) -> dict | None:
    """Who entered a cramp or answered a check-in: the patient or a caregiver (none for a day marked by a cramp)."""
    if entry.created_by is None:
        return None
    return {"name": entry.created_by.full_name, "role": entry.created_by.role}


def _episode_document(episode: Episode) -> dict:
    return {
        "id": str(episode.uuid),
        "entry_type": episode.entry_type,
        # For a night tally the evening's local date, for a day tally the day's; null for a single cramp.
        "tally_date": _day(episode.tally_date),
        "cramp_count": episode.cramp_count,
        # What the entry adds to a count of cramps: 0 for a cramp described as one of a tally's.
        "counted_cramps": episode.counted_cramps,
        "part_of_tally_id": str(episode.tally.uuid) if episode.tally_id else None,
        "started_at_utc": instant(episode.started_at),
        # The same moment on the clock of the zone the entry happened in.
        "started_at_local": episode.local_started_at.isoformat(timespec="seconds"),
        "time_zone": episode.time_zone,
        "duration_seconds": episode.duration_seconds,
        "severity_0_10": episode.severity,
        "event_kind": (
            {"code": episode.event_kind, "label": episode.get_event_kind_display()} if episode.event_kind else None
        ),
        # true or false as the patient answered; null when not recorded (not the same as false).
        "woke_from_sleep": episode.woke_from_sleep,
        "times_woken": episode.times_woken,
        "locations": [{**_term(place.location), "side": place.side} for place in episode.places],
        "activity": _term(episode.activity) if episode.activity else None,
        "triggers": [_term(term) for term in episode.triggers],
        "symptoms": [_term(term) for term in episode.symptoms],
        "relief_measures": [_term(term) for term in episode.relief_measures],
        "relief_effect": (
            {"code": episode.relief_effect, "label": episode.get_relief_effect_display()}
            if episode.relief_effect
            else None
        ),
        "medication_taken": episode.medication_taken,
        "notes": episode.notes,
        "entered_by": _entered_by(episode),
        "created_at": instant(episode.created_at),
        "updated_at": instant(episode.updated_at),
    }


def _step_document(step: MedicationStep) -> dict:
    return {
        # None for a date the medicine carried before its steps were recorded one by one.
        "id": str(step.uuid) if step.pk else None,
        "kind": step.kind,
        "day": _day(step.day),
        "dose": step.dose,
        "side_effects": [{"code": code, "label": SideEffect(code).label} for code in step.side_effects],
        "side_effect_other": step.side_effect_other,
    }


def _medication_document(medication: Medication) -> dict:
    return {
        "id": str(medication.uuid),
        "name": medication.name,
        # The dose taken now (or last): each step has the dose it set.
        "current_dose": medication.dose,
        "started_on": _day(medication.started_on),
        "stopped_on": _day(medication.stopped_on),
        "steps": [_step_document(step) for step in medication.timeline()],
    }


def _grant_document(grant: CareGrant) -> dict:
    return {
        "role": grant.role,
        "clinician": grant.clinician.full_name if grant.clinician else None,
        "caregiver": grant.caregiver.full_name if grant.caregiver else None,
        "invited_email": grant.invited_email,
        "status": grant.status,
        "invited_at": instant(grant.created_at),
        "accepted_at": instant(grant.accepted_at),
        "ended_at": instant(grant.ended_at),
        "access_ends_on": _day(grant.access_ends_on),
    }


def _record_head(patient: User, *, include_sharing: bool) -> dict:
    """Everything but the episodes: a bounded amount, read in a fixed number of queries."""
    profile = PatientProfile.objects.filter(patient=patient).first()
    conditions = PatientCondition.objects.filter(profile_id=patient.pk).select_related("condition")
    notes = ClinicianNote.objects.filter(patient=patient).select_related("author", "episode").order_by("created_at")
    medications = Medication.objects.for_patient(patient).prefetch_related("steps").order_by("started_on", "name")
    head = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "counting": "An episode counts cramp_count of its kind (1 for a single entry, the number for a night or "
        "day tally), except one described as one of a tally's cramps (part_of_tally_id), which its tally counts "
        "already. counted_cramps is what it adds to the number of cramps, as every page of the app counts them: "
        "0 for spasms or stiffness, twitching and not sure, which are counted apart. The number of cramps is "
        "the sum of counted_cramps.",
        "exported_at": instant(timezone.now()),
        "account": {
            "name": patient.full_name,
            "email": patient.email,
            "time_zone": patient.time_zone,
            "joined": instant(patient.date_joined),
        },
        "profile": {
            "conditions": [_term(item.condition) for item in conditions],
            "other_conditions": profile.other_conditions if profile else "",
            "spinal_injury_level": profile.spinal_injury_level if profile else "",
            "reminder_time": profile.reminder_time.isoformat("minutes") if profile and profile.reminder_time else None,
        },
        "medications": [_medication_document(item) for item in medications],
        "own_words": [
            {"kind": word.kind, "label": word.label, "retired": not word.is_active}
            for word in Term.objects.owned_by(patient).order_by("kind", "label")
        ],
        "checkins": [
            {
                "day": _day(item.day),
                "status": item.status,
                "label": item.get_status_display(),
                "entered_by": _entered_by(item),
            }
            for item in CheckIn.objects.filter(patient=patient).select_related("created_by").order_by("day")
        ],
        "questionnaire_schedules": schedules_document(patient),
        "questionnaire_responses": responses_document(patient),
        "clinician_notes": [
            {
                "author": note.author.full_name,
                "text": note.text,
                "written_at": instant(note.created_at),
                "episode_id": str(note.episode.uuid) if note.episode else None,
            }
            for note in notes
        ],
    }
    if include_sharing:
        grants = CareGrant.objects.for_patient(patient).select_related("clinician", "caregiver").order_by("created_at")
        head["sharing"] = [_grant_document(grant) for grant in grants]
    return head


def record_json(patient: User, *, include_sharing: bool = True) -> Iterator[str]:
    """Everything CrampApp holds about the patient as one JSON document, written as it is read: the head at
    once, then the episodes (last, and the bulk of it) a chunk of queries at a time, so that the download
    starts before they are read and memory stays flat at any size.

    `include_sharing=False` leaves out whom else the patient shares with (for a clinician's copy).
    """
    head = json.dumps(_record_head(patient, include_sharing=include_sharing), ensure_ascii=False)
    yield head[:-1] + ', "episodes": ['
    episodes = episodes_filtered(patient).with_details().order_by("started_at", "pk")
    separator = ""
    for episode in episodes.iterator(chunk_size=EPISODE_CHUNK):
        yield separator + json.dumps(_episode_document(episode), ensure_ascii=False)
        separator = ", "
    yield "]}"
