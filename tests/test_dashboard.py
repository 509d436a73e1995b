import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.diary.services import checkin_record

from .factories import EpisodeFactory, PatientFactory, checked_in_cramp_free

DASHBOARD_URL = reverse("tracker:dashboard")

pytestmark = pytest.mark.django_db


def test_dashboard_offers_one_tap_logging_and_todays_check_in(client, patient):
    client.force_login(patient)
    html = client.get(DASHBOARD_URL).content.decode()
    assert "Log a cramp" in html
    assert "Cramp now? Tap how bad it is" in html
    assert "How was today?" in html
    assert "✓ No cramps today" in html


def test_dashboard_shows_todays_answer_once_given(client, patient):
    checkin_record(patient=patient, created_by=patient, day=patient.today(), status="none")
    client.force_login(patient)
    html = client.get(DASHBOARD_URL).content.decode()
    assert "<strong>No cramps</strong> today" in html
    assert 'aria-pressed="true">✓ No cramps today' in html


def test_dashboard_lists_the_last_five_cramps_newest_first(client, patient):
    now = timezone.now()
    episodes = [EpisodeFactory(patient=patient, started_at=now - dt.timedelta(hours=hours)) for hours in range(1, 8)]
    client.force_login(patient)
    response = client.get(DASHBOARD_URL)
    assert list(response.context["recent_episodes"]) == episodes[:5]


def test_dashboard_gives_cramps_per_recorded_day_against_the_14_days_before(client, patient):
    now = timezone.now()
    for days in (1, 2, 3, 4):
        EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=days))
    checked_in_cramp_free(patient, [*range(5, 13), *range(14, 24)])
    EpisodeFactory.create_batch(2, patient=patient, started_at=now - dt.timedelta(days=24))
    client.force_login(patient)
    response = client.get(DASHBOARD_URL)
    trend = response.context["trend"]
    assert (trend.recent.cramps, trend.recent.recorded_days, trend.recent.rate) == (4, 12, 0.3)
    assert (trend.previous.cramps, trend.previous.recorded_days, trend.previous.rate) == (2, 11, 0.2)
    text = " ".join(response.content.decode().split())
    assert "<strong>4</strong> cramps on 12 recorded days of the last 14: 0.3 per recorded day." in text
    assert "The 14 days before: 0.2 per recorded day, on 11 recorded days. More frequent than before." in text


def test_a_new_patient_who_logs_six_cramps_on_day_one_is_not_told_they_are_rising(client, patient):
    for hours in range(6):
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(hours=hours))
    client.force_login(patient)
    response = client.get(DASHBOARD_URL)
    html = " ".join(response.content.decode().split())
    assert response.context["trend"].direction == "unknown"
    assert "becoming more frequent" not in html
    assert "Too few days recorded to compare" in html


def test_dashboard_strip_shows_14_days_with_three_distinct_states(client, patient):
    today = patient.today()
    checkin_record(patient=patient, created_by=patient, day=today - dt.timedelta(days=1), status="none")
    EpisodeFactory.create_batch(2, patient=patient, started_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(patient)
    response = client.get(DASHBOARD_URL)
    days = response.context["days"]
    assert len(days) == 14
    assert days[-1].day == today
    assert [day.state for day in days[-3:]] == ["cramps", "none", "unrecorded"]
    html = response.content.decode()
    assert ": 2 cramps" in html
    assert ": No cramps" in html
    assert ": Not recorded" in html
    # The legend's sample number reads as what it is, not as a count of cramps.
    legend = html.split('class="small text-body-secondary day-legend"')[1].split("</p>")[0]
    assert "</span> the number of cramps logged · " in legend
    assert "!</span> cramps, none logged · " in legend


@pytest.mark.parametrize("count", [3, 150])
def test_dashboard_query_count_does_not_grow_with_history(client, django_assert_num_queries, count):
    patient = PatientFactory()
    now = timezone.now()
    EpisodeFactory.create_batch(count, patient=patient, started_at=now - dt.timedelta(hours=5))
    client.force_login(patient)
    # session, user, the cramps and the check-ins of the last 28 local days (two light statements: the strip
    # and the trend), questionnaires due, the quick log's places, last five episodes, their places with their
    # symptoms, triggers and relief (one statement), and for their warning signs the patient's profile with
    # diagnoses and their medicines (one statement); the clinicians' notes new to the patient
    with django_assert_num_queries(10):
        client.get(DASHBOARD_URL)
