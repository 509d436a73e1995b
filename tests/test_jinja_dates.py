"""The Jinja2 templates' date filter writes a moment in the current zone, every time."""

import datetime as dt

from django.utils import timezone

from crampapp.jinja2 import date


def test_the_same_moment_is_written_in_each_zone_it_is_shown_in():
    moment = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    with timezone.override("Asia/Kathmandu"):
        assert date(moment, "H:i") == "17:45"
    with timezone.override("UTC"):
        assert date(moment, "H:i") == "12:00"


def test_a_calendar_date_is_written_as_the_django_filter_writes_it():
    assert date(dt.date(2026, 12, 6), "D j M") == "Sun 6 Dec"
