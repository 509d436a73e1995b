"""The printable visit report: diagnoses, medicines with their steps, the charts, questionnaire scores, entries
with warning signs and the clinicians' notes; the patient's own copy without the notes."""

import datetime as dt
import re
import uuid
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import Instrument
from questionnaires.services import response_record
from tracker.diary.services import medication_add, medication_step_add, profile_update
from tracker.models import AccessLog, EpisodeTerm
from tracker.sharing.services import note_add

from .factories import (
    CaregiverFactory,
    ClinicianFactory,
    EpisodeFactory,
    PatientFactory,
    grant_access,
    grant_care,
    term,
)

pytestmark = pytest.mark.django_db

NOTE = "Discussed stretching before bed."


def report_url(patient, **period) -> str:
    url = reverse("tracker:report", args=[patient.pk])
    return f"{url}?start={period['start']:%Y-%m-%d}&end={period['end']:%Y-%m-%d}" if period else url


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def local_moment(patient, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=patient.zone)


def answered(patient, instrument: Instrument, moment: dt.datetime, **values) -> None:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        response_record(
            patient=patient, instrument=instrument, answered_by=patient, client_id=uuid.uuid4(), values=values
        )


def impact(sleep: int) -> dict:
    return {"sleep": sleep, "daily-activities": sleep, "work": sleep, "mood": sleep}


def add_step(medication, kind: str, day: dt.date, dose: str = "", **fields):
    return medication_step_add(
        medication=medication, created_by=medication.patient, kind=kind, day=day, dose=dose, **fields
    )


def seed_record(patient, clinician, entries: int = 12) -> dict:
    """Two diagnoses and one in the patient's words; baclofen taken now (started, then a higher dose, each
    with side effects), magnesium stopped, and a cream without dates; `entries` cramps over the last 80 days,
    one with new weakness; a questionnaire answered twice; a clinician's note."""
    today = patient.today()
    profile_update(
        patient=patient,
        time_zone=patient.time_zone,
        conditions=[term("condition", "diabetic-neuropathy"), term("condition", "spinal-stenosis")],
        other_conditions="Low thyroid",
        reminder_time=None,
    )
    baclofen = medication_add(patient=patient, name="Baclofen")
    add_step(baclofen, "started", today - dt.timedelta(days=60), "5 mg at night", side_effects=["drowsiness"])
    add_step(
        baclofen,
        "dose_changed",
        today - dt.timedelta(days=30),
        "10 mg at night",
        side_effects=["dizziness", "other"],
        side_effect_other="dry mouth",
    )
    magnesium = medication_add(patient=patient, name="Magnesium", dose="300 mg")
    add_step(magnesium, "started", today - dt.timedelta(days=200), "300 mg")
    add_step(magnesium, "stopped", today - dt.timedelta(days=45), side_effects=["nausea"])
    medication_add(patient=patient, name="Menthol cream")
    for number in range(entries):
        day = today - dt.timedelta(days=1 + number * 80 // entries)
        EpisodeFactory(patient=patient, started_at=local_moment(patient, day, 2 + number % 20), severity=3 + number % 6)
    flagged = EpisodeFactory(patient=patient, started_at=local_moment(patient, today - dt.timedelta(days=3), 23))
    EpisodeTerm.objects.create(patient=patient, episode=flagged, term=term("symptom", "weakness"))
    instrument = Instrument.objects.get(slug="cramp-impact")
    answered(patient, instrument, local_moment(patient, today - dt.timedelta(days=50), 9), **impact(6))
    answered(patient, instrument, local_moment(patient, today - dt.timedelta(days=5), 9), **impact(2))
    note_add(author=clinician, patient=patient, text=NOTE)
    return {"baclofen": baclofen, "magnesium": magnesium, "flagged": flagged}


@pytest.fixture
def record(patient, clinician):
    grant_access(patient, clinician)
    return seed_record(patient, clinician)


class TestTheClinicianReport:
    def test_it_shows_the_diagnoses_in_list_order_then_the_patients_own_words(self, client, clinician, patient, record):
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert '<h2 id="conditions-heading" class="h4">Diagnoses</h2>' in html
        assert "<p>Diabetic neuropathy; Spinal stenosis; Low thyroid</p>" in html

    def test_it_shows_each_medicine_with_its_steps_doses_and_side_effects_taken_now_first(
        self, client, clinician, patient, record
    ):
        client.force_login(clinician)
        response = client.get(report_url(patient))
        histories = response.context["medicines"]
        assert [history.medication.name for history in histories] == ["Baclofen", "Menthol cream", "Magnesium"]
        assert [history.taken_now for history in histories] == [True, True, False]
        section = page_text(response).split('id="medicines-heading"')[1].split("</section>")[0]
        today = patient.today()

        def on(days_ago: int) -> str:
            day = today - dt.timedelta(days=days_ago)
            return f"{day.day} {day:%b %Y}"

        assert 'Baclofen<span class="d-block small fw-normal">taking now, 10 mg at night</span>' in section
        assert f"<td>{on(60)}</td><td>Started</td><td>5 mg at night</td><td>Drowsiness</td>" in section
        assert (
            f"<td>{on(30)}</td><td>Dose changed</td><td>10 mg at night</td><td>Dizziness, other: dry mouth</td>"
            in section
        )
        assert 'Magnesium<span class="d-block small fw-normal">stopped</span>' in section
        assert f"<td>{on(45)}</td><td>Stopped</td><td>\N{EN DASH}</td><td>Nausea</td>" in section
        undated = section.split("Menthol cream")[1]
        assert undated.startswith('<span class="d-block small fw-normal">taking now</span></th> <td colspan="5">')
        assert "No dates recorded." in undated

    def test_each_step_has_the_number_of_its_mark_on_the_timeline(self, client, clinician, patient, record):
        client.force_login(clinician)
        response = client.get(report_url(patient))
        numbered = {
            (number, step.medication.name, step.kind, step.day)
            for history in response.context["medicines"]
            for number, step in history.steps
        }
        marked = {
            (number, step.medication.name, step.kind, step.day)
            for number, step in response.context["charts"]["timeline"].rows
        }
        assert numbered == marked
        assert sorted(number for number, *_ in numbered) == [1, 2, 3, 4]

    def test_it_draws_the_weekly_cramps_with_the_step_marks_the_severity_and_the_hours(
        self, client, clinician, patient, record
    ):
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        charts = html.split('id="report-charts-heading"')[1].split("</section>")[0]
        assert charts.count("<svg") == 3
        assert '<figcaption id="timeline-title" class="h5">Treatment timeline</figcaption>' in charts
        dose_change = patient.today() - dt.timedelta(days=30)
        # The dose change (step 4 of 4 in date order) is marked by a circle, numbered.
        assert re.search(
            rf"<circle [^>]*class=\"bar\"><title>4\. Baclofen: dose changed {dose_change.day} {dose_change:%b %Y}, "
            r"10 mg at night</title></circle>",
            charts,
        )
        assert '<figcaption id="severity-title" class="h5">Severity week by week</figcaption>' in charts
        assert 'id="hours-title" class="h5">Time of day' in charts

    def test_without_a_medicine_the_weekly_chart_shows_every_days_record(self, client, clinician, patient):
        grant_access(patient, clinician)
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=2))
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert 'id="weekly-title" class="h5">Cramps per week</figcaption>' in html
        assert 'id="timeline-title"' not in html
        assert '<h2 id="medicines-heading" class="h4">Medicines</h2> <p>None recorded.</p>' in html
        assert "<p>None recorded.</p>" in html.split('id="conditions-heading"')[1]

    def test_a_period_without_any_record_says_there_is_nothing_to_chart(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert "Nothing to chart: no cramps or check-ins between" in html
        assert "<svg" not in html.split('id="report-charts-heading"')[1].split("</section>")[0]
        # Nothing recorded: how often cramps woke the patient is not known, not 0.
        assert '<th scope="row">Times woken by a cramp</th><td>Not recorded</td>' in html

    def test_times_woken_is_counted_once_a_day_is_recorded(self, client, clinician, patient):
        grant_access(patient, clinician)
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=2), woke_from_sleep=False)
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert '<th scope="row">Times woken by a cramp</th><td>0</td>' in html

    def test_it_shows_the_questionnaire_scores_over_time(self, client, clinician, patient, record):
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert "<td>\N{MINUS SIGN}4</td>" in html
        scores = html.split('class="row g-3 report-columns report-scores"')[1]
        assert 'id="score-title-cramp-impact"' in scores
        assert scores.count('class="mean-point"') == 2
        assert '<polyline points="' in scores

    def test_it_lists_the_entry_with_warning_signs_and_the_clinicians_note(self, client, clinician, patient, record):
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        flags = html.split('id="flags-heading"')[1].split("</section>")[0]
        assert flags.count("<li>") == 1
        assert "New or increasing weakness" in flags
        assert '<h2 id="report-notes-heading" class="h4">Clinician notes</h2>' in html
        assert NOTE in html

    def test_it_says_when_it_was_printed_in_the_patients_zone_and_for_which_period(self, client, clinician):
        patient = PatientFactory(time_zone="Pacific/Kiritimati")
        grant_access(patient, clinician)
        client.force_login(clinician)
        printed = timezone.now().astimezone(patient.zone)
        html = page_text(client.get(report_url(patient, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 28))))
        assert "Period: <strong>1 Jul 2026</strong> to <strong>28 Sep 2026</strong>" in html
        assert f"Printed {printed.day} {printed:%B %Y}, " in html
        assert "(Pacific/Kiritimati)." in html

    def test_every_entry_is_listed_on_screen_only(self, client, clinician, patient, record):
        client.force_login(clinician)
        html = page_text(client.get(report_url(patient)))
        assert '<section class="no-print" aria-labelledby="list-heading">' in html
        assert html.count('<tr><td class="text-nowrap">') + html.count("<tr><td>") >= 13


class TestThePatientsOwnCopy:
    def test_it_shows_everything_but_the_clinicians_notes(self, client, clinician, patient, record):
        client.force_login(patient)
        response = client.get(report_url(patient))
        assert response.status_code == 200
        html = page_text(response)
        assert "<title>Your cramp report · CrampApp</title>" in html
        assert '<h1 class="h2">Your cramp report</h1>' in html
        assert "<strong><bdi>Pat Patient</bdi></strong>. Period:" in html
        assert "From your own CrampApp log." in html
        assert "Diabetic neuropathy; Spinal stenosis; Low thyroid" in html
        assert "Dizziness, other: dry mouth" in html
        for chart in ("timeline", "severity", "hours"):
            assert f'id="{chart}-title"' in html
        assert 'id="score-title-cramp-impact"' in html
        assert "New or increasing weakness" in html
        assert NOTE not in html
        assert "Clinician notes" not in html
        assert "report-notes-heading" not in html
        assert response.context["notes"] == []

    def test_it_is_reached_from_the_insights_page_with_the_same_period(self, client, patient):
        client.force_login(patient)
        html = client.get(reverse("tracker:insights"), {"start": "2026-07-01", "end": "2026-09-28"}).content.decode()
        url = reverse("tracker:report", args=[patient.pk])
        assert f'<a class="btn btn-outline-primary" href="{url}?start=2026-07-01&amp;end=2026-09-28">' in html
        assert "Print a report for your visit" in html
        breadcrumb = page_text(client.get(f"{url}?start=2026-07-01&end=2026-09-28"))
        assert f'<a href="{reverse("tracker:insights")}?start=2026-07-01&amp;end=2026-09-28">Insights</a>' in breadcrumb

    def test_reading_it_writes_nothing_in_the_access_log(self, client, clinician, patient, record):
        client.force_login(patient)
        client.get(report_url(patient))
        assert not AccessLog.objects.exists()
        client.force_login(clinician)
        client.get(report_url(patient))
        assert list(AccessLog.objects.values_list("action", flat=True)) == [AccessLog.Action.VIEW_REPORT]


@pytest.mark.parametrize("who", ["other_patient", "ungranted_clinician", "caregiver"])
def test_anyone_else_gets_404(client, patient, other_patient, record, who):
    caregiver = CaregiverFactory()
    grant_care(patient, caregiver)
    visitor = {"other_patient": other_patient, "ungranted_clinician": ClinicianFactory(), "caregiver": caregiver}[who]
    client.force_login(visitor)
    response = client.get(report_url(patient))
    assert response.status_code == 404
    assert NOTE not in response.content.decode()


@pytest.mark.parametrize("entries", [5, 50])
def test_the_report_reads_a_fixed_number_of_queries_whatever_the_number_of_entries(
    client, clinician, patient, django_assert_num_queries, entries
):
    grant_access(patient, clinician)
    seed_record(patient, clinician, entries)
    client.force_login(clinician)
    # session, user, authenticator-app check, grant (gate), access log insert; medicines, their steps; one
    # statement for the days (and check-ins) of the period, of the medicines' windows and of the trial-style
    # summary's two windows; the period's entries by hour (their places and terms are not drawn: not read);
    # their triggers and relief by day (what seems to matter); the entries for the list, their places, tags
    # and notes (one statement); for their warning signs the patient's diagnoses and, with a neuropathy, when
    # each symptom was first noted; clinician notes; questionnaires; and the session's new idle expiry
    # (savepoint, update, release)
    with django_assert_num_queries(19):
        response = client.get(report_url(patient))
    assert response.context["figures"]["entries"] == entries + 1
    client.force_login(patient)
    # The same but for the grant, the access log and the clinicians' notes; and no authenticator-app check
    # or idle expiry, which are for clinicians only.
    with django_assert_num_queries(12):
        response = client.get(report_url(patient))
    assert response.context["figures"]["entries"] == entries + 1
