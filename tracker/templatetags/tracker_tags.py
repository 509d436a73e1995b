from django import forms, template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, slugify
from django.utils.timezone import localtime

from tracker.markup import joined, text
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


@register.simple_tag
def filter_field(field: forms.BoundField) -> str:
    """A filter bar's field (a date, a number or a choice) in Bootstrap's markup: the label, the input,
    its help and its errors, tied to the input by Django's aria-describedby. The markup crispy draws,
    built without its template, which costs more than the rest of a page's filter bar."""
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), "form-select" if isinstance(widget, forms.Select) else "form-control"]
    if field.errors:
        classes.append("is-invalid")
    required = field.field.required
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        " requiredField" if required else "",
        format_html('{}<span class="asteriskField">*</span>', field.label) if required else field.label,
        field.as_widget(attrs={"class": " ".join(name for name in classes if name)}),
        format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else "",
        format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
            ),
        )
        if field.errors
        else "",
    )


# Log rows are drawn by the tags below rather than by included templates: a page of the log draws twenty
# of them, and an include costs more than the markup it holds (see tracker.markup).


@register.simple_tag
def severity_badge(severity: int) -> str:
    """The 0-10 rating with its word ("7 severe"), so severity is never shown by colour alone."""
    word = severity_word(severity)
    return format_html(
        '<span class="severity-badge severity-{}"><span class="severity-number">{}</span>'
        '<span class="visually-hidden"> out of 10,</span> <span class="severity-word">{}</span></span>',
        slugify(word),
        severity,
        word,
    )


@register.simple_tag
def entered_by(entry) -> str:
    """Who entered a cramp or check-in, when it was not the patient (`entry.created_by` read with it)."""
    if not entry.created_by.is_caregiver:
        return ""
    return format_html('<span class="entered-by">entered by {} (caregiver)</span>', entry.created_by.full_name)


@register.simple_tag
def episode_summary(episode, third_person: bool = False) -> str:
    """When, how many, how bad, where and who entered one cramp or tally of a log; `third_person` words it
    for a caregiver. Expects the episode read with_summary."""
    if episode.is_tally:
        heading = format_html(
            '<span class="d-block fw-semibold">{}: {}</span>', episode.count_label, tally_period(episode)
        )
    else:
        started = localtime(episode.started_at)
        heading = format_html(
            '<span class="d-block fw-semibold"><time datetime="{}">{}</time></span>',
            started.isoformat(),
            date_format(started, "D j M Y, H:i"),
        )
    facts = []
    if episode.is_tally:
        facts.append(f"the worst {episode.severity} out of 10")
    elif episode.tally_id:
        facts.append(episode.count_label)
    if episode.event_kind:
        facts.append(episode.get_event_kind_display())
    places = [str(place) for place in episode.locations.all()]
    if places:
        facts.append(", ".join(places))
    elif episode.is_tally:
        facts.append("Place not recorded")
    else:
        facts.append(mark_safe('<span class="badge text-bg-warning">Details to add</span>'))
    if episode.duration_seconds:
        facts.append(duration(episode.duration_seconds))
    woke = "woke" if third_person else "woke me"
    if episode.times_woken:
        facts.append(f"{woke} {episode.times_woken} time{'s' if episode.times_woken != 1 else ''}")
    elif episode.woke_from_sleep:
        facts.append("woke from sleep" if third_person else "woke me")
    if episode.created_by.is_caregiver:
        facts.append(entered_by(episode))
    return joined([heading, '<span class="d-block small">', " · ".join(text(fact) for fact in facts), "</span>"])


@register.simple_tag
def episode_rows(episodes) -> str:
    """The patient's log as list items, each a link to the entry: its severity badge and summary."""
    return joined((_episode_row(episode) for episode in episodes), "\n")


def _episode_row(episode) -> str:
    link = text(reverse("tracker:episode_detail", args=[episode.uuid]))
    return (
        '<li class="list-group-item episode-row"><a class="stretched-link episode-link d-flex gap-3 '
        f'align-items-start text-decoration-none text-body" href="{link}">{severity_badge(episode.severity)}'
        f'<span class="flex-grow-1">{episode_summary(episode)}</span></a></li>'
    )


DAY_MARKS = {"none": "\N{CHECK MARK}", "unrecorded": "\N{EN DASH}"}


@register.simple_tag
def day_strip(days) -> str:
    """The last days as a strip: cramps (their count), no cramps (a tick), not recorded (a dash); shapes and
    words, not colour alone. `days` are DayStats, oldest first."""
    items = []
    for record in days:
        mark = (record.cramps or "!") if record.state == "cramps" else DAY_MARKS[record.state]
        items.append(
            f'<li class="day day-{record.state}"><span class="day-name">{record.day:%a}</span> '
            f'<span class="day-mark" aria-hidden="true">{mark}</span> '
            f'<span class="day-date">{record.day.day} {record.day:%b}</span>'
            f'<span class="visually-hidden">: {text(record.state_label)}</span></li>'
        )
    return joined([f'<ol class="day-strip list-unstyled" aria-label="The last {len(items)} days">', *items, "</ol>"])


# What a table cell shows for a fact not recorded.
NOT_GIVEN = "\N{EN DASH}"


@register.simple_tag
def episode_cells(episode, table: str = "review") -> str:
    """The cells of one entry in a clinician's table, from when it started to the relief tried: the review's
    (`table` "review") or the printable visit report's ("report"). Expects the episode read with_details."""
    review = table == "review"
    if episode.is_tally:
        when = capfirst(tally_period(episode))
    else:
        when = date_format(localtime(episode.started_at), "D j M Y, H:i" if review else "D j M, H:i")
    if episode.created_by.is_caregiver:
        when = format_html('{}<span class="d-block small">{}</span>', when, entered_by(episode))
    if episode.is_tally:
        cramps = episode.count_label
    elif episode.tally_id:
        cramps = f"1, counted in the {episode.tally_kind}" if review else "counted in the tally"
    else:
        cramps = "1"
    if review:
        severity = severity_badge(episode.severity)
    else:
        severity = f"{episode.severity} (worst)" if episode.is_tally else episode.severity
    if episode.times_woken is not None:
        woke = f"{episode.times_woken} time{'s' if episode.times_woken != 1 else ''}"
    else:
        woke = "yes" if episode.woke_from_sleep else "no"
    relief = labels(episode.relief_measures) or NOT_GIVEN
    if episode.relief_effect:
        relief = f"{relief} ({episode.get_relief_effect_display().lower()})"
    cells = [
        when,
        cramps,
        episode.get_event_kind_display() or NOT_GIVEN,
        severity,
        duration(episode.duration_seconds) or NOT_GIVEN,
        ", ".join(str(place) for place in episode.locations.all()) or NOT_GIVEN,
        woke,
        labels(episode.triggers) or NOT_GIVEN,
        labels(episode.symptoms) or NOT_GIVEN,
        relief,
    ]
    return joined(f"<td>{text(cell)}</td>" for cell in cells)
