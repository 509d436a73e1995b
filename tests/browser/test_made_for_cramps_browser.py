"""Made for cramps, end to end on phones: a patient logs last night as a tally, their caregiver logs a cramp for
them, the patient answers the weekly impact check, and the clinician they granted access reviews it all."""

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from questionnaires.models import Instrument, QuestionnaireResponse
from questionnaires.services import response_record, schedule_set
from tests.browser.conftest import PHONE, _open_page
from tests.browser.test_logging_browser import choose, open_from_menu
from tests.browser.test_sharing_browser import log_in
from tests.factories import (
    CaregiverFactory,
    ClinicianFactory,
    EpisodeFactory,
    PatientFactory,
    grant_access,
    grant_care,
)
from tracker.diary.services import medication_add
from tracker.models import CheckIn

pytestmark = pytest.mark.django_db(transaction=True)

IMPACT_ITEMS = ("sleep", "daily-activities", "work", "mood")


@pytest.fixture(autouse=True)
def instruments(shipped_instruments):
    """Transactional tests empty every table: every test here needs the shipped questionnaires back."""


@pytest.fixture
def phones(browser, live_server):
    """One phone-sized page per role, each in its own browser context (own cookies), with the usual error check."""
    opened = [_open_page(browser, live_server, PHONE) for _ in range(3)]
    yield [page for _, page, _ in opened]
    for context, _, _ in opened:
        context.close()
    assert [problems for _, _, problems in opened] == [[], [], []]


def day_label(day: dt.date) -> str:
    """A date as the review writes it ("j M Y")."""
    return f"{day.day} {day:%b %Y}"


def at(patient, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=patient.zone)


def impact_answered(patient, days_ago: int, rating: int) -> None:
    """An earlier weekly impact check, every question rated `rating`, answered `days_ago` days ago."""
    response, _ = response_record(
        patient=patient,
        instrument=Instrument.objects.get(slug="cramp-impact"),
        answered_by=patient,
        client_id=uuid.uuid4(),
        values=dict.fromkeys(IMPACT_ITEMS, rating),
    )
    answered_at = at(patient, patient.today() - dt.timedelta(days=days_ago), 9)
    QuestionnaireResponse.objects.filter(pk=response.pk).update(answered_at=answered_at)


def test_a_tally_a_caregivers_cramp_and_an_impact_check_reach_the_clinicians_review(phones):
    patient_page, carer_page, clinic_page = phones
    patient = PatientFactory(full_name="Ada Cramp", time_zone="UTC")
    caregiver = CaregiverFactory(full_name="Carl Carer")
    clinician = ClinicianFactory(full_name="Dr Nora Nerve")
    grant_care(patient, caregiver)
    grant_access(patient, clinician)
    today = patient.today()
    yesterday = today - dt.timedelta(days=1)

    # Baclofen started 10 days ago: the 28 days before are the baseline, the 11 days from it the treatment window.
    started = today - dt.timedelta(days=10)
    medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=started)
    baseline = (started - dt.timedelta(days=28), started - dt.timedelta(days=1))
    # Baseline: 4 cramps (6, 8, 5, 5) on 2 days.
    for days_ago, hour, severity in ((20, 10, 6), (20, 15, 8), (15, 10, 5), (15, 16, 5)):
        EpisodeFactory(
            patient=patient, started_at=at(patient, today - dt.timedelta(days=days_ago), hour), severity=severity
        )
    # Days checked in without cramps: 2 in the baseline, and 2 in the treatment window so far.
    for days_ago in (19, 18, 5, 3):
        CheckIn.objects.create(
            patient=patient, day=today - dt.timedelta(days=days_ago), status=CheckIn.Status.NO_CRAMPS
        )
    # The weekly impact check, answered two weeks ago (8) and last week (6), and asked every week.
    impact_answered(patient, 14, 8)
    impact_answered(patient, 7, 6)
    schedule_set(patient=patient, instrument=Instrument.objects.get(slug="cramp-impact"), every_weeks=1, set_by=patient)

    # The patient logs last night in a few taps: 4 cramps, the worst 7.
    log_in(patient_page, patient, "Hello, Ada Cramp")
    patient_page.get_by_role("link", name="Log last night").click()
    expect(patient_page.get_by_role("heading", level=1)).to_have_text("Log a night of cramps")
    # The count's buttons work once the page's scripts have run.
    patient_page.wait_for_load_state("load")
    count = patient_page.get_by_role("spinbutton", name="How many cramps?")
    patient_page.get_by_role("group", name="How many cramps?: change the number").get_by_role(
        "button", name="Set to 4"
    ).click()
    expect(count).to_have_value("4")
    patient_page.get_by_role("group", name="How bad was the worst?").get_by_text("7", exact=True).click()
    patient_page.get_by_role("button", name="Save tally").click()
    expect(patient_page.get_by_role("status")).to_contain_text("Night tally saved: 4 cramps.")

    # The caregiver logs a cramp of yesterday midday for the patient, with the full form.
    log_in(carer_page, caregiver, "People I help")
    carer_page.get_by_role("link", name="Ada Cramp").click()
    expect(carer_page.get_by_role("heading", level=1)).to_have_text("Ada Cramp: cramp log")
    carer_page.get_by_role("link", name="Full entry").click()
    expect(carer_page.get_by_role("heading", level=1)).to_have_text("Log a cramp for Ada Cramp")
    choose(carer_page.get_by_role("group", name="How bad was it?"), "3")
    carer_page.get_by_label("When did it start?").fill(f"{yesterday.isoformat()}T12:00")
    choose(carer_page.get_by_role("group", name="Where was it?"), "Calf, left")
    carer_page.get_by_role("button", name="Save cramp").click()
    expect(
        carer_page.get_by_text("Cramp logged for \N{FIRST STRONG ISOLATE}Ada Cramp\N{POP DIRECTIONAL ISOLATE}.")
    ).to_be_visible()
    expect(carer_page.get_by_role("heading", level=1)).to_have_text("Ada Cramp: cramp log")
    logged = carer_page.get_by_role("listitem").filter(has_text="Calf (left)")
    expect(logged).to_contain_text("entered by Carl Carer (caregiver)")

    # The patient answers this week's impact check from the dashboard's prompt: 3, 4, 5 and 4 make 4.
    open_from_menu(patient_page, "Dashboard")
    patient_page.get_by_role("region", name="Questionnaire due").get_by_role(
        "link", name="Weekly cramp impact check"
    ).click()
    expect(patient_page.get_by_role("heading", level=1)).to_have_text("Weekly cramp impact check")
    for question, value in (("spoil your sleep", 3), ("everyday tasks", 4), ("your work", 5), ("your mood", 4)):
        group = patient_page.get_by_role("group", name=re.compile(question))
        group.locator("label", has_text=re.compile(f"^{value}$")).click()
    patient_page.get_by_role("button", name="Save my answers").click()
    expect(patient_page.get_by_text("Saved. Cramp impact: 4 (on a scale from 0 to 10).")).to_be_visible()

    # The clinician signs in with their authenticator code and opens the patient's review.
    log_in(clinic_page, clinician, "My patients")
    clinic_page.get_by_role("table").get_by_role("link", name="Ada Cramp").click()
    expect(clinic_page).to_have_url(re.compile(rf"/clinic/patients/{patient.pk}/$"))
    expect(clinic_page.get_by_role("heading", level=1)).to_have_text("Ada Cramp")

    # The tally counts its 4 cramps: 4 before the medicine, 4 last night and the caregiver's 1.
    summary = clinic_page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text(re.compile(r"Cramps, last 30 days\s*9"))
    expect(summary).to_contain_text("Too few days recorded")
    expect(clinic_page.get_by_role("region", name=re.compile(r"^Charts,"))).to_contain_text("9 cramps in 6 entries")
    # The entries, on their own page: the tally with its cramps, and the caregiver's entry marked as theirs.
    clinic_page.get_by_role("region", name="Entries").get_by_role("link", name="See the entries").click()
    episodes = clinic_page.get_by_role("table").get_by_role("row")
    tally_row = episodes.filter(has_text=f"The night of {yesterday:%a} {day_label(yesterday)}")
    expect(tally_row).to_contain_text("4 cramps (night tally)")
    expect(tally_row).not_to_contain_text("entered by")
    carers_row = episodes.filter(has_text="Calf (left)")
    expect(carers_row).to_contain_text(f"{yesterday:%a} {day_label(yesterday)}, 12:00")
    expect(carers_row).to_contain_text("entered by Carl Carer (caregiver)")
    clinic_page.get_by_role("link", name="Back to the review").click()
    expect(clinic_page.get_by_role("heading", level=1)).to_have_text("Ada Cramp")

    # The impact score's trend: 8, then 6, then today's 4, in the chart and in its table.
    impact = (
        clinic_page.get_by_role("region", name=re.compile(r"^Questionnaires,"))
        .locator("figure")
        .filter(has_text="Cramp impact")
    )
    expect(impact.locator("circle")).to_have_count(3)
    first = day_label(today - dt.timedelta(days=14))
    expect(clinic_page.get_by_role("region", name=re.compile(r"^Questionnaires,"))).to_contain_text(
        f"3 answers in this period; change since the first ({first}, 8): \N{MINUS SIGN}4"
    )
    impact.get_by_text("Show as a table").click()
    scores = impact.get_by_role("table").locator("tbody tr td:nth-child(2)")
    expect(scores).to_have_text(["8", "6", "4"])

    # Before and after Baclofen: by default the 28 days after 14 days of titration, which have not begun.
    trial = clinic_page.get_by_role("region", name=f"Before and after: Baclofen started {day_label(started)}")
    expect(trial.get_by_role("table")).to_contain_text(
        f"treatment from {day_label(started + dt.timedelta(days=14))} (not begun yet)"
    )
    # The clinician skips no titration: the 28 days before against the 28 days from the start, 11 of them so far.
    trial.get_by_label("Titration days skipped").fill("0")
    trial.get_by_role("button", name="Compare").click()
    trial = clinic_page.get_by_role("region", name=f"Before and after: Baclofen started {day_label(started)}")
    expect(trial.get_by_role("table")).to_contain_text(
        f"Baseline {day_label(baseline[0])} to {day_label(baseline[1])}; "
        f"treatment {day_label(started)} to {day_label(today)}"
    )
    figures = trial.get_by_role("table")
    # Baseline: 4 cramps on 2 days, each day's worst 8 and 5; recorded: those and 2 cramp-free days. Treatment:
    # yesterday's tally of 4 (worst 7) and the caregiver's cramp (3), and 2 cramp-free days.
    for measure, cells in (
        ("Days recorded", ["4 of 28", "3 of 28 (11 so far)", "Too few days recorded to compare"]),
        ("Cramps logged", ["4", "5", ""]),
        ("Cramps per recorded day", ["1.0", "1.67", "not compared"]),
        ("Mean of each day's worst severity", ["6.5", "7.0", "not compared"]),
    ):
        row = figures.get_by_role("row", name=re.compile(f"^{measure}"))
        expect(row.get_by_role("cell")).to_have_text(cells)
    expect(trial).to_contain_text(
        "Too few days recorded to compare: the baseline has 4 of 28 days recorded, "
        "and the treatment window has 3 of 28 (it has run 11 days so far)"
    )
