"""Every patient-data page against the fixed cast: only the owner gets in, strangers get 404."""

import pytest
from django.urls import reverse

from tracker.models import Episode, Medication

from .factories import EpisodeFactory

pytestmark = pytest.mark.django_db

CAST = ["owner", "other_patient", "clinician", "unverified_clinician", "staff", "anonymous"]


@pytest.fixture
def record(patient):
    return {
        "episode": EpisodeFactory(patient=patient),
        "medication": Medication.objects.create(patient=patient, name="Baclofen"),
    }


def object_requests(record):
    """(method, url) for every page that shows or changes one of the owner's records."""
    episode, medication = record["episode"], record["medication"]
    detail = reverse("tracker:episode_detail", args=[episode.uuid])
    edit = reverse("tracker:episode_edit", args=[episode.uuid])
    delete = reverse("tracker:episode_delete", args=[episode.uuid])
    medication_edit = reverse("tracker:medication_edit", args=[medication.uuid])
    return [
        ("get", detail),
        ("get", edit),
        ("post", edit),
        ("get", delete),
        ("get", medication_edit),
        ("post", medication_edit),
        ("post", delete),
    ]


OWN_PAGES = ["tracker:dashboard", "tracker:episode_list", "tracker:episode_new", "tracker:checkin", "tracker:profile"]


def sign_in(client, request, who):
    if who == "anonymous":
        return
    user = request.getfixturevalue("patient" if who == "owner" else who)
    client.force_login(user)


@pytest.mark.parametrize("who", CAST)
def test_episode_and_medication_pages_open_only_for_their_owner(client, request, record, who):
    sign_in(client, request, who)
    for method, url in object_requests(record):
        status = getattr(client, method)(url).status_code
        if who == "owner":
            assert status in (200, 302), url
        elif who == "anonymous":
            assert status == 302, url
        else:
            assert status == 404, (url, who)
    assert Episode.objects.filter(pk=record["episode"].pk).exists() == (who != "owner")


@pytest.mark.parametrize("who", CAST)
def test_patient_pages_open_only_for_patients(client, request, patient, who):
    sign_in(client, request, who)
    for name in OWN_PAGES:
        response = client.get(reverse(name))
        if who == "owner":
            assert response.status_code == 200, name
        elif who == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("account_login"))
        elif who in ("other_patient", "staff"):
            # Staff accounts are patients too; they see their own (empty) record.
            assert response.status_code == 200, name
        else:
            assert response.status_code == 403, (name, who)


def test_another_patients_episode_never_leaks_into_a_patients_pages(client, patient, other_patient):
    secret = EpisodeFactory(patient=other_patient, notes="other patient's secret note")
    client.force_login(patient)
    for name in OWN_PAGES:
        assert "secret note" not in client.get(reverse(name)).content.decode()
    assert client.get(reverse("tracker:episode_detail", args=[secret.uuid])).status_code == 404


def test_a_detail_page_refuses_other_methods(client, patient, record):
    client.force_login(patient)
    assert client.post(reverse("tracker:episode_detail", args=[record["episode"].uuid])).status_code == 405


def test_a_malformed_episode_id_is_a_404(client, patient):
    client.force_login(patient)
    assert client.get("/episodes/not-a-uuid/").status_code == 404
    assert client.get("/episodes/00000000-0000-0000-0000-000000000000/").status_code == 404
