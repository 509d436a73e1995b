"""The chart marks built in Python: well-formed SVG, every value escaped, no inline style or script."""

import datetime as dt
import itertools
import re
from xml.etree import ElementTree

import pytest
from django.utils.safestring import SafeString

from tracker.charts import body_map, count_bars, hours_chart, relief_chart, severity_chart, timeline_chart, weekly_chart
from tracker.counting import DayStats, Week, Window
from tracker.insights import MedicationEffect, PlaceCount, StepEffect
from tracker.models import CheckIn, Medication, MedicationStep

HOSTILE = '<script>alert("x")</script> & "quoted"'
MONDAY = dt.date(2026, 11, 2)
SVG = "http://www.w3.org/2000/svg"


def weeks() -> list[Week]:
    """Two weeks: a day with 3 cramps, the worst of severity 7, a cramp-free day, the rest not recorded."""
    days = [DayStats(MONDAY + dt.timedelta(days=offset)) for offset in range(14)]
    days[0] = DayStats(MONDAY, cramps=3, entries=3, worst=7)
    days[1] = DayStats(MONDAY + dt.timedelta(days=1), checkin=CheckIn.Status.NO_CRAMPS)
    return [Week(MONDAY, days[:7]), Week(MONDAY + dt.timedelta(days=7), days[7:])]


def window(first: dt.date) -> Window:
    return Window(label="", first=first, last=first, days=1, recorded_days=0, cramps=0, mean_severity=None)


def medication_effect(name: str) -> MedicationEffect:
    medication = Medication(name=name)
    steps = [
        MedicationStep(medication=medication, kind=kind, day=MONDAY + dt.timedelta(days=offset), dose=HOSTILE)
        for kind, offset in [
            (MedicationStep.Kind.STARTED, 1),
            (MedicationStep.Kind.DOSE_CHANGED, 5),
            (MedicationStep.Kind.STOPPED, 9),
        ]
    ]
    return MedicationEffect(medication, [StepEffect(step, window(step.day), window(step.day)) for step in steps])


def every_mark() -> dict[str, SafeString]:
    weekly, timeline = weekly_chart(weeks()), timeline_chart(weeks(), [medication_effect(HOSTILE)])
    body = body_map([PlaceCount("calf", HOSTILE, left=2, right=1)])
    return {
        "weekly bars": weekly.bar_marks,
        "weekly days": weekly.day_marks,
        "severity": severity_chart(weeks()).severity.markup,
        "hours": hours_chart([0] * 23 + [4]).bar_marks,
        "triggers": count_bars([(HOSTILE, 3), ("Cold", 1)]).marks,
        "relief": relief_chart([(HOSTILE, {"complete": 2, "lot": 1, "none": 1, "": 3})]).marks,
        "body front": body.views[0].marks,
        "body back": body.views[1].marks,
        "timeline bars": timeline.bar_marks,
        "timeline severity": timeline.severity.markup,
        "timeline lanes": timeline.lane_marks,
    }


def svg(marks: SafeString) -> ElementTree.Element:
    return ElementTree.fromstring(f'<svg xmlns="{SVG}">{marks}</svg>')  # noqa: S314 (our own markup)


def test_every_chart_s_marks_are_well_formed_svg_without_inline_script_or_style():
    for name, marks in every_mark().items():
        assert isinstance(marks, SafeString), name
        assert "<script" not in marks, name
        assert not re.search(r"\s(style|on\w+)=", marks), name
        svg(marks)


def test_user_text_comes_back_verbatim_in_titles_and_labels():
    relief = svg(every_mark()["relief"])
    titles = [element.text for element in relief.iter(f"{{{SVG}}}title")]
    assert f"{HOSTILE}, completely: 2" in titles
    assert f"{HOSTILE}, not said: 3" in titles
    lanes = svg(every_mark()["timeline lanes"])
    titles = [element.text for element in lanes.iter(f"{{{SVG}}}title")]
    assert f"{HOSTILE}: taken" in titles
    assert f"1. {HOSTILE}: started 3 Nov 2026, {HOSTILE}" in titles


def test_each_day_has_one_mark_by_its_state_with_a_title():
    marks = [element for element in svg(weekly_chart(weeks()).day_marks) if element.get("class") != "tick"]
    assert len(marks) == 14
    shapes = [(element.tag.removeprefix(f"{{{SVG}}}"), element.get("class")) for element in marks[:3]]
    assert shapes == [("rect", "day-cramps"), ("circle", "day-none"), ("line", "day-unrecorded")]
    titles = [element.findtext(f"{{{SVG}}}title") for element in marks]
    assert titles[:3] == ["Mon 02 Nov: 3 cramps", "Tue 03 Nov: no cramps", "Wed 04 Nov: not recorded"]


def test_a_bar_s_value_sits_just_above_it():
    chart = weekly_chart(weeks())
    marks = svg(chart.bar_marks)
    value = next(element for element in marks if element.get("class") == "bar-value")
    bar = chart.bars[0]
    assert (float(value.get("x")), float(value.get("y"))) == (bar.x + bar.width / 2, round(bar.y - 3, 1))
    assert value.text == "3"


def test_the_tables_list_every_week():
    assert weekly_chart(weeks()).table == [("2 Nov 2026", 3, 1, 5), ("9 Nov 2026", 0, 0, 7)]
    assert severity_chart(weeks()).table == [("2 Nov 2026", 7.0, 7), ("9 Nov 2026", None, None)]


def test_the_tables_rows_escape_every_label():
    body = body_map([PlaceCount("calf", HOSTILE, left=2, right=1)])
    rows = {
        "body": body.table_rows,
        "triggers": count_bars([(HOSTILE, 3)]).table_rows,
        "relief": relief_chart([(HOSTILE, {"complete": 2})]).table_rows,
        "steps": timeline_chart(weeks(), [medication_effect(HOSTILE)]).step_rows,
    }
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    for name, markup in rows.items():
        assert isinstance(markup, SafeString), name
        assert "<script" not in markup, name
        assert escaped in markup, name
    assert rows["body"] == f"<tr><td>{escaped}</td><td>2</td><td>1</td></tr>"
    assert rows["relief"] == f"<tr><td>{escaped}</td><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>"
    assert rows["steps"].startswith(
        f'<tr><td>1</td><td>3 Nov 2026</td><td>{escaped}</td><th scope="row">Started</th><td>{escaped}</td>'
        "<td>\N{EN DASH}</td></tr>"
    )


def test_the_tables_show_a_dash_for_a_week_without_figures_and_say_when_no_place_is_recorded():
    assert severity_chart(weeks()).table_rows == (
        "<tr><td>2 Nov 2026</td><td>7.0</td><td>7</td></tr><tr><td>9 Nov 2026</td><td>\N{EN DASH}</td>"
        "<td>\N{EN DASH}</td></tr>"
    )
    assert weekly_chart(weeks()).table_rows == (
        "<tr><td>2 Nov 2026</td><td>3</td><td>1</td><td>5</td></tr><tr><td>9 Nov 2026</td><td>0</td><td>0</td>"
        "<td>7</td></tr>"
    )
    assert body_map([]).table_rows == '<tr><td colspan="3">No place recorded yet.</td></tr>'
    assert hours_chart([0] * 23 + [4]).table_rows.endswith("<tr><td>23:00</td><td>4</td></tr>")


def test_the_relief_legend_names_every_answer_in_the_bars_order():
    chart = relief_chart([("Stretching", {"complete": 1})])
    assert chart.legend_words == "completely, a lot, a little, not at all, not said"
    assert chart.legend_marks.count('<span class="legend-swatch effect-') == 5
    assert chart.table_head.startswith('<th scope="col">Completely</th><th scope="col">A lot</th>')


@pytest.mark.parametrize("count", [1, 2, 13, 14, 26, 53, 104])
def test_week_labels_under_the_bars_never_overlap(count):
    """A label ("24 Aug") is about 40 units wide in the charts' type; a bar and its gap take 24."""
    mondays = [MONDAY + dt.timedelta(weeks=index) for index in range(count)]
    many = [Week(monday, [DayStats(monday + dt.timedelta(days=day)) for day in range(7)]) for monday in mondays]
    for marks in (weekly_chart(many).bar_marks, timeline_chart(many, []).bar_marks):
        ticks = [float(tick.get("x")) for tick in svg(marks).iter(f"{{{SVG}}}text") if tick.get("class") == "tick"]
        assert ticks
        assert all(later - earlier >= 40 for earlier, later in itertools.pairwise(ticks))
