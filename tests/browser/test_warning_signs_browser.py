"""Signals a neurologist trusts, in the browser: no rise for a new patient's first day; an improving patient
is shown improving in the clinic list, with their warning signs marked apart."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_logging_browser import EPISODE_URL
from tests.browser.test_sharing_browser import log_in
from tests.factories import ClinicianFactory, EpisodeFactory, PatientFactory, checked_in_cramp_free, grant_access, term
from tracker.models import Episode, EpisodeTerm

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_patient_who_logs_six_cramps_on_day_one_sees_no_rise_warning(phone_page):
    page = phone_page
    patient = PatientFactory(full_name="Nell New")
    log_in(page, patient, "Hello, Nell New")
    for _ in range(6):
        page.goto("/dashboard/")
        page.get_by_role("region", name="Log a cramp").get_by_role("button", name="Severity 7").click()
        expect(page).to_have_url(EPISODE_URL)
    assert Episode.objects.filter(patient=patient).count() == 6
    page.goto("/dashboard/")
    trend = page.get_by_role("region", name="How often, lately")
    expect(trend).to_contain_text("6 cramps on 1 recorded day of the last 14")
    expect(trend).to_contain_text("Too few days recorded to compare")
    expect(page.get_by_text("Your cramps are becoming more frequent")).to_have_count(0)


def test_a_patient_whose_rate_halves_shows_as_improving_with_a_separate_warning_marker(page, screenshot):
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    improving = PatientFactory(full_name="Ivy Improving")
    grant_access(improving, clinician)
    now = timezone.now()
    # 14 cramps on 14 recorded days before, then 3 on 13 recorded days lately; the last with new weakness.
    for day in range(14, 21):
        EpisodeFactory.create_batch(2, patient=improving, started_at=now - dt.timedelta(days=day))
    checked_in_cramp_free(improving, [*range(4, 14), *range(21, 28)])
    for day in (3, 2, 1):
        episode = EpisodeFactory(patient=improving, started_at=now - dt.timedelta(days=day))
    EpisodeTerm.objects.create(patient=improving, episode=episode, term=term("symptom", "weakness"))

    log_in(page, clinician, "My patients")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ivy Improving"))
    expect(row).to_contain_text("Less frequent")
    expect(row).to_contain_text("1.0 → 0.2 cramps per recorded day")
    expect(row).to_contain_text("1 entry with warning signs, highest: soon")
    expect(row).not_to_contain_text("More frequent")
    screenshot(page, "clinic-list")

    row.get_by_role("link", name="Ivy Improving").click()
    # The review names the entry with its warning sign; its link opens the entry's row on the page of entries.
    flagged = page.get_by_role("region", name="Entries").get_by_role("listitem")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Warning sign: soon")
    flagged.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/clinic/patients/{improving.pk}/entries/\?start=.*#episode-{episode.uuid}$"))
    entry_row = page.locator(f"#episode-{episode.uuid}")
    expect(entry_row).to_contain_text("Warning sign: soon")
    expect(entry_row).to_contain_text("New or increasing weakness")
