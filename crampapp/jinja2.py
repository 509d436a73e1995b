"""The Jinja2 environment of the templates in templates_jinja2/: the rows of long lists and tables and the marks of
the charts, drawn many times per page, where the Django template language costs more than the rest of the page
(measured: 0.4 ms a clinic-list row; see README, "Performance"), and the partials they share with other pages (the
`jinja_include` tag in tracker_tags). They read the same filters as the Django templates: dates for people go
through `when` (crampapp.dates), an entry's start through `entry_time` (on its own zone's clock), and machine
formats (a `datetime` attribute) through Django's `date` filter."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.template import defaultfilters
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import get_language
from jinja2 import Environment

from crampapp import dates
from education.templatetags.warning_sign_tags import tier
from tracker.templatetags.tracker_tags import days_ago, duration, entry_time, labels, severity_word, tally_period


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def date(value, format_string: str) -> str:
    """As the Django `date` filter, for machine formats, in the current time zone (which Django templates apply
    for themselves)."""
    if isinstance(value, dt.datetime):
        value = localtime(value)
    return defaultfilters.date(value, format_string)


def when(value, style: str) -> str:
    """As the Django templates' `when` filter, in the current time zone."""
    if isinstance(value, dt.datetime):
        # Not remembered: two moments in different zones compare equal, and would share one text.
        return dates.when(localtime(value), style)
    return _calendar_when(value, style, get_language())


@lru_cache(maxsize=4096)
def _calendar_when(day: dt.date | None, style: str, language: str) -> str:
    """A calendar date in a style, in `language`: writing one costs about 20 µs, and the same days fill a chart at
    every request (a 26-week chart writes 245)."""
    return dates.when(day, style)


def one_decimal(value: float) -> str:
    """A mean with one decimal, rounded half up, as the Django `floatformat:1` filter gives it."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def environment(*, autoescape: bool = True, **options) -> Environment:
    # Every value is escaped, whatever the caller asks: these templates write what patients typed.
    env = Environment(autoescape=True, **options)
    env.globals.update(url=url)
    env.filters.update(
        capfirst=defaultfilters.capfirst,
        date=date,
        days_ago=days_ago,
        duration=duration,
        entry_time=entry_time,
        labels=labels,
        linebreaksbr=defaultfilters.linebreaksbr,
        one_decimal=one_decimal,
        pluralize=defaultfilters.pluralize,
        severity_word=severity_word,
        slugify=defaultfilters.slugify,
        tally_period=tally_period,
        tier=tier,
        truncatechars=defaultfilters.truncatechars,
        when=when,
    )
    return env
