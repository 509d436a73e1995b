"""The Reminders page (/reminders/): who may open it, the choices and medicine times a patient makes there, and
the device subscriptions static/js/push.js sends (the models' rules and the settings: test_push_rules.py)."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import MedicationReminder, PushSettings, PushSubscription
from notifications.services import MAX_DEVICES
from tracker.diary.services import profile_for
from tracker.models import Medication

from .factories import CaregiverFactory, PatientFactory
from .push_service import BrowserKeys
from .test_html_validity import checker_missing, nu_errors

pytestmark = pytest.mark.django_db

PAGE_URL = reverse("notifications:reminders")
SAVE_URL = reverse("notifications:subscription_save")
DELETE_URL = reverse("notifications:subscription_delete")
# The browsers' push services, which PUSH_SERVICE_ORIGINS names unless told otherwise.
BROWSER_PUSH_SERVICES = ["https://fcm.googleapis.com", "https://updates.push.services.mozilla.com"]


@pytest.fixture
def signed_in(client, patient, vapid, settings):
    """The patient's browser, with notifications set up on the server and its usual push services."""
    settings.PUSH_SERVICE_ORIGINS = BROWSER_PUSH_SERVICES
    client.force_login(patient)
    return client


def baclofen(patient, **fields) -> Medication:
    return Medication.objects.create(patient=patient, name="Baclofen", dose="10 mg at night", **fields)


def add_time_url(medication) -> str:
    return reverse("notifications:medication_reminder_new", args=[medication.uuid])


def time_field(medication) -> str:
    return f"medicine-{medication.uuid}-time_of_day"


def change_url(reminder) -> str:
    return reverse("notifications:medication_reminder_change", args=[reminder.uuid])


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


# Who may open what


@pytest.mark.parametrize(
    ("who", "status"),
    [("patient", 200), ("clinician", 403), ("staff", 403), ("caregiver", 403), ("anonymous", 302)],
)
def test_only_patients_open_the_reminders_page(client, vapid, request, who, status):
    if who == "caregiver":
        client.force_login(CaregiverFactory())
    elif who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(PAGE_URL)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_a_patient_cannot_add_a_time_to_another_patients_medicine(signed_in, other_patient):
    theirs = baclofen(other_patient)
    response = signed_in.post(add_time_url(theirs), {time_field(theirs): "08:00:00"})
    assert response.status_code == 404
    assert not MedicationReminder.objects.exists()


@pytest.mark.parametrize("action", ["pause", "remove"])
def test_a_patient_cannot_change_another_patients_reminder(signed_in, other_patient, action):
    theirs = baclofen(other_patient)
    reminder = MedicationReminder.objects.create(patient=other_patient, medication=theirs, time_of_day=dt.time(8, 0))
    assert signed_in.post(change_url(reminder), {"action": action}).status_code == 404
    reminder.refresh_from_db()
    assert reminder.enabled


def test_the_page_shows_only_the_patients_own_medicines(signed_in, patient, other_patient):
    baclofen(patient)
    Medication.objects.create(patient=other_patient, name="Quinine")
    html = signed_in.get(PAGE_URL).content.decode()
    assert "Baclofen" in html
    assert "Quinine" not in html


def test_the_page_takes_the_same_queries_for_one_medicine_or_many(signed_in, patient, django_assert_num_queries):
    def medicines(count: int) -> None:
        for number in range(count):
            medication = Medication.objects.create(patient=patient, name=f"Medicine {number}", dose="1 tablet")
            for hour in (8, 20):
                MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(hour))

    for count in (1, 4):
        medicines(count)
        # The session and the user; then the patient's devices, medicines, their reminders (one prefetch), choices
        # and profile (notifications.selectors.reminders_page_for).
        with django_assert_num_queries(7):
            response = signed_in.get(PAGE_URL)
        assert len(response.context["medicines"]) == Medication.objects.count()


def test_the_page_is_valid_html_with_and_without_errors_shown(signed_in, patient, tmp_path):
    if checker_missing():
        pytest.skip(checker_missing())
    medication = baclofen(patient)
    MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(8), enabled=False)
    Medication.objects.create(patient=patient, name="Gabapentin")
    pages = {
        "page": signed_in.get(PAGE_URL),
        "refused-choices": signed_in.post(PAGE_URL, {"quiet_start": "22:00:00"}),
        "refused-time": signed_in.post(add_time_url(medication), {time_field(medication): "08:00:00"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        (tmp_path / f"{name}.html").write_bytes(response.content)
    assert nu_errors(tmp_path) == []


def test_the_dashboard_links_to_the_reminders_page(signed_in):
    assert f'href="{PAGE_URL}"' in signed_in.get(reverse("tracker:dashboard")).content.decode()


# The page


def test_the_page_gives_the_device_panel_the_servers_public_key(signed_in, vapid):
    html = signed_in.get(PAGE_URL).content.decode()
    assert f'data-vapid-public-key="{vapid.public_key}"' in html
    assert f'data-save-url="{SAVE_URL}"' in html


def test_without_vapid_keys_the_page_says_reminders_come_by_email(client, patient, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    client.force_login(patient)
    html = client.get(PAGE_URL).content.decode()
    assert "Notifications are not set up on this server" in html
    assert "data-push" not in html
    keys = BrowserKeys()
    response = post_json(client, SAVE_URL, keys.subscription_json("https://fcm.googleapis.com/fcm/send/x"))
    assert response.status_code == 409
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_a_reminder_sent_anyway_is_refused_with_the_reason(client, patient, settings):
    """The page shows no form then; a page drawn before the keys went, or a hand-made request, is told why
    nothing was saved instead of a page with no visible error."""
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    medicine = baclofen(patient, started_on=dt.date(2025, 1, 1))
    client.force_login(patient)
    for url, data in [
        (PAGE_URL, {"quiet_start": "22:00:00"}),
        (
            reverse("notifications:medication_reminder_new", args=[medicine.uuid]),
            {f"medicine-{medicine.uuid}-time_of_day": "08:00"},
        ),
    ]:
        response = client.post(url, data, follow=True)
        assert [str(message) for message in response.context["messages"]] == [
            "Notifications are not set up on this server. Your check-in reminder comes by e-mail."
        ]
    assert not MedicationReminder.objects.exists()


def test_without_a_current_medicine_the_page_says_where_to_add_one(signed_in, patient):
    baclofen(patient, started_on=dt.date(2025, 1, 1), stopped_on=dt.date(2025, 6, 1))
    html = signed_in.get(PAGE_URL).content.decode()
    assert "Your profile lists no medicine you take now." in html
    assert reverse("tracker:medication_new") in html
    assert "Baclofen" not in html


def test_the_page_shows_the_check_in_time_from_the_profile(signed_in, patient):
    profile = profile_for(patient)
    profile.reminder_time = dt.time(20, 30)
    profile.save(update_fields=["reminder_time"])
    assert "Your check-in reminder is at <strong>20:30</strong>" in signed_in.get(PAGE_URL).content.decode()


# Medicine times


def test_a_patient_adds_pauses_resumes_and_removes_a_medicine_time(signed_in, patient):
    medication = baclofen(patient)
    response = signed_in.post(add_time_url(medication), {time_field(medication): "08:00:00"}, follow=True)
    assert "Reminder added: Baclofen at 08:00." in response.content.decode()
    reminder = MedicationReminder.objects.get()
    assert (reminder.patient, reminder.medication, reminder.time_of_day) == (patient, medication, dt.time(8, 0))

    signed_in.post(change_url(reminder), {"action": "pause"})
    reminder.refresh_from_db()
    assert not reminder.enabled
    assert "Paused" in signed_in.get(PAGE_URL).content.decode()
    signed_in.post(change_url(reminder), {"action": "resume"})
    reminder.refresh_from_db()
    assert reminder.enabled
    response = signed_in.post(change_url(reminder), {"action": "remove"}, follow=True)
    assert "Reminder removed: Baclofen at 08:00." in response.content.decode()
    assert not MedicationReminder.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Choose a time."),
        ("25:00:00", "Choose a time from the list."),
        ("08:07:00", "Choose a time from the list."),
        ("<script>", "Choose a time from the list."),
    ],
)
def test_a_time_off_the_list_is_refused_next_to_the_field(signed_in, patient, value, message):
    medication = baclofen(patient)
    response = signed_in.post(add_time_url(medication), {time_field(medication): value})
    assert response.status_code == 200
    assert response.context["medicines"][0][1].errors == {"time_of_day": [message]}
    assert not MedicationReminder.objects.exists()


def test_the_same_time_twice_is_refused_next_to_the_field_and_the_choice_stays(signed_in, patient):
    medication = baclofen(patient)
    MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(8, 0))
    response = signed_in.post(add_time_url(medication), {time_field(medication): "08:00:00"})
    html = response.content.decode()
    assert "Baclofen already has a reminder at 08:00." in html
    assert '<option value="08:00:00" selected>' in html
    assert MedicationReminder.objects.count() == 1


def test_a_medicine_no_longer_taken_gets_no_new_time(signed_in, patient):
    medication = baclofen(patient, started_on=dt.date(2025, 1, 1), stopped_on=dt.date(2025, 6, 1))
    response = signed_in.post(add_time_url(medication), {time_field(medication): "08:00:00"})
    assert "You do not take Baclofen now" in response.content.decode()
    assert not MedicationReminder.objects.exists()


def test_an_unknown_change_is_refused_with_a_message(signed_in, patient):
    reminder = MedicationReminder.objects.create(patient=patient, medication=baclofen(patient), time_of_day=dt.time(8))
    response = signed_in.post(change_url(reminder), {"action": "explode"}, follow=True)
    assert "That change could not be read." in response.content.decode()
    assert MedicationReminder.objects.filter(enabled=True).count() == 1


def test_a_time_inside_quiet_hours_is_marked_so(signed_in, patient):
    PushSettings.objects.create(patient=patient, quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0))
    medication = baclofen(patient)
    MedicationReminder.objects.create(patient=patient, medication=medication, time_of_day=dt.time(23, 0))
    assert "In your quiet hours" in signed_in.get(PAGE_URL).content.decode()


# Check-in and quiet hours


def test_a_patient_saves_quiet_hours_and_turns_the_check_in_notification_off(signed_in, patient):
    response = signed_in.post(PAGE_URL, {"quiet_start": "22:00:00", "quiet_end": "07:00:00"}, follow=True)
    assert "Your reminder choices are saved." in response.content.decode()
    choices = PushSettings.objects.get(patient=patient)
    assert (choices.checkin_push, choices.quiet_start, choices.quiet_end) == (False, dt.time(22), dt.time(7))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quiet_start": "22:00:00"}, "quiet_end", "Choose when quiet hours end"),
        ({"quiet_end": "07:00:00"}, "quiet_start", "Choose when quiet hours start"),
        ({"quiet_start": "07:00:00", "quiet_end": "07:00:00"}, "quiet_end", "Choose an end different"),
        ({"quiet_start": "7 pm", "quiet_end": "07:00:00"}, "quiet_start", "Choose a time from the list."),
    ],
)
def test_half_or_empty_quiet_hours_are_refused_next_to_the_field_keeping_what_was_chosen(
    signed_in, patient, data, field, message
):
    response = signed_in.post(PAGE_URL, {"checkin_push": "on", **data})
    assert response.status_code == 200
    form = response.context["settings_form"]
    assert message in form.errors[field][0]
    html = response.content.decode()
    assert 'id="error-summary"' in html
    for value in data.values():
        if value.endswith(":00"):
            assert f'<option value="{value}" selected>' in html
    assert not PushSettings.objects.filter(patient=patient).exists()


# Device subscriptions


def test_a_device_subscription_is_kept_with_its_keys(signed_in, patient):
    keys = BrowserKeys()
    endpoint = "https://fcm.googleapis.com/fcm/send/abc:def"
    response = post_json(signed_in, SAVE_URL, keys.subscription_json(endpoint))
    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.endpoint) == (patient, endpoint)
    assert (subscription.p256dh, subscription.auth) == (keys.p256dh, keys.auth)
    # Turning notifications on brings the check-in along, as the page says.
    assert PushSettings.objects.get(patient=patient).checkin_push


def test_a_browser_turned_on_by_the_next_patient_is_theirs_alone(signed_in, patient, vapid):
    keys = BrowserKeys()
    endpoint = "https://updates.push.services.mozilla.com/wpush/v2/abc"
    post_json(signed_in, SAVE_URL, keys.subscription_json(endpoint))
    PushSubscription.objects.filter(endpoint=endpoint).update(failures=3)
    next_patient = PatientFactory()
    browser = Client()
    browser.force_login(next_patient)
    assert post_json(browser, SAVE_URL, keys.subscription_json(endpoint)).status_code == 201
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.failures) == (next_patient, 0)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"endpoint": "https://evil.example/steal"}, 400),
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}, 400),
        ({"endpoint": "https://user:pw@fcm.googleapis.com/x"}, 400),
        ({"endpoint": "javascript:alert(1)"}, 400),
        ({"endpoint": 42}, 400),
        ({"keys": {"p256dh": "AAAA", "auth": "x"}}, 400),
        ({"keys": {"p256dh": "B" * 87, "auth": "A" * 22}}, 400),
        ({"keys": "none"}, 400),
    ],
)
def test_anything_but_a_push_services_subscription_is_refused(signed_in, change, status):
    data = {**BrowserKeys().subscription_json("https://fcm.googleapis.com/fcm/send/x"), **change}
    response = post_json(signed_in, SAVE_URL, data)
    assert response.status_code == status
    assert response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("endpoint=x", "application/x-www-form-urlencoded", 415),
        (json.dumps({"endpoint": "x" * 5000, "keys": {}}), "application/json", 413),
    ],
)
def test_a_body_that_is_not_a_subscription_is_refused_without_an_error_page(signed_in, body, content_type, status):
    assert signed_in.post(SAVE_URL, body, content_type=content_type).status_code == status


def test_subscribing_needs_the_csrf_token(patient, vapid):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)
    data = BrowserKeys().subscription_json("https://fcm.googleapis.com/fcm/send/x")
    assert post_json(browser, SAVE_URL, data).status_code == 403
    assert not PushSubscription.objects.exists()


def test_subscribing_is_for_signed_in_patients(client, clinician, vapid):
    data = BrowserKeys().subscription_json("https://fcm.googleapis.com/fcm/send/x")
    assert post_json(client, SAVE_URL, data).status_code == 302
    client.force_login(clinician)
    assert post_json(client, SAVE_URL, data).status_code == 403
    assert not PushSubscription.objects.exists()


def test_past_ten_devices_the_oldest_is_forgotten(signed_in, patient):
    for number in range(MAX_DEVICES + 1):
        data = BrowserKeys().subscription_json(f"https://fcm.googleapis.com/fcm/send/device-{number}")
        assert post_json(signed_in, SAVE_URL, data).status_code == 201
    endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert len(endpoints) == MAX_DEVICES
    assert "https://fcm.googleapis.com/fcm/send/device-0" not in endpoints


def test_turning_a_device_off_forgets_only_the_patients_own(signed_in, patient, other_patient):
    mine, theirs = BrowserKeys(), BrowserKeys()
    PushSubscription.objects.create(
        user=patient, endpoint="https://fcm.googleapis.com/fcm/send/mine", p256dh=mine.p256dh, auth=mine.auth
    )
    PushSubscription.objects.create(
        user=other_patient,
        endpoint="https://fcm.googleapis.com/fcm/send/theirs",
        p256dh=theirs.p256dh,
        auth=theirs.auth,
    )
    response = post_json(signed_in, DELETE_URL, theirs.subscription_json("https://fcm.googleapis.com/fcm/send/theirs"))
    assert response.json() == {"deleted": 0}
    response = post_json(signed_in, DELETE_URL, mine.subscription_json("https://fcm.googleapis.com/fcm/send/mine"))
    assert response.json() == {"deleted": 1}
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [other_patient.pk]


@pytest.mark.parametrize("url", [SAVE_URL, DELETE_URL])
@pytest.mark.parametrize("body", ["[" * 1000, "1" * 5000, "{not json"])
def test_a_body_that_is_not_a_subscription_is_refused_with_a_message_never_a_500(signed_in, url, body):
    response = signed_in.post(url, body[:4000], content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "subscription" in response.content.decode().lower()
