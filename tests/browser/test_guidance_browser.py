import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_logging_browser import EPISODE_URL, choose
from tests.factories import TEST_PASSWORD, PatientFactory
from tracker.models import Episode

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(user.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.full_name}")


def test_patient_logs_dehydration_and_weakness_sees_the_warning_and_reads_the_linked_guidance(page):
    patient = PatientFactory()
    log_in(page, patient)

    page.goto("/episodes/new/")
    choose(page.get_by_role("group", name="How bad was it?"), "6")
    choose(page.get_by_role("group", name="Where was it?"), "Calf, left")
    choose(page.get_by_role("group", name="What might have set it off?"), "Dehydration")
    choose(page.get_by_role("group", name="Did you notice anything else?"), "Weakness")
    page.get_by_role("button", name="Save cramp").click()

    expect(page).to_have_url(EPISODE_URL)
    entry_url = page.url
    warning = page.get_by_role("region", name="Book a visit soon")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("New or increasing weakness")
    expect(warning.get_by_role("link", name="When to see a clinician")).to_be_visible()

    guidance = page.get_by_role("region", name="Guidance for this entry")
    hydration = guidance.get_by_role("listitem").filter(has=page.get_by_role("link", name="Hydration", exact=True))
    expect(hydration).to_have_count(1)
    expect(hydration).to_contain_text("You noted: dehydration")
    episode = Episode.objects.get(patient=patient)
    assert episode.severity == 6
    assert [term.slug for term in episode.symptoms] == ["weakness"]

    hydration.get_by_role("link", name="Hydration", exact=True).click()
    expect(page).to_have_url(re.compile(r"/learn/hydration/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydration")
    expect(page.get_by_text("Not yet reviewed by a named clinician")).to_be_visible()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    expect(page.get_by_role("complementary", name="About this page")).to_contain_text("does not diagnose or prescribe")

    page.go_back()
    expect(page).to_have_url(entry_url)
    page.get_by_role("region", name="Book a visit soon").get_by_role("link", name="When to see a clinician").click()
    expect(page).to_have_url(re.compile(r"/learn/when-to-see-a-clinician/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("When to see a clinician")
