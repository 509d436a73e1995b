"""Reminders as notifications, from the patient's browser to the push service: the patient turns notifications
on for this device and chooses a time for a medicine on the Reminders page; the sender (cron's command) posts
exactly one VAPID-signed, encrypted push to the push service, which the service worker shows; a recorded day
gets no check-in reminder.

Chromium here has no push service to subscribe with (Chrome's is Google's), so the page's PushManager is
replaced by one that hands out a subscription at the test's own push service (tests/push_service.py), with keys
the test holds: the server really encrypts to them, and the test decrypts what arrives.
"""

import base64
import datetime as dt
import json
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import MedicationReminder, PushSubscription
from tests.browser.test_a11y_browser import violations
from tests.browser.test_offline_browser import log_in, wait_for_service_worker
from tests.factories import PatientFactory
from tests.push_service import BrowserKeys
from tracker.diary.services import profile_for
from tracker.models import CheckIn, Medication

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBED = "test-push-subscription"
# Kept in localStorage so that the subscription outlives the page, as a browser's does.
PUSH_MANAGER_STUB = """
((subscription) => {
  const made = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    toJSON: () => subscription,
    unsubscribe: async () => {
      localStorage.removeItem("%(key)s");
      return true;
    },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (options.userVisibleOnly !== true || !(options.applicationServerKey instanceof Uint8Array)) {
      throw new Error("userVisibleOnly and an applicationServerKey are required");
    }
    localStorage.setItem("%(key)s", btoa(String.fromCharCode(...options.applicationServerKey)));
    return made();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem("%(key)s") === null ? null : made();
  };
})(%(subscription)s);
"""


def zone_away_from_midnight() -> str:
    """A zone where it is now between 02:00 and 21:00, so that a reminder due now stays on one local day."""
    for name in ("UTC", "Asia/Tokyo", "America/New_York", "Pacific/Auckland"):
        if 2 <= timezone.now().astimezone(zoneinfo.ZoneInfo(name)).hour <= 21:
            return name
    raise AssertionError("four zones around the world cannot all be near midnight")


def this_quarter_hour(zone: str) -> dt.time:
    now = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    return dt.time(now.hour, now.minute // 15 * 15)


def run_the_sender() -> str:
    output = StringIO()
    call_command("send_push_reminders", stdout=output)
    return output.getvalue().strip()


def show_in_the_service_worker(page, live_server, payload: str) -> None:
    """Hand `payload` to the service worker as its push service would (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)
    (registration,) = [item for item in registrations if not item["isDeleted"]]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration["registrationId"], "data": payload},
    )


SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    for (let tries = 0; tries < 50; tries += 1) {
        const shown = await registration.getNotifications();
        if (shown.length) {
            return shown.map((item) => ({title: item.title, body: item.body, tag: item.tag, url: item.data.url,
                                         icon: item.icon}));
        }
        await new Promise((done) => setTimeout(done, 100));
    }
    return [];
}"""


def test_a_medicine_reminder_set_in_the_browser_arrives_once_signed_and_a_recorded_day_gets_none(
    page, live_server, vapid, push_service, screenshot
):
    zone = zone_away_from_midnight()
    due_time = this_quarter_hour(zone)
    patient = PatientFactory(time_zone=zone)
    medication = Medication.objects.create(patient=patient, name="Baclofen", dose="10 mg at night")
    keys = BrowserKeys()
    subscription = keys.subscription_json(push_service.endpoint("chromium"))
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(PUSH_MANAGER_STUB % {"key": SUBSCRIBED, "subscription": json.dumps(subscription)})
    log_in(page, patient)

    page.get_by_role("link", name="Reminders to check in and to take your medicines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    status = page.get_by_role("status").filter(has_text="this device")
    expect(status).to_have_text("Notifications are off for this device.")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(status).to_have_text("Notifications are on for this device.")
    wait_for_service_worker(page)
    server_key = page.evaluate(f"localStorage.getItem('{SUBSCRIBED}')")
    assert base64.b64decode(server_key) == base64.urlsafe_b64decode(vapid.public_key + "=")
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (
        patient,
        push_service.endpoint("chromium"),
        keys.p256dh,
        keys.auth,
    )

    page.get_by_label("Add a reminder time for Baclofen").select_option(f"{due_time:%H:%M:%S}")
    page.get_by_role("button", name="Add a reminder time for Baclofen").click()
    expect(page.get_by_text(f"Reminder added: Baclofen at {due_time:%H:%M}.")).to_be_visible()
    expect(page.get_by_role("list", name="Reminder times for Baclofen")).to_contain_text(f"{due_time:%H:%M}")
    # Still on after the page was drawn again.
    expect(status).to_have_text("Notifications are on for this device.")
    assert violations(page) == []
    assert MedicationReminder.objects.get().time_of_day == due_time
    screenshot(page, "reminders")

    assert run_the_sender() == "Notifications sent: 0 check-in, 1 medicine."
    (push,) = push_service.received
    assert push.path == "/push/chromium"
    assert push.vapid_claims()["aud"] == push_service.origin
    message = keys.decrypt(push)
    assert message == {
        "title": "Time for your Baclofen",
        "body": "Baclofen — 10 mg at night",
        "url": f"/profile/medications/{medication.uuid}/",
        "tag": f"medication-{MedicationReminder.objects.get().uuid}",
    }

    show_in_the_service_worker(page, live_server, json.dumps(message))
    (shown,) = page.evaluate(SHOWN)
    assert shown == {
        "title": "Time for your Baclofen",
        "body": "Baclofen — 10 mg at night",
        "tag": message["tag"],
        "url": f"{live_server.url}/profile/medications/{medication.uuid}/",
        "icon": f"{live_server.url}/icons/icon-192.png",
    }

    assert run_the_sender() == "Notifications sent: 0 check-in, 0 medicine."
    assert len(push_service.received) == 1

    # The check-in reminder is due now too, but the patient records the day first.
    profile = profile_for(patient)
    profile.reminder_time = due_time
    profile.save(update_fields=["reminder_time"])
    page.goto("/checkin/")
    page.get_by_role("button", name="✓ No cramps today").click()
    expect(page.get_by_text("Recorded: no cramps on")).to_be_visible()
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert run_the_sender() == "Notifications sent: 0 check-in, 0 medicine."
    assert len(push_service.received) == 1


def test_signing_out_turns_this_devices_notifications_off(page, live_server, vapid, push_service):
    patient = PatientFactory()
    subscription = BrowserKeys().subscription_json(push_service.endpoint("shared-phone"))
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(PUSH_MANAGER_STUB % {"key": SUBSCRIBED, "subscription": json.dumps(subscription)})
    log_in(page, patient)
    page.goto("/reminders/")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.get_by_role("status").filter(has_text="this device")).to_have_text(
        "Notifications are on for this device."
    )

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page.locator("meta[name='crampapp-patient']")).to_have_count(0)
    assert page.evaluate(f"localStorage.getItem('{SUBSCRIBED}')") is None
