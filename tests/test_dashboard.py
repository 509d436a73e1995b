import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.services import checkin_record, patient_today

from .factories import EpisodeFactory, PatientFactory

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
    checkin_record(patient=patient, created_by=patient, day=patient_today(patient), status="none")
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


def test_dashboard_compares_the_last_30_days_with_the_30_before(client, patient):
    now = timezone.now()
    for days in (1, 5, 20, 29):
        EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=days))
    for days in (31, 59):
        EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=days))
    EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=61))
    client.force_login(patient)
    response = client.get(DASHBOARD_URL)
    comparison = response.context["comparison"]
    assert (comparison.recent, comparison.previous) == (4, 2)
    text = " ".join(response.content.decode().split())
    assert "<strong>4</strong> cramps logged in the last 30 days" in text
    assert "2 in the 30 days before: 2 more." in text


def test_dashboard_strip_shows_14_days_with_three_distinct_states(client, patient):
    today = patient_today(patient)
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


@pytest.mark.parametrize("count", [3, 150])
def test_dashboard_query_count_does_not_grow_with_history(client, django_assert_num_queries, count):
    patient = PatientFactory()
    now = timezone.now()
    EpisodeFactory.create_batch(count, patient=patient, started_at=now - dt.timedelta(hours=5))
    client.force_login(patient)
    # session, user, cramps and check-ins per local day (one statement), the 30-day comparison and 14-day
    # rise (one query), questionnaires due, the quick log's places, last five episodes, their locations
    with django_assert_num_queries(8):
        client.get(DASHBOARD_URL)
