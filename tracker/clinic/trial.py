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
from fractions import Fraction

from accounts.models import User
from tracker.counting import DayStats, Window, days_stats, window_of
from tracker.models import MedicationStep

TRIAL_WINDOW_DAYS = 28
TITRATION_DAYS = 14
MAX_TITRATION_DAYS = 90
# A responder's cramps per recorded day fell by at least this share.
RESPONDER_FALL = Fraction(1, 2)
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
    """The step compared by default: the latest start or dose change whose treatment window (after its
    titration) has run at least half its days, as a window needs that many recorded to be compared (else the
    latest start or dose change, else the latest step); None without any step."""
    steps = sorted((step for step in steps if step.day <= today), key=MedicationStep.sort_key, reverse=True)
    half_run = dt.timedelta(days=titration_days + TRIAL_WINDOW_DAYS // 2 - 1)
    settled = [step for step in steps if step.kind in TRIAL_STEP_KINDS and step.day + half_run <= today]
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


def _rate(count: int, days: int, per: int = 1) -> Fraction | None:
    """`per` times `count` over `days`, exactly; None without a day."""
    return Fraction(per * count, days) if days else None


def _shown(value: Fraction | None, digits: int) -> float | int | None:
    if value is None:
        return None
    return round(float(value), digits) if digits else round(value)


@dataclass(frozen=True)
class Measure:
    """One figure of both windows, and how it changed. The change and the % change are worked out from the exact
    figures and only then rounded, as each figure is shown (to `digits` decimals): from rounded rates, 2 cramps in
    6 days against 1 in 6 (0.33 against 0.17) read as -48%, not -50%."""

    label: str
    exact_baseline: Fraction | None
    exact_treatment: Fraction | None
    digits: int

    @property
    def baseline(self) -> float | int | None:
        return _shown(self.exact_baseline, self.digits)

    @property
    def treatment(self) -> float | int | None:
        return _shown(self.exact_treatment, self.digits)

    @property
    def change(self) -> float | int | None:
        if self.exact_baseline is None or self.exact_treatment is None:
            return None
        return _shown(self.exact_treatment - self.exact_baseline, self.digits)

    @property
    def percent_change(self) -> float | None:
        """To one decimal: a fall of 49.7% shown as "-50%" would read as a responder."""
        if self.exact_treatment is None or not self.exact_baseline:
            return None
        return round(float(100 * (self.exact_treatment - self.exact_baseline) / self.exact_baseline), 1)


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
            ("Cramps per recorded day", lambda w: _rate(w.cramps, w.recorded_days), 2),
            ("Cramps per week", lambda w: _rate(w.cramps, w.recorded_days, 7), 1),
            ("Cramp-free days per week", lambda w: _rate(w.cramp_free_days, w.recorded_days, 7), 1),
            ("Mean of each day's worst severity (0\N{EN DASH}10)", lambda w: _rate(w.worst_total, w.rated_days), 1),
            ("Nights disturbed per recorded night (%)", lambda w: _rate(w.nights_disturbed, w.nights_answered, 100), 0),
            ("Spasms or stiffness per recorded day", lambda w: _rate(w.recorded_spasms, w.recorded_days), 2),
            ("Twitching per recorded day", lambda w: _rate(w.recorded_twitches, w.recorded_days), 2),
        ]
        if self.baseline.unsure or self.treatment.unsure:
            rows.append(
                ("Not sure what kind, per recorded day", lambda w: _rate(w.recorded_unsure, w.recorded_days), 2)
            )
        return [Measure(label, figure(self.baseline), figure(self.treatment), digits) for label, figure, digits in rows]

    @property
    def responder(self) -> bool | None:
        """Whether cramps per recorded day fell by at least half; None when the windows cannot be compared
        or the baseline had no cramps."""
        before = _rate(self.baseline.cramps, self.baseline.recorded_days)
        after = _rate(self.treatment.cramps, self.treatment.recorded_days)
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


def _running(choice: TrialChoice) -> dict:
    """A step's treatment window cut at today is still running: its days recorded count against its 28 days."""
    first, last = choice.treatment
    if choice.step is None or (last - first).days + 1 >= TRIAL_WINDOW_DAYS:
        return {}
    return {"clipped": "today", "planned_days": TRIAL_WINDOW_DAYS}


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
        treatment=window_of("Treatment", days, *choice.treatment, **_running(choice)),
        choice=choice,
        steps=listed,
    )
