import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import EpisodeLocation, Side

from .factories import EpisodeFactory, PatientFactory, term

LIST_URL = reverse("tracker:episode_list")

pytestmark = pytest.mark.django_db


def place(episode, slug, side=Side.LEFT):
    EpisodeLocation.objects.create(patient=episode.patient, episode=episode, location=term("location", slug), side=side)
    return episode


def listed(response):
    return list(response.context["page"].object_list)


@pytest.fixture
def patient_with_cramps(patient):
    now = timezone.now()
    episodes = {
        "old_calf": place(EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=40), severity=2), "calf"),
        "recent_foot": place(
            EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=3), severity=8), "foot-toes"
        ),
        "today_calf": place(
            EpisodeFactory(patient=patient, started_at=now - dt.timedelta(hours=2), severity=5), "calf"
        ),
    }
    return patient, episodes


def test_list_shows_newest_first_with_time_severity_place_and_duration(client, patient_with_cramps):
    patient, episodes = patient_with_cramps
    client.force_login(patient)
    response = client.get(LIST_URL)
    html = response.content.decode()
    assert listed(response) == [episodes["today_calf"], episodes["recent_foot"], episodes["old_calf"]]
    assert "Calf (left)" in html
    assert "1 min 30 s" in html
    assert 'class="severity-number">8<' in html
    assert "3 cramps" in html


def test_list_shows_only_the_patients_own_cramps(client, patient_with_cramps, other_patient):
    EpisodeFactory(patient=other_patient)
    client.force_login(other_patient)
    assert len(listed(client.get(LIST_URL))) == 1


def test_filter_by_local_date_range(client, patient_with_cramps):
    patient, episodes = patient_with_cramps
    client.force_login(patient)
    today = timezone.localdate(timezone.now(), patient.zone)
    response = client.get(LIST_URL, {"date_from": (today - dt.timedelta(days=7)).isoformat(), "date_to": today})
    assert listed(response) == [episodes["today_calf"], episodes["recent_foot"]]


def test_filter_by_severity_and_location(client, patient_with_cramps):
    patient, episodes = patient_with_cramps
    client.force_login(patient)
    calf = term("location", "calf").pk
    assert listed(client.get(LIST_URL, {"severity_min": 4})) == [episodes["today_calf"], episodes["recent_foot"]]
    assert listed(client.get(LIST_URL, {"severity_max": 4})) == [episodes["old_calf"]]
    assert listed(client.get(LIST_URL, {"location": calf})) == [episodes["today_calf"], episodes["old_calf"]]
    assert listed(client.get(LIST_URL, {"location": calf, "severity_min": 3})) == [episodes["today_calf"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "not-a-date"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"severity_min": "eleven"}, "severity_min"),
        ({"severity_min": "8", "severity_max": "2"}, "severity_max"),
        ({"location": "999999"}, "location"),
        ({"location": "<script>alert(1)</script>"}, "location"),
    ],
)
def test_bad_filter_values_are_explained_and_ignored(client, patient_with_cramps, params, field):
    patient, _ = patient_with_cramps
    client.force_login(patient)
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    assert response.context["filter_form"].errors[field]
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_list_is_paginated_twenty_a_page(client, patient):
    EpisodeFactory.create_batch(45, patient=patient)
    client.force_login(patient)
    assert len(listed(client.get(LIST_URL))) == 20
    assert len(listed(client.get(LIST_URL, {"page": 3}))) == 5
    assert len(listed(client.get(LIST_URL, {"page": "999"}))) == 5
    assert len(listed(client.get(LIST_URL, {"page": "x"}))) == 20


def test_filters_are_kept_in_the_page_links(client, patient):
    EpisodeFactory.create_batch(25, patient=patient, severity=6)
    client.force_login(patient)
    html = client.get(LIST_URL, {"severity_min": 5}).content.decode()
    assert "?severity_min=5&amp;page=2" in html


def test_a_patient_without_cramps_is_told_how_to_start(client, patient):
    client.force_login(patient)
    assert "No cramps logged yet" in client.get(LIST_URL).content.decode()


@pytest.mark.parametrize("count", [5, 200])
def test_list_query_count_does_not_grow_with_the_number_of_episodes(client, django_assert_num_queries, count):
    patient = PatientFactory()
    for episode in EpisodeFactory.create_batch(count, patient=patient):
        place(episode, "calf", Side.BOTH)
    client.force_login(patient)
    calf = term("location", "calf").pk
    # session, user, the filter's location (validation), the count with the cramps it holds, page of
    # episodes, their places with their symptoms, triggers and relief (one statement); for their warning signs
    # the patient's profile with diagnoses and their medicines (one statement); the filter's options
    with django_assert_num_queries(8):
        response = client.get(LIST_URL, {"location": calf})
    assert len(listed(response)) == min(count, 20)
