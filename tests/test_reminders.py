import datetime as dt
import re
import smtplib
import time
import uuid
from io import StringIO
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tracker.diary.reminders import claim_reminder_day, reminder_time_choices, reminder_token
from tracker.diary.services import EpisodeDetails, checkin_record, episode_create, profile_for
from tracker.management.commands.send_checkin_reminders import Command as SendRemindersCommand
from tracker.models import CheckIn, PatientProfile

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("tracker:profile")
# Monday 2 March 2026, 12:05 in London; 07:05 in New York; 04:05 in Los Angeles;
# already Tuesday 3 March, 01:05, in Auckland.
MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 5, tzinfo=dt.UTC)
LINK = re.compile(r"http://127\.0\.0\.1:8000(/reminders/[^/\s]+/)")


def at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def with_reminder(patient, reminder_time: dt.time | None):
    profile = profile_for(patient)
    profile.reminder_time = reminder_time
    profile.save(update_fields=["reminder_time"])
    return patient


def send_reminders(moment: dt.datetime = MONDAY_NOON) -> str:
    output = StringIO()
    with at(moment):
        call_command("send_checkin_reminders", stdout=output)
    return output.getvalue()


def reminded() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


def link_path(message) -> str:
    return LINK.search(message.body).group(1)


def checkin_url(patient, day: dt.date) -> str:
    return reverse("tracker:reminder_checkin", args=[reminder_token(patient=patient, day=day)])


# Who is due


@pytest.mark.parametrize(
    ("time_zone", "reminder_time", "due"),
    [
        ("Europe/London", dt.time(12, 0), True),
        ("Europe/London", dt.time(12, 15), False),
        ("America/New_York", dt.time(7, 0), True),
        ("America/Los_Angeles", dt.time(7, 0), False),
        ("Pacific/Auckland", dt.time(1, 0), True),
        ("Asia/Tokyo", dt.time(21, 15), False),
    ],
)
def test_a_reminder_is_due_once_the_patients_own_clock_reaches_its_time(time_zone, reminder_time, due):
    patient = with_reminder(PatientFactory(time_zone=time_zone), reminder_time)
    output = send_reminders()
    assert reminded() == ([patient.email] if due else [])
    assert f"Check-in reminders sent: {1 if due else 0}." in output


def test_a_reminder_is_due_at_exactly_its_time():
    patient = with_reminder(PatientFactory(time_zone="UTC"), dt.time(12, 0))
    send_reminders(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    assert reminded() == [patient.email]


def test_each_reminder_is_for_the_patients_own_local_day():
    auckland = with_reminder(PatientFactory(time_zone="Pacific/Auckland"), dt.time(1, 0))
    london = with_reminder(PatientFactory(time_zone="Europe/London"), dt.time(8, 0))
    send_reminders()
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[auckland.email] == "[CrampApp] Your check-in for Tue 3 Mar 2026"
    assert subjects[london.email] == "[CrampApp] Your check-in for Mon 2 Mar 2026"
    assert PatientProfile.objects.get(patient=auckland).reminder_sent_on == dt.date(2026, 3, 3)
    assert PatientProfile.objects.get(patient=london).reminder_sent_on == dt.date(2026, 3, 2)


def test_running_the_command_again_the_same_local_day_sends_nothing_more():
    patient = with_reminder(PatientFactory(time_zone="Europe/London"), dt.time(9, 0))
    assert "sent: 1." in send_reminders()
    assert "sent: 0." in send_reminders(MONDAY_NOON + dt.timedelta(minutes=15))
    assert "sent: 0." in send_reminders(MONDAY_NOON + dt.timedelta(hours=11))
    assert reminded() == [patient.email]
    send_reminders(MONDAY_NOON + dt.timedelta(days=1))
    assert reminded() == [patient.email, patient.email]


def test_two_overlapping_runs_claim_the_day_only_once():
    patient = with_reminder(PatientFactory(), dt.time(9, 0))
    profile = PatientProfile.objects.get(patient=patient)
    assert claim_reminder_day(profile=profile, day=dt.date(2026, 3, 2)) is True
    # The second run read the profile before the first run's update, but its UPDATE finds nothing to claim.
    assert claim_reminder_day(profile=profile, day=dt.date(2026, 3, 2)) is False
    send_reminders()
    assert mail.outbox == []


def test_no_reminder_once_the_patient_has_checked_in_today():
    patient = with_reminder(PatientFactory(time_zone="Pacific/Auckland"), dt.time(1, 0))
    with at(MONDAY_NOON):
        checkin_record(patient=patient, created_by=patient, day=dt.date(2026, 3, 3), status="none")
    send_reminders()
    assert mail.outbox == []
    assert PatientProfile.objects.get(patient=patient).reminder_sent_on is None


def test_yesterdays_check_in_does_not_silence_todays_reminder():
    patient = with_reminder(PatientFactory(time_zone="Europe/London"), dt.time(9, 0))
    with at(MONDAY_NOON):
        checkin_record(patient=patient, created_by=patient, day=dt.date(2026, 3, 1), status="none")
    send_reminders()
    assert reminded() == [patient.email]


def test_no_reminder_for_a_patient_who_chose_none(patient):
    with_reminder(patient, None)
    send_reminders()
    assert mail.outbox == []


def test_clinicians_and_inactive_patients_never_get_reminders():
    with_reminder(ClinicianFactory(), dt.time(9, 0))
    with_reminder(PatientFactory(is_active=False), dt.time(9, 0))
    active = with_reminder(PatientFactory(), dt.time(9, 0))
    send_reminders()
    assert reminded() == [active.email]


def test_the_mail_links_to_a_one_click_check_in_and_to_the_quick_log():
    patient = with_reminder(PatientFactory(full_name="Pat Patient"), dt.time(9, 0))
    send_reminders()
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "Hello Pat Patient," in message.body
    assert LINK.search(message.body)
    assert "http://127.0.0.1:8000/episodes/new/?mode=quick" in message.body
    assert "http://127.0.0.1:8000/profile/" in message.body
    assert "reminder at 09:00" in message.body


@override_settings(SITE_URL="https://cramp.example.org/")
def test_the_mail_links_use_the_site_url_setting():
    with_reminder(PatientFactory(), dt.time(9, 0))
    send_reminders()
    body = mail.outbox[0].body
    assert "https://cramp.example.org/reminders/" in body
    assert "https://cramp.example.org/episodes/new/?mode=quick" in body
    assert "127.0.0.1" not in body


def test_a_failed_send_leaves_the_day_for_the_next_run():
    patient = with_reminder(PatientFactory(), dt.time(9, 0))
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("gone")):
        assert "sent: 0." in send_reminders()
    assert PatientProfile.objects.get(patient=patient).reminder_sent_on is None
    assert "sent: 1." in send_reminders(MONDAY_NOON + dt.timedelta(minutes=15))


def test_the_command_documents_its_cron_schedule():
    assert "every 15 minutes" in SendRemindersCommand.help


# The reminder time on the profile


def test_reminder_times_are_offered_every_quarter_hour_after_no_reminder():
    choices = reminder_time_choices()
    assert choices[0] == ("", "No reminder")
    assert choices[1] == (dt.time(0, 0), "00:00")
    assert choices[-1] == (dt.time(23, 45), "23:45")
    assert len(choices) == 1 + 24 * 4


def test_patient_chooses_and_then_stops_a_daily_reminder_on_the_profile(client, patient):
    client.force_login(patient)
    assert "No reminder" in client.get(PROFILE_URL).content.decode()
    client.post(PROFILE_URL, {"time_zone": "Europe/Paris", "reminder_time": "20:30:00"})
    assert PatientProfile.objects.get(patient=patient).reminder_time == dt.time(20, 30)
    client.post(PROFILE_URL, {"time_zone": "Europe/Paris", "reminder_time": ""})
    assert PatientProfile.objects.get(patient=patient).reminder_time is None


@pytest.mark.parametrize("value", ["20:31:00", "25:00:00", "soon"])
def test_a_reminder_time_off_the_list_is_refused_next_to_the_field(client, patient, value):
    client.force_login(patient)
    response = client.post(PROFILE_URL, {"time_zone": "UTC", "reminder_time": value})
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_time"]
    assert profile_for(patient).reminder_time is None


def test_the_profile_links_to_account_deletion_in_a_danger_zone(client, patient):
    client.force_login(patient)
    html = client.get(PROFILE_URL).content.decode()
    assert "Danger zone" in html
    assert f'href="{reverse("tracker:account_delete")}"' in html


# The signed link


def test_the_link_from_the_mail_asks_first_then_records_no_cramps_without_logging_in(client):
    patient = with_reminder(PatientFactory(time_zone="Pacific/Auckland"), dt.time(1, 0))
    send_reminders()
    path = link_path(mail.outbox[0])
    with at(MONDAY_NOON):
        page = client.get(path)
        assert page.status_code == 200
        assert "Yes, no cramps on Tue 3 Mar 2026" in page.content.decode()
        assert 'method="post"' in page.content.decode()
        assert "csrfmiddlewaretoken" in page.content.decode()
        assert not CheckIn.objects.exists()

        response = client.post(path)
    assert response.status_code == 200
    assert "Recorded: no cramps on Tue 3 Mar 2026." in response.content.decode()
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.day, checkin.status) == (dt.date(2026, 3, 3), CheckIn.Status.NO_CRAMPS)
    assert "_auth_user_id" not in client.session


def test_the_confirm_button_needs_the_csrf_token():
    patient = PatientFactory()
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(checkin_url(patient, patient.today()))
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def tampered_tokens(patient, day):
    token = reminder_token(patient=patient, day=day)
    payload = {"p": patient.pk, "d": day.isoformat()}
    return {
        "changed signature": token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        "cut short": token[: len(token) // 2],
        "not a token": "hello",
        "another salt": signing.dumps(payload, salt="tracker.other"),
        "another patient id": signing.dumps({"p": patient.pk + 1000, "d": day.isoformat()}, salt="tracker.reminder"),
        "not a day": signing.dumps({"p": patient.pk, "d": "someday"}, salt="tracker.reminder"),
        "no day": signing.dumps({"p": patient.pk}, salt="tracker.reminder"),
    }


@pytest.mark.parametrize(
    "kind",
    ["changed signature", "cut short", "not a token", "another salt", "another patient id", "not a day", "no day"],
)
def test_a_tampered_link_is_refused_politely_and_records_nothing(client, patient, kind):
    token = tampered_tokens(patient, patient.today())[kind]
    url = reverse("tracker:reminder_checkin", args=[token])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        html = response.content.decode()
        assert "This link cannot be used" in html
        assert "This link is not valid" in html
        assert reverse("account_login") in html
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("user_kind", ["clinician", "inactive patient"])
def test_a_link_for_a_clinician_or_an_inactive_patient_is_refused(client, user_kind):
    user = ClinicianFactory() if user_kind == "clinician" else PatientFactory(is_active=False)
    url = checkin_url(user, timezone.now().date())
    assert client.post(url).status_code == 400
    assert not CheckIn.objects.exists()


def test_a_link_older_than_48_hours_is_refused(client, patient):
    today = patient.today()
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 49 * 60 * 60):
        url = checkin_url(patient, today)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert "Reminder links work for 48 hours" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_link_47_hours_old_still_works(client, patient):
    yesterday = patient.today() - dt.timedelta(days=1)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 47 * 60 * 60):
        url = checkin_url(patient, yesterday)
    assert client.post(url).status_code == 200
    assert CheckIn.objects.get(patient=patient).day == yesterday


def test_a_used_link_is_refused_the_second_time(client, patient):
    url = checkin_url(patient, patient.today())
    assert client.post(url).status_code == 200
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        assert "This day is already recorded" in response.content.decode()
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_a_link_for_a_day_checked_in_another_way_is_refused(client, patient):
    today = patient.today()
    checkin_record(patient=patient, created_by=patient, day=today, status="cramps")
    response = client.post(checkin_url(patient, today))
    assert response.status_code == 410
    assert CheckIn.objects.get(patient=patient).status == CheckIn.Status.HAD_CRAMPS


def test_a_link_for_a_day_with_a_cramp_logged_is_refused(client, patient):
    url = checkin_url(patient, patient.today())
    episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=timezone.now(), severity=6),
    )
    response = client.post(url)
    assert response.status_code == 410
    assert not CheckIn.objects.filter(status=CheckIn.Status.NO_CRAMPS).exists()


def test_a_link_for_a_day_with_cramps_but_no_check_in_is_refused_without_saying_why(client, patient):
    # Cramps stored without their day being marked (e.g. by an import): the service refuses "no cramps".
    EpisodeFactory(patient=patient, started_at=timezone.now())
    response = client.post(checkin_url(patient, patient.today()))
    assert response.status_code == 410
    html = response.content.decode()
    assert "cannot be recorded as cramp-free" in html
    assert "You logged cramps" not in html
    assert not CheckIn.objects.exists()
