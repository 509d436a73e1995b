"""The chart templates draw the geometry of tracker.insights.charts as well-formed SVG with every text escaped and no
inline style or script, and their tables show the same figures."""

import datetime as dt
import html
import itertools
import re
from xml.etree import ElementTree

import pytest
from django.template.loader import render_to_string

from tracker.counting import DayStats, Week, Window
from tracker.insights.charts import (
    body_map,
    count_bars,
    hours_chart,
    relief_chart,
    severity_chart,
    timeline_chart,
    weekly_chart,
)
from tracker.insights.charts.weeks import LABEL_WIDTH
from tracker.insights.figures import MedicationEffect, PlaceCount, StepEffect
from tracker.models import CheckIn, Medication, MedicationStep

HOSTILE = '<script>alert("x")</script> & "quoted"'
MONDAY = dt.date(2026, 11, 2)
TEMPLATES = {
    "weekly": "tracker/charts/weekly.html",
    "severity": "tracker/charts/severity.html",
    "hours": "tracker/charts/hours.html",
    "triggers": "tracker/charts/triggers.html",
    "relief": "tracker/charts/relief.html",
    "body": "tracker/charts/body_map.html",
    "timeline": "tracker/partials/timeline_chart.html",
}


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


def drawn(name: str, chart) -> str:
    """The chart's figure as a page draws it."""
    return render_to_string(TEMPLATES[name], {"charts": {name: chart}})


def every_chart() -> dict[str, str]:
    return {
        "weekly": drawn("weekly", weekly_chart(weeks())),
        "severity": drawn("severity", severity_chart(weeks())),
        "hours": drawn("hours", hours_chart([0] * 23 + [4])),
        "triggers": drawn("triggers", count_bars([(HOSTILE, 3), ("Cold", 1)])),
        "relief": drawn("relief", relief_chart([(HOSTILE, {"complete": 2, "lot": 1, "none": 1, "": 3})])),
        "body": drawn("body", body_map([PlaceCount("calf", HOSTILE, left=2, right=1)])),
        "timeline": drawn("timeline", timeline_chart(weeks(), [medication_effect(HOSTILE)])),
    }


def svgs(figure: str) -> list[ElementTree.Element]:
    """Each SVG of a figure, parsed as XML: a mark that is not well formed fails here."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", figure, re.DOTALL)]  # noqa: S314


def titles(svg: ElementTree.Element) -> list[str]:
    return [element.text for element in svg.iter("title")]


def table_rows(figure: str) -> list[list[str]]:
    """The chart table's body, each cell's text unescaped."""
    body = figure.split("<tbody>")[1].split("</tbody>")[0]
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def test_every_chart_is_well_formed_svg_without_inline_script_or_style():
    for name, figure in every_chart().items():
        assert "<script" not in figure, name
        assert not re.search(r"\s(style|on\w+)=", figure), name
        assert svgs(figure), name


def test_user_text_comes_back_verbatim_in_titles_and_labels():
    charts = every_chart()
    [relief] = svgs(charts["relief"])
    assert f"{HOSTILE}, completely: 2" in titles(relief)
    assert f"{HOSTILE}, not said: 3" in titles(relief)
    assert HOSTILE in [label.text for label in relief.iter("text") if label.get("class") == "label"]
    [timeline] = svgs(charts["timeline"])
    assert f"{HOSTILE}: taken" in titles(timeline)
    assert f"1. {HOSTILE}: started 3 Nov 2026, {HOSTILE}" in titles(timeline)
    back = svgs(charts["body"])[1]
    assert f"{HOSTILE}, left: 2" in titles(back)


def test_each_day_has_one_mark_by_its_state_with_a_title():
    [svg] = svgs(drawn("weekly", weekly_chart(weeks())))
    marks = [element for element in svg if element.get("class", "").startswith("day-")]
    assert len(marks) == 14
    shapes = [(element.tag, element.get("class")) for element in marks[:3]]
    assert shapes == [("rect", "day-cramps"), ("circle", "day-none"), ("line", "day-unrecorded")]
    assert [element.findtext("title") for element in marks[:3]] == [
        "Mon 2 Nov 2026: 3 cramps",
        "Tue 3 Nov 2026: no cramps",
        "Wed 4 Nov 2026: not recorded",
    ]


def test_a_bar_s_value_sits_just_above_it_and_its_title_gives_the_week():
    chart = weekly_chart(weeks())
    [svg] = svgs(drawn("weekly", chart))
    value = next(element for element in svg if element.get("class") == "bar-value")
    bar = chart.bars[0]
    assert (float(value.get("x")), float(value.get("y"))) == (bar.x + bar.width / 2, round(bar.y - 3, 1))
    assert value.text == "3"
    assert "Week of 2 Nov: 3 cramps on 2 recorded days" in titles(svg)


def ticks(svg: ElementTree.Element) -> list[tuple[float, str]]:
    """The weeks' labels under the bars (the rows of days are labelled Mon and Sun)."""
    return [
        (float(element.get("x")), element.text)
        for element in svg
        if element.get("class") == "tick" and element.text not in ("Mon", "Sun")
    ]


def test_a_few_weeks_stand_apart_each_under_its_own_label():
    """Two weeks side by side under one label read as one week (the label is wider than a bar and its gap)."""
    chart = weekly_chart(weeks())
    [svg] = svgs(drawn("weekly", chart))
    assert ticks(svg) == [(chart.bars[0].x, "2 Nov"), (chart.bars[1].x, "9 Nov")]
    assert chart.bars[1].x - chart.bars[0].x >= LABEL_WIDTH


def test_many_weeks_stand_close_with_every_other_one_labelled():
    many = [
        Week(MONDAY + dt.timedelta(weeks=n), [DayStats(MONDAY + dt.timedelta(weeks=n, days=d)) for d in range(7)])
        for n in range(10)
    ]
    chart = weekly_chart(many)
    [svg] = svgs(drawn("weekly", chart))
    labelled = ticks(svg)
    assert [x for x, _ in labelled] == [bar.x for bar in chart.bars[::2]]
    assert all(later - earlier >= LABEL_WIDTH for (earlier, _), (later, _) in itertools.pairwise(labelled))


def test_a_week_without_a_recorded_day_is_not_recorded_not_zero():
    [svg] = svgs(drawn("weekly", weekly_chart(weeks())))
    assert "Week of 9 Nov: not recorded" in titles(svg)
    assert not any(title.startswith("Week of 9 Nov: 0") for title in titles(svg))


def test_the_tables_list_every_week():
    assert table_rows(drawn("weekly", weekly_chart(weeks()))) == [
        ["2 Nov 2026", "3", "1", "0", "5"],
        ["9 Nov 2026", "Not recorded", "0", "0", "7"],
    ]
    assert table_rows(drawn("severity", severity_chart(weeks()))) == [
        ["2 Nov 2026", "7.0", "7"],
        ["9 Nov 2026", "\N{EN DASH}", "\N{EN DASH}"],
    ]


def test_the_tables_rows_escape_every_label():
    charts = every_chart()
    assert table_rows(charts["body"]) == [[HOSTILE, "2", "1"]]
    assert table_rows(charts["triggers"])[0] == [HOSTILE, "3"]
    assert table_rows(charts["relief"]) == [[HOSTILE, "2", "1", "0", "1", "3"]]
    assert table_rows(charts["timeline"])[0] == ["1", "3 Nov 2026", HOSTILE, "Started", HOSTILE, "\N{EN DASH}"]


def test_the_tables_say_when_no_place_is_recorded_and_count_every_hour():
    assert table_rows(drawn("body", body_map([]))) == [["No place recorded yet."]]
    hours = table_rows(drawn("hours", hours_chart([0] * 23 + [4])))
    assert len(hours) == 24
    assert hours[0] == ["00:00", "0"]
    assert hours[-1] == ["23:00", "4"]


def test_a_single_cramp_is_one_cramp_in_every_title():
    [hours] = svgs(drawn("hours", hours_chart([1] + [0] * 23)))
    assert "00:00: 1 cramp" in titles(hours)
    days = [DayStats(MONDAY, cramps=1, entries=1, worst=4)]
    [weekly] = svgs(drawn("weekly", weekly_chart([Week(MONDAY, days)])))
    assert {"Week of 2 Nov: 1 cramp on 1 recorded day", "Mon 2 Nov 2026: 1 cramp"} <= set(titles(weekly))


def test_the_relief_legend_names_every_answer_in_the_bars_order():
    figure = drawn("relief", relief_chart([("Stretching", {"complete": 1})]))
    assert (
        "split by how well it worked: completely, a lot, a little, not at all, not said, from left to right" in figure
    )
    assert figure.count('<span class="legend-swatch effect-') == 5
    assert '<th scope="col">Completely</th><th scope="col">A lot</th>' in figure


@pytest.mark.parametrize("count", [1, 2, 13, 14, 26, 53, 104])
def test_week_labels_under_the_bars_never_overlap(count):
    """A label ("24 Aug") is about 40 units wide in the charts' type; a bar and its gap take 24."""
    mondays = [MONDAY + dt.timedelta(weeks=index) for index in range(count)]
    many = [Week(monday, [DayStats(monday + dt.timedelta(days=day)) for day in range(7)]) for monday in mondays]
    timeline = timeline_chart(many, [])
    for figure, tick_y in ((drawn("weekly", weekly_chart(many)), 146), (drawn("timeline", timeline), timeline.tick_y)):
        [svg] = svgs(figure)
        ticks = [float(tick.get("x")) for tick in svg.iter("text") if tick.get("y") == str(tick_y)]
        assert ticks
        assert all(later - earlier >= 40 for earlier, later in itertools.pairwise(ticks))
