"""The visit report on paper: a typical 90-day diary prints on at most three pages of A4 and of US Letter, with
the diagnoses, the medicines, the summary and the charts; the patient prints their own copy from Insights."""

import datetime as dt
import io
import random
import re
import uuid
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from questionnaires.models import Instrument
from questionnaires.services import response_record
from tests.browser.test_sharing_browser import log_in
from tests.factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, term
from tracker.diary.services import medication_add, medication_step_add, profile_update
from tracker.models import CheckIn, EpisodeLocation, EpisodeTerm
from tracker.sharing.services import note_add

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = ZoneInfo("Europe/London")
ENTRIES = 60
DAYS = 90
PLACES = ["calf", "foot-toes", "hamstring", "thigh-front"]
TRIGGERS = ["dehydration", "cold", "exercise-overuse"]
# A few more cramps at night than in any daytime hour.
HOUR_WEIGHTS = [3 if hour >= 22 or hour < 6 else 1 for hour in range(24)]
CHARTS = ["Treatment timeline", "Severity week by week", "Time of day"]
NOTE = "Try calf stretches before bed."
# Three: a long trigger's name wraps rather than run over the relief table beside it.
MAX_PAGES = 3


def seed_ninety_days(patient, today: dt.date) -> None:
    """60 cramps over the last 90 days with places and triggers, one with new weakness; check-ins on some
    cramp-free days; two diagnoses; baclofen started, then a higher dose with side effects, and magnesium
    stopped; a questionnaire answered three times."""
    rng = random.Random(11)
    profile_update(
        patient=patient,
        time_zone=patient.time_zone,
        conditions=[term("condition", "diabetic-neuropathy"), term("condition", "spinal-stenosis")],
        other_conditions="",
        reminder_time=None,
    )
    baclofen = medication_add(patient=patient, name="Baclofen")
    for kind, days_ago, dose, side_effects in [
        ("started", 70, "5 mg at night", ["drowsiness"]),
        ("dose_changed", 35, "10 mg at night", ["dizziness", "weakness"]),
    ]:
        medication_step_add(
            medication=baclofen,
            created_by=patient,
            kind=kind,
            day=today - dt.timedelta(days=days_ago),
            dose=dose,
            side_effects=side_effects,
        )
    magnesium = medication_add(
        patient=patient, name="Magnesium", dose="300 mg", started_on=today - dt.timedelta(days=150)
    )
    medication_step_add(
        medication=magnesium,
        created_by=patient,
        kind="stopped",
        day=today - dt.timedelta(days=50),
        side_effects=["nausea"],
    )
    places = {slug: term("location", slug) for slug in PLACES}
    triggers = [term("trigger", slug) for slug in TRIGGERS]
    cramp_days = set()
    for _ in range(ENTRIES):
        day = today - dt.timedelta(days=rng.randint(1, DAYS - 1))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        episode = EpisodeFactory(
            patient=patient,
            started_at=dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=LONDON),
            severity=rng.randint(2, 9),
            woke_from_sleep=hour >= 22 or hour < 6,
        )
        EpisodeLocation.objects.create(
            patient=patient, episode=episode, location=places[rng.choice(PLACES)], side="left"
        )
        if rng.random() < 0.5:
            EpisodeTerm.objects.create(patient=patient, episode=episode, term=rng.choice(triggers))
        cramp_days.add(day)
    EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("symptom", "weakness"))
    free_days = [today - dt.timedelta(days=n) for n in range(1, DAYS) if today - dt.timedelta(days=n) not in cramp_days]
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS) for day in rng.sample(free_days, 20)
    )
    instrument = Instrument.objects.get(slug="cramp-impact")
    for days_ago, rating in [(80, 7), (45, 5), (10, 3)]:
        moment = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9), tzinfo=LONDON)
        values = dict.fromkeys(["sleep", "daily-activities", "work", "mood"], rating)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            response_record(
                patient=patient, instrument=instrument, answered_by=patient, client_id=uuid.uuid4(), values=values
            )


def printed(page, paper: str) -> tuple[int, str]:
    """The page printed on `paper` (A4 or Letter): its number of pages and its text, spaces made single."""
    reader = PdfReader(io.BytesIO(page.pdf(format=paper)))
    return len(reader.pages), " ".join(" ".join(sheet.extract_text() for sheet in reader.pages).split())


@pytest.fixture
def diary(shipped_instruments):
    patient = PatientFactory(full_name="Ada Cramp", email="ada@example.org", time_zone="Europe/London")
    seed_ninety_days(patient, timezone.now().astimezone(LONDON).date())
    return patient


def test_a_clinician_prints_a_ninety_day_report_on_three_pages_of_a4_and_of_letter_at_most(page, screenshot, diary):
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    grant_access(diary, clinician)
    note_add(author=clinician, patient=diary, text=NOTE)
    log_in(page, clinician, "My patients")
    page.get_by_role("link", name="Ada Cramp").click()
    page.get_by_role("link", name="Visit report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cramp report: Ada Cramp")
    # On screen, every entry is listed too.
    expect(page.get_by_role("heading", name="Episodes", exact=True)).to_be_visible()

    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Episodes", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    for paper in ("A4", "Letter"):
        pages, text = printed(page, paper)
        assert pages <= MAX_PAGES, f"{paper}: {pages} pages"
        for words in [
            "Cramp report: Ada Cramp",
            "Diabetic neuropathy; Spinal stenosis",
            "Baclofen",
            "Dizziness, Weakness",
            "Magnesium",
            "Summary",
            "Entries with warning signs",
            "New or increasing weakness",
            *CHARTS,
            "Weekly cramp impact check",
            NOTE,
        ]:
            assert words in text, f"{paper}: {words!r} is not printed"
    page.set_viewport_size({"width": 794, "height": 1123})
    screenshot(page, "visit-report")


def test_a_patient_prints_their_own_copy_of_the_last_90_days_from_insights_without_the_clinicians_notes(page, diary):
    clinician = ClinicianFactory()
    grant_access(diary, clinician)
    note_add(author=clinician, patient=diary, text=NOTE)
    today = timezone.now().astimezone(LONDON).date()
    start = today - dt.timedelta(days=DAYS - 1)
    log_in(page, diary, "Hello, Ada Cramp")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    page.get_by_label("From*").fill(start.isoformat())
    page.get_by_label("To*").fill(today.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("link", name="Print a report for your visit").click()
    expect(page).to_have_url(re.compile(rf"/clinic/patients/{diary.pk}/report/\?start={start}&end={today}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cramp report")
    expect(page).to_have_title("Your cramp report · CrampApp")
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        pages, text = printed(page, paper)
        assert pages <= MAX_PAGES, f"{paper}: {pages} pages"
        for words in ["Your cramp report Ada Cramp.", "Diabetic neuropathy; Spinal stenosis", "Baclofen", *CHARTS]:
            assert words in text, f"{paper}: {words!r} is not printed"
        assert NOTE not in text
        assert "Clinician notes" not in text


def test_over_a_longer_period_the_weekly_charts_span_the_paper(page, diary):
    """26 weeks of bars at half the width would print their labels at about 4 points."""
    log_in(page, diary, "Hello, Ada Cramp")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    page.get_by_role("link", name="Print a report for your visit").click()
    page.emulate_media(media="print")
    widths = {
        name: page.get_by_role("figure", name=name).locator("svg").evaluate("svg => svg.getBoundingClientRect().width")
        for name in CHARTS
    }
    paper = page.locator(".visit-report").evaluate("report => report.getBoundingClientRect().width")
    assert widths["Treatment timeline"] > 0.9 * paper
    assert widths["Severity week by week"] > 0.9 * paper
    assert widths["Time of day"] < 0.6 * paper
