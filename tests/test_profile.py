import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from tracker.models import Medication, PatientProfile

from .factories import PatientFactory, term

PROFILE_URL = reverse("tracker:profile")
NEW_MEDICATION_URL = reverse("tracker:medication_new")

pytestmark = pytest.mark.django_db


def test_profile_is_created_on_first_visit_with_the_sign_up_time_zone(client):
    patient = PatientFactory(time_zone="Europe/Berlin")
    client.force_login(patient)
    response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert PatientProfile.objects.filter(patient=patient).exists()
    assert response.context["form"]["time_zone"].value() == "Europe/Berlin"


def test_sign_up_takes_the_browsers_time_zone_or_falls_back_to_utc(client):
    data = {
        "full_name": "Zed",
        "role": "patient",
        "password1": "long-enough-passphrase-9",
        "password2": "long-enough-passphrase-9",
    }
    client.post(reverse("account_signup"), {**data, "email": "a@example.org", "time_zone": "America/Chicago"})
    client.post(reverse("account_logout"))
    client.post(reverse("account_signup"), {**data, "email": "b@example.org", "time_zone": "Mars/Olympus_Mons"})
    assert User.objects.get(email="a@example.org").time_zone == "America/Chicago"
    assert User.objects.get(email="b@example.org").time_zone == "UTC"


def test_patient_saves_time_zone_and_conditions(client, patient):
    client.force_login(patient)
    ms, stenosis = term("condition", "multiple-sclerosis"), term("condition", "spinal-stenosis")
    response = client.post(
        PROFILE_URL,
        {"time_zone": "Asia/Tokyo", "conditions": [ms.pk, stenosis.pk], "other_conditions": "Hypothyroidism"},
    )
    patient.refresh_from_db()
    profile = PatientProfile.objects.get(patient=patient)
    assert response["Location"] == PROFILE_URL
    assert patient.time_zone == "Asia/Tokyo"
    assert set(profile.conditions.all()) == {ms, stenosis}
    assert profile.other_conditions == "Hypothyroidism"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"time_zone": "UTC", "conditions": ["{trigger}"]}, "conditions"),
        ({"time_zone": "UTC", "other_conditions": "x" * 301}, "other_conditions"),
        ({"time_zone": "UTC", "other_conditions": "\u202eHypothyroidism"}, "other_conditions"),
    ],
)
def test_bad_profile_input_is_shown_next_to_the_field_and_nothing_changes(client, patient, data, field):
    if data.get("conditions"):
        data["conditions"] = [term("trigger", "cold").pk]
    client.force_login(patient)
    response = client.post(PROFILE_URL, data)
    patient.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert patient.time_zone == "UTC"


def test_medication_is_added_changed_and_removed(client, patient):
    client.force_login(patient)
    client.post(NEW_MEDICATION_URL, {"name": "Baclofen", "dose": "as prescribed", "started_on": "2026-09-01"})
    medication = Medication.objects.get(patient=patient)
    assert medication.started_on == dt.date(2026, 9, 1)
    assert "Baclofen" in client.get(PROFILE_URL).content.decode()

    edit_url = reverse("tracker:medication_edit", args=[medication.uuid])
    client.post(edit_url, {"name": "Baclofen", "dose": "", "started_on": "2026-09-01", "stopped_on": "2026-10-01"})
    medication.refresh_from_db()
    assert medication.stopped_on == dt.date(2026, 10, 1)

    # Its history goes with it: asked first, with a pointer to the stop step for a medicine no longer taken.
    html = client.post(edit_url, {"delete": "1"}).content.decode()
    assert "Remove Baclofen and its history?" in html
    assert "2 steps: started 1 Sep 2026, stopped 1 Oct 2026" in html
    assert "add a “Stopped” step with the date instead" in html
    assert Medication.objects.filter(patient=patient).exists()
    client.post(edit_url, {"delete": "1", "confirmed": "1"})
    assert not Medication.objects.filter(patient=patient).exists()


def test_a_stop_date_before_the_start_is_refused_next_to_the_field(client, patient):
    client.force_login(patient)
    response = client.post(
        NEW_MEDICATION_URL, {"name": "Gabapentin", "started_on": "2026-09-01", "stopped_on": "2026-08-01"}
    )
    assert response.context["form"].errors["stopped_on"] == ["The stop date cannot be before the start date."]
    assert 'value="Gabapentin"' in response.content.decode()
    assert not Medication.objects.exists()


@pytest.mark.parametrize("data", [{"name": ""}, {"name": "x" * 121}, {"name": "A", "started_on": "31/31/2026"}])
def test_bad_medication_input_is_refused(client, patient, data):
    client.force_login(patient)
    response = client.post(NEW_MEDICATION_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Medication.objects.exists()


# A pill in Hebrew, with an emoji.
PILL = "\N{HEBREW LETTER KAF}\N{HEBREW LETTER DALET}\N{HEBREW LETTER VAV}\N{HEBREW LETTER RESH} \N{PILL}"


@pytest.mark.parametrize("field", ["name", "dose"])
def test_a_medicine_with_invisible_direction_controls_is_refused_next_to_the_field(client, patient, field):
    """An override in a medicine's name reversed the words after it wherever it was shown ("Remove … tsil ym
    morf"); a name in a right-to-left script is kept as typed."""
    client.force_login(patient)
    data = {"name": PILL, "dose": "10 mg", field: "\u202e" + PILL}
    response = client.post(NEW_MEDICATION_URL, data)
    assert response.context["form"].errors[field] == [
        "This text holds invisible characters that change the direction of the words around it. "
        "Type it again without them."
    ]
    assert not Medication.objects.exists()
    client.post(NEW_MEDICATION_URL, {"name": PILL, "dose": "10 mg"})
    assert Medication.objects.get(patient=patient).name == PILL


def test_another_patients_medication_is_not_found(client, patient, other_patient):
    medication = Medication.objects.create(patient=other_patient, name="Pregabalin")
    client.force_login(patient)
    url = reverse("tracker:medication_edit", args=[medication.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"delete": "1"}).status_code == 404
    assert Medication.objects.filter(pk=medication.pk).exists()


def test_saving_the_profile_keeps_the_reminder_time(client, patient):
    client.force_login(patient)
    client.post(PROFILE_URL, {"time_zone": "UTC", "reminder_time": "20:30:00"})
    form = client.get(PROFILE_URL).context["form"]
    assert str(form["reminder_time"].value()).startswith("20:30")
    client.post(PROFILE_URL, {"time_zone": "UTC", "reminder_time": form["reminder_time"].value()})
    assert PatientProfile.objects.get(patient=patient).reminder_time == dt.time(20, 30)
