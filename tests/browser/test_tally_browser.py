"""Logging last night on a phone: the count in a few taps, and a cramp logged on its own that night."""

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y_browser import SMALL_TARGETS, TOUCH_TARGET, log_in, violations
from tests.factories import PatientFactory
from tracker.diary.services import EpisodeDetails, episode_create
from tracker.models import Episode

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_logs_last_night_on_a_phone_and_counts_a_cramp_logged_that_night_once(phone_page):
    page = phone_page
    patient = PatientFactory(time_zone="UTC")
    night = patient.today() - dt.timedelta(days=1)
    episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=dt.datetime.combine(night, dt.time(23, 30), tzinfo=dt.UTC), severity=6),
    )
    log_in(page, patient)

    page.get_by_role("link", name="Log last night").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a night of cramps")
    assert violations(page) == []
    assert page.evaluate(SMALL_TARGETS, TOUCH_TARGET) == []

    count = page.get_by_role("spinbutton", name="How many cramps?")
    controls = page.get_by_role("group", name="How many cramps?: change the number")
    for _ in range(3):
        controls.get_by_role("button", name="One more").click()
    expect(count).to_have_value("3")
    controls.get_by_role("button", name="Set to 4").click()
    expect(count).to_have_value("4")
    page.get_by_role("group", name="How bad was the worst?").get_by_text("7", exact=True).click()
    # An empty count of wakings: two taps on "one more" are two wakings, not one.
    woken = page.get_by_role("spinbutton", name="How many times did they wake you? (optional)")
    woken_controls = page.get_by_role("group", name="How many times did they wake you? (optional): change the number")
    for _ in range(2):
        woken_controls.get_by_role("button", name="One more").click()
    expect(woken).to_have_value("2")
    page.get_by_role("button", name="Save tally").click()

    # The cramp of 23:30 is in that night: asked how to count it, nothing saved yet.
    choice = page.get_by_role("group", name="Cramps you logged one by one")
    expect(choice).to_contain_text("Are they among the 4 cramps of this tally?")
    assert violations(page) == []
    assert Episode.objects.filter(patient=patient).count() == 1
    expect(count).to_have_value("4")
    choice.locator("label", has_text="Count them as part of the tally").click()
    page.get_by_role("button", name="Save tally").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Night tally: the night of")
    expect(page.get_by_role("status")).to_contain_text("Night tally saved: 4 cramps.")
    expect(page.get_by_text("1 of the 4. They are counted in the tally, not again.")).to_be_visible()
    assert violations(page) == []
    assert Episode.objects.for_patient(patient).cramp_total() == 4
