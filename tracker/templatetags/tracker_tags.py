from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.names import isolated
from crampapp.dates import when
from tracker.models import EntryType

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name: str, **values) -> str:
    """The Jinja2 template `template_name` (in templates_jinja2/) drawn with `values` and the request (for the
    CSRF field of a form): the rows of long lists and tables, the marks of the charts, and the partials they
    share with other pages (a severity badge, an entry's summary)."""
    html = get_template(template_name, using="jinja2").render(values, request=context.get("request"))
    return mark_safe(html)  # noqa: S308 (Jinja2 escapes every value it writes: autoescape is on)


@register.filter
def duration(seconds: int | None) -> str:
    """90 -> "1 min 30 s"; 3700 -> "1 h 1 min"; empty when unknown."""
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


register.filter("isolated", isolated)


@register.filter
def severity_word(severity: int) -> str:
    """The usual bands of the 0-10 numeric rating scale, so severity is never shown by colour alone."""
    if severity == 0:
        return "no pain"
    if severity <= 3:
        return "mild"
    if severity <= 6:
        return "moderate"
    return "severe"


@register.filter
def labels(terms) -> str:
    """Vocabulary items as a readable list: "Dehydration, Cold"."""
    return ", ".join(term.label for term in terms)


@register.filter
def days_ago(day, today) -> str:
    """A past date as "today", "yesterday" or "5 days ago"."""
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


@register.filter
def tally_period(tally) -> str:
    """A tally's night or day: "the night of Mon 5 Mar 2026"."""
    if not tally.tally_date:
        return ""
    return f"the {'night' if tally.entry_type == EntryType.NIGHT else 'day'} of {when(tally.tally_date, 'weekday')}"


@register.filter
def entry_time(entry, style: str) -> str:
    """When an entry started, in a date style (crampapp.dates.STYLES), on the clock of the zone it happened in
    ("Sun 1 Mar 2026, 03:10"), with that zone named when the page shows times in another one: "Sun 1 Mar 2026,
    03:10 (Europe/London)", so that nobody reads it as a time of their own zone."""
    started = when(entry.local_started_at, style)
    if entry.time_zone == timezone.get_current_timezone_name():
        return started
    return f"{started} ({entry.time_zone})"
