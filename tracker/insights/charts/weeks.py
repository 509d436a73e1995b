"""The charts over weeks: cramps per week with each day's record, severity week by week, and the treatment
timeline (the weeks' cramps and severity over each medicine's steps)."""

import datetime as dt
import math
from dataclasses import dataclass

from tracker.counting import Week
from tracker.insights.charts.bars import BAR_GAP, BAR_WIDTH, CELL, PLOT_HEIGHT, Bar, chart_view_box, scaled
from tracker.insights.figures import MedicationEffect, steps_of
from tracker.models import MedicationStep

# A week's label under its bar ("24 Aug", about 40 units in the charts' 11px type) is wider than a bar and
# its gap: every other week at most is labelled, fewer on long periods.
LABEL_WIDTH = 40


# Up to this many weeks, the weeks stand far enough apart for each to have its label.
FEW_WEEKS = 4


def week_step(weeks: list[Week]) -> int:
    """How far apart the weeks stand: a bar and its gap, or a label and its gap for a few weeks (two weeks
    side by side with one label read as one week)."""
    return LABEL_WIDTH + BAR_GAP if len(weeks) <= FEW_WEEKS else BAR_WIDTH + BAR_GAP


def _label_every(weeks: list[Week]) -> int:
    return max(math.ceil(LABEL_WIDTH / week_step(weeks)), len(weeks) // 9)


def _week_bars(weeks: list[Week], height: int) -> list[Bar]:
    counts = [week.cramps for week in weeks]
    largest = max(counts, default=0) or 1
    label_every = _label_every(weeks)
    step = week_step(weeks)
    bars = []
    for index, (week, cramps) in enumerate(zip(weeks, counts, strict=True)):
        bar_height = scaled(cramps, largest, height)
        bars.append(
            Bar(
                30 + index * step,
                round(10 + height - bar_height, 1),
                BAR_WIDTH,
                bar_height,
                cramps,
                labelled=index % label_every == 0,
                day=week.first_day,
                recorded_days=week.recorded_days,
                uncounted_days=week.uncounted_days,
            )
        )
    return bars


@dataclass(frozen=True)
class DayCell:
    """A day under its week's bar: a square (cramps), a ring (checked in without cramps) or a dash (not
    recorded), in a 10 by 10 cell whose top left corner is (x, y)."""

    x: int
    y: int
    state: str
    day: dt.date
    cramps: int

    @property
    def middle_x(self) -> int:
        return self.x + 5

    @property
    def middle_y(self) -> int:
        return self.y + 5

    @property
    def dash_from(self) -> int:
        return self.x + 2

    @property
    def dash_to(self) -> int:
        return self.x + 8


# The rows of days under the bars: Monday's at the top.
DAYS_TOP = PLOT_HEIGHT + 36


@dataclass(frozen=True)
class WeeklyChart:
    width: int
    height: int
    largest: int
    bars: list[Bar]
    cells: list[DayCell]
    # The table's rows.
    weeks: list[Week]
    # Where the labels of the first and last rows of days go.
    monday_y: int = DAYS_TOP + 9
    sunday_y: int = DAYS_TOP + 6 * (CELL + 2) + 9

    @property
    def view_box(self) -> str:
        return chart_view_box(self.width, self.height)


def weekly_chart(weeks: list[Week]) -> WeeklyChart:
    """Cramps per week as bars, and under them every day as a cell: cramps, cramp-free, or not recorded."""
    bars = _week_bars(weeks, PLOT_HEIGHT)
    cells = [
        DayCell(bar.x + 4, DAYS_TOP + day.day.weekday() * (CELL + 2), day.state, day.day, day.cramps)
        for bar, week in zip(bars, weeks, strict=True)
        for day in week.days
    ]
    return WeeklyChart(
        width=40 + len(weeks) * week_step(weeks),
        height=PLOT_HEIGHT + 44 + 7 * (CELL + 2),
        largest=max((bar.value for bar in bars), default=0) or 1,
        bars=bars,
        cells=cells,
        weeks=weeks,
    )


@dataclass(frozen=True)
class GridLine:
    value: int
    y: float

    @property
    def label_y(self) -> float:
        return round(self.y + 4, 1)


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    @property
    def corner_x(self) -> float:
        """The top left corner of an 8 by 8 square around the point (a diamond, once turned)."""
        return round(self.x - 4, 1)

    @property
    def corner_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class SeverityMarks:
    """Weekly mean severity as a line (broken where a week had no cramps) and weekly worst as diamonds,
    over grid lines at 0, 5 and 10 that run to `width`. `lines` are SVG polyline points ("x,y x,y")."""

    width: int
    grid: list[GridLine]
    lines: list[str]
    means: list[Point]
    worst: list[Point]


def _severity_marks(weeks: list[Week], top: float, height: float, width: int) -> SeverityMarks:
    """The severity marks of `weeks` on a 0-10 axis drawn from `top` down `height`."""
    step = week_step(weeks)
    points, worst, lines, run = [], [], [], []
    for index, week in enumerate(weeks):
        x = 30 + index * step + BAR_WIDTH // 2
        mean = week.mean_severity
        if mean is None:
            lines.append(run)
            run = []
            continue
        point = Point(x, round(top + height - scaled(mean, 10, height), 1))
        points.append(point)
        run.append(point)
        worst.append(Point(x, round(top + height - scaled(week.worst_severity, 10, height), 1)))
    lines.append(run)
    return SeverityMarks(
        width=width,
        grid=[GridLine(value, top + height - scaled(value, 10, height)) for value in (0, 5, 10)],
        lines=[" ".join(f"{point.x},{point.y}" for point in run) for run in lines if len(run) > 1],
        means=points,
        worst=worst,
    )


@dataclass(frozen=True)
class SeverityChart:
    width: int
    height: int
    severity: SeverityMarks
    # The table's rows: each week's mean and worst.
    weeks: list[Week]


def severity_chart(weeks: list[Week]) -> SeverityChart:
    """Weekly mean severity as a line (broken where a week had no cramps), weekly worst as dots, on a 0-10 axis."""
    width = 40 + len(weeks) * week_step(weeks)
    return SeverityChart(
        width=width, height=PLOT_HEIGHT + 30, severity=_severity_marks(weeks, 10, PLOT_HEIGHT, width), weeks=weeks
    )


TIMELINE_BARS_HEIGHT = 70
TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT = 122, 60
TIMELINE_LANES_TOP, TIMELINE_LANE = 206, 32


@dataclass(frozen=True)
class StepMark:
    """A step's mark on its medicine's row at (x, y): a triangle (started), circle (dose changed) or square
    (stopped), with its number beside it."""

    x: float
    y: int
    number: int
    step: MedicationStep

    @property
    def triangle(self) -> str:
        """The points of a triangle around (x, y), as an SVG polygon takes them."""
        return f"{round(self.x - 6, 1)},{self.y + 5} {round(self.x + 6, 1)},{self.y + 5} {self.x},{self.y - 6}"

    @property
    def corner_x(self) -> float:
        """The top left corner of a 10 by 10 square around (x, y)."""
        return round(self.x - 5, 1)

    @property
    def corner_y(self) -> int:
        return self.y - 5

    @property
    def number_x(self) -> float:
        return round(self.x + 7, 1)

    @property
    def number_y(self) -> int:
        return self.y + 4


@dataclass(frozen=True)
class Lane:
    """One medicine's row: its name, a band while it was taken (x and width), and its steps in the period."""

    name: str
    top: int
    band: tuple[float, float] | None
    marks: list[StepMark]

    @property
    def label_y(self) -> int:
        return self.top + 10

    @property
    def band_y(self) -> int:
        return self.top + 15


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    largest: int
    bars: list[Bar]
    severity: SeverityMarks
    lanes: list[Lane]
    # The table of steps: each one with its number.
    rows: list[tuple[int, MedicationStep]]
    bars_bottom: int = 10 + TIMELINE_BARS_HEIGHT
    severity_label_y: int = TIMELINE_SEVERITY_TOP - 10

    @property
    def view_box(self) -> str:
        return chart_view_box(self.width, self.height)

    @property
    def tick_y(self) -> int:
        """Where the week labels under the bars go."""
        return self.bars_bottom + 13


def timeline_chart(weeks: list[Week], effects: list[MedicationEffect]) -> TimelineChart:
    """Cramps per week, and weekly mean and worst severity, over one row per medicine: shaded while it
    was taken, with a numbered mark at each step. Steps are numbered in date order, also outside the period
    (those are in the table only)."""
    step_width = week_step(weeks)
    width = 40 + len(weeks) * step_width
    monday, first, last = weeks[0].first_day, weeks[0].days[0].day, weeks[-1].days[-1].day

    def x_of(day: dt.date) -> float:
        return round(30 + (day - monday).days * step_width / 7, 1)

    bars = _week_bars(weeks, TIMELINE_BARS_HEIGHT)
    ordered = steps_of(effects)
    numbers = {id(step): number for number, step in enumerate(ordered, start=1)}
    lanes = []
    for effect in effects:
        steps = [change.step for change in effect.steps]
        taken_from = next((step.day for step in steps if step.kind == MedicationStep.Kind.STARTED), steps[0].day)
        taken_to = next((step.day for step in steps if step.kind == MedicationStep.Kind.STOPPED), last)
        band_from, band_to = max(taken_from, first), min(taken_to, last)
        shown = [step for step in steps if first <= step.day <= last]
        if not shown and band_from > band_to:
            continue
        top = TIMELINE_LANES_TOP + len(lanes) * TIMELINE_LANE
        band = None
        if band_from <= band_to:
            band = (x_of(band_from), max(round(x_of(band_to + dt.timedelta(days=1)) - x_of(band_from), 1), 2))
        marks = [
            StepMark(round(x_of(step.day) + step_width / 14, 1), top + 20, numbers[id(step)], step) for step in shown
        ]
        lanes.append(Lane(effect.medication.name, top, band, marks))
    return TimelineChart(
        width=width,
        height=TIMELINE_LANES_TOP + len(lanes) * TIMELINE_LANE + 4,
        largest=max((bar.value for bar in bars), default=0) or 1,
        bars=bars,
        severity=_severity_marks(weeks, TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT, width),
        lanes=lanes,
        rows=[(numbers[id(step)], step) for step in ordered],
    )
