"""A patient's medicines and each one's history of steps: started, dose changed, stopped."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from crampapp.dates import when
from tracker.models import ClinicSummary, Medication, MedicationStep, SideEffect


def check_medication_step(*, step: MedicationStep, others: Sequence[MedicationStep], today: dt.date) -> None:
    """The rules of a medicine's history for `step` among the medicine's `others` steps, with field names, every
    field's first problem at once: one start, first; one stop, last; no step in the future; a dose change names
    its dose, a stop none."""
    Kind = MedicationStep.Kind
    if step.kind not in Kind.values:
        raise ValidationError({"kind": "Choose what changed: started, dose changed or stopped."})
    problems: dict[str, str] = {}
    start = next((other for other in others if other.kind == Kind.STARTED), None)
    stop = next((other for other in others if other.kind == Kind.STOPPED), None)
    if step.kind == Kind.STARTED and start is not None:
        problems["kind"] = (
            f"This medicine already started on {when(start.day, 'day')}. "
            "If you took it again after stopping, add it as a new medication."
        )
    elif step.kind == Kind.STOPPED and stop is not None:
        problems["kind"] = f"This medicine already stopped on {when(stop.day, 'day')}. Change that step."
    if step.kind == Kind.DOSE_CHANGED and not step.dose.strip():
        problems["dose"] = "Write the new dose, as your prescriber or the label says."
    elif step.kind == Kind.STOPPED and step.dose:
        problems["dose"] = "Leave the dose empty when the medicine was stopped."
    if day_problem := _step_day_problem(step, others, today, start, stop):
        problems["day"] = day_problem
    if problems:
        raise ValidationError(problems)
    # Lengths and side effects; the medicine and patient are the caller's and not looked up again.
    step.full_clean(exclude=["patient", "medication", "created_by"])


def _step_day_problem(step, others, today, start, stop) -> str:
    """What is wrong with the step's date among the medicine's other steps, if anything."""
    Kind = MedicationStep.Kind
    if step.day is None:
        return "Enter the date of this change."
    if step.day > today:
        return "This date is in the future. Add the change once it has happened."
    if step.kind != Kind.STARTED and start is not None and step.day < start.day:
        return f"This is before the medicine started ({when(start.day, 'day')})."
    if step.kind != Kind.STOPPED and stop is not None and step.day > stop.day:
        return f"This is after the medicine was stopped ({when(stop.day, 'day')})."
    if step.kind == Kind.STARTED and others and step.day > (first := min(other.day for other in others)):
        return f"The start comes first, but there is a change on {when(first, 'day')}."
    if step.kind == Kind.STOPPED and others and step.day < (last := max(other.day for other in others)):
        return f"The stop cannot be before the last change ({when(last, 'day')})."
    same_day = next((other for other in others if other.kind == Kind.DOSE_CHANGED and other.day == step.day), None)
    if step.kind == Kind.DOSE_CHANGED and same_day is not None:
        # A form sent twice (a double tap, or back and send again) would draw the same step twice; two doses on
        # one day would stand in no order, and the windows before and after each could not be told apart.
        if same_day.dose.strip() == step.dose.strip():
            return f"This medicine already changed to this dose on {when(step.day, 'day')}."
        return (
            f"This medicine already changed dose on {when(step.day, 'day')} (to {same_day.dose}). "
            "Edit that change, or put this one on the day it was made."
        )
    return ""


def _saved_timeline(medication: Medication) -> list[MedicationStep]:
    """The medicine's stored steps, after storing the start and stop dates of one that had none as steps.

    Locks the medicine's row first (on PostgreSQL): two writes to one history wait for each other, so the
    second is checked against the first instead of failing on a unique constraint.
    """
    Medication.objects.select_for_update().filter(pk=medication.pk).values_list("pk").first()
    steps = medication.timeline_from(list(MedicationStep.objects.filter(medication=medication)))
    for step in steps:
        if step.pk is None:
            step.save()
    return steps


def _sync_medication(medication: Medication, steps: Sequence[MedicationStep]) -> None:
    """The medicine's start and stop dates from its steps, and its dose from the latest step that names one."""
    steps = sorted(steps, key=MedicationStep.sort_key)
    medication.started_on = next((step.day for step in steps if step.kind == MedicationStep.Kind.STARTED), None)
    medication.stopped_on = next((step.day for step in steps if step.kind == MedicationStep.Kind.STOPPED), None)
    doses = [step.dose for step in steps if step.dose]
    if doses:
        medication.dose = doses[-1]
    medication.full_clean(exclude=["patient"])
    medication.save(update_fields=["name", "dose", "started_on", "stopped_on"])
    # A medicine taken or stopped changes the warning signs of the entries around it (a statin's).
    ClinicSummary.objects.log_changed(medication.patient_id)


def _set_step_fields(step: MedicationStep, *, kind: str, day, dose: str, side_effects, side_effect_other: str) -> None:
    step.kind, step.day, step.dose = kind, day, dose.strip()
    # Known side effects once each, in the list's order; unknown ones are kept for full_clean to refuse.
    known = [effect for effect in SideEffect.values if effect in side_effects]
    step.side_effects = known + [effect for effect in side_effects if effect not in SideEffect.values]
    step.side_effect_other = side_effect_other.strip()
    if step.side_effect_other and SideEffect.OTHER not in step.side_effects:
        step.side_effects.append(SideEffect.OTHER)


def _date_steps(medication: Medication, steps: list[MedicationStep], dose: str, started_on, stopped_on):
    """`steps` with the start (on `dose`) and stop moved to the given dates, added or removed; checked."""
    today = medication.patient.today()
    wanted = {
        MedicationStep.Kind.STARTED: (started_on, dose, "started_on"),
        MedicationStep.Kind.STOPPED: (stopped_on, "", "stopped_on"),
    }
    kept = [step for step in steps if step.kind not in wanted]
    changed = []
    for kind, (day, step_dose, _) in wanted.items():
        if day is None:
            continue
        step = next((step for step in steps if step.kind == kind), None) or MedicationStep(
            patient_id=medication.patient_id, medication=medication, kind=kind, created_by=medication.patient
        )
        step.day, step.dose = day, step_dose
        changed.append(step)
    for step in changed:
        try:
            check_medication_step(
                step=step, others=[other for other in kept + changed if other is not step], today=today
            )
        except ValidationError as error:
            field = wanted[step.kind][2]
            raise ValidationError(
                {"dose" if name == "dose" else field: messages for name, messages in error.message_dict.items()}
            ) from None
    removed = [step for step in steps if step.kind in wanted and step not in changed]
    return kept + changed, removed


@transaction.atomic
def medication_add(
    *, patient: User, name: str, dose: str = "", started_on: dt.date | None = None, stopped_on: dt.date | None = None
) -> Medication:
    """Add a medicine; its start (on `dose`) and stop dates become its first steps (one still taken is in the
    list once: _check_not_taken_twice)."""
    medication = Medication(patient=patient, name=name, dose=dose)
    medication.full_clean()
    _check_not_taken_twice(medication, stopped_on)
    medication.save()
    steps, _ = _date_steps(medication, [], dose, started_on, stopped_on)
    for step in steps:
        step.save()
    _sync_medication(medication, steps)
    return medication


def _check_not_taken_twice(medication: Medication, stopped_on: dt.date | None) -> None:
    """A medicine still taken is in the list once: another of the same name, not stopped, is refused (a form sent
    twice, a rename, or a new dose that belongs in its history as a step)."""
    if stopped_on is not None:
        return
    taken = Medication.objects.for_patient(medication.patient).filter(
        name__iexact=medication.name.strip(), stopped_on=None
    )
    if (same := taken.exclude(pk=medication.pk).first()) is not None:
        raise ValidationError(
            {
                "name": f"“{same.name}” is in your medications already, not stopped. For a new dose, open it and add "
                "a dose change."
            }
        )


@transaction.atomic
def medication_update(
    *, medication: Medication, name: str, dose: str, started_on: dt.date | None, stopped_on: dt.date | None
) -> Medication:
    """Rename a medicine and move its start (with the dose it started on) and stop steps."""
    medication.name, medication.dose = name, dose
    medication.full_clean(exclude=["patient"])
    _check_not_taken_twice(medication, stopped_on)
    steps, removed = _date_steps(medication, _saved_timeline(medication), dose, started_on, stopped_on)
    for step in removed:
        step.delete()
    for step in steps:
        step.save()
    _sync_medication(medication, steps)
    return medication


@transaction.atomic
def medication_step_add(
    *,
    medication: Medication,
    created_by: User,
    kind: str,
    day: dt.date | None,
    dose: str = "",
    side_effects: Sequence[str] = (),
    side_effect_other: str = "",
) -> MedicationStep:
    """Add a start, dose change or stop to a medicine's history; its dates and dose follow."""
    steps = _saved_timeline(medication)
    step = MedicationStep(patient_id=medication.patient_id, medication=medication, created_by=created_by)
    _set_step_fields(
        step, kind=kind, day=day, dose=dose, side_effects=side_effects, side_effect_other=side_effect_other
    )
    check_medication_step(step=step, others=steps, today=medication.patient.today())
    step.save()
    _sync_medication(medication, [*steps, step])
    return step


@transaction.atomic
def medication_step_update(
    *,
    step: MedicationStep,
    kind: str,
    day: dt.date | None,
    dose: str,
    side_effects: Sequence[str],
    side_effect_other: str,
) -> MedicationStep:
    medication = step.medication
    others = [other for other in _saved_timeline(medication) if other.pk != step.pk]
    _set_step_fields(
        step, kind=kind, day=day, dose=dose, side_effects=side_effects, side_effect_other=side_effect_other
    )
    check_medication_step(step=step, others=others, today=medication.patient.today())
    step.save()
    _sync_medication(medication, [*others, step])
    return step


@transaction.atomic
def medication_step_delete(*, step: MedicationStep) -> None:
    """Remove a step; removing the start or stop clears that date of the medicine."""
    medication = step.medication
    step.delete()
    _sync_medication(medication, list(MedicationStep.objects.filter(medication=medication)))


@transaction.atomic
def medication_delete(*, medication: Medication) -> None:
    medication.delete()
    ClinicSummary.objects.log_changed(medication.patient_id)
