from django import template

from tracker.tallies import slot_label

register = template.Library()


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
    return slot_label(tally.entry_type, tally.tally_date) if tally.tally_date else ""
