"""The chart of "What seems to matter" (tracker.insights.factors): for each trigger, two horizontal bars,
cramps a day on the days with cramps it was noted on and on the other days with cramps, on one scale."""

from dataclasses import dataclass

from tracker.insights.charts.bars import scaled
from tracker.insights.factors import TriggerComparison

LABEL_X = 164
BAR_X = 170
BAR_LENGTH = 180
BAR_HEIGHT = 16
# A trigger's two bars, one under the other, and the space before the next trigger.
ROW_HEIGHT = 48


@dataclass(frozen=True)
class RateBar:
    """One bar: cramps a day over `days` days; `noted` for the days the trigger was noted on."""

    y: int
    width: float
    rate: float
    days: int
    noted: bool
    x: int = BAR_X
    height: int = BAR_HEIGHT

    @property
    def text_y(self) -> int:
        return self.y + 12

    @property
    def value_x(self) -> float:
        return round(self.x + self.width + 6, 1)


@dataclass(frozen=True)
class FactorRow:
    label: str
    label_y: int
    bars: tuple[RateBar, RateBar]


@dataclass(frozen=True)
class FactorChart:
    width: int
    height: int
    rows: list[FactorRow]
    label_x: int = LABEL_X


def _bar(y: int, rate: float, days: int, largest: float, *, noted: bool) -> RateBar:
    return RateBar(y, scaled(rate, largest, BAR_LENGTH), rate, days, noted)


def factor_chart(triggers: list[TriggerComparison]) -> FactorChart:
    """Each trigger's label, its bar for the days it was noted on, and under it the bar for the other days."""
    largest = max((max(item.rate_with, item.rate_without) for item in triggers), default=0) or 1
    rows = []
    for index, item in enumerate(triggers):
        y = 6 + index * ROW_HEIGHT
        bars = (
            _bar(y, item.rate_with, item.days_with, largest, noted=True),
            _bar(y + 20, item.rate_without, item.days_without, largest, noted=False),
        )
        rows.append(FactorRow(item.label, y + 22, bars))
    return FactorChart(width=480, height=12 + len(triggers) * ROW_HEIGHT, rows=rows)
