"""The windows of the trial-style summary in the clinician's review and the visit report."""

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import User

from ..forms import TrialWindowsForm
from ..insights import TrialSummary, default_trial_windows, medication_steps, trial_summary
from ..models import MedicationStep
from ..services import patient_today

TRIAL_FIELDS = ("baseline_start", "baseline_end", "treatment_start", "treatment_end")


@dataclass(frozen=True)
class TrialSection:
    form: TrialWindowsForm
    summary: TrialSummary


def trial_from(request: HttpRequest, patient: User, steps: list[MedicationStep] | None = None) -> TrialSection:
    """The summary for the windows chosen in the query string, or for the default ones when none (or bad
    ones) were chosen; a bad choice keeps its errors on the form, shown next to the fields.

    `steps` are the patient's medication steps up to today, when the caller has read them already.
    """
    today = patient_today(patient)
    if steps is None:
        steps = medication_steps(patient, today)
    baseline, treatment = default_trial_windows(steps, today)
    if any(name in request.GET for name in TRIAL_FIELDS):
        form = TrialWindowsForm(request.GET, today=today)
        if form.is_valid():
            baseline, treatment = form.windows()
    else:
        initial = dict(zip(TRIAL_FIELDS, [*baseline, *treatment], strict=True))
        form = TrialWindowsForm(initial=initial, today=today)
    return TrialSection(form=form, summary=trial_summary(patient, baseline, treatment, steps))
