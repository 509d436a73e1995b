"""A phone whose time zone is not the profile's: the notice that says so, switching the profile to the phone's
zone, and dismissing the notice (issue 22). Chromium's zone is set per browser context (`timezone_id`)."""

import datetime as dt
import time
import uuid
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PatientFactory, term
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create
from tracker.models import Episode

from .conftest import PHONE
from .test_sharing_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = "Your phone is in another time zone"


@pytest.fixture
def phone_in(browser, live_server):
    """Opens a phone-sized page whose clock is in the given zone; the test fails if the browser logged an
    error (a CSP violation, a 404, a JS error)."""
    contexts, problems = [], []

    def open_page(zone: str):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB", timezone_id=zone)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == []


@pytest.fixture
def londoner():
    """A patient whose profile is in London, with a cramp that woke them at 03:10 there three nights ago."""
    patient = PatientFactory(full_name="Ada Cramp", time_zone="Europe/London")
    night = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).date() - dt.timedelta(days=3)
    episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(
            started_at=dt.datetime.combine(night, dt.time(3, 10), tzinfo=patient.zone),
            severity=7,
            locations=[LocationChoice(location=term("location", "calf"), side="left")],
        ),
    )
    return patient


def test_a_phone_in_madrid_is_told_and_switches_the_profile_and_the_night_cramp_keeps_its_time(phone_in, londoner):
    page = phone_in("Europe/Madrid")
    log_in(page, londoner, "Hello, Ada Cramp")
    notice = page.get_by_role("region", name=NOTICE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(
        "Your phone is set to Europe/Madrid, your profile to Europe/London. Times you log are saved in Europe/London."
    )

    notice.get_by_role("button", name="Switch my profile to Europe/Madrid").click()
    expect(page.get_by_text("Your time zone is now Europe/Madrid.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Cramp")
    # Phone and profile agree now: no notice.
    expect(page.get_by_role("region", name=NOTICE)).to_have_count(0)
    londoner.refresh_from_db()
    assert londoner.time_zone == "Europe/Madrid"

    # The cramp of 03:10 in London is still 03:10, with its zone, not 04:10.
    page.goto("/episodes/")
    expect(page.get_by_text("03:10 (Europe/London)")).to_be_visible()
    # A cramp logged now is in Madrid's zone.
    page.goto("/dashboard/")
    page.get_by_role("region", name="Log a cramp").get_by_role("button", name="Severity 4").click()
    expect(page.get_by_text("Cramp logged.")).to_be_visible()
    assert Episode.objects.for_patient(londoner).order_by("-created_at").first().time_zone == "Europe/Madrid"


def test_the_notice_on_the_entry_form_can_be_dismissed_and_stays_away_for_these_two_zones(phone_in, londoner):
    page = phone_in("America/New_York")
    log_in(page, londoner, "Hello, Ada Cramp")
    page.goto("/episodes/new/")
    notice = page.get_by_role("region", name=NOTICE)
    expect(notice).to_contain_text("Your phone is set to America/New_York, your profile to Europe/London.")
    notice.get_by_role("button", name="Keep Europe/London").click()
    expect(page.get_by_role("region", name=NOTICE)).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a cramp")
    expect(page.get_by_role("region", name=NOTICE)).to_have_count(0)
    londoner.refresh_from_db()
    assert londoner.time_zone == "Europe/London"


def test_no_notice_when_the_phone_and_the_profile_agree(phone_in, londoner):
    page = phone_in("Europe/London")
    log_in(page, londoner, "Hello, Ada Cramp")
    expect(page.get_by_role("region", name="Log a cramp")).to_be_visible()
    expect(page.get_by_role("region", name=NOTICE)).to_have_count(0)


# The sum of the page's layout shifts as Chrome reports them, from its first paint (buffered).
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) total += entry.value;
    }
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


@pytest.mark.parametrize("path", ["/dashboard/", "/episodes/new/"])
def test_the_notice_appears_without_moving_the_page_under_the_patients_thumb(phone_in, live_server, londoner, path):
    page = phone_in("Asia/Tokyo")
    log_in(page, londoner, "Hello, Ada Cramp")

    def slow_network(route):
        # As on a slow phone connection: the page is drawn before the script arrives.
        time.sleep(0.4)
        route.continue_()

    page.route("**/zone-notice*.js", slow_network)
    page.goto(path)
    expect(page.get_by_role("heading", name=NOTICE)).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate(LAYOUT_SHIFT) < 0.01
