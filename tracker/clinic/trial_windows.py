"""The windows of the trial-grade summary in the clinician's review and the visit report."""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest

from tracker.clinic.forms import TrialWindowsForm
from tracker.clinic.trial import TITRATION_DAYS, TrialChoice, TrialSummary, default_periods, default_step, step_windows
from tracker.models import MedicationStep

TRIAL_FIELDS = ("step", "titration_days", "baseline_start", "baseline_end", "treatment_start", "treatment_end")


@dataclass(frozen=True)
class TrialSection:
    form: TrialWindowsForm
    summary: TrialSummary


def default_choice(steps: list[MedicationStep], today: dt.date) -> TrialChoice:
    """The default step's windows with the default titration period, or two periods without any step."""
    step = default_step(steps, today)
    if step is None:
        return TrialChoice(*default_periods(today))
    return TrialChoice(*step_windows(step, TITRATION_DAYS, today), step, TITRATION_DAYS)


def trial_windows(
    request: HttpRequest, today: dt.date, steps: list[MedicationStep]
) -> tuple[TrialWindowsForm, TrialChoice]:
    """The form and the windows chosen in the query string, or the default ones when none (or bad ones) were
    chosen; a bad choice keeps its errors on the form, shown next to the fields. `steps` are the patient's
    medication steps up to today."""
    choice = default_choice(steps, today)
    if any(name in request.GET for name in TRIAL_FIELDS):
        form = TrialWindowsForm(request.GET, today=today, steps=steps)
        if form.is_valid():
            choice = form.choice()
    else:
        form = TrialWindowsForm(initial=TrialWindowsForm.initial_for(choice), today=today, steps=steps)
    return form, choice
