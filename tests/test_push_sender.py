"""Reminders sent as notifications (notifications/sender.py) to a real HTTP push service on this machine: due
or not, quiet hours, a recorded day, once a day, and what a refusal does. Each push is checked as a push
service and a browser would: signed with the server's VAPID key, encrypted to the browser's keys."""

import datetime as dt
import time
import uuid
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from notifications.management.commands.send_push_reminders import Command as SendPushRemindersCommand
from notifications.models import MAX_FAILURES, MedicationReminder, PushSettings, PushSubscription
from notifications.sender import PushRun, _with_devices, medication_reminders_due, send_due_pushes
from tracker.diary.reminders import send_due_reminders
from tracker.diary.services import EpisodeDetails, checkin_record, episode_create, profile_for
from tracker.models import CheckIn, Medication

from .factories import PatientFactory
from .push_service import BrowserKeys

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:05 in London (GMT), 21:05 in Tokyo.
MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 5, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def keys():
    return BrowserKeys()


@pytest.fixture
def device(vapid, push_service, patient, keys):
    """The patient's phone, with notifications on (the check-in too, as by default)."""
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    PushSettings.objects.create(patient=patient)
    return PushSubscription.objects.create(
        user=patient, endpoint=push_service.endpoint("phone"), p256dh=keys.p256dh, auth=keys.auth
    )


def baclofen(patient, *, dose="10 mg at night", **dates) -> Medication:
    return Medication.objects.create(patient=patient, name="Baclofen", dose=dose, **dates)


def remind(patient, medication, at: dt.time, **fields) -> MedicationReminder:
    return MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=at, **fields)


def check_in_at(patient, reminder_time: dt.time) -> None:
    profile = profile_for(patient)
    profile.reminder_time = reminder_time
    profile.save(update_fields=["reminder_time"])


def quiet(patient, start: dt.time, end: dt.time) -> None:
    PushSettings.objects.filter(patient=patient).update(quiet_start=start, quiet_end=end)


# What arrives


def test_a_medicine_reminder_is_one_signed_encrypted_push_naming_the_dose_as_written(device, push_service, keys):
    patient = device.user
    medication = baclofen(patient)
    reminder = remind(patient, medication, dt.time(12, 0))

    assert send_due_pushes(now=MONDAY_NOON).medications == 1

    (push,) = push_service.received
    assert push.path == "/push/phone"
    claims = push.vapid_claims()
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:reminders@crampapp.example"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["urgency"] == "high"
    # Kept by the push service until the reminder's hour is over (12:00 + 1 h, sent at 12:05), no longer.
    assert push.headers["ttl"] == str(55 * 60)
    assert keys.decrypt(push) == {
        "title": "Time for your Baclofen",
        "body": "Baclofen — 10 mg at night",
        "url": f"/profile/medications/{medication.uuid}/",
        "tag": f"medication-{reminder.uuid}",
    }
    reminder.refresh_from_db()
    assert reminder.sent_on == MONDAY
    device.refresh_from_db()
    assert device.last_success_at is not None
    assert device.failures == 0


def test_a_medicine_without_a_dose_written_is_named_alone_never_given_a_dose(device, push_service, keys):
    remind(device.user, baclofen(device.user, dose=""), dt.time(12, 0))
    send_due_pushes(now=MONDAY_NOON)
    (push,) = push_service.received
    assert keys.decrypt(push)["body"] == "Baclofen"


def test_the_check_in_push_opens_the_check_in_page_and_no_email_goes(device, push_service, keys):
    check_in_at(device.user, dt.time(12, 0))

    assert send_due_pushes(now=MONDAY_NOON).checkins == 1
    assert send_due_reminders(now=MONDAY_NOON) == 0

    (push,) = push_service.received
    assert push.vapid_claims()["aud"] == push_service.origin
    assert push.headers["urgency"] == "normal"
    # Kept until the end of the patient's day: 11 h 55 min.
    assert push.headers["ttl"] == str((11 * 60 + 55) * 60)
    assert keys.decrypt(push) == {
        "title": "Time for your daily check-in",
        "body": "How were your cramps today? Days without cramps count too.",
        "url": "/checkin/",
        "tag": "checkin-2026-03-02",
    }
    assert mail.outbox == []


def test_running_again_the_same_day_sends_nothing_more(device, push_service):
    check_in_at(device.user, dt.time(12, 0))
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    send_due_pushes(now=MONDAY_NOON)
    send_due_pushes(now=MONDAY_NOON + dt.timedelta(minutes=15))
    send_due_reminders(now=MONDAY_NOON + dt.timedelta(minutes=15))
    assert len(push_service.received) == 2
    assert mail.outbox == []


def test_each_device_of_the_patient_gets_it(device, push_service):
    other = BrowserKeys()
    PushSubscription.objects.create(
        user=device.user, endpoint=push_service.endpoint("laptop"), p256dh=other.p256dh, auth=other.auth
    )
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    assert send_due_pushes(now=MONDAY_NOON).medications == 1
    assert sorted(push.path for push in push_service.received) == ["/push/laptop", "/push/phone"]


# A recorded day


@pytest.mark.parametrize("recorded_by", ["no cramps", "a cramp logged"])
def test_no_check_in_push_for_a_day_already_recorded(device, push_service, recorded_by):
    patient = device.user
    check_in_at(patient, dt.time(12, 0))
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_NOON):
        if recorded_by == "no cramps":
            checkin_record(patient=patient, created_by=patient, day=MONDAY, status=CheckIn.Status.NO_CRAMPS)
        else:
            details = EpisodeDetails(started_at=MONDAY_NOON - dt.timedelta(hours=3), severity=5)
            episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=details)
    assert send_due_pushes(now=MONDAY_NOON).checkins == 0
    assert push_service.received == []


def test_a_recorded_day_does_not_hold_back_a_medicine_reminder(device, push_service):
    """The diary being filled in says nothing about the dose: the medicine reminder still goes."""
    patient = device.user
    remind(patient, baclofen(patient), dt.time(12, 0))
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_NOON):
        checkin_record(patient=patient, created_by=patient, day=MONDAY, status=CheckIn.Status.NO_CRAMPS)
    assert send_due_pushes(now=MONDAY_NOON).medications == 1


# When a medicine reminder is due


@pytest.mark.parametrize(
    ("reminder_time", "due"),
    [
        (dt.time(12, 0), True),
        (dt.time(11, 15), True),
        (dt.time(11, 0), False),
        (dt.time(12, 15), False),
    ],
)
def test_a_medicine_reminder_goes_within_the_hour_after_its_time(device, push_service, reminder_time, due):
    remind(device.user, baclofen(device.user), reminder_time)
    assert send_due_pushes(now=MONDAY_NOON).medications == int(due)


def test_the_time_is_read_on_the_patients_own_clock(device, push_service):
    patient = device.user
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    remind(patient, baclofen(patient), dt.time(21, 0))
    remind(patient, baclofen(patient), dt.time(12, 0))
    assert send_due_pushes(now=MONDAY_NOON).medications == 1


@pytest.mark.parametrize(
    ("fields", "medicine_dates"),
    [
        ({"enabled": False}, {}),
        ({}, {"started_on": dt.date(2026, 1, 5), "stopped_on": dt.date(2026, 3, 1)}),
        ({}, {"started_on": dt.date(2026, 3, 3)}),
    ],
    ids=["paused", "stopped yesterday", "starts tomorrow"],
)
def test_no_reminder_for_a_paused_reminder_or_a_medicine_not_taken_that_day(
    device, push_service, fields, medicine_dates
):
    remind(device.user, baclofen(device.user, **medicine_dates), dt.time(12, 0), **fields)
    assert send_due_pushes(now=MONDAY_NOON).medications == 0
    assert push_service.received == []


def test_inactive_patients_get_nothing(device, push_service):
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    check_in_at(device.user, dt.time(12, 0))
    device.user.is_active = False
    device.user.save(update_fields=["is_active"])
    assert send_due_pushes(now=MONDAY_NOON) == PushRun(checkins=0, medications=0)


# Quiet hours


@pytest.mark.parametrize(
    ("start", "end", "sent"),
    [
        (dt.time(12, 0), dt.time(13, 0), False),
        (dt.time(22, 0), dt.time(12, 30), False),
        (dt.time(22, 0), dt.time(7, 0), True),
        (dt.time(12, 15), dt.time(12, 0), True),
    ],
)
def test_nothing_goes_inside_quiet_hours_even_past_midnight(device, push_service, start, end, sent):
    check_in_at(device.user, dt.time(12, 0))
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    quiet(device.user, start, end)
    send_due_pushes(now=MONDAY_NOON)
    assert len(push_service.received) == (2 if sent else 0)


def test_a_check_in_due_in_quiet_hours_comes_when_they_end_the_same_day(device, push_service, keys):
    check_in_at(device.user, dt.time(12, 0))
    quiet(device.user, dt.time(12, 0), dt.time(12, 30))
    assert send_due_pushes(now=MONDAY_NOON).checkins == 0
    assert send_due_pushes(now=MONDAY_NOON + dt.timedelta(minutes=30)).checkins == 1
    assert keys.decrypt(push_service.received[0])["url"] == "/checkin/"


def test_a_medicine_reminder_in_quiet_hours_comes_at_their_end_only_within_its_hour(device, push_service):
    patient = device.user
    remind(patient, baclofen(patient), dt.time(12, 0))
    remind(patient, Medication.objects.create(patient=patient, name="Gabapentin", dose="300 mg"), dt.time(11, 0))
    quiet(patient, dt.time(11, 0), dt.time(12, 30))
    runs = [send_due_pushes(now=MONDAY_NOON + dt.timedelta(minutes=minutes)).medications for minutes in (0, 30)]
    # Baclofen (12:00) goes at 12:35, at the end of quiet hours; gabapentin (11:00) is skipped that day.
    assert runs == [0, 1]


def test_a_check_in_held_by_quiet_hours_past_midnight_is_not_carried_to_the_next_day(device, push_service):
    check_in_at(device.user, dt.time(21, 0))
    quiet(device.user, dt.time(20, 0), dt.time(7, 0))
    tuesday_morning = dt.datetime(2026, 3, 3, 7, 5, tzinfo=dt.UTC)
    assert send_due_pushes(now=tuesday_morning).checkins == 0


# Refusals and the e-mail


def test_a_device_gone_for_good_is_forgotten_and_the_email_takes_over(device, push_service):
    push_service.status = 410
    check_in_at(device.user, dt.time(12, 0))
    assert send_due_pushes(now=MONDAY_NOON).checkins == 0
    assert not PushSubscription.objects.exists()
    assert send_due_reminders(now=MONDAY_NOON + dt.timedelta(minutes=15)) == 1
    assert mail.outbox[0].to == [device.user.email]


def test_a_push_service_that_is_not_found_forgets_the_device_too(device, push_service):
    push_service.status = 404
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    send_due_pushes(now=MONDAY_NOON)
    assert not PushSubscription.objects.exists()


def test_other_refusals_are_counted_retried_and_at_last_leave_the_check_in_to_email(device, push_service):
    push_service.status = 500
    check_in_at(device.user, dt.time(12, 0))
    for run in range(MAX_FAILURES):
        assert send_due_pushes(now=MONDAY_NOON + dt.timedelta(minutes=15 * run)).checkins == 0
    device.refresh_from_db()
    assert device.failures == MAX_FAILURES
    assert len(push_service.received) == MAX_FAILURES
    # Set aside now: no more pushes to it, and the e-mail goes instead.
    later = MONDAY_NOON + dt.timedelta(minutes=15 * MAX_FAILURES)
    assert send_due_pushes(now=later).checkins == 0
    assert len(push_service.received) == MAX_FAILURES
    assert send_due_reminders(now=later) == 1


def test_an_unreachable_push_service_is_a_refusal_too(device, push_service):
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    push_service.close()
    assert send_due_pushes(now=MONDAY_NOON).medications == 0
    device.refresh_from_db()
    assert device.failures == 1
    assert MedicationReminder.objects.get().sent_on is None


def test_a_success_starts_the_count_again(device, push_service):
    PushSubscription.objects.filter(pk=device.pk).update(failures=MAX_FAILURES - 1)
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    send_due_pushes(now=MONDAY_NOON)
    device.refresh_from_db()
    assert device.failures == 0


@pytest.mark.parametrize("why", ["check-in notifications off", "no device"])
def test_patients_whom_notifications_do_not_reach_get_the_email(device, push_service, why):
    if why == "no device":
        device.delete()
    else:
        PushSettings.objects.filter(patient=device.user).update(checkin_push=False)
    check_in_at(device.user, dt.time(12, 0))
    assert send_due_pushes(now=MONDAY_NOON).checkins == 0
    assert send_due_reminders(now=MONDAY_NOON) == 1


def test_a_day_the_email_already_reminded_gets_no_push(device, push_service):
    check_in_at(device.user, dt.time(12, 0))
    PushSettings.objects.filter(patient=device.user).update(checkin_push=False)
    send_due_reminders(now=MONDAY_NOON)
    PushSettings.objects.filter(patient=device.user).update(checkin_push=True)
    assert send_due_pushes(now=MONDAY_NOON + dt.timedelta(minutes=15)).checkins == 0


def test_without_vapid_keys_nothing_is_pushed_and_the_email_carries_on(settings, push_service, patient):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    keys = BrowserKeys()
    PushSettings.objects.create(patient=patient)
    PushSubscription.objects.create(
        user=patient, endpoint=push_service.endpoint("x"), p256dh=keys.p256dh, auth=keys.auth
    )
    check_in_at(patient, dt.time(12, 0))
    output = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_NOON):
        call_command("send_push_reminders", stdout=output)
    assert "Notifications are not set up" in output.getvalue()
    assert push_service.received == []
    assert send_due_reminders(now=MONDAY_NOON) == 1


# The command


def test_the_command_sends_what_is_due_and_says_how_many(device, push_service):
    check_in_at(device.user, dt.time(12, 0))
    remind(device.user, baclofen(device.user), dt.time(12, 0))
    output = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_NOON):
        call_command("send_push_reminders", stdout=output)
    assert output.getvalue().strip() == "Notifications sent: 1 check-in, 1 medicine."
    assert len(push_service.received) == 2


def test_the_command_documents_its_cron_schedule():
    assert "*/15 * * * *" in SendPushRemindersCommand.help
    assert "at most one check-in reminder per patient per local day" in SendPushRemindersCommand.help


def test_finding_what_is_due_takes_the_same_queries_for_many_patients(vapid, push_service, django_assert_num_queries):
    """Per run: the zones in use and the due reminders per zone, then the devices of their patients; the rest
    (one claim and one device update per push) grows with the pushes sent, as it must."""

    def patients(count: int) -> None:
        for _ in range(count):
            patient = PatientFactory(time_zone="Europe/London")
            keys = BrowserKeys()
            PushSubscription.objects.create(
                user=patient, endpoint=push_service.endpoint(str(patient.pk)), p256dh=keys.p256dh, auth=keys.auth
            )
            remind(patient, baclofen(patient), dt.time(12, 0))

    for count in (2, 6):
        patients(count)
        # The zones in use; the due reminders in the one zone (with medicine and settings); their devices.
        with django_assert_num_queries(3):
            due = medication_reminders_due(MONDAY_NOON)
            _with_devices([reminder.patient for reminder in due])
        assert len(due) == count
        assert all(len(reminder.patient.working_subscriptions) == 1 for reminder in due)
        MedicationReminder.objects.all().delete()
