"""Paper cuts of everyday use (issue 22), walked in the browser: Back and Save again after the full form stores one
cramp; patients stay signed in on their own device unless they say otherwise; a clinician's note is announced on
the patient's dashboard until they mark it read."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, ClinicianFactory, EpisodeFactory, PatientFactory, grant_access
from tracker.diary.services import profile_for
from tracker.models import Episode

from .test_logging_browser import EPISODE_URL, choose
from .test_sharing_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Try stretching the calf before bed for two weeks."


def session_cookie(page) -> dict:
    return next(cookie for cookie in page.context.cookies() if cookie["name"] == "sessionid")


def test_back_after_saving_the_full_form_and_saving_again_stores_one_cramp(page):
    patient = PatientFactory()
    log_in(page, patient, f"Hello, {patient.full_name}")
    page.goto("/episodes/new/")
    choose(page.get_by_role("group", name="How bad was it?"), "7")
    choose(page.get_by_role("group", name="Where was it?"), "Calf, left")
    page.get_by_label("Notes", exact=True).fill("woke me at 3")
    page.get_by_role("button", name="Save cramp").click()
    expect(page).to_have_url(EPISODE_URL)
    saved = page.url

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a cramp")
    expect(page.get_by_label("Notes", exact=True)).to_have_value("woke me at 3")
    page.get_by_role("button", name="Save cramp").click()

    expect(page).to_have_url(saved)
    expect(page.get_by_text("This entry was already saved; it was not logged twice.")).to_be_visible()
    assert Episode.objects.filter(patient=patient).count() == 1


def test_a_quick_log_tap_after_back_to_the_dashboard_is_a_new_cramp(page):
    patient = PatientFactory()
    log_in(page, patient, f"Hello, {patient.full_name}")
    quick_log = page.get_by_role("region", name="Log a cramp")
    quick_log.get_by_role("button", name="Severity 3").click()
    expect(page).to_have_url(EPISODE_URL)
    page.go_back()
    expect(page.get_by_role("heading", name=f"Hello, {patient.full_name}")).to_be_visible()
    quick_log.get_by_role("button", name="Severity 3").click()
    expect(page).to_have_url(EPISODE_URL)
    expect(page.get_by_text("Cramp logged.", exact=False)).to_be_visible()
    assert Episode.objects.filter(patient=patient, severity=3).count() == 2
    # Chromium here fetches the page again on Back; a browser that shows it from its back/forward cache fires
    # `pageshow` with `persisted`, and the form must not keep the key of the tap already saved.
    page.go_back()
    key = quick_log.locator('input[name="client_id"]')
    shown = key.input_value()
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert key.input_value() not in ("", shown)


def test_patients_stay_signed_in_by_default_and_can_end_the_session_with_the_browser(page):
    patient = PatientFactory()
    log_in(page, patient, f"Hello, {patient.full_name}")
    # Kept for days: a cookie with an expiry outlives the browser.
    assert session_cookie(page)["expires"] > 0

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    keep = page.get_by_label("Keep me signed in on this device")
    expect(keep).to_be_checked()
    keep.uncheck()
    page.get_by_label("Email*").fill(patient.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {patient.full_name}")
    # A browser-session cookie (no expiry) ends when the browser closes.
    assert session_cookie(page)["expires"] == -1


def test_a_clinicians_note_is_listed_on_the_dashboard_until_marked_read(page):
    patient = PatientFactory(full_name="Ada Cramp")
    profile_for(patient)
    EpisodeFactory(patient=patient, severity=6)
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    grant_access(patient, clinician)

    log_in(page, clinician, "My patients")
    page.goto(f"/clinic/patients/{patient.pk}/")
    notes = page.get_by_role("region", name="Notes on this patient")
    notes.get_by_label("Note*").fill(NOTE)
    notes.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note saved. The patient can read it.")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, patient, f"Hello, {patient.full_name}")
    notice = page.get_by_role("region", name="New from your clinicians")
    expect(notice).to_contain_text("Dr Nora Nerve")
    expect(notice).to_contain_text(NOTE)
    notice.get_by_role("button", name="Mark as read").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("region", name="New from your clinicians")).to_have_count(0)
