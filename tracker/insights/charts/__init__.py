"""Geometry of the server-rendered SVG charts: where each bar, cell, point and region goes, in numbers. The
templates (templates/tracker/charts/, with their marks and long tables in templates_jinja2/tracker/charts/) draw
them, with every word and date."""

from tracker.insights.charts.bars import CountBars, HoursChart, ReliefChart, count_bars, hours_chart, relief_chart
from tracker.insights.charts.body import BodyMap, body_map
from tracker.insights.charts.factors import FactorChart, factor_chart
from tracker.insights.charts.weeks import (
    SeverityChart,
    TimelineChart,
    WeeklyChart,
    severity_chart,
    timeline_chart,
    weekly_chart,
)
from tracker.insights.factors import Factors
from tracker.insights.figures import Insights

__all__ = [
    "BodyMap",
    "CountBars",
    "FactorChart",
    "HoursChart",
    "ReliefChart",
    "SeverityChart",
    "TimelineChart",
    "WeeklyChart",
    "body_map",
    "charts_for",
    "count_bars",
    "factor_chart",
    "hours_chart",
    "relief_chart",
    "severity_chart",
    "timeline_chart",
    "weekly_chart",
]


def charts_for(insights: Insights, factors: Factors | None = None) -> dict:
    """Every chart of a page of insights (/insights/, the clinician's review, the visit report), and the chart of
    what seems to matter when `factors` are given."""
    charts = {
        "weekly": weekly_chart(insights.weeks),
        "severity": severity_chart(insights.weeks),
        "hours": hours_chart(insights.hours),
        "triggers": count_bars(insights.triggers),
        "relief": relief_chart(insights.relief),
        "body": body_map(insights.places),
        "timeline": timeline_chart(insights.weeks, insights.medications),
    }
    if factors is not None:
        charts["factors"] = factor_chart(factors.triggers)
    return charts
