"""The templates of log rows, table rows and cells, and notes escape every text they show, and show what they
should."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tracker.counting import DayStats, Window
from tracker.diary.selectors import table_entries
from tracker.models import CheckIn, ClinicianNote, Episode, EpisodeLocation, EpisodeTerm

from .factories import CaregiverFactory, ClinicianFactory, EpisodeFactory, PatientFactory, term

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'
HOSTILE_ESCAPED = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"


@pytest.fixture
def hostile_entry():
    """An entry whose place and trigger labels (staff may edit the vocabulary) and whose caregiver's
    name are markup."""
    patient = PatientFactory()
    calf, cold = term("location", "calf"), term("trigger", "cold")
    calf.label = cold.label = HOSTILE
    calf.save()
    cold.save()
    episode = EpisodeFactory(patient=patient, created_by=CaregiverFactory(full_name=HOSTILE))
    EpisodeLocation.objects.create(patient=patient, episode=episode, location=calf, side="left")
    EpisodeTerm.objects.create(patient=patient, episode=episode, term=cold)
    return Episode.objects.with_details().get(pk=episode.pk)


@pytest.mark.parametrize("table", ["review", "report"])
def test_table_cells_escape_labels_and_names(hostile_entry, table):
    with timezone.override(hostile_entry.patient.zone):
        html = render_to_string("clinic/episode_cells.html", {"episode": hostile_entry, "table": table}, using="jinja2")
    assert "<img" not in html
    assert html.count(HOSTILE_ESCAPED) == 3  # place, trigger, caregiver
    assert f"<bdi>{HOSTILE_ESCAPED}</bdi> (caregiver)" in html


def test_table_cells_say_when_where_and_how_bad_in_the_entry_s_zone(hostile_entry):
    hostile_entry.started_at = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC)
    hostile_entry.time_zone = "Asia/Tokyo"
    with timezone.override("Asia/Tokyo"):
        review = render_to_string(
            "clinic/episode_cells.html", {"episode": hostile_entry, "table": "review"}, using="jinja2"
        )
        report = render_to_string(
            "clinic/episode_cells.html", {"episode": hostile_entry, "table": "report"}, using="jinja2"
        )
    assert "<td>Tue 3 Nov 2026, 08:30<span" in review
    assert "<td>Tue 3 Nov 2026, 08:30<span" in report
    severity = hostile_entry.severity
    assert f'<span class="severity-number">{severity}</span><span class="visually-hidden"> out of 10,</span>' in review
    assert f"<td>{severity}</td>" in report


@pytest.mark.parametrize(("table", "when"), [("review", "Mon 2 Nov 2026, 23:30"), ("report", "Mon 2 Nov 2026, 23:30")])
def test_table_cells_name_the_zone_of_an_entry_logged_in_another(hostile_entry, table, when):
    hostile_entry.started_at = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC)
    hostile_entry.time_zone = "Europe/London"
    with timezone.override("Asia/Tokyo"):
        html = render_to_string("clinic/episode_cells.html", {"episode": hostile_entry, "table": table}, using="jinja2")
    assert f"<td>{when} (Europe/London)<span" in html


def test_report_rows_show_each_entry_with_its_warning_and_what_the_patient_wrote(hostile_entry):
    hostile_entry.medication_taken = "<i>Quinine</i>"
    hostile_entry.warning = None
    with timezone.override(hostile_entry.patient.zone):
        html = render_to_string("clinic/report_rows.html", {"episodes": [hostile_entry]}, using="jinja2")
    assert "<img" not in html
    assert "<i>" not in html
    assert html.count("<tr>") == 1
    assert "<td>\N{EN DASH}</td><td>Took &lt;i&gt;Quinine&lt;/i&gt;. " in html


def test_log_rows_escape_labels_and_names(hostile_entry):
    hostile_entry.warning = None
    html = render_to_string("tracker/episode_rows.html", {"episodes": [hostile_entry]}, using="jinja2")
    assert "<img" not in html
    assert html.count(HOSTILE_ESCAPED) == 2  # place, caregiver
    assert f'href="/episodes/{hostile_entry.uuid}/"' in html


def review_entry(hostile_entry, **fields):
    """`hostile_entry` with a clinician's note on it, read as the review reads it; `fields` set on the entry."""
    for name, value in fields.items():
        setattr(hostile_entry, name, value)
    hostile_entry.save()
    ClinicianNote.objects.create(
        patient=hostile_entry.patient,
        episode=hostile_entry,
        author=ClinicianFactory(full_name="Dr <b>Bold</b>"),
        text="<script>alert(1)</script>",
    )
    [entry] = table_entries(hostile_entry.patient, Episode.objects.for_table().filter(pk=hostile_entry.pk))
    entry.warning = None
    return entry


def review_rows(entries, note_url="", request=None, back=""):
    context = {"episodes": entries, "note_url": note_url, "back": back, "note_max_length": 2000}
    return render_to_string("clinic/review_rows.html", context, request=request, using="jinja2")


def test_a_rows_note_form_comes_back_to_its_page_with_the_address_escaped(hostile_entry):
    entry = review_entry(hostile_entry)
    back = '/clinic/patients/1/entries/?kind="><script>&page=2'
    with timezone.override(entry.patient.zone):
        html = str(review_rows([entry], "/clinic/patients/1/notes/", RequestFactory().get("/"), back))
    assert (
        '<input type="hidden" name="next" value="/clinic/patients/1/entries/?kind=&#34;&gt;&lt;script&gt;&amp;page=2">'
        in html
    )
    assert 'name="next"' not in str(review_rows([entry], "/clinic/patients/1/notes/", RequestFactory().get("/")))


def clinic_rows(patients):
    html = render_to_string("clinic/patient_rows.html", {"patients": patients}, using="jinja2")
    return "\n".join(" ".join(row.split()) + "</tr>" for row in html.split("</tr>") if row.strip())


def test_review_rows_show_the_notes_escaped_and_a_note_form_per_entry(hostile_entry):
    entry = review_entry(hostile_entry, medication_taken="<i>Quinine</i>", notes="Woke me <up>\r\nTwice")
    with timezone.override(entry.patient.zone):
        html = str(review_rows([entry], "/clinic/patients/1/notes/", RequestFactory().get("/")))
    assert "<script" not in html
    assert "<img" not in html
    assert "<i>" not in html
    assert "<b>" not in html
    assert f'<tr id="episode-{entry.uuid}">' in html
    assert '<p class="small mb-1"><strong>Took:</strong> &lt;i&gt;Quinine&lt;/i&gt;</p>' in html
    assert "Woke me &lt;up&gt;<br>Twice" in html
    assert (
        '<p class="small mb-1"><strong><bdi>Dr &lt;b&gt;Bold&lt;/b&gt;</bdi>:</strong> '
        "&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    )
    assert '<form method="post" action="/clinic/patients/1/notes/" data-draft>' in html
    assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="\w+">', html)
    assert f'<input type="hidden" name="episode" value="{entry.uuid}">' in html
    assert f'<label class="form-label" for="note-{entry.uuid}">Note on this entry</label>' in html
    assert (
        f'<textarea class="form-control" id="note-{entry.uuid}" name="text" rows="2" maxlength="2000" required>' in html
    )
    assert '<summary>Add a note<span class="visually-hidden"> to this entry</span></summary>' in html


def test_review_rows_without_a_note_address_have_no_form(hostile_entry):
    entry = review_entry(hostile_entry)
    with timezone.override(entry.patient.zone):
        html = str(review_rows([entry]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<form" not in html
    assert "csrfmiddlewaretoken" not in html


def clinician_notes(notes, **context) -> str:
    return render_to_string("tracker/partials/clinician_notes.html", {"notes": notes, **context}).strip()


def test_clinician_notes_escape_text_and_author_and_keep_line_breaks():
    note = ClinicianNote(
        text="<script>alert(1)</script>\nSecond line",
        author=ClinicianFactory.build(full_name="Dr <b>Bold</b>"),
        created_at=dt.datetime(2026, 11, 2, 9, 5, tzinfo=dt.UTC),
    )
    with timezone.override("Europe/Paris"):
        html = clinician_notes([note])
    assert "<script" not in html
    assert "<b>" not in html
    assert '<blockquote class="mb-1">&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line</blockquote>' in html
    assert "<bdi>Dr &lt;b&gt;Bold&lt;/b&gt;</bdi>, 2 Nov 2026, 10:05</figcaption>" in html


def test_clinician_notes_say_when_there_is_none():
    assert clinician_notes([], empty="No notes yet.") == "<p>No notes yet.</p>"
    assert clinician_notes([]) == ""


def test_an_effect_window_row_escapes_its_label_and_says_why_it_is_short():
    window = Window(
        label="<b>28 days</b>",
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 8),
        days=7,
        recorded_days=7,
        cramps=3,
        mean_severity=None,
        clipped="today",
    )
    html = " ".join(render_to_string("tracker/partials/effect_window_row.html", {"window": window}).split())
    assert "<b>" not in html
    assert '<th scope="row">&lt;b&gt;28 days&lt;/b&gt; <span class="small fw-normal">(so far)</span></th>' in html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == ["2 Nov \N{EN DASH} 8 Nov 2026", "7 of 7", "3", "3.0", "\N{EN DASH}"]


def test_an_effect_window_without_cramps_shows_zero_cramps_a_week_not_a_dash():
    window = Window(
        label="After",
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 8),
        days=7,
        recorded_days=5,
        cramps=0,
        mean_severity=None,
    )
    html = render_to_string("tracker/partials/effect_window_row.html", {"window": window})
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells[1:] == ["5 of 7", "0", "0.0", "\N{EN DASH}"]


def test_an_effect_window_without_a_recorded_day_says_not_recorded_not_zero():
    window = Window(
        label="Before",
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 29),
        days=28,
        recorded_days=0,
        cramps=0,
        mean_severity=None,
    )
    html = render_to_string("tracker/partials/effect_window_row.html", {"window": window})
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells[1:] == ["0 of 28", "Not recorded", "\N{EN DASH}", "\N{EN DASH}"]


def test_an_effect_window_without_a_day_says_why():
    window = Window(
        label="After",
        first=dt.date(2026, 11, 2),
        last=dt.date(2026, 11, 1),
        days=0,
        recorded_days=0,
        cramps=0,
        mean_severity=None,
    )
    html = render_to_string("tracker/partials/effect_window_row.html", {"window": window})
    assert '<td colspan="5">None: another step of this medicine is on the same date.</td>' in html


def clinic_row(**figures):
    """A patient as the clinic list reads one: the user with their stored figures."""
    patient = PatientFactory(
        full_name=figures.pop("full_name", "Pat Patient"), time_zone=figures.pop("time_zone", "Europe/London")
    )
    values = {
        "recent": 0,
        "recorded_days": 0,
        "mean_severity": None,
        "worst_severity": None,
        "times_woken": 0,
        "woke_not_said": 0,
        "warning_entries": 0,
        "warning_tier": None,
        "trend": "unknown",
        "recent_rate": None,
        "previous_rate": None,
        "recent_recorded_days": 0,
        "previous_recorded_days": 0,
        "last_entry": None,
        "last_checkin": None,
        **figures,
    }
    for name, value in values.items():
        setattr(patient, name, value)
    return patient


def test_clinic_rows_escape_the_name_and_mark_a_patient_getting_worse_in_words():
    patient = clinic_row(
        full_name=HOSTILE,
        recent=7,
        recorded_days=22,
        mean_severity=6.25,
        worst_severity=9,
        trend="worse",
        previous_rate=0.2,
        recent_rate=0.5,
        previous_recorded_days=10,
        recent_recorded_days=12,
    )
    html = clinic_rows([patient])
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</bdi></a>" in html
    assert html.startswith('<tr class="worsening"> <th scope="row">')
    assert '<span aria-hidden="true">▲</span> More frequent</span>' in html
    assert "0.2 → 0.5 cramps per recorded day" in html
    assert "(10 and 12 of 14 days recorded)" in html
    assert "<td>7</td> <td>" in html
    assert "<td>6.3</td> <td>9</td>" in html
    assert f'<a href="{reverse("tracker:patient_review", args=[patient.pk])}">' in html


def test_clinic_rows_show_a_dash_for_no_severity_but_a_zero_as_zero_and_say_never():
    quiet = clinic_row(mean_severity=0.0, worst_severity=0, recorded_days=1)
    quiet.last_checkin = quiet.today() - dt.timedelta(days=1)
    first, second = clinic_rows([quiet, clinic_row()]).split("\n")
    # Cramps and wakings of recorded days are counted, 0 included; with no day recorded, they are not known.
    assert "</a></th> <td>0</td>" in first
    assert "</a></th> <td>Not recorded</td>" in second
    assert "<td>0.0</td> <td>0</td> <td>0</td>" in first
    assert "<td>\N{EN DASH}</td> <td>\N{EN DASH}</td> <td>Not recorded</td>" in second
    assert first.startswith("<tr> <th")
    assert "More frequent" not in first
    assert "Too few days recorded" in first
    assert "<td>0.0</td> <td>0</td>" in first
    assert first.endswith("<td>never</td> <td>yesterday</td></tr>")
    assert "<td>\N{EN DASH}</td> <td>\N{EN DASH}</td>" in second
    assert second.endswith("<td>never</td> <td>never</td></tr>")


def test_clinic_rows_mark_warning_signs_apart_with_the_count_and_highest_tier():
    html = clinic_rows([clinic_row(trend="better", warning_entries=2, warning_tier=2)])
    assert "Less frequent" in html
    assert "2 entries with warning signs, highest: same day" in html
    assert 'class="worsening"' not in html


def test_clinic_rows_give_the_last_entry_s_date_in_the_patient_s_zone_not_the_viewer_s():
    entry = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)
    with timezone.override("America/Los_Angeles"):
        html = clinic_rows([clinic_row(last_entry=entry, time_zone="Asia/Tokyo")])
    assert "<td>26 Nov 2026</td>" in html


def summary(episode, **context) -> str:
    """The log's summary of `episode` as one line of text with its markup."""
    entry = Episode.objects.with_summary().get(pk=episode.pk)
    with timezone.override(entry.patient.zone):
        html = render_to_string("tracker/episode_summary.html", {"episode": entry, **context}, using="jinja2")
    return " ".join(html.split())


def test_a_summary_says_when_in_the_patient_s_zone_and_asks_for_details_when_no_place_is_given():
    patient = PatientFactory(time_zone="Asia/Tokyo")
    episode = EpisodeFactory(
        patient=patient, started_at=dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC), duration_seconds=90
    )
    html = summary(episode)
    assert '<time datetime="2026-11-03T08:30:00+0900">Tue 3 Nov 2026, 08:30</time>' in html
    assert '<span class="badge text-bg-warning">Details to add</span> · 1 min 30 s</span>' in html


def test_a_summary_counts_the_wakings_in_the_patient_s_words_or_a_caregiver_s():
    tally = EpisodeFactory(
        entry_type="night",
        tally_date=dt.date(2026, 11, 2),
        cramp_count=4,
        times_woken=2,
        severity=7,
        duration_seconds=None,
        started_at=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC),
    )
    assert summary(tally).startswith(
        '<span class="d-block fw-semibold">4 cramps (night tally): the night of Mon 2 Nov 2026</span>'
        '<span class="d-block small">the worst 7 out of 10 · Place not recorded · woke me 2 times</span>'
    )
    assert summary(tally, third_person=True).endswith("Place not recorded · woke 2 times</span>")


def test_the_day_strip_gives_each_day_its_name_date_and_state_in_words():
    days = [
        DayStats(dt.date(2026, 11, 2), cramps=3, entries=3, worst=5),
        DayStats(dt.date(2026, 11, 3), checkin=CheckIn.Status.NO_CRAMPS),
        DayStats(dt.date(2026, 11, 4)),
    ]
    html = " ".join(render_to_string("tracker/day_strip.html", {"days": days}, using="jinja2").split())
    assert '<ol class="day-strip list-unstyled" aria-label="The last 3 days">' in html
    assert (
        '<li class="day day-cramps"><span class="day-name">Mon</span> <span class="day-mark" aria-hidden="true">3'
        '</span> <span class="day-date">2 Nov</span><span class="visually-hidden">: 3 cramps</span></li>'
    ) in html
    assert '<span class="day-mark" aria-hidden="true">✓</span> <span class="day-date">3 Nov</span>' in html
    assert '<span class="visually-hidden">: Not recorded</span>' in html
