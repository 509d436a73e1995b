from django import forms, template
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, slugify
from django.utils.timezone import localtime

from accounts.names import isolated
from tracker.markup import joined, lines, text
from tracker.tallies import slot_label

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name: str, **values) -> str:
    """The Jinja2 template `template_name` (in templates_jinja2/) drawn with `values` and the request (for the
    CSRF field of a form): the rows of long lists and tables, and the partials they share with other pages."""
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
    return slot_label(tally.entry_type, tally.tally_date) if tally.tally_date else ""


@register.simple_tag
def form_field(field: forms.BoundField) -> str:
    """A field (a date, a number, a choice or a text) in Bootstrap's markup: the label, the input, its help
    and its errors, tied to the input by Django's aria-describedby. The markup crispy draws, built without
    its template, which costs more than the rest of a filter bar or a one-field form."""
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), "form-select" if isinstance(widget, forms.Select) else "form-control"]
    if field.errors:
        classes.append("is-invalid")
    auto_id = text(field.auto_id)
    label = text(field.label)
    pieces = [f'<div id="div_{auto_id}" class="mb-3">']
    if field.field.required:
        pieces.append(
            f'<label for="{text(field.id_for_label)}" class="form-label requiredField">{label}'
            '<span class="asteriskField">*</span></label>'
        )
    else:
        pieces.append(f'<label for="{text(field.id_for_label)}" class="form-label">{label}</label>')
    pieces.append(text(field.as_widget(attrs={"class": " ".join(name for name in classes if name)})))
    if field.help_text:
        pieces.append(f'<div id="{auto_id}_helptext" class="form-text">{text(field.help_text)}</div>')
    if field.errors:
        errors = "".join(
            f'<p id="error_{number}_{auto_id}"><strong>{text(error)}</strong></p>'
            for number, error in enumerate(field.errors, 1)
        )
        pieces.append(f'<div id="{auto_id}_error" class="invalid-feedback">{errors}</div>')
    pieces.append("</div>")
    return joined(pieces)


def local_time(moment, *, with_year: bool = True) -> str:
    """A moment in the current time zone as the date filter's "D j M Y, H:i" ("Mon 2 Nov 2026, 00:00"), or
    "D j M, H:i" without the year. Our pages are in English; date_format looks the format and the names up in
    the translations at every call, which costs more than the rest of a table row."""
    moment = localtime(moment)
    return (
        f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"
        if with_year
        else f"{moment:%a} {moment.day} {moment:%b, %H:%M}"
    )


# Log rows are drawn by the tags below rather than by included templates: a page of the log draws twenty
# of them, and an include costs more than the markup it holds (see tracker.markup).


@register.simple_tag
def severity_badge(severity: int) -> str:
    """The 0-10 rating with its word ("7 severe"), so severity is never shown by colour alone."""
    word = severity_word(severity)
    return joined(
        [
            f'<span class="severity-badge severity-{text(slugify(word))}">',
            f'<span class="severity-number">{int(severity)}</span><span class="visually-hidden"> out of 10,</span> ',
            f'<span class="severity-word">{text(word)}</span></span>',
        ]
    )


@register.simple_tag
def entered_by(entry) -> str:
    """Who entered a cramp or check-in, when it was not the patient (`entry.created_by` read with it)."""
    if not entry.created_by.is_caregiver:
        return ""
    # <bdi>: a right-to-left override in a name must not reverse our own words after it ("(caregiver)").
    return format_html(
        '<span class="entered-by">entered by <bdi>{}</bdi> (caregiver)</span>', entry.created_by.full_name
    )


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
            local_time(started),
        )
    facts = []
    if episode.is_tally:
        facts.append(f"the worst {episode.severity} out of 10")
    elif episode.tally_id:
        facts.append(episode.count_label)
    if episode.event_kind:
        facts.append(episode.get_event_kind_display())
    places = [place.label for place in episode.places]
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
# Whether a cramp woke the patient; an entry that does not say is not one that did not wake them.
WOKE_TEXT = {True: "yes", False: "no", None: "Not recorded"}


@register.simple_tag
def episode_cells(episode, table: str = "review") -> str:
    """The cells of one entry in a clinician's table, from when it started to the relief tried: the review's
    (`table` "review") or the printable visit report's ("report"). Expects the episode read for_table."""
    review = table == "review"
    when = capfirst(tally_period(episode)) if episode.is_tally else local_time(episode.started_at, with_year=review)
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
        woke = WOKE_TEXT[episode.woke_from_sleep]
    relief = labels(episode.relief_measures) or NOT_GIVEN
    if episode.relief_effect:
        relief = f"{relief} ({episode.get_relief_effect_display().lower()})"
    cells = [
        when,
        cramps,
        episode.get_event_kind_display() or NOT_GIVEN,
        severity,
        duration(episode.duration_seconds) or NOT_GIVEN,
        ", ".join(place.label for place in episode.places) or NOT_GIVEN,
        woke,
        labels(episode.triggers) or NOT_GIVEN,
        labels(episode.symptoms) or NOT_GIVEN,
        relief,
    ]
    return joined(f"<td>{text(cell)}</td>" for cell in cells)


# Why an effect window is shorter than asked, as its row says it.
CLIPPED = {
    "today": ' <span class="small fw-normal">(so far)</span>',
    "next step": ' <span class="small fw-normal">(until the next step)</span>',
    "previous step": ' <span class="small fw-normal">(since the previous step)</span>',
}


@register.simple_tag
def effect_window_row(window) -> str:
    """One window of a medicine's "did it help" table: its dates, days recorded, cramps and rates, or why it
    has no day."""
    if window.days:
        first, last = window.first, window.last
        cells = (
            f'<td class="text-nowrap">{first.day} {first:%b} \N{EN DASH} {last.day} {last:%b %Y}</td>'
            f"<td>{text(window.recorded_days)} of {text(window.days)}</td><td>{text(window.cramps)}</td>"
            f"<td>{text(window.cramps_per_week or NOT_GIVEN)}</td><td>{text(window.mean_severity or NOT_GIVEN)}</td>"
        )
    else:
        cells = '<td colspan="5">None: another step of this medicine is on the same date.</td>'
    return joined(
        ['<tr><th scope="row">', text(window.label), CLIPPED.get(window.clipped, ""), "</th>", cells, "</tr>"]
    )


@register.simple_tag
def clinician_notes(notes, empty: str = "") -> str:
    """Clinicians' notes, each with its author and when it was written (`note.author` read with it); `empty`
    says there is none."""
    figures = []
    for note in notes:
        written = localtime(note.created_at)
        figures.append(
            '<figure class="clinician-note border-start border-4 ps-3 mb-3">'
            f'<blockquote class="mb-1">{lines(note.text)}</blockquote>'
            f'<figcaption class="small text-body-secondary">{format_html("<bdi>{}</bdi>", note.author.full_name)}, '
            f"{written.day} {written:%b %Y, %H:%M}</figcaption></figure>"
        )
    if not figures and empty:
        return format_html("<p>{}</p>", empty)
    return joined(figures, "\n")
