import datetime as dt
import re
from unittest.mock import patch

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import TEST_PASSWORD, CaregiverFactory, EpisodeFactory, PatientFactory, grant_care
from tracker.models import CheckIn, Episode

from .mailbox import confirm_address_from_email
from .test_sharing_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "calf-cramps-at-3am"
EPISODE_URL = re.compile(r"/episodes/[0-9a-f-]{36}/$")


def choose(scope, label):
    """Tick a chip: the input is visually hidden, so tap its visible label, as a finger would."""
    toggle = scope.get_by_label(label, exact=True)
    scope.locator(f"label[for='{toggle.get_attribute('id')}']").click()
    expect(toggle).to_be_checked()


def open_from_menu(page, name):
    """On a phone the main navigation is collapsed behind the toggler."""
    page.get_by_role("button", name="Show menu").click()
    # Until the menu has opened: a tap while it slides open can miss.
    expect(page.locator("#main-nav.collapse.show")).to_have_count(1)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_patient_quick_logs_a_cramp_on_a_phone_adds_details_and_checks_in_the_next_day(phone_page, screenshot):
    page = phone_page
    page.goto("/")
    open_from_menu(page, "Sign up")
    page.get_by_label("Your name*").fill("Ada Cramp")
    page.get_by_label("Email*").fill("ada@example.org")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)*").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    confirm_address_from_email(page, "ada@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Cramp")
    patient = User.objects.get(email="ada@example.org")

    # One tap on the dashboard logs the cramp.
    page.get_by_role("region", name="Log a cramp").get_by_role("button", name="Severity 6").click()
    expect(page).to_have_url(EPISODE_URL)
    quick_log = page.get_by_text("Quick log.")
    expect(quick_log).to_be_visible()

    page.get_by_role("link", name="Add details").click()
    expect(page).to_have_url(re.compile(r"/episodes/[0-9a-f-]{36}/edit/$"))
    choose(page.get_by_role("group", name="Where was it?"), "Calf, left")
    choose(page.get_by_role("group", name="What might have set it off?"), "Dehydration")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(EPISODE_URL)
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    expect(page.get_by_text("Calf (left)")).to_be_visible()
    expect(page.get_by_text("Dehydration", exact=True)).to_be_visible()
    expect(quick_log).to_have_count(0)
    episode = Episode.objects.get(patient=patient)
    assert episode.severity == 6
    cramp_day = patient.local_day(episode.started_at)

    open_from_menu(page, "My cramps")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cramps")
    row = page.get_by_role("listitem").filter(has_text="Calf (left)")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("6 out of 10")

    open_from_menu(page, "Dashboard")
    recent = page.get_by_role("region", name="Recent entries")
    expect(recent.get_by_role("listitem")).to_have_count(1)
    expect(recent).to_contain_text("Calf (left)")
    expect(recent).to_contain_text("6 out of 10")
    screenshot(page, "dashboard-phone")

    # The next day: the live server runs in a thread of this process, so it sees the patched clock too.
    real_now = timezone.now
    with patch("django.utils.timezone.now", side_effect=lambda: real_now() + dt.timedelta(days=1)):
        next_day = patient.local_day(timezone.now())
        open_from_menu(page, "Check-in")
        today = page.get_by_role("region", name=f"Today, {next_day:%a %-d %b %Y}")
        expect(today).to_contain_text("Not recorded yet.")
        today.get_by_role("button", name="✓ No cramps today").click()

        expect(page.get_by_text(f"Recorded: no cramps on {next_day:%a %-d %b %Y}")).to_be_visible()
        expect(today.locator("strong")).to_have_text("No cramps")
        expect(today.get_by_role("button", name="✓ No cramps today")).to_have_attribute("aria-pressed", "true")
        earlier = page.get_by_role("region", name="Earlier days")
        expect(earlier.get_by_role("listitem").first).to_have_text(f"{cramp_day:%a %-d %b %Y}: 1 cramp")

    assert next_day == cramp_day + dt.timedelta(days=1)
    checkins = dict(CheckIn.objects.filter(patient=patient).values_list("day", "status"))
    assert checkins == {cramp_day: CheckIn.Status.HAD_CRAMPS, next_day: CheckIn.Status.NO_CRAMPS}

    page.goto("/episodes/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a cramp")
    screenshot(page, "episode-form-phone")


def test_full_form_without_a_place_shows_the_error_and_keeps_the_notes(page):
    patient = PatientFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(patient.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.full_name}")

    page.goto("/episodes/new/")
    choose(page.get_by_role("group", name="How bad was it?"), "7")
    page.get_by_label("Notes", exact=True).fill("calf again at 3am")
    page.get_by_role("button", name="Save cramp").click()

    expect(page.get_by_role("group", name="Where was it?")).to_contain_text("Choose at least one place, and the side.")
    expect(page.get_by_label("Notes", exact=True)).to_have_value("calf again at 3am")
    expect(page.get_by_role("group", name="How bad was it?").get_by_label("7", exact=True)).to_be_checked()
    assert not Episode.objects.exists()


def test_pasted_notes_are_kept_whole_and_counted_against_their_limit(page):
    patient = PatientFactory(full_name="Nina Notes")
    log_in(page, patient, "Hello, Nina Notes")
    page.goto("/episodes/new/")
    notes = page.get_by_label("Notes")
    notes.fill("a" * 2050)
    expect(page.get_by_text("2,050 characters: 50 over the limit of 2,000.")).to_be_visible()
    assert len(notes.input_value()) == 2050
    notes.fill("a" * 20)
    expect(page.get_by_text("20 of 2,000 characters.")).to_be_visible()


def test_long_names_without_spaces_wrap_on_a_phone_instead_of_widening_the_pages(phone_page):
    """Names of 150 letters (as the sign-up form allows) made the dashboard 3,200 px wide on a phone."""
    page = phone_page
    patient = PatientFactory(full_name="P" * 150)
    caregiver = CaregiverFactory(full_name="C" * 150)
    grant_care(patient, caregiver)
    EpisodeFactory(patient=patient, created_by=caregiver)
    log_in(page, patient, f"Hello, {patient.full_name}")
    for path in ("/dashboard/", "/episodes/", "/sharing/"):
        page.goto(path)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"], path


def test_a_long_link_in_the_notes_wraps_on_a_phone_instead_of_widening_the_page(phone_page):
    """A pasted address of 400 characters without a space made the entry's page 4,000 px wide, and its Delete
    button out of reach."""
    page = phone_page
    patient = PatientFactory(full_name="Lin Link")
    link = "https://www.example.org/forum/threads/" + "nightcramps" * 36
    episode = EpisodeFactory(patient=patient, notes=f"See {link} for what I read.")
    log_in(page, patient, "Hello, Lin Link")
    page.goto(f"/episodes/{episode.uuid}/")
    expect(page.get_by_text(link, exact=False)).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]
    delete = page.get_by_role("link", name="Delete", exact=True).bounding_box()
    assert delete["x"] + delete["width"] <= page.viewport_size["width"]
