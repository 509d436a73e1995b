"""A patient's questionnaire answers in the JSON record export (tracker.portability.record)."""

from accounts.models import User

from .fhir import instant, questionnaire_reference
from .models import QuestionnaireResponse, Schedule


def responses_document(patient: User) -> list[dict]:
    """Every answer, oldest first, with its questionnaire and score (one query)."""
    return [
        {
            "id": str(response.uuid),
            "questionnaire": response.instrument.slug,
            "title": response.instrument.title,
            "version": response.instrument_version,
            "questionnaire_url": questionnaire_reference(response.instrument, response.instrument_version),
            "answered_at_utc": instant(response.answered_at),
            "answered_at_local": response.answered_at.astimezone(patient.zone).isoformat(timespec="seconds"),
            "score": float(response.score),
            "score_label": response.instrument.score_label,
            "answers": response.answers,
        }
        for response in QuestionnaireResponse.objects.for_patient(patient)
        .select_related("instrument")
        .order_by("answered_at")
    ]


def schedules_document(patient: User) -> list[dict]:
    """How often the patient is asked to answer each questionnaire (one query)."""
    return [
        {
            "questionnaire": schedule.instrument.slug,
            "every_weeks": schedule.every_weeks,
            "next_due": schedule.next_due.isoformat(),
            "active": schedule.active,
        }
        for schedule in Schedule.objects.filter(patient=patient).select_related("instrument").order_by("created_at")
    ]
