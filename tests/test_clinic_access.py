"""The access matrix: every patient-data URL against the whole cast. Strangers get 404, never 403."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import AccessLog, CareGrant

from .factories import ClinicianFactory, EpisodeFactory, grant_access

pytestmark = pytest.mark.django_db

ALLOWED = {"patient", "granted_clinician"}
# Clinicians whose access was accepted once and has ended (revoked, or past its end date).
ENDED = {"revoked_clinician", "expired_clinician"}
CAST = [
    "anonymous",
    "patient",
    "other_patient",
    "granted_clinician",
    "revoked_clinician",
    "expired_clinician",
    "ungranted_clinician",
    "unverified_clinician",
    "staff",
]


@pytest.fixture
def cast(patient, other_patient, unverified_clinician, staff):
    granted = ClinicianFactory(full_name="Dr Granted")
    revoked = ClinicianFactory(full_name="Dr Revoked")
    expired = ClinicianFactory(full_name="Dr Expired")
    grant_access(patient, granted)
    grant_access(patient, revoked, status=CareGrant.Status.REVOKED, ended_at=timezone.now())
    grant_access(patient, expired, access_ends_on=timezone.now().date() - dt.timedelta(days=1))
    # The unverified clinician once had a grant too: verification withdrawn closes access.
    grant_access(patient, unverified_clinician)
    return {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "granted_clinician": granted,
        "revoked_clinician": revoked,
        "expired_clinician": expired,
        "ungranted_clinician": ClinicianFactory(full_name="Dr Stranger"),
        "unverified_clinician": unverified_clinician,
        "staff": staff,
    }


def patient_urls(patient):
    return [
        reverse("tracker:patient_review", args=[patient.pk]),
        reverse("tracker:patient_entries", args=[patient.pk]),
        reverse("tracker:report", args=[patient.pk]),
        reverse("tracker:export_csv", args=[patient.pk]),
    ]


@pytest.mark.parametrize("who", CAST)
def test_patient_data_pages_answer_each_member_of_the_cast(client, cast, patient, who):
    EpisodeFactory(patient=patient, notes="private note")
    user = cast[who]
    if user is not None:
        client.force_login(user)
    for url in patient_urls(patient):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login"))
        elif who in ALLOWED:
            assert response.status_code == 200, url
        elif who in ENDED:
            # They reviewed this patient once: told that their access ended, and shown nothing of the record.
            assert response.status_code == 403, (url, who)
            assert "record has ended" in response.content.decode()
            assert "private note" not in response.content.decode()
        else:
            assert response.status_code == 404, (url, who)


def test_the_patient_reading_their_own_review_is_not_led_to_the_clinicians_list(client, patient):
    client.force_login(patient)
    for url in (
        reverse("tracker:patient_review", args=[patient.pk]),
        reverse("tracker:patient_entries", args=[patient.pk]),
    ):
        html = client.get(url).content.decode()
        assert f'href="{reverse("tracker:clinic")}"' not in html


@pytest.mark.parametrize("who", CAST)
def test_only_a_granted_clinician_can_write_a_note(client, cast, patient, who):
    user = cast[who]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "Seen"})
    expected = {"anonymous": 302, "granted_clinician": 302}.get(who)
    if expected is None:
        expected = 404 if user.is_clinician and who not in ENDED else 403
    assert response.status_code == expected
    assert patient.clinician_notes.exists() == (who == "granted_clinician")


@pytest.mark.parametrize("patient_id", ["999999", "0", "-1", "abc", "1 OR 1=1"])
def test_a_tampered_patient_id_is_a_404(client, cast, patient_id):
    client.force_login(cast["granted_clinician"])
    for page in ("", "entries/"):
        response = client.get(f"/clinic/patients/{patient_id}/{page}")
        assert response.status_code == 404


def test_every_clinician_look_is_logged_with_what_and_from_where(client, cast, patient):
    clinician = cast["granted_clinician"]
    client.force_login(clinician)
    for url in patient_urls(patient):
        response = client.get(url, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200
    actions = list(AccessLog.objects.filter(patient=patient, clinician=clinician).values_list("action", "ip_address"))
    assert sorted(actions) == [
        ("export_csv", "203.0.113.9"),
        ("view_log", "203.0.113.9"),
        ("view_report", "203.0.113.9"),
        ("view_review", "203.0.113.9"),
    ]


def test_a_patient_looking_at_their_own_report_is_not_logged(client, patient):
    client.force_login(patient)
    client.get(reverse("tracker:report", args=[patient.pk]))
    assert not AccessLog.objects.exists()


def test_a_head_request_gets_no_data_and_is_not_logged_as_a_look(client, cast, patient):
    client.force_login(cast["granted_clinician"])
    for url in patient_urls(patient):
        response = client.head(url)
        assert response.status_code == 200
        assert (b"".join(response.streaming_content) if response.streaming else response.content) == b""
    assert not AccessLog.objects.exists()


def test_a_refused_look_is_not_logged(client, cast, patient):
    client.force_login(cast["revoked_clinician"])
    client.get(reverse("tracker:patient_review", args=[patient.pk]))
    client.get(reverse("tracker:patient_entries", args=[patient.pk]))
    assert not AccessLog.objects.exists()


def test_a_look_at_the_entries_is_logged_with_its_period_and_shown_in_the_patients_trail(client, cast, patient):
    client.force_login(cast["granted_clinician"])
    response = client.get(
        reverse("tracker:patient_entries", args=[patient.pk]),
        {"start": "2026-01-01", "end": "2026-01-31", "severity_min": 5},
    )
    assert response.status_code == 200
    look = AccessLog.objects.get(patient=patient)
    assert (look.clinician, look.action, look.detail) == (
        cast["granted_clinician"],
        "view_log",
        "1 Jan 2026 to 31 Jan 2026",
    )
    client.force_login(patient)
    trail = client.get(reverse("tracker:sharing")).content.decode()
    assert "Opened the log" in trail
    assert "Dr Granted" in trail


def test_the_access_log_cannot_be_changed_or_deleted(cast, patient):
    entry = AccessLog.objects.create(patient=patient, clinician=cast["granted_clinician"], action="view_review")
    entry.detail = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(detail="tampered")


def test_staff_read_the_access_log_in_the_admin_but_cannot_change_or_delete_it(client, cast, patient, staff):
    entry = AccessLog.objects.create(patient=patient, clinician=cast["granted_clinician"], action="view_review")
    client.force_login(staff)
    assert client.get(reverse("admin:tracker_accesslog_changelist")).status_code == 200
    assert client.get(reverse("admin:tracker_accesslog_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:tracker_accesslog_change", args=[entry.pk]), {"detail": "x"}).status_code == 403
    assert client.get(reverse("admin:tracker_accesslog_delete", args=[entry.pk])).status_code == 403
    assert client.get(reverse("admin:tracker_accesslog_add")).status_code == 403
