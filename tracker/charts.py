"""Geometry for the server-rendered SVG charts: the templates only draw what is computed here."""

import datetime as dt
from dataclasses import dataclass

from .insights import NIGHT_HOURS, Insights, MedicationEffect, PlaceCount, Week, steps_of
from .models import MedicationStep, ReliefEffect

BAR_WIDTH = 18
BAR_GAP = 6
PLOT_HEIGHT = 120
CELL = 11


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int | float
    label: str


def _scale(value: float, largest: float, height: float = PLOT_HEIGHT) -> float:
    return round(height * value / largest, 1) if largest else 0


def weekly_chart(weeks: list[Week]) -> dict:
    """Cramps per week as bars, and under them every day as a cell: cramps, cramp-free, or not recorded."""
    largest = max((week.cramps for week in weeks), default=0) or 1
    step = BAR_WIDTH + BAR_GAP
    bars, cells = [], []
    for index, week in enumerate(weeks):
        height = _scale(week.cramps, largest)
        x = 30 + index * step
        bars.append(Bar(x, 10 + PLOT_HEIGHT - height, BAR_WIDTH, height, week.cramps, f"{week.first_day:%d %b}"))
        for day in week.days:
            cells.append(
                {
                    "x": x + 4,
                    "y": PLOT_HEIGHT + 36 + day.day.weekday() * (CELL + 2),
                    "state": day.state,
                    "title": f"{day.day:%a %d %b}: {day.cramps} cramps" if day.cramps else f"{day.day:%a %d %b}",
                }
            )
    return {
        "width": 40 + len(weeks) * step,
        "height": PLOT_HEIGHT + 44 + 7 * (CELL + 2),
        "first_row_y": PLOT_HEIGHT + 36,
        "last_row_y": PLOT_HEIGHT + 36 + 6 * (CELL + 2),
        "bars": bars,
        "cells": cells,
        "largest": largest,
        "label_every": max(1, len(weeks) // 9),
    }


def _severity_marks(weeks: list[Week], top: float, height: float) -> dict:
    """Weekly mean severity as a line (broken where a week had no cramps) and weekly worst as points, on a
    0-10 axis drawn from `top` down `height`."""
    step = BAR_WIDTH + BAR_GAP
    points, worst, lines, run = [], [], [], []
    for index, week in enumerate(weeks):
        x = 30 + index * step + BAR_WIDTH / 2
        if week.mean_severity is None:
            lines.append(run)
            run = []
            continue
        point = (x, round(top + height - _scale(week.mean_severity, 10, height), 1))
        points.append(point)
        run.append(point)
        worst.append({"x": x, "y": round(top + height - _scale(week.worst_severity, 10, height), 1)})
    lines.append(run)
    return {
        "lines": [" ".join(f"{x},{y}" for x, y in run) for run in lines if len(run) > 1],
        "means": [{"x": x, "y": y} for x, y in points],
        "worst": worst,
        "grid": [{"value": value, "y": top + height - _scale(value, 10, height)} for value in (0, 5, 10)],
    }


def severity_chart(weeks: list[Week]) -> dict:
    """Weekly mean severity as a line (broken where a week had no cramps), weekly worst as dots, on a 0-10 axis."""
    step = BAR_WIDTH + BAR_GAP
    return {"width": 40 + len(weeks) * step, "height": PLOT_HEIGHT + 30, **_severity_marks(weeks, 10, PLOT_HEIGHT)}


def hours_chart(hours: list[int]) -> dict:
    largest = max(hours) or 1
    bars = [
        Bar(30 + hour * 20, 10 + PLOT_HEIGHT - _scale(count, largest), 16, _scale(count, largest), count, f"{hour:02d}")
        for hour, count in enumerate(hours)
    ]
    return {"width": 30 + 24 * 20, "height": PLOT_HEIGHT + 30, "bars": bars, "night": sorted(NIGHT_HOURS)}


def count_bars(items: list[tuple[str, int]]) -> dict:
    """Horizontal bars with their label and count (top triggers)."""
    largest = max((count for _, count in items), default=0) or 1
    rows = [
        Bar(170, 6 + index * 28, _scale(count, largest, 260), 20, count, label)
        for index, (label, count) in enumerate(items)
    ]
    return {"width": 480, "height": 12 + len(items) * 28, "rows": rows}


EFFECT_ORDER = [ReliefEffect.COMPLETELY, ReliefEffect.A_LOT, ReliefEffect.A_LITTLE, ReliefEffect.NOT_AT_ALL, ""]
EFFECT_LABELS = {**dict(ReliefEffect.choices), "": "Not said"}


def relief_chart(relief: list[tuple[str, dict[str, int]]]) -> dict:
    """For each relief measure, one stacked bar split by how well it worked."""
    largest = max((sum(effects.values()) for _, effects in relief), default=0) or 1
    rows = []
    for index, (label, effects) in enumerate(relief):
        x, segments = 170.0, []
        for effect in EFFECT_ORDER:
            width = _scale(effects.get(effect, 0), largest, 260)
            if width:
                segments.append({"x": x, "width": width, "effect": effect or "unknown", "count": effects[effect]})
            x += width
        counts = [effects.get(effect, 0) for effect in EFFECT_ORDER]
        rows.append({"label": label, "y": 6 + index * 28, "segments": segments, "counts": counts})
    legend = [{"effect": effect or "unknown", "label": EFFECT_LABELS[effect]} for effect in EFFECT_ORDER]
    return {"width": 480, "height": 12 + len(relief) * 28, "rows": rows, "legend": legend, "labels": EFFECT_LABELS}


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


def body_map(places: list[PlaceCount]) -> dict:
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
                views[view].append(
                    {
                        "x": side_x,
                        "y": y,
                        "width": width,
                        "height": height,
                        "count": count,
                        "opacity": round(0.15 + 0.85 * count / largest, 2) if count else 0,
                        "title": f"{label}, {side}: {count}",
                    }
                )
    return {"views": views, "rows": sorted(places, key=lambda place: -(place.left + place.right))}


TIMELINE_BARS_HEIGHT = 70
TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT = 122, 60
TIMELINE_LANES_TOP, TIMELINE_LANE = 206, 32
STEP_SHAPES = {
    MedicationStep.Kind.STARTED: "triangle",
    MedicationStep.Kind.DOSE_CHANGED: "circle",
    MedicationStep.Kind.STOPPED: "square",
}


def _step_title(number: int, step: MedicationStep) -> str:
    title = f"{number}. {step.medication.name}: {step.get_kind_display().lower()} {step.day.day} {step.day:%b %Y}"
    return f"{title}, {step.dose}" if step.dose else title


def _step_mark(x: float, y: float, number: int, step: MedicationStep) -> dict:
    """A step's mark: its shape (a triangle, circle or square, by kind), its number beside it, its title."""
    x = round(x, 1)
    return {
        "x": x,
        "y": y,
        "shape": STEP_SHAPES[step.kind],
        "points": f"{x - 6},{y + 5} {x + 6},{y + 5} {x},{y - 6}",
        "box_x": round(x - 5, 1),
        "box_y": y - 5,
        "number_x": round(x + 7, 1),
        "number_y": y + 4,
        "number": number,
        "title": _step_title(number, step),
    }


def timeline_chart(weeks: list[Week], effects: list[MedicationEffect]) -> dict:
    """Cramps per week, and weekly mean and worst severity, over one row per medicine: shaded while it
    was taken, with a numbered mark at each step. Steps are numbered in date order, also outside the period
    (those are in the table only)."""
    step_width = BAR_WIDTH + BAR_GAP
    monday, first, last = weeks[0].first_day, weeks[0].days[0].day, weeks[-1].days[-1].day

    def x_of(day: dt.date) -> float:
        return round(30 + (day - monday).days * step_width / 7, 1)

    largest = max(week.cramps for week in weeks) or 1
    bars = []
    for index, week in enumerate(weeks):
        height = _scale(week.cramps, largest, TIMELINE_BARS_HEIGHT)
        x = 30 + index * step_width
        bars.append(
            Bar(x, 10 + TIMELINE_BARS_HEIGHT - height, BAR_WIDTH, height, week.cramps, f"{week.first_day:%d %b}")
        )
    numbers = {id(step): number for number, step in enumerate(steps_of(effects), start=1)}
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
        lanes.append(
            {
                "name": effect.medication.name,
                "label_y": top + 10,
                "band": {"x": x_of(band_from), "width": max(x_of(band_to + dt.timedelta(days=1)) - x_of(band_from), 2)}
                if band_from <= band_to
                else None,
                "band_y": top + 15,
                "marks": [
                    _step_mark(x_of(step.day) + step_width / 14, top + 20, numbers[id(step)], step) for step in shown
                ],
            }
        )
    return {
        "width": 40 + len(weeks) * step_width,
        "height": TIMELINE_LANES_TOP + len(lanes) * TIMELINE_LANE + 4,
        "bars": bars,
        "bars_bottom": 10 + TIMELINE_BARS_HEIGHT,
        "largest": largest,
        "label_every": max(1, len(weeks) // 9),
        "severity": _severity_marks(weeks, TIMELINE_SEVERITY_TOP, TIMELINE_SEVERITY_HEIGHT),
        "severity_label_y": TIMELINE_SEVERITY_TOP - 10,
        "lanes": lanes,
        "rows": [(numbers[id(step)], step) for step in steps_of(effects)],
    }


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
