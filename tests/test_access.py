"""Every patient-data page against the fixed cast: only the owner gets in, strangers get 404.

Caregivers join the cast: one helping the owner, one helping another patient, one whose access
was revoked and one whose access ended yesterday. Pages for a role they do not have answer 403,
pages about a patient they may not see 404.
"""

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tracker.models import AccessLog, CareGrant, Episode, Medication
from tracker.sharing.access import access_patient, access_patient_as_caregiver

from .factories import CaregiverFactory, EpisodeFactory, grant_care

pytestmark = pytest.mark.django_db

CAREGIVERS = ["caregiver", "other_caregiver", "revoked_caregiver", "expired_caregiver"]
CAST = ["owner", "other_patient", "clinician", "unverified_clinician", "staff", "anonymous", *CAREGIVERS]


@pytest.fixture
def caregiver(patient):
    """Helps the owner."""
    helper = CaregiverFactory(full_name="Cara Giver")
    grant_care(patient, helper)
    return helper


@pytest.fixture
def other_caregiver(other_patient):
    """Helps another patient only."""
    helper = CaregiverFactory(full_name="Otto Helper")
    grant_care(other_patient, helper)
    return helper


@pytest.fixture
def revoked_caregiver(patient):
    helper = CaregiverFactory(full_name="Rae Voked")
    grant_care(patient, helper, status=CareGrant.Status.REVOKED, ended_at=timezone.now())
    return helper


@pytest.fixture
def expired_caregiver(patient):
    helper = CaregiverFactory(full_name="Ex Pired")
    grant_care(patient, helper, access_ends_on=timezone.now().date() - dt.timedelta(days=1))
    return helper


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
        elif who == "other_patient":
            # Another patient sees their own (empty) record.
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


def caregiver_requests(patient, entry):
    """(method, url) for every caregiver page about the owner; `entry` is a cramp the caregiver logged.
    Deleting comes last."""
    new = reverse("tracker:care_episode_new", args=[patient.pk])
    tally = reverse("tracker:care_tally_new", args=[patient.pk])
    checkin = reverse("tracker:care_checkin", args=[patient.pk])
    edit = reverse("tracker:care_episode_edit", args=[patient.pk, entry.uuid])
    delete = reverse("tracker:care_episode_delete", args=[patient.pk, entry.uuid])
    return [
        ("get", reverse("tracker:care_log", args=[patient.pk])),
        ("get", new),
        ("get", f"{new}?mode=quick"),
        ("post", new),
        ("get", tally),
        ("post", tally),
        ("get", checkin),
        ("post", checkin),
        ("get", edit),
        ("post", edit),
        ("get", delete),
        ("post", delete),
    ]


@pytest.mark.parametrize("who", CAST)
def test_caregiver_pages_open_only_for_a_caregiver_the_patient_invited(client, request, patient, caregiver, who):
    entry = EpisodeFactory(patient=patient, created_by=caregiver)
    sign_in(client, request, who)
    for method, url in caregiver_requests(patient, entry):
        response = getattr(client, method)(url)
        if who == "caregiver":
            assert response.status_code in (200, 302), url
        elif who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login"))
        elif who in ("revoked_caregiver", "expired_caregiver"):
            # They knew the patient: told that their access ended, not shown a bare 404.
            assert response.status_code == 403, (url, who)
            assert "record has ended" in response.content.decode()
        elif who in CAREGIVERS:
            assert response.status_code == 404, (url, who)
        else:
            assert response.status_code == 403, (url, who)
    assert Episode.objects.filter(pk=entry.pk).exists() == (who != "caregiver")
    looks = AccessLog.objects.filter(patient=patient, viewer_role=AccessLog.ViewerRole.CAREGIVER)
    assert looks.exists() == (who == "caregiver")


def test_the_caregiver_list_is_for_caregivers_only(client, request, patient, caregiver):
    for who in CAST:
        client.logout()
        sign_in(client, request, who)
        status = client.get(reverse("tracker:care_home")).status_code
        if who == "anonymous":
            assert status == 302
        else:
            assert status == (200 if who in CAREGIVERS else 403), who


FORMATS = ["csv", "json", "fhir"]


def pages_caregivers_never_reach(patient, episode):
    """(method, url, status) of the patient's own pages and the clinicians' pages, for a caregiver."""
    about = [patient.pk]
    return [
        ("get", reverse("tracker:episode_detail", args=[episode.uuid]), 404),
        ("get", reverse("tracker:episode_edit", args=[episode.uuid]), 404),
        ("post", reverse("tracker:episode_delete", args=[episode.uuid]), 404),
        ("get", reverse("tracker:patient_review", args=about), 404),
        ("get", reverse("tracker:report", args=about), 404),
        ("get", reverse("tracker:export_csv", args=about), 404),
        *[("get", reverse("tracker:clinician_export_download", args=[*about, kind]), 404) for kind in FORMATS],
        ("post", reverse("tracker:note_new", args=about), 403),
        ("get", reverse("tracker:clinic"), 403),
        ("get", reverse("tracker:sharing"), 403),
        ("post", reverse("tracker:sharing"), 403),
        ("get", reverse("tracker:export"), 403),
        ("get", reverse("tracker:export_download", args=["json"]), 403),
        ("get", reverse("tracker:insights"), 403),
        ("get", reverse("tracker:dashboard"), 403),
        ("get", reverse("tracker:profile"), 403),
    ]


def test_a_caregiver_reaches_no_review_report_export_notes_or_sharing(client, patient, caregiver):
    episode = EpisodeFactory(patient=patient)
    client.force_login(caregiver)
    for method, url, status in pages_caregivers_never_reach(patient, episode):
        assert getattr(client, method)(url).status_code == status, url
    assert Episode.objects.filter(pk=episode.pk).exists()
    assert not AccessLog.objects.exists()


def test_the_gate_keeps_review_and_caregiving_apart(patient, other_patient, caregiver, clinician):
    assert access_patient_as_caregiver(caregiver, patient.pk) == patient
    assert access_patient_as_caregiver(caregiver, str(patient.pk)) == patient
    refused = [
        (access_patient, caregiver, patient.pk),
        (access_patient_as_caregiver, caregiver, other_patient.pk),
        (access_patient_as_caregiver, patient, patient.pk),
        (access_patient_as_caregiver, clinician, patient.pk),
        (access_patient_as_caregiver, caregiver, "not-a-number"),
        (access_patient_as_caregiver, caregiver, 2**64),
        (access_patient_as_caregiver, caregiver, -1),
    ]
    for gate, user, patient_id in refused:
        with pytest.raises(Http404):
            gate(user, patient_id)


def test_a_caregiver_of_a_closed_account_gets_404(client, patient, caregiver):
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    client.force_login(caregiver)
    assert client.get(reverse("tracker:care_log", args=[patient.pk])).status_code == 404
