"""Writes: a patient's answers, and the schedule that asks for them. Views call these; each checks its own rules."""

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from tracker.models import MedicationStep

from .engine import check_answers, score
from .models import EVERY_WEEKS_MAX, EVERY_WEEKS_MIN, Instrument, QuestionnaireResponse, Schedule
from .offers import AFTER_MEDICATION_STEP


def _check_patient(patient: User) -> None:
    if not patient.is_patient:
        raise ValidationError("Questionnaires are answered by patients.")


def check_every_weeks(every_weeks: int) -> None:
    if isinstance(every_weeks, bool) or not isinstance(every_weeks, int):
        raise ValidationError({"every_weeks": "Enter a whole number of weeks."})
    if not EVERY_WEEKS_MIN <= every_weeks <= EVERY_WEEKS_MAX:
        raise ValidationError({"every_weeks": f"Choose from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX} weeks."})


def next_due_after(patient: User, answered_at: dt.datetime, every_weeks: int) -> dt.date:
    """The local date, `every_weeks` weeks after the local day of an answer."""
    return patient.local_day(answered_at) + dt.timedelta(weeks=every_weeks)


class Recorded(enum.Enum):
    """What response_record did with a completed form."""

    CREATED = "created"
    # The same form sent again with the same answers (a double tap): nothing changed.
    UNCHANGED = "unchanged"
    # The same form sent again with other answers (back, change, save): they replaced the first ones.
    UPDATED = "updated"


def _move_schedule_on(patient: User, instrument: Instrument, answered_at: dt.datetime) -> None:
    schedule = Schedule.objects.for_patient(patient).filter(instrument=instrument, active=True).first()
    if schedule is not None:
        schedule.next_due = next_due_after(patient, answered_at, schedule.every_weeks)
        schedule.save(update_fields=["next_due", "updated_at"])


def _sent_again(
    stored: QuestionnaireResponse, instrument: Instrument, answers: list[dict], points: Decimal, answered_by: User
) -> tuple[QuestionnaireResponse, Recorded]:
    """A form stored before, sent again: the same answers change nothing; other answers replace the stored
    ones, as given now, and the schedule moves on from now."""
    if stored.instrument_id != instrument.pk:
        raise ValidationError("This form belongs to another questionnaire. Please answer again.")
    if stored.answers == answers:
        return stored, Recorded.UNCHANGED
    stored.answers = answers
    stored.score = points
    stored.instrument_version = instrument.version
    stored.answered_at = timezone.now()
    stored.answered_by = answered_by
    stored.full_clean(exclude=["patient", "instrument", "answered_by", "client_id"])
    stored.save(update_fields=["answers", "score", "instrument_version", "answered_at", "answered_by"])
    _move_schedule_on(stored.patient, instrument, stored.answered_at)
    return stored, Recorded.UPDATED


@transaction.atomic
def response_record(
    *,
    patient: User,
    instrument: Instrument,
    answered_by: User,
    client_id: uuid.UUID,
    values: Mapping[str, int | None],
) -> tuple[QuestionnaireResponse, Recorded]:
    """Check, score and store one completed questionnaire, and move its schedule on. Returns (response, what
    was done).

    Raises ValidationError keyed by item link id when an answer is missing or not an option; then
    nothing is stored. `client_id` names the form: sent again with the same answers, it returns the
    stored response unchanged; with other answers (the patient went back and changed them), those
    replace the stored ones, never silently dropped. A form's id sent to another questionnaire is refused.
    """
    _check_patient(patient)
    if not instrument.active:
        raise ValidationError("This questionnaire is no longer offered.")
    answers = check_answers(list(instrument.items.all()), values)
    given, points = [answer.as_json() for answer in answers], score(instrument, answers)
    sent_before = QuestionnaireResponse.objects.for_patient(patient).select_for_update().filter(client_id=client_id)
    stored = sent_before.first()
    if stored is not None:
        return _sent_again(stored, instrument, given, points, answered_by)
    response = QuestionnaireResponse(
        patient=patient,
        instrument=instrument,
        instrument_version=instrument.version,
        answers=given,
        score=points,
        answered_at=timezone.now(),
        answered_by=answered_by,
        client_id=client_id,
    )
    response.full_clean(exclude=["patient", "instrument", "answered_by", "client_id"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # The same form won a race with itself: the other request stored it, perhaps with other answers.
        return _sent_again(sent_before.get(), instrument, given, points, answered_by)
    _move_schedule_on(patient, instrument, response.answered_at)
    return response, Recorded.CREATED


@transaction.atomic
def schedule_set(*, patient: User, instrument: Instrument, every_weeks: int, set_by: User) -> Schedule:
    """Ask the patient to answer `instrument` every `every_weeks` weeks, from their last answer (or from today).

    `set_by` is the patient or a clinician the caller has checked through tracker.sharing.access.
    """
    _check_patient(patient)
    check_every_weeks(every_weeks)
    if not instrument.active:
        raise ValidationError("This questionnaire is no longer offered.")
    last = (
        QuestionnaireResponse.objects.for_patient(patient)
        .filter(instrument=instrument)
        .order_by("-answered_at")
        .values_list("answered_at", flat=True)
        .first()
    )
    next_due = next_due_after(patient, last, every_weeks) if last else patient.today()
    schedule = Schedule.objects.select_for_update().filter(patient=patient, instrument=instrument).first()
    if schedule is None:
        schedule = Schedule(patient=patient, instrument=instrument)
    schedule.every_weeks = every_weeks
    schedule.next_due = next_due
    schedule.active = True
    schedule.set_by = set_by
    schedule.full_clean(exclude=["patient", "instrument", "set_by"])
    schedule.save()
    return schedule


@transaction.atomic
def schedule_stop(*, patient: User, instrument: Instrument, set_by: User) -> Schedule | None:
    """Stop asking; the schedule stays on record (who stopped it, and when). None when nothing was being asked."""
    schedule = Schedule.objects.select_for_update().filter(patient=patient, instrument=instrument).first()
    if schedule is None or not schedule.active:
        return None
    schedule.active = False
    schedule.set_by = set_by
    schedule.save(update_fields=["active", "set_by", "updated_at"])
    return schedule


@transaction.atomic
def schedule_after_medication_step(*, step: MedicationStep) -> None:
    """Make the questionnaires offered after a medication step (the PGIC) due 4 weeks after a start or a
    dose change, then every `suggested_every_weeks` weeks like any schedule, until stopped.

    A step dated more than 4 weeks ago is history being written down, not a change to follow up. A later
    due date already set (for a later step) stands. A stopped schedule starts again: a new treatment is a
    new question.
    """
    if step.kind not in (MedicationStep.Kind.STARTED, MedicationStep.Kind.DOSE_CHANGED):
        return
    patient = step.medication.patient
    if step.day < patient.today() - AFTER_MEDICATION_STEP:
        return
    next_due = step.day + AFTER_MEDICATION_STEP
    for instrument in Instrument.objects.active().filter(offered_to=Instrument.Offer.AFTER_MEDICATION_STEP):
        schedule = Schedule.objects.select_for_update().filter(patient=patient, instrument=instrument).first()
        if schedule is None:
            schedule = Schedule(patient=patient, instrument=instrument, every_weeks=instrument.suggested_every_weeks)
        elif schedule.active and schedule.next_due > next_due:
            continue
        schedule.next_due = next_due
        schedule.active = True
        schedule.set_by = step.created_by
        schedule.full_clean(exclude=["patient", "instrument", "set_by"])
        schedule.save()


@transaction.atomic
def unschedule_after_medication_step(*, step: MedicationStep) -> None:
    """Take back what schedule_after_medication_step set for a step now removed (entered by mistake, or with its
    medicine): a schedule due 4 weeks after it is made due after the latest start or dose change still recorded
    within those 4 weeks; with none, one that the step created is stopped, and one that was set before it (by
    the patient, a clinician or an earlier step) keeps asking. A schedule due at another date stands."""
    if step.kind not in (MedicationStep.Kind.STARTED, MedicationStep.Kind.DOSE_CHANGED):
        return
    patient = User.objects.filter(pk=step.patient_id).first()
    if patient is None:
        return
    latest = (
        MedicationStep.objects.filter(
            patient=patient,
            kind__in=[MedicationStep.Kind.STARTED, MedicationStep.Kind.DOSE_CHANGED],
            day__gte=patient.today() - AFTER_MEDICATION_STEP,
        )
        .order_by("-day")
        .first()
    )
    schedules = Schedule.objects.select_for_update().filter(
        patient=patient,
        instrument__offered_to=Instrument.Offer.AFTER_MEDICATION_STEP,
        active=True,
        next_due=step.day + AFTER_MEDICATION_STEP,
    )
    for schedule in schedules:
        if latest is not None:
            schedule.next_due = latest.day + AFTER_MEDICATION_STEP
        elif schedule.created_at >= step.created_at:
            schedule.active = False
        else:
            continue
        schedule.save(update_fields=["next_due", "active", "updated_at"])
