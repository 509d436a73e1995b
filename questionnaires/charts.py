"""Geometry for the score-over-time chart (server-rendered SVG); the template only draws what is computed here."""

import datetime as dt
from collections.abc import Sequence

WIDTH = 480
LEFT, RIGHT, TOP = 34, 14, 10
PLOT_HEIGHT = 110
HEIGHT = TOP + PLOT_HEIGHT + 28


def format_score(value) -> str:
    """A score as people write it: 2 -> "2", Decimal("2.0") -> "2", 2.5 -> "2.5"."""
    return f"{value:g}" if isinstance(value, float) else str(value).removesuffix(".0")


def score_chart(points: Sequence, *, start: dt.date, end: dt.date, zone, score_min: int, score_max: int) -> dict:
    """Each answer as a dot at its local date (x, across start..end) and score (y), joined by a line."""
    plot_width = WIDTH - LEFT - RIGHT
    days = max((end - start).days, 1)
    span = (score_max - score_min) or 1

    def x_of(day: dt.date) -> float:
        return round(LEFT + plot_width * min(max((day - start).days, 0), days) / days, 1)

    def y_of(value) -> float:
        return round(TOP + PLOT_HEIGHT - PLOT_HEIGHT * (float(value) - score_min) / span, 1)

    dots = []
    for point in points:
        day = point.answered_at.astimezone(zone).date()
        dots.append({"x": x_of(day), "y": y_of(point.score), "day": day, "score": format_score(point.score)})
    middle = (score_min + score_max) / 2
    grid = [
        {"value": format_score(value), "y": y_of(value), "label_y": y_of(value) + 4}
        for value in (score_min, middle, score_max)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": TOP + PLOT_HEIGHT + 20,
        "line": " ".join(f"{dot['x']},{dot['y']}" for dot in dots) if len(dots) > 1 else "",
        "dots": dots,
        "grid": grid,
        "first_day": start,
        "last_day": end,
    }
