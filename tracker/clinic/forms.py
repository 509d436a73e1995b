"""What the review shows, as the clinician chooses it: the kind of event its charts count, and what the
trial-grade summary compares."""

import datetime as dt

from django import forms

from crampapp.dates import when
from tracker.clinic.trial import MAX_TITRATION_DAYS, TITRATION_DAYS, TrialChoice, step_key, step_windows
from tracker.diary.forms.filters import EventKindFilterForm, kind_filter_field
from tracker.fields import DiaryDateField
from tracker.models import MedicationStep

MAX_TRIAL_WINDOW_DAYS = 366


class ReviewKindForm(EventKindFilterForm):
    """The review's event-kind picker: its charts count cramps, and its entries of any kind, unless one is
    chosen."""

    kind = kind_filter_field()


class TrialWindowsForm(forms.Form):
    """What the trial-grade summary compares: a medication step (the 28 days before it against the 28 days
    after its titration period), or, with no step chosen, two periods in the patient's local dates, each up
    to today, at most a year long and sharing no day."""

    step = forms.ChoiceField(label="Medication step", required=False)
    titration_days = forms.IntegerField(
        label="Titration days skipped",
        min_value=0,
        max_value=MAX_TITRATION_DAYS,
        required=False,
        help_text=f"Days after the step left out while the dose settles (0 to {MAX_TITRATION_DAYS}).",
    )
    baseline_start = DiaryDateField(label="Baseline from", required=False)
    baseline_end = DiaryDateField(label="Baseline to", required=False)
    treatment_start = DiaryDateField(label="Treatment from", required=False)
    treatment_end = DiaryDateField(label="Treatment to", required=False)

    def __init__(self, *args, today: dt.date, steps: list[MedicationStep], **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.steps = {step_key(step): step for step in steps if step.day <= today}
        self.fields["step"].choices = [
            ("", "None: compare two periods"),
            *(
                (key, f"{step.medication.name} {step.get_kind_display().lower()} {when(step.day, 'day')}")
                for key, step in self.steps.items()
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        if self.has_error("step"):
            # A step that is not offered is the mistake: the periods were not asked for.
            return cleaned
        if cleaned.get("step"):
            dates = [f"{window}_{end}" for window in ("baseline", "treatment") for end in ("start", "end")]
            if any(self.data.get(name) for name in dates):
                # Both asked for: the dates would be passed over without a word.
                self.add_error(
                    "step", "Choose “None: compare two periods” here to compare the dates below, or clear the dates."
                )
                return cleaned
            if cleaned.get("titration_days") is None and not self.has_error("titration_days"):
                cleaned["titration_days"] = TITRATION_DAYS
            return cleaned
        windows = {}
        for window in ("baseline", "treatment"):
            start, end = cleaned.get(f"{window}_start"), cleaned.get(f"{window}_end")
            for name, day in ((f"{window}_start", start), (f"{window}_end", end)):
                if day and day > self.today:
                    self.add_error(name, f"This is after today ({when(self.today, 'day')}).")
                elif day is None and not self.has_error(name):
                    self.add_error(name, "Choose a date, or a medication step above.")
            if not (start and end) or self.has_error(f"{window}_start") or self.has_error(f"{window}_end"):
                continue
            if end < start:
                self.add_error(f"{window}_end", "The end is before the start.")
            elif (end - start).days + 1 > MAX_TRIAL_WINDOW_DAYS:
                self.add_error(f"{window}_end", f"A window can be at most a year ({MAX_TRIAL_WINDOW_DAYS} days) long.")
            else:
                windows[window] = (start, end)
        if len(windows) == 2:
            (baseline_start, baseline_end), (start, end) = windows["baseline"], windows["treatment"]
            if start <= baseline_end and baseline_start <= end:
                self.add_error(
                    "treatment_start",
                    f"The windows overlap: the baseline runs from {when(baseline_start, 'day')} "
                    f"to {when(baseline_end, 'day')}. Choose windows that share no day.",
                )
            elif end < baseline_start:
                # The change and the responder read from the baseline to the treatment: backwards, a rise would
                # read as a fall.
                self.add_error(
                    "treatment_start",
                    f"The treatment window comes after the baseline, which starts on {when(baseline_start, 'day')}.",
                )
        return cleaned

    def choice(self) -> TrialChoice:
        """The windows chosen (the form is valid)."""
        data = self.cleaned_data
        if data["step"]:
            step, titration_days = self.steps[data["step"]], data["titration_days"]
            return TrialChoice(*step_windows(step, titration_days, self.today), step, titration_days)
        return TrialChoice(
            (data["baseline_start"], data["baseline_end"]), (data["treatment_start"], data["treatment_end"])
        )

    @staticmethod
    def initial_for(choice: TrialChoice) -> dict:
        """The form as `choice` fills it: a step, or, without one, the two periods' dates (a step's windows are
        in the summary's caption: dates in the fields beside a step would read as asked for)."""
        if choice.step is not None:
            return {"step": step_key(choice.step), "titration_days": choice.titration_days}
        (baseline_start, baseline_end), (treatment_start, treatment_end) = choice.baseline, choice.treatment
        return {
            "step": "",
            "titration_days": TITRATION_DAYS,
            "baseline_start": baseline_start,
            "baseline_end": baseline_end,
            "treatment_start": treatment_start,
            "treatment_end": treatment_end,
        }
