"""The trial-grade summary of the clinician's review and the visit report: a baseline window against a
treatment window, with the figures cramp trials report (tracker.counting adds the days up).

By default the windows surround a medication step: the 28 days before it against the 28 days after a
titration period that follows it (14 days unless the clinician says otherwise), as trials of cramp
treatments leave the dose time to settle. Without a step the clinician compares two periods of their
choice, and the summary says there was no treatment change. A window with fewer than half of its days
recorded is shown, but not compared.
"""

import datetime as dt
from dataclasses import dataclass

from accounts.models import User
from tracker.counting import DayStats, Window, days_stats, window_of
from tracker.models import MedicationStep

TRIAL_WINDOW_DAYS = 28
TITRATION_DAYS = 14
MAX_TITRATION_DAYS = 90
# A responder's cramps per recorded day fell by at least this share.
RESPONDER_FALL = 0.5
# The steps a trial can pivot on, most useful first when the default is chosen.
TRIAL_STEP_KINDS = (MedicationStep.Kind.STARTED, MedicationStep.Kind.DOSE_CHANGED)

Days = tuple[dt.date, dt.date]


def step_key(step: MedicationStep) -> str:
    """A step's name in a form: stable across requests (a step read from a medicine's dates has no row)."""
    return f"{step.medication_id}:{step.kind}:{step.day.isoformat()}"


def step_windows(step: MedicationStep, titration_days: int, today: dt.date) -> tuple[Days, Days]:
    """The 28 days before the step, and the 28 days after its titration period (up to today: a window that
    has not begun yet is empty)."""
    window = dt.timedelta(days=TRIAL_WINDOW_DAYS)
    first = step.day + dt.timedelta(days=titration_days)
    return (step.day - window, step.day - dt.timedelta(days=1)), (
        first,
        min(first + window - dt.timedelta(days=1), today),
    )


def default_periods(today: dt.date) -> tuple[Days, Days]:
    """Without a step: the 28 days before the last 28, and the last 28."""
    window = dt.timedelta(days=TRIAL_WINDOW_DAYS)
    start = today - window + dt.timedelta(days=1)
    return (start - window, start - dt.timedelta(days=1)), (start, today)


def default_step(steps: list[MedicationStep], today: dt.date, titration_days: int = TITRATION_DAYS):
    """The step compared by default: the latest start or dose change whose titration is over (else the latest
    start or dose change, else the latest step); None without any step."""
    steps = sorted((step for step in steps if step.day <= today), key=MedicationStep.sort_key, reverse=True)
    settled = [
        step for step in steps if step.kind in TRIAL_STEP_KINDS and step.day + dt.timedelta(titration_days) <= today
    ]
    changes = [step for step in steps if step.kind in TRIAL_STEP_KINDS]
    return next(iter(settled or changes or steps), None)


@dataclass(frozen=True)
class TrialChoice:
    """The windows compared, and the step they surround (None: two periods with no treatment change)."""

    baseline: Days
    treatment: Days
    step: MedicationStep | None = None
    titration_days: int = 0

    @property
    def titration(self) -> Days | None:
        if self.step is None or not self.titration_days:
            return None
        return self.step.day, self.step.day + dt.timedelta(days=self.titration_days - 1)


@dataclass(frozen=True)
class TrialStep:
    step: MedicationStep
    # "during the baseline", "during the titration period", "between the windows" or "during the treatment window"
    position: str


@dataclass(frozen=True)
class Measure:
    """One figure of both windows, and how it changed."""

    label: str
    baseline: float | None
    treatment: float | None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.treatment is None:
            return None
        return round(self.treatment - self.baseline, 2)

    @property
    def percent_change(self) -> int | None:
        if self.change is None or not self.baseline:
            return None
        return round(100 * self.change / self.baseline)


@dataclass(frozen=True)
class TrialSummary:
    baseline: Window
    treatment: Window
    choice: TrialChoice
    # The other medication steps from the first window's start to the second's end.
    steps: list[TrialStep]

    @property
    def step(self) -> MedicationStep | None:
        return self.choice.step

    @property
    def comparable(self) -> bool:
        """Both windows have at least half of their days recorded."""
        return self.baseline.enough_recorded and self.treatment.enough_recorded

    @property
    def measures(self) -> list[Measure]:
        """The figures compared, cramps first; the other kinds of event in their own rows."""
        rows = [
            ("Cramps per recorded day", "cramps_per_day"),
            ("Cramps per week", "cramps_per_week"),
            ("Cramp-free days per week", "cramp_free_days_per_week"),
            ("Mean of each day's worst severity (0\N{EN DASH}10)", "mean_severity"),
            ("Nights disturbed per recorded night (%)", "night_share"),
            ("Spasms or stiffness per recorded day", "spasms_per_day"),
            ("Twitching per recorded day", "twitches_per_day"),
        ]
        if self.baseline.unsure or self.treatment.unsure:
            rows.append(("Not sure what kind, per recorded day", "unsure_per_day"))
        return [Measure(label, getattr(self.baseline, name), getattr(self.treatment, name)) for label, name in rows]

    @property
    def responder(self) -> bool | None:
        """Whether cramps per recorded day fell by at least half; None when the windows cannot be compared
        or the baseline had no cramps."""
        before, after = self.baseline.cramps_per_day, self.treatment.cramps_per_day
        if not self.comparable or not before or after is None:
            return None
        return after <= (1 - RESPONDER_FALL) * before


def _position(step: MedicationStep, choice: TrialChoice) -> str | None:
    (baseline_first, baseline_last), (treatment_first, treatment_last) = choice.baseline, choice.treatment
    earlier, later = sorted([choice.baseline, choice.treatment])
    if baseline_first <= step.day <= baseline_last:
        return "during the baseline"
    if treatment_first <= step.day <= treatment_last:
        return "during the treatment window"
    if (titration := choice.titration) and titration[0] <= step.day <= titration[1]:
        return "during the titration period"
    if earlier[1] < step.day < later[0]:
        return "between the windows"
    return None


def trial_summary(
    patient: User, choice: TrialChoice, steps: list[MedicationStep], days: dict[dt.date, DayStats] | None = None
) -> TrialSummary:
    """The figures of both windows (in one query unless `days` holds their days already) and the other
    medication steps inside or between them."""
    if days is None:
        days = days_stats(patient, [choice.baseline, choice.treatment])
    listed = [
        TrialStep(step, position)
        for step in sorted(steps, key=MedicationStep.sort_key)
        if step is not choice.step and (position := _position(step, choice))
    ]
    return TrialSummary(
        baseline=window_of("Baseline", days, *choice.baseline),
        treatment=window_of("Treatment", days, *choice.treatment),
        choice=choice,
        steps=listed,
    )
