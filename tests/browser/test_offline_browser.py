"""The installable app without a connection: the service worker's offline page, and quick logs kept
on the phone until the connection returns, then saved once each with the time they were tapped."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, PatientFactory, term
from tracker.models import Episode

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, patient):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(patient.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.full_name}")


def wait_for_service_worker(page):
    """Until the worker is active, which it becomes once the offline page and its files are cached."""
    state = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            const worker = registration.active;
            while (worker.state !== "activated") {
                await new Promise((done) => worker.addEventListener("statechange", done, { once: true }));
            }
            return worker.state;
        }"""
    )
    assert state == "activated"


def tapped_at(moment: dt.datetime) -> dt.datetime:
    """`moment` as a browser clock keeps it: to the millisecond."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_cramps_logged_offline_wait_on_the_phone_and_are_saved_once_with_their_own_times(phone_page):
    page = phone_page
    patient = PatientFactory()
    log_in(page, patient)
    quick_log = page.get_by_role("region", name="Log a cramp")
    expect(quick_log.locator("form[data-offline='ready']")).to_have_count(1)

    page.context.set_offline(True)
    first = tapped_at(timezone.now() - dt.timedelta(hours=2))
    page.clock.set_fixed_time(first.timestamp())
    quick_log.get_by_label("Where? (optional)").select_option(label="Calf, left")
    quick_log.get_by_role("button", name="Severity 4").click()
    expect(quick_log.get_by_role("status")).to_have_text(
        "Kept on this device: severity 4. It will be sent when you are back online."
    )
    second = tapped_at(timezone.now() - dt.timedelta(minutes=40))
    page.clock.set_fixed_time(second.timestamp())
    quick_log.get_by_role("button", name="Severity 7").click()

    waiting = quick_log.get_by_role("list", name="Waiting to send")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(waiting.get_by_role("listitem").first).to_contain_text("Severity 4 out of 10")
    expect(waiting.get_by_role("listitem").first).to_contain_text("Calf, left")
    # Written as the pages write a moment (the browser is on UTC), not in the phone's own style.
    expect(waiting.get_by_role("listitem").first).to_contain_text(first.strftime("%a %-d %b %Y, %H:%M"))
    expect(waiting.get_by_role("listitem").last).to_contain_text("Severity 7 out of 10")
    expect(waiting.get_by_text("Waiting to send")).to_have_count(2)
    assert not Episode.objects.exists()

    page.context.set_offline(False)
    expect(quick_log.get_by_role("status")).to_have_text("2 cramps kept on this device were sent and saved.")
    expect(waiting).to_be_hidden()
    episodes = list(Episode.objects.filter(patient=patient).order_by("started_at"))
    assert [(episode.started_at, episode.severity) for episode in episodes] == [(first, 4), (second, 7)]
    assert [place.location.slug for place in episodes[0].locations.all()] == ["calf"]
    assert not episodes[1].locations.exists()

    # The same entries sent once more (a retry whose answer was lost) add nothing.
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    calf_left = f"{term('location', 'calf').pk}:left"
    for episode, location in zip(episodes, [calf_left, None], strict=True):
        entry = {
            "client_id": str(episode.client_id),
            "patient": patient.pk,
            "started_at": episode.started_at.isoformat(timespec="milliseconds"),
            "severity": episode.severity,
            "location": location,
        }
        response = page.request.post(
            "/episodes/sync/",
            data=json.dumps(entry),
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        assert (response.status, response.json()["status"]) == (200, "already_saved")
    assert Episode.objects.filter(patient=patient).count() == 2


def test_the_app_is_installable_and_shows_the_offline_page_without_a_connection(phone_page):
    page = phone_page
    page.goto("/")
    manifest = page.request.get(page.locator("link[rel='manifest']").get_attribute("href"))
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.json()["shortcuts"][0]["url"] == "/episodes/new/?mode=quick"
    worker = page.request.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    wait_for_service_worker(page)

    page.context.set_offline(True)
    page.goto("/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    # Nobody is signed in on this phone, so there is nobody to log a cramp for.
    expect(page.get_by_role("region", name="Log a cramp")).to_be_hidden()


def test_a_patient_opening_the_app_offline_can_still_log_a_cramp_from_the_offline_page(phone_page):
    page = phone_page
    patient = PatientFactory()
    log_in(page, patient)
    wait_for_service_worker(page)
    wait_for_the_patient_kept(page, patient)

    page.context.set_offline(True)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert patient.email not in page.content()
    quick_log = page.get_by_role("region", name="Log a cramp")
    expect(quick_log.locator("form[data-offline='ready']")).to_have_count(1)
    quick_log.get_by_role("button", name="Severity 8").click()
    expect(quick_log.get_by_role("list", name="Waiting to send").get_by_role("listitem")).to_have_count(1)

    # Back online, the page reloads as the dashboard, which sends what was waiting.
    page.context.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.full_name}")
    expect(page.get_by_role("region", name="Log a cramp").get_by_role("status")).to_have_text(
        "1 cramp kept on this device was sent and saved."
    )
    assert Episode.objects.get(patient=patient).severity == 8


def eventually(page, script: str) -> None:
    """Wait (up to five seconds) until the page's `script`, which may return a promise, is true."""
    for _ in range(50):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


LAST_PATIENT = """() => new Promise((resolve) => {
    const opening = indexedDB.open("crampapp-offline", 1);
    opening.onsuccess = () => {
        const read = opening.result.transaction("settings").objectStore("settings").get("patient");
        read.onsuccess = () => resolve(read.result === undefined ? null : read.result);
    };
})"""


def wait_for_the_patient_kept(page, patient) -> None:
    """Until the page has kept its patient in IndexedDB, which it does once it has loaded (the offline page logs
    for them). The database is read only once the page made it: opening it first would make an empty one."""
    made = "(await indexedDB.databases()).some((db) => db.name === 'crampapp-offline')"
    eventually(page, f"async () => {made} && (await ({LAST_PATIENT})()) === {patient.pk}")


def test_signing_out_empties_the_caches_and_the_offline_page_no_longer_logs_for_the_patient(phone_page):
    page = phone_page
    patient = PatientFactory()
    log_in(page, patient)
    wait_for_service_worker(page)
    wait_for_the_patient_kept(page, patient)

    page.get_by_role("button", name="Show menu").click()
    log_out = page.get_by_role("button", name="Log out")
    # Until the menu has opened: a tap while it slides open can miss.
    expect(page.locator("#main-nav.collapse.show")).to_have_count(1)
    expect(log_out).to_be_visible()
    # "/dashboard/" ends in a slash too: wait for the navigation itself, then check it is the home page.
    with page.expect_navigation():
        log_out.click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.locator("meta[name='crampapp-patient']")).to_have_count(0)
    eventually(page, f"async () => (await ({LAST_PATIENT})()) === null")
    # The emptied cache gets a fresh offline page from the worker.
    eventually(page, "() => caches.match('/offline/').then(Boolean)")

    page.context.set_offline(True)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("region", name="Log a cramp")).to_be_hidden()


def test_without_indexeddb_or_a_service_worker_the_quick_log_is_the_ordinary_form(phone_page):
    page = phone_page
    # A browser with neither: the page must not depend on them.
    page.add_init_script(
        "delete Navigator.prototype.serviceWorker;"
        " Object.defineProperty(window, 'indexedDB', {value: undefined, configurable: true});"
    )
    patient = PatientFactory()
    log_in(page, patient)
    assert page.evaluate("[typeof window.indexedDB, 'serviceWorker' in navigator]") == ["undefined", False]
    quick_log = page.get_by_role("region", name="Log a cramp")
    expect(quick_log.locator("form[data-offline='ready']")).to_have_count(0)

    quick_log.get_by_role("button", name="Severity 6").click()
    expect(page.get_by_text("Cramp logged.", exact=False)).to_be_visible()
    assert list(Episode.objects.filter(patient=patient).values_list("severity", flat=True)) == [6]


def test_a_second_tap_a_moment_later_asks_whether_it_is_another_cramp(phone_page):
    page = phone_page
    log_in(page, PatientFactory())
    quick_log = page.get_by_role("region", name="Log a cramp")
    expect(quick_log.locator("form[data-offline='ready']")).to_have_count(1)
    page.context.set_offline(True)
    quick_log.get_by_role("button", name="Severity 5").click()
    expect(quick_log.get_by_role("status")).to_contain_text("Kept on this device: severity 5.")
    page.wait_for_timeout(900)
    quick_log.get_by_role("button", name="Severity 6").click()
    question = quick_log.get_by_role("group", name=re.compile(r"You logged a cramp \d+ s ago"))
    expect(question).to_contain_text("Log another one, severity 6?")
    waiting = quick_log.get_by_role("list", name="Waiting to send")
    question.get_by_role("button", name="No, it was the same cramp").click()
    expect(question).to_be_hidden()
    expect(quick_log.get_by_role("status")).to_have_text("Not logged again: that tap was the same cramp.")
    expect(waiting.get_by_role("listitem")).to_have_count(1)

    page.wait_for_timeout(900)
    quick_log.get_by_role("button", name="Severity 7").click()
    question.get_by_role("button", name="Yes, log another cramp").click()
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(waiting.get_by_role("listitem").last).to_contain_text("Severity 7 out of 10")


def test_the_dashboards_figures_catch_up_once_cramps_kept_offline_are_saved(phone_page):
    page = phone_page
    log_in(page, PatientFactory())
    quick_log = page.get_by_role("region", name="Log a cramp")
    expect(quick_log.locator("form[data-offline='ready']")).to_have_count(1)
    recent = page.get_by_role("region", name="Recent entries")
    expect(recent).to_contain_text("No cramps logged yet")
    page.context.set_offline(True)
    quick_log.get_by_role("button", name="Severity 8").click()
    expect(quick_log.get_by_role("status")).to_contain_text("Kept on this device: severity 8.")
    page.context.set_offline(False)
    expect(quick_log.get_by_role("status")).to_have_text("1 cramp kept on this device was sent and saved.")
    # Without reloading: the recent cramps, the count of the last days and today's check-in are drawn again.
    expect(recent).not_to_contain_text("No cramps logged yet")
    expect(recent.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("region", name="How often, lately")).to_contain_text("1 cramp on 1 recorded day")
    expect(page.get_by_role("region", name="Today's check-in")).to_contain_text("1 cramp today")
