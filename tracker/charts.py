"""Geometry and marks of the server-rendered SVG charts: templates draw each chart's frame and text; the
repeated marks and the rows of each chart's table are built here, every text escaped by `text` (see
tracker.markup) or format_html."""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from .counting import Week
from .insights import Insights, MedicationEffect, PlaceCount, steps_of
from .markup import joined, text
from .models import MedicationStep, ReliefEffect

BAR_WIDTH = 18
BAR_GAP = 6
PLOT_HEIGHT = 120
CELL = 11
# Room above the plot for the values over the bars.
HEADROOM = 14


def _joined(marks: Iterable[str]) -> SafeString:
    """Marks one per line, each built by format_html or by an f-string whose every text went through
    `text` (the rest are numbers)."""
    return joined(marks, "\n")


# What a table cell shows for a figure a week does not have (its mean severity without cramps).
NO_FIGURE = "\N{EN DASH}"


def _table_rows(rows: Iterable[Iterable]) -> SafeString:
    """A chart table's body: a row of cells for each of `rows`, every value escaped."""
    return joined("<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>" for row in rows)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int | float
    label: str
    title: str = ""


def _columns(bars: list[Bar], *, tick_y: int, label_every: int, values: bool) -> SafeString:
    """Vertical bars with their title, their value above them when `values` is set, and the label of every
    `label_every`th bar under the axis. Built with f-strings, every text escaped (coordinates and values are
    numbers): format_html, called for each of hundreds of marks, costs several times as much."""
    marks = []
    for index, bar in enumerate(bars):
        marks.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" class="bar">'
            f"<title>{text(bar.title)}</title></rect>"
        )
        if values and bar.value:
            marks.append(
                f'<text x="{bar.x + bar.width // 2}" y="{round(bar.y - 3, 1)}" class="bar-value" '
                f'text-anchor="middle">{text(str(bar.value))}</text>'
            )
        if index % label_every == 0:
            marks.append(f'<text x="{bar.x}" y="{tick_y}" class="tick">{text(bar.label)}</text>')
    return _joined(marks)


def _long_date(day: dt.date) -> str:
    """As the date filter's "j M Y": 3 Feb 2026."""
    return f"{day.day} {day:%b %Y}"


def _view_box(width: int, height: int) -> str:
    return f"0 -{HEADROOM} {width} {height + HEADROOM}"


def _scale(value: float, largest: float, height: float = PLOT_HEIGHT) -> float:
    return round(height * value / largest, 1) if largest else 0


# A week's label under its bar ("24 Aug", about 40 units in the charts' 11px type) is wider than a bar and
# its gap: every other week at most is labelled, fewer on long periods.
LABEL_WIDTH = 40


def _label_every(weeks: list[Week]) -> int:
    return max(math.ceil(LABEL_WIDTH / (BAR_WIDTH + BAR_GAP)), len(weeks) // 9)


def _week_bars(weeks: list[Week], height: int) -> list[Bar]:
    counts = [week.cramps for week in weeks]
    largest = max(counts, default=0) or 1
    step = BAR_WIDTH + BAR_GAP
    bars = []
    for index, (week, cramps) in enumerate(zip(weeks, counts, strict=True)):
        bar_height = _scale(cramps, largest, height)
        label = f"{week.first_day:%d %b}"
        bars.append(
            Bar(
                30 + index * step,
                round(10 + height - bar_height, 1),
                BAR_WIDTH,
                bar_height,
                cramps,
                label,
                f"Week of {label}: {cramps} cramps",
            )
        )
    return bars


@dataclass(frozen=True)
class DayCell:
    x: int
    y: int
    state: str
    title: str


@dataclass(frozen=True)
class WeeklyChart:
    width: int
    height: int
    largest: int
    label_every: int
    bars: list[Bar]
    cells: list[DayCell]
    # The table's rows: week from, cramps, cramp-free days, days not recorded.
    table: list[tuple[str, int, int, int]]

    @property
    def view_box(self) -> str:
        return _view_box(self.width, self.height)

    @property
    def bar_marks(self) -> SafeString:
        return _columns(self.bars, tick_y=146, label_every=self.label_every, values=True)

    @property
    def table_rows(self) -> SafeString:
        return _table_rows(self.table)

    @property
    def day_marks(self) -> SafeString:
        """The labels of the first and last rows, then one mark per day: a square, a ring or a dash."""
        first_row_y = PLOT_HEIGHT + 36
        marks = [
            format_html('<text x="0" y="{}" class="tick">Mon</text>', first_row_y + 9),
            format_html('<text x="0" y="{}" class="tick">Sun</text>', first_row_y + 6 * (CELL + 2) + 9),
        ]
        for cell in self.cells:
            title = text(cell.title)
            if cell.state == "cramps":
                mark = (
                    f'<rect x="{cell.x}" y="{cell.y}" width="10" height="10" class="day-cramps">'
                    f"<title>{title}</title></rect>"
                )
            elif cell.state == "none":
                mark = (
                    f'<circle cx="{cell.x + 5}" cy="{cell.y + 5}" r="4" class="day-none">'
                    f"<title>{title}: no cramps</title></circle>"
                )
            else:
                mark = (
                    f'<line x1="{cell.x + 2}" y1="{cell.y + 5}" x2="{cell.x + 8}" y2="{cell.y + 5}" '
                    f'class="day-unrecorded"><title>{title}: not recorded</title></line>'
                )
            marks.append(mark)
        return _joined(marks)


def weekly_chart(weeks: list[Week]) -> WeeklyChart:
    """Cramps per week as bars, and under them every day as a cell: cramps, cramp-free, or not recorded."""
    bars = _week_bars(weeks, PLOT_HEIGHT)
    cells = [
        DayCell(
            bar.x + 4,
            PLOT_HEIGHT + 36 + day.day.weekday() * (CELL + 2),
            day.state,
            f"{day.day:%a %d %b}: {day.cramps} cramps" if day.cramps else f"{day.day:%a %d %b}",
        )
        for bar, week in zip(bars, weeks, strict=True)
        for day in week.days
    ]
    return WeeklyChart(
        width=40 + len(weeks) * (BAR_WIDTH + BAR_GAP),
        height=PLOT_HEIGHT + 44 + 7 * (CELL + 2),
        largest=max((bar.value for bar in bars), default=0) or 1,
        label_every=_label_every(weeks),
        bars=bars,
        cells=cells,
        table=[
            (_long_date(week.first_day), bar.value, week.cramp_free_days, week.unrecorded_days)
            for bar, week in zip(bars, weeks, strict=True)
        ],
    )


@dataclass(frozen=True)
class SeverityMarks:
    """Weekly mean severity as a line (broken where a week had no cramps) and weekly worst as diamonds,
    over grid lines at 0, 5 and 10 that run to `width`."""

    width: int
    grid: list[tuple[int, float]]
    lines: list[str]
    means: list[tuple[float, float]]
    worst: list[tuple[float, float]]

    @property
    def markup(self) -> SafeString:
        """Built with f-strings: every value is a number (the lines' points too)."""
        return _joined(
            [
                "".join(
                    f'<line x1="28" y1="{y}" x2="{self.width}" y2="{y}" class="grid"/>'
                    f'<text x="4" y="{round(y + 4, 1)}" class="tick">{value}</text>'
                    for value, y in self.grid
                ),
                "".join(f'<polyline points="{text(line)}" class="mean-line"/>' for line in self.lines),
                "".join(f'<circle cx="{x}" cy="{y}" r="3" class="mean-point"/>' for x, y in self.means),
                "".join(
                    f'<rect x="{round(x - 4, 1)}" y="{round(y - 4, 1)}" width="8" height="8" class="worst-point" '
                    f'transform="rotate(45 {x} {y})"/>'
                    for x, y in self.worst
                ),
            ]
        )


def _severity_marks(weeks: list[Week], top: float, height: float, width: int) -> SeverityMarks:
    """The severity marks of `weeks` on a 0-10 axis drawn from `top` down `height`."""
    step = BAR_WIDTH + BAR_GAP
    points, worst, lines, run = [], [], [], []
    for index, week in enumerate(weeks):
        x = 30 + index * step + BAR_WIDTH // 2
        mean = week.mean_severity
        if mean is None:
            lines.append(run)
            run = []
            continue
        point = (x, round(top + height - _scale(mean, 10, height), 1))
        points.append(point)
        run.append(point)
        worst.append((x, round(top + height - _scale(week.worst_severity, 10, height), 1)))
    lines.append(run)
    return SeverityMarks(
        width=width,
        grid=[(value, top + height - _scale(value, 10, height)) for value in (0, 5, 10)],
        lines=[" ".join(f"{x},{y}" for x, y in run) for run in lines if len(run) > 1],
        means=points,
        worst=worst,
    )


@dataclass(frozen=True)
class SeverityChart:
    width: int
    height: int
    severity: SeverityMarks
    # The table's rows: week from, mean severity, worst severity.
    table: list[tuple[str, float | None, int | None]]

    @property
    def table_rows(self) -> SafeString:
        return _table_rows((first_day, mean or NO_FIGURE, worst or NO_FIGURE) for first_day, mean, worst in self.table)


def severity_chart(weeks: list[Week]) -> SeverityChart:
    """Weekly mean severity as a line (broken where a week had no cramps), weekly worst as dots, on a 0-10 axis."""
    width = 40 + len(weeks) * (BAR_WIDTH + BAR_GAP)
    return SeverityChart(
        width=width,
        height=PLOT_HEIGHT + 30,
        severity=_severity_marks(weeks, 10, PLOT_HEIGHT, width),
        table=[(_long_date(week.first_day), week.mean_severity, week.worst_severity) for week in weeks],
    )


@dataclass(frozen=True)
class HoursChart:
    width: int
    height: int
    bars: list[Bar]

    @property
    def view_box(self) -> str:
        return _view_box(self.width, self.height)

    @property
    def bar_marks(self) -> SafeString:
        return _columns(self.bars, tick_y=146, label_every=3, values=True)

    @property
    def table_rows(self) -> SafeString:
        return _table_rows((f"{bar.label}:00", bar.value) for bar in self.bars)


def hours_chart(hours: list[int]) -> HoursChart:
    largest = max(hours) or 1
    bars = []
    for hour, count in enumerate(hours):
        height = _scale(count, largest)
        bars.append(
            Bar(
                30 + hour * 20,
                round(10 + PLOT_HEIGHT - height, 1),
                16,
                height,
                count,
                f"{hour:02d}",
                f"{hour:02d}:00: {count} cramps",
            )
        )
    return HoursChart(width=30 + 24 * 20, height=PLOT_HEIGHT + 30, bars=bars)


@dataclass(frozen=True)
class CountBars:
    width: int
    height: int
    rows: list[Bar]

    @property
    def marks(self) -> SafeString:
        """Each row's label, bar and count."""
        return _joined(
            f'<text x="164" y="{row.y + 15}" text-anchor="end" class="label">{text(row.label)}</text>'
            f'<rect x="{row.x}" y="{row.y}" width="{row.width}" height="{row.height}" class="bar"/>'
            f'<text x="{round(row.x + row.width + 6, 1)}" y="{row.y + 15}" class="bar-value">{text(row.value)}</text>'
            for row in self.rows
        )

    @property
    def table_rows(self) -> SafeString:
        return _table_rows((row.label, row.value) for row in self.rows)


def count_bars(items: list[tuple[str, int]]) -> CountBars:
    """Horizontal bars with their label and count (top triggers)."""
    largest = max((count for _, count in items), default=0) or 1
    rows = [
        Bar(170, 6 + index * 28, _scale(count, largest, 260), 20, count, label)
        for index, (label, count) in enumerate(items)
    ]
    return CountBars(width=480, height=12 + len(items) * 28, rows=rows)


EFFECT_ORDER = [ReliefEffect.COMPLETELY, ReliefEffect.A_LOT, ReliefEffect.A_LITTLE, ReliefEffect.NOT_AT_ALL, ""]
EFFECT_LABELS = {**dict(ReliefEffect.choices), "": "Not said"}


@dataclass(frozen=True)
class ReliefSegment:
    x: float
    width: float
    effect: str
    label: str
    count: int


@dataclass(frozen=True)
class ReliefRow:
    label: str
    y: int
    segments: list[ReliefSegment]
    counts: list[int]


@dataclass(frozen=True)
class ReliefChart:
    width: int
    height: int
    rows: list[ReliefRow]
    legend: list[dict[str, str]]

    @property
    def marks(self) -> SafeString:
        """Each row's label, then its segments: a coloured bar, its texture (but for "completely", which is
        plain) and its count where it fits."""
        marks = []
        for row in self.rows:
            label = text(row.label)
            marks.append(f'<text x="164" y="{row.y + 15}" text-anchor="end" class="label">{label}</text>')
            for segment in row.segments:
                effect = text(segment.effect)
                marks.append(
                    f'<rect x="{segment.x}" y="{row.y}" width="{segment.width}" height="20" class="effect '
                    f'effect-{effect}"><title>{label}, {text(segment.label.lower())}: {text(segment.count)}</title>'
                    "</rect>"
                )
                if segment.effect != ReliefEffect.COMPLETELY:
                    marks.append(
                        f'<rect x="{segment.x}" y="{row.y}" width="{segment.width}" height="20" '
                        f'fill="url(#relief-texture-{effect})" class="effect-texture"/>'
                    )
                if segment.width > 14:
                    marks.append(
                        f'<text x="{round(segment.x + 4, 1)}" y="{row.y + 15}" class="segment-count '
                        f'effect-text-{effect}">{text(segment.count)}</text>'
                    )
        return _joined(marks)

    @property
    def legend_words(self) -> str:
        """The answers in the bars' order, in a sentence: "completely, a lot, ..."."""
        return ", ".join(item["label"].lower() for item in self.legend)

    @property
    def legend_marks(self) -> SafeString:
        """Each answer's swatch and words, in the bars' order."""
        return joined(
            (
                f'<span class="text-nowrap"><span class="legend-swatch effect-{text(item["effect"])}" '
                f'aria-hidden="true"></span> {text(item["label"])}</span>'
                for item in self.legend
            ),
            " \N{MIDDLE DOT} ",
        )

    @property
    def table_head(self) -> SafeString:
        return joined(f'<th scope="col">{text(item["label"])}</th>' for item in self.legend)

    @property
    def table_rows(self) -> SafeString:
        return _table_rows((row.label, *row.counts) for row in self.rows)


def relief_chart(relief: list[tuple[str, dict[str, int]]]) -> ReliefChart:
    """For each relief measure, one stacked bar split by how well it worked."""
    largest = max((sum(effects.values()) for _, effects in relief), default=0) or 1
    rows = []
    for index, (label, effects) in enumerate(relief):
        x, segments = 170.0, []
        for effect in EFFECT_ORDER:
            width = _scale(effects.get(effect, 0), largest, 260)
            if width:
                segments.append(ReliefSegment(x, width, effect or "unknown", EFFECT_LABELS[effect], effects[effect]))
            x = round(x + width, 1)
        counts = [effects.get(effect, 0) for effect in EFFECT_ORDER]
        rows.append(ReliefRow(label, 6 + index * 28, segments, counts))
    legend = [{"effect": effect or "unknown", "label": EFFECT_LABELS[effect]} for effect in EFFECT_ORDER]
    return ReliefChart(width=480, height=12 + len(relief) * 28, rows=rows, legend=legend)


# Where each body location is drawn: (view, x, y, width, height) for the patient's RIGHT side;
# the left side is mirrored around the body's middle line (x = 100) on the front view and
# drawn on the viewer's left on the back view.
REGIONS = {
    "neck": [("back", 88, 52, 12, 16)],
    "chest-wall": [("front", 68, 70, 31, 40)],
    "abdomen": [("front", 70, 112, 29, 48)],
    "hip": [("front", 66, 162, 33, 22)],
    "upper-arm": [("front", 44, 72, 20, 60)],
    "forearm": [("front", 38, 134, 20, 56)],
    "hand-fingers": [("front", 34, 192, 22, 28)],
    "thigh-front": [("front", 70, 186, 28, 82)],
    "shin": [("front", 72, 272, 24, 80)],
    "foot-toes": [("front", 68, 356, 28, 20)],
    "back": [("back", 68, 70, 31, 90)],
    "hamstring": [("back", 70, 186, 28, 82)],
    "calf": [("back", 72, 272, 24, 80)],
}


def _mirror(x: float, width: float) -> float:
    return 200 - x - width


@dataclass(frozen=True)
class BodyRegion:
    x: float
    y: float
    width: float
    height: float
    count: int
    opacity: float
    title: str


@dataclass(frozen=True)
class BodyView:
    name: str
    regions: list[BodyRegion]

    @property
    def marks(self) -> SafeString:
        """Each region shaded by its count, and labelled with it when there is one."""
        marks = []
        for region in self.regions:
            marks.append(
                f'<rect x="{region.x}" y="{region.y}" width="{region.width}" height="{region.height}" rx="5" '
                f'class="region" fill-opacity="{region.opacity}"><title>{text(region.title)}</title></rect>'
            )
            if region.count:
                marks.append(
                    f'<text x="{region.x + 3}" y="{region.y + 14}" class="region-count">{text(region.count)}</text>'
                )
        return _joined(marks)


@dataclass(frozen=True)
class BodyMap:
    views: list[BodyView]
    rows: list[PlaceCount]

    @property
    def table_rows(self) -> SafeString:
        if not self.rows:
            return mark_safe('<tr><td colspan="3">No place recorded yet.</td></tr>')
        return _table_rows((place.label, place.left, place.right) for place in self.rows)


def body_map(places: list[PlaceCount]) -> BodyMap:
    """Front and back outlines; each location and side shaded by its count (and labelled with it)."""
    counts = {place.slug: place for place in places}
    largest = max((max(place.left, place.right) for place in places), default=0) or 1
    views = {"front": [], "back": []}
    for slug, shapes in REGIONS.items():
        place = counts.get(slug)
        label = place.label if place else slug.replace("-", " ").capitalize()
        for view, x, y, width, height in shapes:
            # Front view: the patient's right is on the viewer's left. Back view: the other way round.
            right_x = x if view == "front" else _mirror(x, width)
            left_x = _mirror(x, width) if view == "front" else x
            for side, side_x in (("right", right_x), ("left", left_x)):
                count = getattr(place, side) if place else 0
                opacity = round(0.15 + 0.85 * count / largest, 2) if count else 0
                views[view].append(BodyRegion(side_x, y, width, height, count, opacity, f"{label}, {side}: {count}"))
    return BodyMap(
        views=[BodyView(name, regions) for name, regions in views.items()],
        rows=sorted(places, key=lambda place: -(place.left + place.right)),
    )


TIMELINE_BARS_HEIGHT = 70
TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT = 122, 60
TIMELINE_LANES_TOP, TIMELINE_LANE = 206, 32


def _step_title(number: int, step: MedicationStep) -> str:
    title = f"{number}. {step.medication.name}: {step.get_kind_display().lower()} {_long_date(step.day)}"
    return f"{title}, {step.dose}" if step.dose else title


@dataclass(frozen=True)
class StepMark:
    """A step's mark: a triangle (started), circle (dose changed) or square (stopped), its number beside it."""

    x: float
    y: int
    kind: str
    number: int
    title: str

    @property
    def markup(self) -> SafeString:
        x, y = self.x, self.y
        line = format_html('<line x1="{}" y1="10" x2="{}" y2="{}" class="grid"/>', x, x, y)
        if self.kind == MedicationStep.Kind.STARTED:
            points = f"{round(x - 6, 1)},{y + 5} {round(x + 6, 1)},{y + 5} {x},{y - 6}"
            shape = format_html('<polygon points="{}" class="bar"><title>{}</title></polygon>', points, self.title)
        elif self.kind == MedicationStep.Kind.DOSE_CHANGED:
            shape = format_html(
                '<circle cx="{}" cy="{}" r="5" class="bar"><title>{}</title></circle>', x, y, self.title
            )
        else:
            shape = format_html(
                '<rect x="{}" y="{}" width="10" height="10" class="bar"><title>{}</title></rect>',
                round(x - 5, 1),
                y - 5,
                self.title,
            )
        number = format_html('<text x="{}" y="{}" class="tick">{}</text>', round(x + 7, 1), y + 4, self.number)
        return _joined([line, shape, number])


@dataclass(frozen=True)
class Lane:
    """One medicine's row: its name, a band while it was taken (x and width), and its steps in the period."""

    name: str
    top: int
    band: tuple[float, float] | None
    marks: list[StepMark]

    @property
    def markup(self) -> SafeString:
        marks = [
            format_html('<text x="30" y="{}" class="tick">{}</text>', self.top + 10, Truncator(self.name).chars(40))
        ]
        if self.band:
            band_x, band_width = self.band
            marks.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="10" class="night-band"><title>{}: taken</title></rect>',
                    band_x,
                    self.top + 15,
                    band_width,
                    self.name,
                )
            )
        marks.extend(mark.markup for mark in self.marks)
        return _joined(marks)


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    largest: int
    label_every: int
    bars: list[Bar]
    severity: SeverityMarks
    lanes: list[Lane]
    rows: list[tuple[int, MedicationStep]]
    bars_bottom: int = 10 + TIMELINE_BARS_HEIGHT
    severity_label_y: int = TIMELINE_SEVERITY_TOP - 10

    @property
    def view_box(self) -> str:
        return _view_box(self.width, self.height)

    @property
    def bar_marks(self) -> SafeString:
        return _columns(self.bars, tick_y=self.bars_bottom + 13, label_every=self.label_every, values=False)

    @property
    def lane_marks(self) -> SafeString:
        return _joined(lane.markup for lane in self.lanes)

    @property
    def step_rows(self) -> SafeString:
        """The table of steps: each one's number, date, medicine, kind, dose and side effects noted."""
        return joined(
            f"<tr><td>{number}</td><td>{text(_long_date(step.day))}</td><td>{text(step.medication.name)}</td>"
            f'<th scope="row">{text(step.get_kind_display())}</th><td>{text(step.dose or NO_FIGURE)}</td>'
            f"<td>{text(', '.join(step.side_effect_labels) or NO_FIGURE)}</td></tr>"
            for number, step in self.rows
        )


def timeline_chart(weeks: list[Week], effects: list[MedicationEffect]) -> TimelineChart:
    """Cramps per week, and weekly mean and worst severity, over one row per medicine: shaded while it
    was taken, with a numbered mark at each step. Steps are numbered in date order, also outside the period
    (those are in the table only)."""
    step_width = BAR_WIDTH + BAR_GAP
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
            StepMark(
                round(x_of(step.day) + step_width / 14, 1),
                top + 20,
                step.kind,
                numbers[id(step)],
                _step_title(numbers[id(step)], step),
            )
            for step in shown
        ]
        lanes.append(Lane(effect.medication.name, top, band, marks))
    return TimelineChart(
        width=width,
        height=TIMELINE_LANES_TOP + len(lanes) * TIMELINE_LANE + 4,
        largest=max((bar.value for bar in bars), default=0) or 1,
        label_every=_label_every(weeks),
        bars=bars,
        severity=_severity_marks(weeks, TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT, width),
        lanes=lanes,
        rows=[(numbers[id(step)], step) for step in ordered],
    )


def charts_for(insights: Insights) -> dict:
    return {
        "weekly": weekly_chart(insights.weeks),
        "severity": severity_chart(insights.weeks),
        "hours": hours_chart(insights.hours),
        "triggers": count_bars(insights.triggers),
        "relief": relief_chart(insights.relief),
        "body": body_map(insights.places),
        "timeline": timeline_chart(insights.weeks, insights.medications),
    }
