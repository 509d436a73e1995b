import datetime as dt
import hashlib
import json
import logging
import uuid
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tracker.diary.account_deletion import access_log_reference, patient_account_delete, record_counts
from tracker.diary.services import (
    EpisodeDetails,
    LocationChoice,
    checkin_record,
    episode_create,
    medication_add,
    profile_update,
)
from tracker.models import AccessLog, CareGrant, PatientProfile
from tracker.sharing.services import caregiver_invitation_accept, invitation_accept, invitation_create, note_add

from .factories import TEST_PASSWORD, CaregiverFactory, ClinicianFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

DELETE_URL = reverse("tracker:account_delete")
CONFIRMED = {"password": TEST_PASSWORD, "understood": "on"}


def fill_record(patient: User, clinician: User) -> None:
    """Something in every table that holds a patient's data."""
    assert EmailAddress.objects.filter(user=patient, email=patient.email, verified=True).exists()
    profile_update(
        patient=patient,
        time_zone="Europe/London",
        conditions=[term("condition", "multiple-sclerosis"), term("condition", "spinal-stenosis")],
        other_conditions="Hypothyroidism",
        reminder_time=dt.time(20, 0),
    )
    medication_add(patient=patient, name="Baclofen", dose="10 mg at night")
    episode = None
    for hours_ago in (30, 2):
        episode, _ = episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=timezone.now() - dt.timedelta(hours=hours_ago),
                severity=7,
                locations=[LocationChoice(location=term("location", "calf"), side="left")],
                triggers=[term("trigger", "cold")],
                relief_measures=[term("relief", "stretching")],
            ),
        )
    checkin_record(patient=patient, created_by=patient, day=patient.today() - dt.timedelta(days=5), status="none")
    grant_access(patient, clinician)
    invitation_create(patient=patient, invited_email="dr.later@example.org")
    note_add(author=clinician, patient=patient, text="Calf cramps mostly at night.")
    note_add(author=clinician, patient=patient, text="About this one.", episode=episode)
    for action in (AccessLog.Action.VIEW_REVIEW, AccessLog.Action.ADD_NOTE):
        AccessLog.objects.create(patient=patient, clinician=clinician, action=action)


@pytest.fixture
def full_records(patient, other_patient, clinician):
    fill_record(patient, clinician)
    fill_record(other_patient, clinician)


def rows_referencing(user_id: int) -> dict[str, int]:
    """Rows in every tracker table that point at this user (or at their profile, keyed by the user's id)."""
    found = {}
    for model in apps.get_app_config("tracker").get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in (User, PatientProfile):
                count = model._base_manager.filter(**{field.attname: user_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
        if model is PatientProfile and model._base_manager.filter(pk=user_id).exists():
            found["tracker.PatientProfile"] = 1
    return found


def test_the_page_names_caregivers_as_caregivers(client, patient):
    clinician_grant = invitation_create(patient=patient)
    invitation_accept(clinician=ClinicianFactory(), code=clinician_grant.code)
    for _ in range(2):
        caregiver_grant = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        caregiver_invitation_accept(caregiver=CaregiverFactory(), code=caregiver_grant.code)
    client.force_login(patient)
    html = client.get(DELETE_URL).content.decode()
    assert "1 clinician and 2 caregivers with access lose it at once" in html


def test_the_page_says_exactly_what_will_be_deleted(client, patient, full_records):
    client.force_login(patient)
    html = client.get(DELETE_URL).content.decode()
    assert "2 cramp entries" in html
    # One answered day, plus the two days marked by logging the cramps.
    assert "3 daily check-ins" in html
    assert "1 medication</li>" in html
    assert "2 diagnosed conditions" in html
    assert "1 clinician and 0 caregivers with access lose it" in html
    assert "2 grants and invitations" in html
    assert "2 notes clinicians wrote about you" in html
    assert "2 entries: which clinician or caregiver looked" in html
    assert "I understand this cannot be undone" in html


def test_deleting_leaves_no_row_referencing_the_patient_and_no_account(client, patient, full_records):
    patient_id = patient.pk
    assert len(rows_referencing(patient_id)) >= 10  # the record is really there first
    client.force_login(patient)
    response = client.post(DELETE_URL, CONFIRMED)
    assert response.status_code == 200
    assert rows_referencing(patient_id) == {}
    assert not User.objects.filter(pk=patient_id).exists()
    assert not EmailAddress.objects.filter(email="pat@example.org").exists()


def test_the_access_trail_stays_without_the_patient_but_still_countable(client, patient, full_records):
    reference = access_log_reference(patient)
    client.force_login(patient)
    client.post(DELETE_URL, CONFIRMED)
    anonymous = AccessLog.objects.filter(patient_reference=reference)
    assert anonymous.count() == 2
    assert set(anonymous.values_list("patient", flat=True)) == {None}
    assert len(reference) == 64
    assert str(patient.pk) != reference
    assert "pat@example.org" not in reference


def test_the_reference_differs_per_patient_and_is_not_a_plain_hash_of_the_id(patient, other_patient):
    assert access_log_reference(patient) != access_log_reference(other_patient)
    assert access_log_reference(patient) != hashlib.sha256(str(patient.pk).encode()).hexdigest()


def test_the_result_page_shows_what_was_deleted_and_the_user_is_logged_out(client, patient, full_records):
    client.force_login(patient)
    response = client.post(DELETE_URL, CONFIRMED)
    html = response.content.decode()
    assert "Your account is deleted" in html
    assert "2 cramp entries, with 2 body locations and 4 trigger, symptom and relief answers" in html
    assert "3 daily check-ins" in html
    assert "2 sharing grants and invitations" in html
    assert "2 clinician notes" in html
    assert "Kept without your name: 2 entries of the access trail" in html
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("tracker:dashboard"))["Location"].startswith(reverse("account_login"))


def test_another_patients_record_and_the_clinician_are_untouched(client, patient, other_patient, clinician):
    fill_record(patient, clinician)
    fill_record(other_patient, clinician)
    before = record_counts(other_patient)
    client.force_login(patient)
    client.post(DELETE_URL, CONFIRMED)
    assert record_counts(other_patient) == before
    assert AccessLog.objects.filter(patient=other_patient, patient_reference="").count() == 2
    assert User.objects.filter(pk=clinician.pk).exists()
    assert CareGrant.objects.filter(patient=other_patient, clinician=clinician).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "not-my-password", "understood": "on"}, "password", "That password is not right."),
        ({"password": "", "understood": "on"}, "password", "Type your password: it shows that it is you"),
        ({"password": TEST_PASSWORD}, "understood", "Tick this box to confirm that you understand."),
    ],
)
def test_a_wrong_password_or_no_tick_deletes_nothing(client, patient, full_records, data, field, message):
    before = record_counts(patient)
    client.force_login(patient)
    response = client.post(DELETE_URL, data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert record_counts(patient) == before
    assert User.objects.filter(pk=patient.pk).exists()
    assert client.session["_auth_user_id"] == str(patient.pk)


def test_a_failure_part_way_deletes_nothing(patient, full_records):
    before = record_counts(patient)
    with mock.patch.object(User, "delete", side_effect=RuntimeError("database went away")), pytest.raises(RuntimeError):
        patient_account_delete(patient=patient)
    assert record_counts(patient) == before
    assert AccessLog.objects.filter(patient=patient).count() == 2


def test_deletion_is_logged_with_counts_and_nothing_personal(client, patient, full_records, caplog):
    client.force_login(patient)
    with caplog.at_level(logging.INFO, logger="crampapp.audit"):
        client.post(DELETE_URL, CONFIRMED)
    [record] = [record for record in caplog.records if '"account_deleted"' in record.getMessage()]
    event = json.loads(record.getMessage())
    assert (event["episodes"], event["checkins"], event["access_log_rows"]) == (2, 3, 2)
    logged = record.getMessage()
    assert "pat@example.org" not in logged
    assert "Pat Patient" not in logged
    assert access_log_reference(patient) not in logged


def test_clinicians_are_told_that_staff_delete_their_accounts(client, clinician):
    client.force_login(clinician)
    for response in (client.get(DELETE_URL), client.post(DELETE_URL, CONFIRMED)):
        assert response.status_code == 403
        assert "Clinician accounts are closed by our staff" in response.content.decode()
    assert User.objects.filter(pk=clinician.pk).exists()


def test_staff_cannot_delete_their_own_account_here(client, staff):
    client.force_login(staff)
    assert client.post(DELETE_URL, CONFIRMED).status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_visitors_are_sent_to_log_in(client):
    response = client.get(DELETE_URL)
    assert response["Location"].startswith(reverse("account_login"))


def test_a_patient_with_nothing_recorded_can_delete_their_account(client):
    newcomer = PatientFactory(email="new@example.org")
    client.force_login(newcomer)
    response = client.post(DELETE_URL, CONFIRMED)
    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()
