"""Log rows, table rows and cells, and notes drawn by template tags escape every text they show."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tracker.counting import Window
from tracker.models import ClinicianNote, Episode, EpisodeLocation, EpisodeTerm
from tracker.selectors import table_entries
from tracker.templatetags.tracker_tags import (
    clinician_notes,
    effect_window_row,
    episode_cells,
)

from .factories import CaregiverFactory, ClinicianFactory, EpisodeFactory, PatientFactory, term

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


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
        html = str(episode_cells(hostile_entry, table))
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 3  # place, trigger, caregiver


def test_log_rows_escape_labels_and_names(hostile_entry):
    hostile_entry.warning = None
    html = render_to_string("tracker/episode_rows.html", {"episodes": [hostile_entry]}, using="jinja2")
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 2  # place, caregiver
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


def review_rows(entries, note_url="", request=None):
    context = {"episodes": entries, "note_url": note_url, "note_max_length": 2000}
    return render_to_string("clinic/review_rows.html", context, request=request, using="jinja2")


def clinic_rows(patients, today):
    html = render_to_string("clinic/patient_rows.html", {"patients": patients, "today": today}, using="jinja2")
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
    assert '<form method="post" action="/clinic/patients/1/notes/">' in html
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


def test_clinician_notes_escape_text_and_author_and_keep_line_breaks():
    note = ClinicianNote(
        text="<script>alert(1)</script>\nSecond line",
        author=ClinicianFactory.build(full_name="Dr <b>Bold</b>"),
        created_at=dt.datetime(2026, 11, 2, 9, 5, tzinfo=dt.UTC),
    )
    with timezone.override("Europe/Paris"):
        html = str(clinician_notes([note]))
    assert "<script" not in html
    assert "<b>" not in html
    assert '<blockquote class="mb-1">&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line</blockquote>' in html
    assert "<bdi>Dr &lt;b&gt;Bold&lt;/b&gt;</bdi>, 2 Nov 2026, 10:05</figcaption>" in html


def test_clinician_notes_say_when_there_is_none():
    assert str(clinician_notes([], empty="No notes yet.")) == "<p>No notes yet.</p>"
    assert str(clinician_notes([])) == ""


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
    html = str(effect_window_row(window))
    assert html == (
        '<tr><th scope="row">&lt;b&gt;28 days&lt;/b&gt; <span class="small fw-normal">(so far)</span></th>'
        '<td class="text-nowrap">2 Nov \N{EN DASH} 8 Nov 2026</td><td>7 of 7</td><td>3</td><td>3.0</td>'
        "<td>\N{EN DASH}</td></tr>"
    )


def clinic_row(**figures):
    """A patient as the clinic list reads one: the user with their stored figures."""
    patient = PatientFactory(full_name=figures.pop("full_name", "Pat Patient"))
    values = {
        "recent": 0,
        "mean_severity": None,
        "worst_severity": None,
        "times_woken": 0,
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
    today = dt.date(2026, 11, 26)
    patient = clinic_row(
        full_name=HOSTILE,
        recent=7,
        mean_severity=6.25,
        worst_severity=9,
        trend="worse",
        previous_rate=0.2,
        recent_rate=0.5,
        previous_recorded_days=10,
        recent_recorded_days=12,
    )
    html = clinic_rows([patient], today)
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
    today = dt.date(2026, 11, 26)
    quiet = clinic_row(mean_severity=0.0, worst_severity=0, last_checkin=today - dt.timedelta(days=1))
    first, second = clinic_rows([quiet, clinic_row()], today).split("\n")
    assert first.startswith("<tr> <th")
    assert "More frequent" not in first
    assert "Too few days recorded" in first
    assert "<td>0.0</td> <td>0</td>" in first
    assert first.endswith("<td>never</td> <td>yesterday</td></tr>")
    assert "<td>\N{EN DASH}</td> <td>\N{EN DASH}</td>" in second
    assert second.endswith("<td>never</td> <td>never</td></tr>")


def test_clinic_rows_mark_warning_signs_apart_with_the_count_and_highest_tier():
    html = clinic_rows([clinic_row(trend="better", warning_entries=2, warning_tier=2)], dt.date(2026, 11, 26))
    assert "Less frequent" in html
    assert "2 entries with warning signs, highest: same day" in html
    assert 'class="worsening"' not in html


def test_clinic_rows_give_the_last_entry_s_date_in_the_viewer_s_zone():
    entry = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)
    with timezone.override("Asia/Tokyo"):
        html = clinic_rows([clinic_row(last_entry=entry)], dt.date(2026, 11, 26))
    assert "<td>26 Nov 2026</td>" in html
