"""Accessibility measured: axe-core on every page of the three journeys, touch targets, zoom, motion and colour scheme.

Target: WCAG 2.2 AA. No serious or critical violation anywhere; a minor or moderate one only when it is
listed in ACCEPTED with the reason it stays.
"""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_insights_browser import seed_diary
from tests.factories import TEST_PASSWORD, ClinicianFactory, PatientFactory, grant_access, term, totp_code
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create
from tracker.models import AccessLog
from tracker.sharing.services import invitation_create, note_add

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = ZoneInfo("Europe/London")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
# Minor or moderate findings that stay, by axe rule id, each with its reason. Nothing serious or critical may.
ACCEPTED: dict[str, str] = {}
TOUCH_TARGET = 44
AXE = Axe()


def violations(page) -> list[str]:
    """axe's findings on the page as it is now, one line per rule not accepted, naming the elements."""
    # Colours caught halfway through a transition would be measured wrong: let them finish first.
    page.evaluate("Promise.all(document.getAnimations().map((animation) => animation.finished))")
    found = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{page.url} {item['id']} ({item['impact']}): {item['help']}: "
        + " | ".join(f"{node['target']} {' '.join(node['failureSummary'].split())}" for node in item["nodes"][:3])
        for item in found
        if item["impact"] in ("serious", "critical") or item["id"] not in ACCEPTED
    ]


def audit(page, paths) -> list[str]:
    """Open each path and run axe on it; returns every finding, so that one run lists them all."""
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        problems += violations(page)
    return problems


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(user.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if getattr(user, "totp_secret", None):
        page.get_by_label("Code*").fill(totp_code(user.totp_secret))
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def full_episode(patient):
    """A cramp with every detail filled in, including red-flag symptoms, logged through the service."""
    details = EpisodeDetails(
        started_at=timezone.now() - dt.timedelta(hours=3),
        severity=8,
        duration_seconds=150,
        woke_from_sleep=True,
        activity=term("activity", "asleep"),
        locations=[LocationChoice(location=term("location", "calf"), side="left")],
        triggers=[term("trigger", "dehydration")],
        symptoms=[term("symptom", "twitching"), term("symptom", "weakness")],
        relief_measures=[term("relief", "stretching")],
        relief_effect="lot",
        medication_taken="Magnesium",
        notes="Woke at 3am, calf hard as a rock.",
    )
    episode, _ = episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=details)
    return episode


@pytest.fixture
def shared_diary():
    """A patient with months of cramps, a detailed red-flag entry, a pending invitation and a clinician with
    access who has looked and left notes."""
    patient = PatientFactory(full_name="Ada Cramp", time_zone="Europe/London")
    seed_diary(patient, timezone.now().astimezone(LONDON).date())
    episode = full_episode(patient)
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    grant_access(patient, clinician)
    invitation_create(patient=patient, invited_email="dr.other@example.org")
    note_add(author=clinician, patient=patient, text="Try calf stretches before bed.")
    note_add(author=clinician, patient=patient, text="Seen at the visit.", episode=episode)
    AccessLog.objects.create(patient=patient, clinician=clinician, action=AccessLog.Action.VIEW_REVIEW)
    return patient, episode, clinician


def patient_paths(episode) -> list[str]:
    return [
        "/dashboard/",
        "/episodes/new/",
        "/episodes/new/?mode=quick",
        "/episodes/",
        f"/episodes/{episode.uuid}/",
        f"/episodes/{episode.uuid}/edit/",
        "/checkin/",
        "/learn/",
        "/learn/hydration/",
        "/insights/",
        "/sharing/",
        "/export/",
    ]


# Pages beyond the three journeys, checked as well.
OTHER_PATIENT_PATHS = ["/profile/", "/profile/words/", "/import/", "/account/delete/", "/accounts/email/"]


def clinician_paths(patient) -> list[str]:
    return [
        "/clinic/",
        f"/clinic/patients/{patient.pk}/",
        f"/clinic/patients/{patient.pk}/entries/",
        f"/clinic/patients/{patient.pk}/report/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_visitor_pages_have_no_accessibility_violations(page, scheme):
    page.emulate_media(color_scheme=scheme)
    problems = audit(page, ["/", "/accounts/signup/", "/accounts/login/", "/learn/", "/learn/hydration/"])

    # Forms sent with mistakes: the errors must be as accessible as the fields.
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    problems += violations(page)
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill("nobody@example.org")
    page.get_by_label("Password*").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    problems += violations(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_patient_pages_with_a_full_diary_have_no_accessibility_violations(page, shared_diary, scheme):
    patient, episode, _ = shared_diary
    page.emulate_media(color_scheme=scheme)
    log_in(page, patient)
    problems = audit(page, [*patient_paths(episode), *OTHER_PATIENT_PATHS, f"/episodes/{episode.uuid}/delete/"])

    # The body map to pick a place on, opened.
    page.goto("/episodes/new/")
    page.get_by_role("button", name="Pick on the body map").click()
    page.get_by_role("checkbox", name="Calf, left").first.click()
    problems += violations(page)

    for path, button in [("/episodes/new/", "Save cramp"), ("/episodes/new/?mode=quick", "Log it")]:
        page.goto(path)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("alert").first).to_be_visible()
        problems += violations(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_clinician_pages_for_a_granted_patient_have_no_accessibility_violations(page, shared_diary, scheme):
    patient, _, clinician = shared_diary
    page.emulate_media(color_scheme=scheme)
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(clinician.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Code*")).to_be_visible()
    problems = violations(page)
    page.get_by_label("Code*").fill(totp_code(clinician.totp_secret))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My patients")

    problems += audit(page, [*clinician_paths(patient), "/clinic/accept/"])
    page.get_by_role("button", name="Accept and open the log").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    problems += violations(page)
    assert not problems, "\n".join(problems)


def test_a_field_with_an_error_points_to_its_message_and_is_marked_invalid(page):
    patient = PatientFactory()
    log_in(page, patient)
    page.goto("/episodes/new/")
    page.get_by_label("When did it start?").fill("2099-06-01T10:00")
    page.get_by_role("button", name="Save cramp").click()
    expect(page.get_by_role("alert").first).to_contain_text("Please check the answers marked below")

    # Typed fields: the input itself.
    started_at = page.get_by_label("When did it start?")
    expect(started_at).to_have_attribute("aria-invalid", "true")
    assert "This time is in the future." in described_by(page, started_at)

    # Choices: the group names the message; every choice in it is marked invalid.
    for name, text in [
        ("How bad was it?", "Choose how bad the cramp was, from 0 to 10."),
        ("Where was it?", "Choose at least one place, and the side."),
    ]:
        group = page.get_by_role("group", name=name)
        assert text in described_by(page, group)
        choices = group.locator("input")
        assert choices.count() > 1
        for index in range(choices.count()):
            expect(choices.nth(index)).to_have_attribute("aria-invalid", "true")

    # The summary's links take the keyboard to the field.
    page.get_by_role("alert").first.get_by_role("link", name="How bad was it?").click()
    expect(page.get_by_role("group", name="How bad was it?").get_by_label("0", exact=True)).to_be_focused()


def described_by(page, locator) -> str:
    """The text of the elements that `locator`'s aria-describedby names."""
    ids = (locator.get_attribute("aria-describedby") or "").split()
    assert ids, "no aria-describedby"
    return " ".join(page.locator(f"[id='{element_id}']").inner_text() for element_id in ids)


# Interactive elements smaller than `size` x `size` CSS px. A checkbox or radio counts with its label, which
# operates it too; a link inside a sentence is exempt, as in WCAG 2.5.8.
SMALL_TARGETS = """(size) => {
  const minimum = size - 0.5;
  const big = (box) => box.width >= minimum && box.height >= minimum;
  const inSentence = (link) => {
    const parent = link.parentElement;
    const display = getComputedStyle(parent).display;
    return !display.includes("flex") && !display.includes("grid")
      && parent.textContent.trim().length > link.textContent.trim().length;
  };
  const small = [];
  const controls = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex="0"]';
  for (const element of document.querySelectorAll(controls)) {
    if (element.matches(".visually-hidden-focusable")) continue;
    const boxes = [element, ...(element.labels || [])].map((each) => each.getBoundingClientRect());
    if (!boxes.some((box) => box.width > 2 && box.height > 2)) continue;
    if (boxes.some(big) || (element.tagName === "A" && inSentence(element))) continue;
    const box = boxes.find((each) => each.width > 2) || boxes[0];
    const name = (element.innerText || element.labels?.[0]?.innerText || element.name || "").trim();
    small.push(`${element.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}"""


def test_touch_targets_on_the_logging_pages_are_at_least_44_px_on_a_phone(phone_page, shared_diary):
    patient, episode, _ = shared_diary
    page = phone_page
    log_in(page, patient)
    small = {}
    for path in [
        "/dashboard/",
        "/episodes/new/?mode=quick",
        "/episodes/new/",
        f"/episodes/{episode.uuid}/edit/",
        "/checkin/",
    ]:
        page.goto(path)
        small[path] = page.evaluate(SMALL_TARGETS, TOUCH_TARGET)
        # The menu, opened.
        page.get_by_role("button", name="Show menu").click()
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_visible()
        small[path] += page.evaluate(SMALL_TARGETS, TOUCH_TARGET)
    assert {path: found for path, found in small.items() if found} == {}


def test_pages_reflow_without_sideways_scrolling_at_320_px(phone_page, shared_diary):
    """320 CSS px is a 1280 px wide window at 400% zoom (WCAG 1.4.10), beyond the 200% text zoom of 1.4.4.
    Wide data tables scroll inside their own box, which axe checks can be reached from the keyboard."""
    patient, episode, clinician = shared_diary
    page = phone_page
    page.set_viewport_size({"width": 320, "height": 640})
    wide, problems = {}, []

    def measure(paths):
        nonlocal problems
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide[path] = width
            problems += violations(page)

    measure(["/", "/accounts/signup/", "/accounts/login/"])
    log_in(page, patient)
    measure([*patient_paths(episode), *OTHER_PATIENT_PATHS])
    page.context.clear_cookies()
    log_in(page, clinician)
    measure(clinician_paths(patient))
    assert wide == {}
    # The visit report, measured last: its wide table scrolls in a box the keyboard reaches and a screen reader names.
    expect(page.get_by_role("region", name="Episodes (scrolls sideways)")).to_have_attribute("tabindex", "0")
    assert not problems, "\n".join(problems)


def test_dark_mode_follows_the_device_setting_even_after_the_page_has_loaded(page):
    page.goto("/")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light == "rgb(255, 255, 255)"
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark_text = page.evaluate("getComputedStyle(document.body).color")
    assert dark_background == "rgb(33, 37, 41)"
    assert dark_text == "rgb(222, 226, 230)"
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")


# Every element's (and pseudo-element's) transitions and animations, longer than nothing.
MOVING = """() => {
  const moving = [];
  const seconds = (value) => Math.max(...value.split(",").map((part) => parseFloat(part) || 0));
  for (const element of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(element, pseudo);
      const animated = style.animationName !== "none" && seconds(style.animationDuration) > 0;
      if (seconds(style.transitionDuration) > 0 || animated) {
        moving.push(`${element.tagName.toLowerCase()}.${element.getAttribute("class")}${pseudo || ""}`);
      }
    }
  }
  return moving;
}"""


def test_reduced_motion_turns_off_every_transition_and_animation(page, shared_diary):
    patient, episode, _ = shared_diary
    log_in(page, patient)
    page.goto("/dashboard/")
    assert page.evaluate(MOVING), "the check should see Bootstrap's transitions when motion is allowed"

    page.emulate_media(reduced_motion="reduce")
    for path in ["/dashboard/", "/episodes/new/", f"/episodes/{episode.uuid}/", "/insights/"]:
        page.goto(path)
        assert page.evaluate(MOVING) == [], path
