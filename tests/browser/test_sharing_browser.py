import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from playwright.sync_api import expect

from accounts.names import isolated
from tests.browser.conftest import DESKTOP, _open_page
from tests.factories import TEST_PASSWORD, ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, totp_code
from tracker.models import AccessLog, CareGrant, ClinicianNote

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r"^[A-Z2-9]{5}-[A-Z2-9]{5}$")
NOTE = "Try calf stretches before bed"


def log_in(page, user, heading):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(user.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if getattr(user, "totp_secret", None):
        # Clinicians have two factors: the code from their authenticator app comes next.
        page.get_by_label("Code*").fill(totp_code(user.totp_secret))
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


@pytest.fixture
def two_pages(browser, live_server):
    """One desktop page per user, each in its own browser context (own cookies), with the usual error check.
    A test may clear a page's list of problems after a response it expects to log one (a 404)."""
    opened = [_open_page(browser, live_server, DESKTOP) for _ in range(2)]
    yield [(page, problems) for _, page, problems in opened]
    for context, _, _ in opened:
        context.close()
    assert [problems for _, _, problems in opened] == [[], []]


def test_patient_shares_with_a_clinician_who_adds_a_note_then_revokes_and_the_clinician_is_told(two_pages, screenshot):
    (patient_page, _), (clinic_page, clinic_problems) = two_pages
    patient = PatientFactory(full_name="Ada Cramp")
    EpisodeFactory(patient=patient, severity=7)
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    log_in(patient_page, patient, f"Hello, {patient.full_name}")
    log_in(clinic_page, clinician, "My patients")

    # The patient creates an invitation and reads the code.
    patient_page.get_by_role("navigation", name="Main").get_by_role("link", name="Sharing").click()
    expect(patient_page).to_have_url(re.compile(r"/sharing/$"))
    patient_page.get_by_role("button", name="Create invitation").click()
    created = patient_page.get_by_role("region", name="Invitation created")
    expect(created).to_be_visible()
    code_paragraph = created.get_by_label("Invitation code")
    expect(code_paragraph).to_have_text(CODE)
    code = code_paragraph.inner_text().strip()

    # The clinician accepts with the code and lands on the patient's review.
    clinic_page.goto("/clinic/accept/")
    clinic_page.get_by_label("Invitation code*").fill(code)
    clinic_page.get_by_role("button", name="Accept and open the log").click()
    review_url = re.compile(rf"/clinic/patients/{patient.pk}/$")
    expect(clinic_page).to_have_url(review_url)
    expect(clinic_page.get_by_role("heading", level=1)).to_have_text(patient.full_name)
    expect(
        clinic_page.get_by_text(f"{isolated(patient.full_name)} now shares their cramp log with you.")
    ).to_be_visible()

    # From the list of patients to the review, where the clinician writes a note.
    clinic_page.get_by_role("navigation", name="Main").get_by_role("link", name="My patients").click()
    expect(clinic_page.get_by_role("heading", level=1)).to_have_text("My patients")
    clinic_page.get_by_role("table").get_by_role("link", name=patient.full_name).click()
    expect(clinic_page).to_have_url(review_url)
    review = clinic_page.url
    # The one entry, on the page of entries, and back to the review.
    entries = clinic_page.get_by_role("region", name="Entries")
    expect(entries).to_contain_text("1 entry from")
    entries.get_by_role("link", name="See the entries and add notes to them").click()
    expect(clinic_page).to_have_url(re.compile(rf"/clinic/patients/{patient.pk}/entries/\?start="))
    expect(clinic_page.get_by_role("table").get_by_role("row")).to_have_count(2)  # the header and the one episode
    clinic_page.get_by_role("link", name="Back to the review").click()
    expect(clinic_page).to_have_url(re.compile(rf"/clinic/patients/{patient.pk}/\?start="))
    notes = clinic_page.get_by_role("region", name="Notes on this patient")
    notes.get_by_label("Note*").fill(NOTE)
    notes.get_by_role("button", name="Add note").click()
    expect(clinic_page).to_have_url(re.compile(rf"/clinic/patients/{patient.pk}/#notes-heading$"))
    expect(clinic_page.get_by_text("Note saved. The patient can read it.")).to_be_visible()
    notes = clinic_page.get_by_role("region", name="Notes on this patient")
    expect(notes.get_by_text(NOTE)).to_be_visible()
    expect(notes).to_contain_text("Dr Nora Nerve")
    screenshot(clinic_page, "clinic-review")

    # The patient sees the note, the access trail and who has access, then revokes.
    patient_page.reload()
    expect(patient_page.get_by_role("region", name="Invitation created")).to_have_count(0)
    patient_notes = patient_page.get_by_role("region", name="Notes from your clinicians")
    expect(patient_notes).to_contain_text(NOTE)
    expect(patient_notes).to_contain_text("Dr Nora Nerve")
    # Four looks at the review, a visit each: after accepting, from the list of patients (which saw the patient's
    # figures first), back from the entries, and after saving the note; one at the entries.
    trail = patient_page.get_by_role("region", name="Access trail").get_by_role("row").filter(has_text="Dr Nora Nerve")
    expect(trail.filter(has_text="Opened the review")).to_have_count(4)
    expect(trail.filter(has_text="Saw your 30-day figures in their list of patients")).to_have_count(1)
    expect(trail.filter(has_text="Opened the log")).to_have_count(1)
    expect(trail.filter(has_text="Wrote a note")).to_have_count(1)
    who = patient_page.get_by_role("region", name="Who can see your log")
    expect(who).to_contain_text("Dr Nora Nerve")
    who.get_by_role("button", name="Revoke access for Dr Nora Nerve").click()
    expect(patient_page.get_by_text("Dr Nora Nerve can no longer see your log.")).to_be_visible()
    who = patient_page.get_by_role("region", name="Who can see your log")
    expect(who).to_contain_text("No clinician can see your log.")
    expect(who.get_by_role("button")).to_have_count(0)

    # The clinician's next request for that patient says their access ended (403, nothing of the record),
    # and the patient is gone from the list.
    response = clinic_page.goto(review)
    assert response.status == 403
    expect(clinic_page.get_by_text("Your access to this patient's record has ended")).to_be_visible()
    expect(clinic_page.get_by_text(patient.full_name)).to_have_count(0)
    clinic_page.goto("/clinic/")
    expect(clinic_page.get_by_role("heading", level=1)).to_have_text("My patients")
    # Chromium logs the 403 as a console error. That is expected; anything else is not.
    assert clinic_problems
    assert set(clinic_problems) == {"Failed to load resource: the server responded with a status of 403 (Forbidden)"}
    clinic_problems.clear()
    expect(clinic_page.get_by_role("link", name=patient.full_name)).to_have_count(0)
    expect(clinic_page.get_by_text("No patient shares their log with you yet.")).to_be_visible()

    grant = CareGrant.objects.get(patient=patient)
    assert grant.clinician == clinician
    assert grant.status == CareGrant.Status.REVOKED
    assert grant.ended_at is not None
    actions = sorted(AccessLog.objects.filter(patient=patient, clinician=clinician).values_list("action", flat=True))
    assert actions == [
        AccessLog.Action.ADD_NOTE,
        AccessLog.Action.VIEW_LIST,
        AccessLog.Action.VIEW_LOG,
        *[AccessLog.Action.VIEW_REVIEW] * 4,
    ]


def signed_in(page, live_server, user) -> None:
    """The browser signed in as `user`, by a session made on the server (as the log-in page would)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_note_written_as_the_session_ended_is_offered_again_after_signing_in(page, live_server):
    patient, clinician = PatientFactory(), ClinicianFactory()
    grant_access(patient, clinician)
    signed_in(page, live_server, clinician)
    review = f"/clinic/patients/{patient.pk}/"
    page.goto(review)
    notes = page.get_by_role("region", name="Notes on this patient")
    notes.get_by_label("Note*").fill(NOTE)
    # The session ends while the note is written (the idle time-out): sending it leads to the log-in page.
    Session.objects.all().delete()
    notes.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert not ClinicianNote.objects.exists()

    signed_in(page, live_server, clinician)
    page.goto(review)
    expect(notes.get_by_label("Note*")).to_have_value(NOTE)
    expect(notes).to_contain_text("Your note was not saved yet: here it is again.")
    notes.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note saved. The patient can read it.")).to_be_visible()
    assert ClinicianNote.objects.get().text == NOTE
    # Saved, its draft is gone.
    page.goto(review)
    expect(notes.get_by_label("Note*")).to_have_value("")
