"""Keyboard only: the three journeys with Tab, Shift+Tab, Enter, Space and the arrow keys, never the mouse.

An element is only typed into or pressed after Tab brought the focus to it, and each time the focus
must be visible (a solid outline on the element, or on the label drawn for a visually hidden chip).
The patient's journey runs on a phone-sized page: one thumb, or a switch or keyboard paired with the phone.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_logging_browser import EPISODE_URL
from tests.factories import TEST_PASSWORD, ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, totp_code
from tracker.models import CheckIn, ClinicianNote, Episode

from .mailbox import confirm_address_from_email

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "calf-cramps-at-3am"
MOST_TABS = 90

# Whether the focused element shows a solid ring of at least 2 px. A chip's input is visually hidden:
# its ring is drawn on the label right after it.
FOCUS_IS_VISIBLE = """() => {
  let element = document.activeElement;
  if (element.matches(".btn-check")) element = element.nextElementSibling;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return style.outlineStyle === "solid" && parseFloat(style.outlineWidth) >= 2 && box.width > 1 && box.height > 1;
}"""


def tab_to(page, target, *, key="Tab"):
    """Press Tab (or Shift+Tab) until `target` has the focus, and check the focus can be seen."""
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        if target.evaluate("(element) => element === document.activeElement"):
            assert page.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {target}"
            return
    pytest.fail(f"{key} never reached {target}")


def open_menu_item(page, name):
    """On a phone the main navigation is behind the menu button: open it from the keyboard, then follow `name`."""
    tab_to(page, page.get_by_role("button", name="Show menu"))
    page.keyboard.press("Enter")
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    tab_to(page, link)
    page.keyboard.press("Enter")


def test_patient_signs_up_logs_two_cramps_reads_guidance_and_checks_in_with_the_keyboard_only(phone_page):
    page = phone_page
    page.goto("/")

    # The first Tab shows the skip link.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert page.evaluate(FOCUS_IS_VISIBLE)

    open_menu_item(page, "Sign up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your CrampApp account")
    for label, text in [("Your name*", "Kay Board"), ("Email*", "kay@example.org"), ("Password*", PASSWORD)]:
        tab_to(page, page.get_by_label(label, exact=True))
        page.keyboard.type(text)
    tab_to(page, page.get_by_label("Password (again)*"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    confirm_address_from_email(page, "kay@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Kay Board")

    # The skip link jumps over the menu, straight to the page's own content.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # Quick: one key press on how bad it is.
    tab_to(page, page.get_by_role("region", name="Log a cramp").get_by_role("button", name="Severity 4"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(EPISODE_URL)
    expect(page.get_by_text("Quick log.")).to_be_visible()

    # In full: the severity scale with the arrow keys, places and triggers with Space.
    open_menu_item(page, "Dashboard")
    tab_to(page, page.get_by_role("link", name="Log a cramp with details"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a cramp")
    severity = page.get_by_role("group", name="How bad was it?")
    tab_to(page, severity.get_by_role("radio", name="0", exact=True))
    page.keyboard.press("Space")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(severity.get_by_role("radio", name="7", exact=True)).to_be_focused()
    expect(severity.get_by_role("radio", name="7", exact=True)).to_be_checked()
    expect(severity.get_by_role("radio", checked=True)).to_have_count(1)
    # Said in words under the scale, and to screen readers through a live region.
    chosen = severity.locator("[data-severity-chosen]")
    expect(chosen).to_have_text("Your answer: 7 out of 10, severe.")
    expect(chosen).to_have_attribute("aria-live", "polite")
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("ArrowLeft")
    expect(chosen).to_have_text("Your answer: 6 out of 10, moderate.")
    page.keyboard.press("ArrowRight")

    tab_to(page, page.get_by_label("Minutes", exact=True))
    page.keyboard.type("2")
    places = page.get_by_role("group", name="Where was it?")
    for group, name in [
        (places, "Calf, left"),
        (page.get_by_role("group", name="What might have set it off?"), "Dehydration"),
        (page.get_by_role("group", name="Did you notice anything else?"), "Weakness"),
    ]:
        toggle = group.get_by_role("checkbox", name=name, exact=True)
        tab_to(page, toggle)
        page.keyboard.press("Space")
        expect(toggle).to_be_checked()
    expect(places.get_by_role("checkbox", checked=True)).to_have_count(1)
    # One step too far, and back.
    tab_to(page, page.get_by_role("link", name="Cancel"))
    tab_to(page, page.get_by_role("button", name="Save cramp"), key="Shift+Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(EPISODE_URL)
    expect(page.get_by_role("region", name="Book a visit soon")).to_be_visible()
    episode = Episode.objects.get(severity=7)
    assert episode.duration_seconds == 120
    assert [place.label for place in episode.locations.all()] == ["Calf (left)"]

    # The guidance linked from this entry.
    guide = page.get_by_role("region", name="Guidance for this entry").get_by_role("link").first
    title = guide.inner_text()
    tab_to(page, guide)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # A day without cramps, recorded with Space.
    open_menu_item(page, "Check-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily check-in")
    no_cramps = page.get_by_role("region", name="Earlier days").get_by_role("button", name="✓ No cramps").first
    tab_to(page, no_cramps)
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("Recorded: no cramps on")
    assert CheckIn.objects.filter(patient=episode.patient, status=CheckIn.Status.NO_CRAMPS).count() == 1


def test_clinician_reviews_a_patient_and_leaves_a_note_with_the_keyboard_only(page):
    patient = PatientFactory(full_name="Ada Cramp")
    EpisodeFactory(patient=patient, severity=8)
    EpisodeFactory(patient=patient, severity=3)
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    grant_access(patient, clinician)

    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Email*"))
    page.keyboard.type(clinician.email)
    tab_to(page, page.get_by_label("Password*"))
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Code*"))
    page.keyboard.type(totp_code(clinician.totp_secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My patients")

    tab_to(page, page.get_by_role("table").get_by_role("link", name="Ada Cramp"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Cramp")

    # A chart's table, opened from the keyboard.
    weekly = page.get_by_role("figure", name="Cramps per week")
    tab_to(page, weekly.locator("summary"))
    page.keyboard.press("Enter")
    expect(weekly.get_by_role("table")).to_be_visible()

    # The entries, on their own page; a note on the worst one, and back to the same page.
    entries = page.get_by_role("region", name="Entries")
    expect(entries).to_contain_text("2 entries from")
    tab_to(page, entries.get_by_role("link", name="See the entries and add notes to them"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Cramp: entries from")
    entries_url = page.url
    worst = page.get_by_role("table").get_by_role("row").filter(has_text="8 out of 10")
    tab_to(page, worst.locator("summary"))
    page.keyboard.press("Enter")
    tab_to(page, worst.get_by_label("Note on this entry"))
    page.keyboard.type("Severe at night: try a stretch before bed.")
    tab_to(page, worst.get_by_role("button", name="Save note"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Note saved")
    # Back on the same page of entries, at the entry's row.
    expect(page).to_have_url(re.compile(rf"^{re.escape(entries_url)}#episode-[0-9a-f-]+$"))
    expect(worst).to_contain_text("Severe at night: try a stretch before bed.")
    assert ClinicianNote.objects.get(patient=patient).episode.severity == 8

    tab_to(page, page.get_by_role("link", name="Back to the review"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Cramp")
    tab_to(page, page.get_by_role("link", name="Visit report"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cramp report: Ada Cramp")
