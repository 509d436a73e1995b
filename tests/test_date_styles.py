"""One date style everywhere: the styles are one table (crampapp.dates.STYLES), templates write dates for people
only through the `when` filter (or `entry_time`, for an entry on its own zone's clock), and Python writes them with
the same table."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from crampapp.dates import STYLES, when
from crampapp.jinja2 import when as jinja_when
from tracker.templatetags.tracker_tags import entry_time

TEMPLATE_FOLDERS = [Path(__file__).resolve().parent.parent / name for name in ("templates", "templates_jinja2")]
# Formats for machines, not people: ISO dates in links, forms and `datetime` attributes, and comparisons.
MACHINE_FORMATS = {"Y-m-d", "Y-m-d\\TH:i:sO", "Y-m-d\\\\TH:i:sO", "Ymd", "YmdHi", "U", "c"}
RAW_FORMAT = re.compile(r"""\|\s*(?:date|time)\s*(?::|\()\s*["']([^"']*)["']""")

MOMENT = dt.datetime(2026, 12, 7, 2, 10, tzinfo=dt.UTC)


def template_files():
    for folder in TEMPLATE_FOLDERS:
        yield from (path for path in folder.rglob("*") if path.suffix in {".html", ".txt"})


def test_no_template_writes_a_date_for_people_in_a_format_of_its_own():
    raw = [
        f"{path.name}: {match.group(1)}"
        for path in template_files()
        for match in RAW_FORMAT.finditer(path.read_text())
        if match.group(1) not in MACHINE_FORMATS
    ]
    assert raw == []


def test_entry_time_takes_a_style_not_a_format():
    used = {
        match.group(1)
        for path in template_files()
        for match in re.finditer(r"""entry_time\s*(?::|\()\s*["']([^"']*)["']""", path.read_text())
    }
    assert used <= set(STYLES)


@pytest.mark.parametrize(
    ("style", "written"),
    [
        ("day", "7 Dec 2026"),
        ("day_time", "7 Dec 2026, 03:10"),
        ("weekday", "Mon 7 Dec 2026"),
        ("weekday_time", "Mon 7 Dec 2026, 03:10"),
        ("short_day", "7 Dec"),
        ("day_name", "Mon"),
        ("time", "03:10"),
    ],
)
def test_the_filter_writes_each_style_in_the_patients_zone(style, written):
    # 02:10 UTC is 03:10 in Berlin: the page shows the moment on the clock of the zone it is drawn in.
    with timezone.override("Europe/Berlin"):
        assert Template(f'{{{{ moment|when:"{style}" }}}}').render(Context({"moment": MOMENT})) == written
        assert jinja_when(MOMENT, style) == written


def test_every_style_is_tested():
    assert set(STYLES) == {"day", "day_time", "weekday", "weekday_time", "short_day", "day_name", "time"}


def test_a_calendar_date_and_a_clock_time_are_written_as_they_are():
    assert when(dt.date(2026, 12, 7), "weekday") == "Mon 7 Dec 2026"
    assert when(dt.time(3, 10), "time") == "03:10"
    assert when(None, "day") == ""


class _Entry:
    """An entry as entry_time reads it: started at 02:10 UTC, in Berlin (03:10 there)."""

    time_zone = "Europe/Berlin"
    local_started_at = MOMENT.astimezone(dt.timezone(dt.timedelta(hours=1)))


def test_an_entry_keeps_its_own_clock_and_names_its_zone_on_a_page_in_another():
    with timezone.override("Europe/Berlin"):
        assert entry_time(_Entry(), "weekday_time") == "Mon 7 Dec 2026, 03:10"
    with timezone.override("America/New_York"):
        assert entry_time(_Entry(), "weekday_time") == "Mon 7 Dec 2026, 03:10 (Europe/Berlin)"
