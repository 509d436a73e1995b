"""Bars: the shared scale and the bar of the weekly and hours charts, the hours chart, and the horizontal bars of
the triggers and relief charts."""

import datetime as dt
from dataclasses import dataclass

from tracker.models import ReliefEffect

BAR_WIDTH = 18
BAR_GAP = 6
PLOT_HEIGHT = 120
CELL = 11
# Room above the plot for the values over the bars.
HEADROOM = 14


def chart_view_box(width: int, height: int) -> str:
    """An SVG viewBox of `width` by `height` with room above for the values over the bars."""
    return f"0 -{HEADROOM} {width} {height + HEADROOM}"


def scaled(value: float, largest: float, height: float = PLOT_HEIGHT) -> float:
    """`value` as a length out of `height`, `largest` filling it."""
    return round(height * value / largest, 1) if largest else 0


@dataclass(frozen=True)
class Bar:
    """A vertical bar of `value`, labelled under the axis when `labelled`; `day` is its week's first day,
    `recorded_days` its days that were recorded and `uncounted_days` those checked in as "had cramps" with none
    logged (week bars), `hour` its hour (the hours chart)."""

    x: float
    y: float
    width: float
    height: float
    value: int
    labelled: bool
    day: dt.date | None = None
    recorded_days: int | None = None
    uncounted_days: int = 0
    hour: int | None = None

    @property
    def value_x(self) -> float:
        return self.x + self.width // 2

    @property
    def value_y(self) -> float:
        """Just above the bar."""
        return round(self.y - 3, 1)


@dataclass(frozen=True)
class HoursChart:
    width: int
    height: int
    bars: list[Bar]

    @property
    def view_box(self) -> str:
        return chart_view_box(self.width, self.height)


def hours_chart(hours: list[int]) -> HoursChart:
    largest = max(hours) or 1
    bars = []
    for hour, count in enumerate(hours):
        height = scaled(count, largest)
        bars.append(
            Bar(30 + hour * 20, round(10 + PLOT_HEIGHT - height, 1), 16, height, count, hour % 3 == 0, hour=hour)
        )
    return HoursChart(width=30 + 24 * 20, height=PLOT_HEIGHT + 30, bars=bars)


@dataclass(frozen=True)
class CountRow:
    """A horizontal bar with its label on the left and its count on the right."""

    label: str
    count: int
    y: int
    width: float
    x: int = 170
    height: int = 20

    @property
    def text_y(self) -> int:
        return self.y + 15

    @property
    def count_x(self) -> float:
        return round(self.x + self.width + 6, 1)


@dataclass(frozen=True)
class CountBars:
    width: int
    height: int
    rows: list[CountRow]


def count_bars(items: list[tuple[str, int]]) -> CountBars:
    """Horizontal bars with their label and count (top triggers)."""
    largest = max((count for _, count in items), default=0) or 1
    rows = [
        CountRow(label, count, 6 + index * 28, scaled(count, largest, 260))
        for index, (label, count) in enumerate(items)
    ]
    return CountBars(width=480, height=12 + len(items) * 28, rows=rows)


EFFECT_ORDER = [ReliefEffect.COMPLETELY, ReliefEffect.A_LOT, ReliefEffect.A_LITTLE, ReliefEffect.NOT_AT_ALL, ""]
EFFECT_LABELS = {**dict(ReliefEffect.choices), "": "Not said"}


@dataclass(frozen=True)
class ReliefSegment:
    """Part of a stacked bar: its effect (a CSS class), the words for it, and its count."""

    x: float
    width: float
    effect: str
    label: str
    count: int

    @property
    def textured(self) -> bool:
        """A texture as well as a colour, so that the bars read without colour vision; "completely" is plain."""
        return self.effect != ReliefEffect.COMPLETELY

    @property
    def shows_count(self) -> bool:
        """Whether its count fits in it."""
        return self.width > 14

    @property
    def count_x(self) -> float:
        return round(self.x + 4, 1)


@dataclass(frozen=True)
class ReliefRow:
    label: str
    y: int
    segments: list[ReliefSegment]
    counts: list[int]

    @property
    def text_y(self) -> int:
        return self.y + 15


@dataclass(frozen=True)
class ReliefChart:
    width: int
    height: int
    rows: list[ReliefRow]
    legend: list[dict[str, str]]


def relief_chart(relief: list[tuple[str, dict[str, int]]]) -> ReliefChart:
    """For each relief measure, one stacked bar split by how well it worked."""
    largest = max((sum(effects.values()) for _, effects in relief), default=0) or 1
    rows = []
    for index, (label, effects) in enumerate(relief):
        x, segments = 170.0, []
        for effect in EFFECT_ORDER:
            width = scaled(effects.get(effect, 0), largest, 260)
            if width:
                segments.append(ReliefSegment(x, width, effect or "unknown", EFFECT_LABELS[effect], effects[effect]))
            x = round(x + width, 1)
        counts = [effects.get(effect, 0) for effect in EFFECT_ORDER]
        rows.append(ReliefRow(label, 6 + index * 28, segments, counts))
    legend = [{"effect": effect or "unknown", "label": EFFECT_LABELS[effect]} for effect in EFFECT_ORDER]
    return ReliefChart(width=480, height=12 + len(relief) * 28, rows=rows, legend=legend)


# Where each body location is drawn: (view, x, y, width, height) for the patient's RIGHT side;
