"""The windows of the trial-style summary in the clinician's review and the visit report."""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest

from ..forms import TrialWindowsForm
from ..insights import TrialSummary, default_trial_windows
from ..models import MedicationStep

TRIAL_FIELDS = ("baseline_start", "baseline_end", "treatment_start", "treatment_end")


@dataclass(frozen=True)
class TrialSection:
    form: TrialWindowsForm
    summary: TrialSummary


def trial_windows(
    request: HttpRequest, today: dt.date, steps: list[MedicationStep]
) -> tuple[TrialWindowsForm, tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The form and the (baseline, treatment) windows chosen in the query string, or the default ones when
    none (or bad ones) were chosen; a bad choice keeps its errors on the form, shown next to the fields.
    `steps` are the patient's medication steps up to today."""
    baseline, treatment = default_trial_windows(steps, today)
    if any(name in request.GET for name in TRIAL_FIELDS):
        form = TrialWindowsForm(request.GET, today=today)
        if form.is_valid():
            baseline, treatment = form.windows()
    else:
        initial = dict(zip(TRIAL_FIELDS, [*baseline, *treatment], strict=True))
        form = TrialWindowsForm(initial=initial, today=today)
    return form, baseline, treatment
