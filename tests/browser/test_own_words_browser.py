"""Custom words (issue 22), in the browser: a patient adds a trigger of their own from the cramp form, comes back
to it, logs a cramp with that word and picks the place on the body map, by mouse and by keyboard."""

import pytest
from playwright.sync_api import expect

from tests.factories import PatientFactory
from tracker.models import Episode

from .test_logging_browser import EPISODE_URL, choose
from .test_sharing_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_adds_a_word_logs_a_cramp_with_it_and_picks_the_place_on_the_body_map(page, screenshot):
    patient = PatientFactory()
    log_in(page, patient, f"Hello, {patient.full_name}")
    page.goto("/episodes/new/")
    page.get_by_role("link", name="Add your own trigger").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your own words")
    expect(page.get_by_label("Trigger", exact=True)).to_be_checked()
    page.get_by_label("Your word").fill("Long drive")
    page.get_by_role("button", name="Add the word").click()

    # Back on the cramp form, the new word is offered after ours.
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a cramp")
    expect(page.get_by_text("“Long drive” is added to your triggers, after ours.")).to_be_visible()
    choose(page.get_by_role("group", name="How bad was it?"), "6")
    choose(page.get_by_role("group", name="What might have set it off?"), "Long drive")

    # The body map ticks the place and side it is tapped on, and shows them ticked.
    places = page.get_by_role("group", name="Where was it?")
    page.get_by_role("button", name="Pick on the body map").click()
    calf_left = page.get_by_role("group", name="Body seen from the back").get_by_role("checkbox", name="Calf, left")
    calf_left.click()
    expect(calf_left).to_have_attribute("aria-checked", "true")
    expect(places.get_by_label("Calf, left", exact=True)).to_be_checked()
    expect(places.get_by_label("Calf, right", exact=True)).not_to_be_checked()

    # The keyboard does the same, and a region follows its checkbox.
    thigh_right = page.get_by_role("group", name="Body seen from the front").get_by_role(
        "checkbox", name="Front of thigh, right"
    )
    thigh_right.focus()
    page.keyboard.press("Space")
    expect(places.get_by_label("Front of thigh, right", exact=True)).to_be_checked()
    page.keyboard.press("Enter")
    expect(places.get_by_label("Front of thigh, right", exact=True)).not_to_be_checked()
    expect(thigh_right).to_have_attribute("aria-checked", "false")
    choose(places, "Calf, right")
    expect(
        page.get_by_role("group", name="Body seen from the back").get_by_role("checkbox", name="Calf, right")
    ).to_have_attribute("aria-checked", "true")
    screenshot(page, "body-map-pick")

    page.get_by_role("button", name="Save cramp").click()
    expect(page).to_have_url(EPISODE_URL)
    expect(page.get_by_text("Calf (both sides)")).to_be_visible()
    expect(page.get_by_text("Long drive", exact=True)).to_be_visible()
    episode = Episode.objects.get(patient=patient)
    assert [term.label for term in episode.triggers] == ["Long drive"]
    assert [place.label for place in episode.places] == ["Calf (both sides)"]
