"""The rules of reminders kept by the models (quiet hours, one time once, one row per browser, what goes with a
medicine or an account), and the VAPID settings, check and command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from notifications.models import MedicationReminder, PushSettings, PushSubscription
from notifications.vapid import generate_vapid_keys, public_key_for
from tracker.diary.account_deletion import patient_account_delete
from tracker.diary.services import medication_delete
from tracker.models import Medication

from .push_service import BrowserKeys
from .test_push_reminders import BROWSER_PUSH_SERVICES, baclofen
from .test_settings import load_settings

pytestmark = pytest.mark.django_db


# The models' rules


@pytest.mark.parametrize(
    ("start", "end", "moment", "quiet"),
    [
        (dt.time(13, 0), dt.time(15, 0), dt.time(13, 0), True),
        (dt.time(13, 0), dt.time(15, 0), dt.time(15, 0), False),
        (dt.time(22, 0), dt.time(7, 0), dt.time(23, 30), True),
        (dt.time(22, 0), dt.time(7, 0), dt.time(6, 45), True),
        (dt.time(22, 0), dt.time(7, 0), dt.time(7, 0), False),
        (dt.time(22, 0), dt.time(7, 0), dt.time(12, 0), False),
        (None, None, dt.time(3, 0), False),
    ],
)
def test_quiet_hours_may_run_past_midnight(start, end, moment, quiet):
    assert PushSettings(quiet_start=start, quiet_end=end).is_quiet_at(moment) is quiet


@pytest.mark.parametrize(("start", "end"), [(dt.time(22), None), (None, dt.time(7)), (dt.time(7), dt.time(7))])
def test_quiet_hours_need_two_different_ends(patient, start, end):
    choices = PushSettings(patient=patient, quiet_start=start, quiet_end=end)
    with pytest.raises(ValidationError, match="two different times"):
        choices.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PushSettings.objects.create(patient=patient, quiet_start=start, quiet_end=end)


def test_a_medicine_has_each_reminder_time_once(patient):
    medication = baclofen(patient)
    MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(8))
    with pytest.raises(ValidationError, match="already has a reminder at that time"):
        MedicationReminder(patient=patient, medication=medication, time_of_day=dt.time(8)).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(8))


def test_a_reminder_is_for_the_patients_own_medicine(patient, other_patient):
    with pytest.raises(ValidationError, match="one of your own medicines"):
        MedicationReminder(patient=patient, medication=baclofen(other_patient), time_of_day=dt.time(8)).full_clean()


def test_a_browser_is_kept_once(patient, other_patient):
    keys = BrowserKeys()
    fields = {"endpoint": "https://fcm.googleapis.com/fcm/send/x", "p256dh": keys.p256dh, "auth": keys.auth}
    PushSubscription.objects.create(user=patient, **fields)
    with pytest.raises(ValidationError, match="already exists"):
        PushSubscription(user=other_patient, **fields).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PushSubscription.objects.create(user=other_patient, **fields)


def test_removing_a_medicine_or_the_account_removes_its_reminders_and_devices(patient):
    keys = BrowserKeys()
    PushSubscription.objects.create(
        user=patient, endpoint="https://fcm.googleapis.com/fcm/send/x", p256dh=keys.p256dh, auth=keys.auth
    )
    PushSettings.objects.create(patient=patient)
    first, second = baclofen(patient), Medication.objects.create(patient=patient, name="Gabapentin")
    for medication in (first, second):
        MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(8))
    medication_delete(medication=first)
    assert list(MedicationReminder.objects.values_list("medication", flat=True)) == [second.pk]

    patient_account_delete(patient=patient)
    assert not MedicationReminder.objects.exists()
    assert not PushSubscription.objects.exists()
    assert not PushSettings.objects.exists()


# Settings and commands


def test_by_default_subscriptions_may_name_the_browsers_push_services_only(settings):
    for origin in BROWSER_PUSH_SERVICES:
        assert origin in settings.PUSH_SERVICE_ORIGINS
    assert "https://*.push.apple.com" in settings.PUSH_SERVICE_ORIGINS
    assert all(origin.startswith("https://") for origin in settings.PUSH_SERVICE_ORIGINS)


def test_the_vapid_keys_command_prints_a_pair_that_belongs_together():
    output = StringIO()
    call_command("vapid_keys", "--subject", "mailto:ops@crampapp.example", stdout=output)
    lines = dict(line.split("=", 1) for line in output.getvalue().splitlines())
    assert public_key_for(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]
    assert lines["VAPID_SUBJECT"] == "mailto:ops@crampapp.example"


def test_keys_that_do_not_belong_together_stop_the_checks(settings):
    settings.VAPID_PRIVATE_KEY = generate_vapid_keys().private_key
    settings.VAPID_PUBLIC_KEY = generate_vapid_keys().public_key
    settings.VAPID_SUBJECT = "mailto:ops@crampapp.example"
    assert "notifications.E002" in [message.id for message in run_checks()]
    settings.VAPID_PRIVATE_KEY = "not-a-key"
    assert "notifications.E001" in [message.id for message in run_checks()]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VAPID_PRIVATE_KEY": "x"}, "VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together"),
        ({"VAPID_PRIVATE_KEY": "x", "VAPID_PUBLIC_KEY": "y", "VAPID_SUBJECT": "ops@x.org"}, "VAPID_SUBJECT must be"),
    ],
)
def test_half_a_vapid_setup_stops_start_up_naming_the_variables(env, message):
    result = load_settings(SECRET_KEY="k" * 50, **env)
    assert result.returncode != 0
    assert message in result.stderr
