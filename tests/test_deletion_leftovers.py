"""After a patient deletes their account no table still names them: not the sessions they signed in under,
not the admin log, not the detail of the access trail; only the anonymous reference stays."""

import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import SignedInSession, User
from tracker.diary.account_deletion import access_log_reference
from tracker.models import AccessLog
from tracker.sharing.services import note_add

from .factories import TEST_PASSWORD, CaregiverFactory, grant_access, grant_care

pytestmark = pytest.mark.django_db

DELETE_URL = reverse("tracker:account_delete")
NOTE_TEXT = "Nocturnal calf cramps since the statin was started."
CLINICIAN_ADDRESS = "198.51.100.23"
CAREGIVER_ADDRESS = "203.0.113.45"


def signed_in(address: str, user: User) -> Client:
    """A browser at `address` that has signed in through the log-in page."""
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return browser


def tally_last_night(browser: Client, patient: User) -> None:
    url = reverse("tracker:care_tally_new", args=[patient.pk])
    form = browser.get(url).context["form"]
    data = {
        "client_id": form.initial["client_id"],
        "entry_type": form.initial["entry_type"],
        "tally_date": form.initial["tally_date"].isoformat(),
        "cramp_count": "4",
        "severity": "7",
    }
    assert browser.post(url, data).status_code == 302


@pytest.fixture
def seeded(patient, clinician, staff):
    """The patient signed in on a phone and a laptop, with a clinician and a caregiver who looked at and added
    to their log (from their own addresses), a clinician's note, and staff's edits in the admin log."""
    phone, laptop = signed_in("192.0.2.10", patient), signed_in("192.0.2.11", patient)
    caregiver = CaregiverFactory(email="cara@example.org", full_name="Cara Giver")
    grant_care(patient, caregiver)
    grant_access(patient, clinician)
    care = Client(REMOTE_ADDR=CAREGIVER_ADDRESS)
    care.force_login(caregiver)
    tally_last_night(care, patient)
    clinic = Client(REMOTE_ADDR=CLINICIAN_ADDRESS)
    clinic.force_login(clinician)
    assert clinic.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == 200
    note_add(author=clinician, patient=patient, text=NOTE_TEXT)
    LogEntry.objects.log_actions(
        user_id=staff.pk,
        queryset=[patient],
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["email"], "was": patient.email}}]),
        single_object=True,
    )
    return {"phone": phone, "laptop": laptop, "caregiver": caregiver}


def decoded(session: Session) -> str:
    return json.dumps(SessionStore().decode(session.session_data))


def text_rows_mentioning(*needles: str) -> list[str]:
    """Every text column of every table (session data decoded) that contains one of `needles`."""
    found = []
    for model in apps.get_models():
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        for pk, *values in model._base_manager.values_list("pk", *columns):
            texts = [json.dumps(value) if not isinstance(value, str) else value for value in values]
            if model is Session:
                texts.append(decoded(model._base_manager.get(pk=pk)))
            for needle in needles:
                if any(needle.lower() in text.lower() for text in texts):
                    found.append(f"{model._meta.label} #{pk}: {needle!r}")
    return found


def test_nothing_in_any_table_names_the_deleted_patient_but_the_anonymous_reference(client, patient, seeded):
    needles = (patient.email, patient.full_name, NOTE_TEXT)
    before = text_rows_mentioning(*needles)
    # The patient really is there first: in sessions, the admin log and the note.
    assert {row.split(" #")[0] for row in before} >= {"sessions.Session", "admin.LogEntry", "tracker.ClinicianNote"}
    reference = access_log_reference(patient)

    client.force_login(patient)
    assert client.post(DELETE_URL, {"password": TEST_PASSWORD, "understood": "on"}).status_code == 200

    assert text_rows_mentioning(*needles) == []
    trail = AccessLog.objects.filter(patient_reference=reference)
    assert trail.count() == 2
    assert set(trail.values_list("detail", "ip_address")) == {("", None)}
    (admin_entry,) = LogEntry.objects.filter(object_repr__contains=reference)
    assert (admin_entry.object_id, admin_entry.change_message) == (None, "")


def test_every_session_the_patient_signed_in_under_ends(client, patient, seeded):
    patient_id = str(patient.pk)
    assert SignedInSession.objects.filter(user=patient).count() == 2
    client.force_login(patient)
    client.post(DELETE_URL, {"password": TEST_PASSWORD, "understood": "on"})
    signed_in_as = [SessionStore().decode(row.session_data).get("_auth_user_id") for row in Session.objects.all()]
    assert patient_id not in signed_in_as
    for browser in (seeded["phone"], seeded["laptop"]):
        assert browser.get(reverse("tracker:dashboard")).status_code == 302
    assert not SignedInSession.objects.filter(user_id=patient_id).exists()


def test_the_caregivers_and_clinicians_own_rows_stay(client, patient, clinician, seeded):
    caregiver = seeded["caregiver"]
    client.force_login(patient)
    client.post(DELETE_URL, {"password": TEST_PASSWORD, "understood": "on"})
    assert set(AccessLog.objects.values_list("clinician", flat=True)) == {caregiver.pk, clinician.pk}
    assert User.objects.filter(pk__in=[caregiver.pk, clinician.pk]).count() == 2
    user_type = ContentType.objects.get_for_model(User)
    assert LogEntry.objects.filter(content_type=user_type, user__email="staff@example.org").count() == 1
