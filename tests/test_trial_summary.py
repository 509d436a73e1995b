"""The trial-style summary: a baseline window against a treatment window, on a diary made by hand."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from tracker.insights import default_trial_windows, medication_steps, trial_summary
from tracker.models import CheckIn, MedicationStep
from tracker.services import medication_add, medication_step_add, patient_today

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access

pytestmark = pytest.mark.django_db

BASELINE = (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
TREATMENT = (dt.date(2026, 10, 15), dt.date(2026, 10, 21))


def cramp(patient, day, hour, minute=0, *, severity, woke=False):
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=patient.zone)
    EpisodeFactory(patient=patient, started_at=moment, severity=severity, woke_from_sleep=woke)


def no_cramps(patient, *days):
    for day in days:
        CheckIn.objects.create(patient=patient, day=day, status="none")


def october(day: int) -> dt.date:
    return dt.date(2026, 10, day)


@pytest.fixture
def diary(patient):
    """Two weeks of a hand-made diary, in UTC.

    Baseline, 1 to 7 Oct: the night before 1 Oct is broken by a cramp at 22:00 on 30 Sep (outside the
    window, severity 9); 1 Oct two cramps (6, 4) that did not wake; 2 Oct no cramps; 3 Oct 23:30 and
    4 Oct 02:00 two waking cramps (8, 5) in one night; 5 Oct nothing recorded; 6 Oct no cramps; 7 Oct one
    cramp (2). Treatment, 15 to 21 Oct: 15, 17 and 19 Oct no cramps; 16 Oct one cramp (3); 18 Oct nothing
    recorded; 20 Oct 21:00 one waking cramp (4); 21 Oct nothing recorded.
    """
    cramp(patient, dt.date(2026, 9, 30), 22, severity=9, woke=True)
    cramp(patient, october(1), 3, severity=6)
    cramp(patient, october(1), 15, severity=4)
    cramp(patient, october(3), 23, 30, severity=8, woke=True)
    cramp(patient, october(4), 2, severity=5, woke=True)
    cramp(patient, october(7), 10, severity=2)
    no_cramps(patient, october(2), october(6))
    cramp(patient, october(16), 14, severity=3)
    cramp(patient, october(20), 21, severity=4, woke=True)
    no_cramps(patient, october(15), october(17), october(19))
    return patient


@pytest.fixture
def steps(patient):
    """Gabapentin from 1 Sep (before both windows), magnesium from 3 Oct (in the baseline), baclofen from
    12 Oct (between the windows) with a dose change on 16 Oct (in the treatment window)."""
    medication_add(patient=patient, name="Gabapentin", dose="300 mg", started_on=dt.date(2026, 9, 1))
    medication_add(patient=patient, name="Magnesium", dose="250 mg", started_on=october(3))
    baclofen = medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=october(12))
    medication_step_add(
        medication=baclofen,
        created_by=patient,
        kind="dose_changed",
        day=october(16),
        dose="10 mg",
        side_effects=["drowsiness"],
    )
    return medication_steps(patient, october(25))


class TestFigures:
    def test_the_baseline_figures(self, diary):
        baseline = trial_summary(diary, BASELINE, TREATMENT, []).baseline
        assert (baseline.days, baseline.recorded_days, baseline.cramps) == (7, 6, 5)
        # per recorded day: 5 / 6; per week: 7 x 5 / 6
        assert (baseline.cramps_per_day, baseline.cramps_per_week) == (0.83, 5.8)
        # 6, 4, 8, 5 and 2: the cramp of 30 Sep (severity 9) is outside the window
        assert (baseline.mean_severity, baseline.worst_severity) == (5.0, 8)
        # nights by their morning: 1 Oct (woken on 30 Sep at 22:00) and 4 Oct (woken twice) of the answered
        # nights of 1, 2 (the cramp at 15:00 on 1 Oct did not wake), 4, 6 (checked in, nothing logged) and
        # 7 Oct; the night before 3 Oct has nothing logged on a day with cramps, that before 5 Oct no record
        assert (baseline.nights_disturbed, baseline.nights_answered, baseline.night_share) == (2, 5, 40)

    def test_the_treatment_figures(self, diary):
        treatment = trial_summary(diary, BASELINE, TREATMENT, []).treatment
        assert (treatment.days, treatment.recorded_days, treatment.cramps) == (7, 5, 2)
        assert (treatment.cramps_per_day, treatment.cramps_per_week) == (0.4, 2.8)
        assert (treatment.mean_severity, treatment.worst_severity) == (3.5, 4)
        # The cramp at 21:00 on 20 Oct woke the patient in the night before 21 Oct: that night counts as
        # answered and disturbed although 21 Oct itself has no record. The nights before 15, 17 and 19 Oct
        # are answered too; those before 16 and 20 Oct (cramps that day, none logged in the night) are not.
        assert (treatment.nights_disturbed, treatment.nights_answered, treatment.night_share) == (1, 4, 25)

    def test_a_window_without_any_record_has_no_rates(self, diary):
        empty = trial_summary(diary, (dt.date(2026, 8, 1), dt.date(2026, 8, 28)), TREATMENT, []).baseline
        assert (empty.days, empty.recorded_days, empty.cramps) == (28, 0, 0)
        assert empty.cramps_per_day is None
        assert empty.cramps_per_week is None
        assert empty.mean_severity is None
        assert empty.worst_severity is None
        assert empty.night_share is None

    def test_nights_run_from_noon_to_noon_in_the_patients_own_zone(self):
        patient = PatientFactory(time_zone="America/New_York")
        zone = zoneinfo.ZoneInfo("America/New_York")
        # 23:30 and 02:00 New York time are on different UTC and local dates, but in one night.
        for moment in (dt.datetime(2026, 10, 3, 23, 30, tzinfo=zone), dt.datetime(2026, 10, 4, 2, 0, tzinfo=zone)):
            EpisodeFactory(patient=patient, started_at=moment, severity=5, woke_from_sleep=True)
        # Noon starts the next night: this one belongs to the night before 5 Oct.
        EpisodeFactory(
            patient=patient, started_at=dt.datetime(2026, 10, 4, 12, 0, tzinfo=zone), severity=5, woke_from_sleep=True
        )
        window = trial_summary(patient, (october(3), october(5)), (october(6), october(6)), []).baseline
        assert (window.cramps, window.recorded_days) == (3, 2)
        # The night before 3 Oct has nothing logged in it, and 3 Oct has cramps: not known, so not counted.
        assert (window.nights_disturbed, window.nights_answered) == (2, 2)

    def test_the_steps_between_and_inside_the_windows_are_listed_with_where_they_fall(self, diary, steps):
        summary = trial_summary(diary, BASELINE, TREATMENT, steps)
        assert [
            (item.step.medication.name, item.step.kind, item.step.day, item.position) for item in summary.steps
        ] == [
            ("Magnesium", "started", october(3), "during the baseline"),
            ("Baclofen", "started", october(12), "between the windows"),
            ("Baclofen", "dose_changed", october(16), "during the treatment window"),
        ]

    def test_a_treatment_window_before_the_baseline_lists_the_steps_between_them_too(self, diary, steps):
        summary = trial_summary(diary, TREATMENT, BASELINE, steps)
        assert [item.position for item in summary.steps] == [
            "during the treatment window",
            "between the windows",
            "during the baseline",
        ]


class TestDefaultWindows:
    def test_the_28_days_before_and_from_the_latest_step(self, patient, steps):
        baseline, treatment = default_trial_windows(steps, october(25))
        assert baseline == (dt.date(2026, 9, 18), october(15))
        # from 16 Oct, cut at today
        assert treatment == (october(16), october(25))

    def test_without_steps_the_last_28_days_against_the_28_before(self):
        today = october(25)
        baseline, treatment = default_trial_windows([], today)
        assert treatment == (dt.date(2026, 9, 28), today)
        assert baseline == (dt.date(2026, 8, 31), dt.date(2026, 9, 27))

    def test_a_step_today_gives_a_one_day_treatment_window(self, patient):
        step = MedicationStep(kind="started", day=october(25))
        assert default_trial_windows([step], october(25)) == (
            (dt.date(2026, 9, 27), october(24)),
            (october(25), october(25)),
        )


def review(patient):
    return reverse("tracker:patient_review", args=[patient.pk])


def report(patient):
    return reverse("tracker:report", args=[patient.pk])


WINDOWS = {
    "baseline_start": "2026-10-01",
    "baseline_end": "2026-10-07",
    "treatment_start": "2026-10-15",
    "treatment_end": "2026-10-21",
}


class TestPages:
    @pytest.mark.parametrize("page", [review, report])
    def test_the_clinician_chooses_the_windows_and_reads_the_figures_and_the_caveat(
        self, client, clinician, diary, steps, page
    ):
        grant_access(diary, clinician)
        client.force_login(clinician)
        response = client.get(page(diary), WINDOWS)
        summary = response.context["trial"].summary
        assert (summary.baseline.first, summary.treatment.last) == (BASELINE[0], TREATMENT[1])
        assert summary.baseline.cramps_per_week == 5.8
        html = response.content.decode()
        assert "Baseline against treatment" in html
        assert "Observational data, not a trial." in html
        assert "cannot show that a medicine caused a change" in html
        assert "A night runs from local noon to noon" in html
        assert "Cramps logged ÷ days recorded" in html
        assert "2 of 5 answered (40%)" in html
        assert "Baclofen dose changed, 10 mg (side effects noted: Drowsiness)" in html

    def test_the_default_windows_surround_the_latest_step(self, client, clinician, patient):
        today = patient_today(patient)
        medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=today - dt.timedelta(days=10))
        grant_access(patient, clinician)
        client.force_login(clinician)
        form = client.get(review(patient)).context["trial"].form
        assert form.initial == {
            "baseline_start": today - dt.timedelta(days=38),
            "baseline_end": today - dt.timedelta(days=11),
            "treatment_start": today - dt.timedelta(days=10),
            "treatment_end": today,
        }

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"baseline_end": "2026-09-20"}, "baseline_end", "The end is before the start."),
            ({"treatment_end": "2099-01-01"}, "treatment_end", "This is after today"),
            ({"baseline_start": "2025-09-01"}, "baseline_end", "at most a year (366 days) long"),
            ({"treatment_start": "2026-10-05"}, "treatment_start", "The windows overlap"),
            ({"treatment_start": ""}, "treatment_start", "This field is required."),
            ({"baseline_start": "yesterday"}, "baseline_start", "Enter a valid date."),
            ({"baseline_start": "0001-01-01"}, "baseline_start", "Enter a date between 1900 and 2100."),
        ],
    )
    @pytest.mark.parametrize("page", [review, report])
    def test_bad_windows_are_explained_next_to_the_field_and_the_defaults_are_used(
        self, client, clinician, patient, page, changes, field, message
    ):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(page(patient), {**WINDOWS, **changes})
        assert response.status_code == 200
        trial = response.context["trial"]
        assert message in trial.form.errors[field][0]
        today = patient_today(patient)
        assert (trial.summary.treatment.first, trial.summary.treatment.last) == (today - dt.timedelta(days=27), today)
        html = response.content.decode()
        assert "These windows could not be used" in html
        assert f'id="div_id_{field}"' in html

    def test_only_one_window_given_asks_for_the_others(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(report(patient), {"baseline_start": "2026-10-01"})
        assert response.status_code == 200
        assert set(response.context["trial"].form.errors) == {"baseline_end", "treatment_start", "treatment_end"}

    @pytest.mark.parametrize("who", ["other_patient", "ungranted_clinician", "unverified_clinician", "staff"])
    def test_strangers_get_404_whatever_the_windows(self, client, patient, other_patient, staff, who):
        users = {
            "other_patient": other_patient,
            "ungranted_clinician": ClinicianFactory(),
            "unverified_clinician": ClinicianFactory(clinician_verified_at=None),
            "staff": staff,
        }
        client.force_login(users[who])
        assert client.get(review(patient), WINDOWS).status_code == 404
        assert client.get(report(patient), WINDOWS).status_code == 404

    def test_the_patient_reads_their_own_report_with_the_summary(self, client, diary):
        client.force_login(diary)
        response = client.get(report(diary), WINDOWS)
        assert response.status_code == 200
        assert response.context["trial"].summary.treatment.cramps == 2


@pytest.mark.parametrize("size", [1, 5])
def test_the_report_reads_the_summary_in_a_fixed_number_of_queries(client, clinician, django_assert_num_queries, size):
    patient = PatientFactory()
    grant_access(patient, clinician)
    today = patient_today(patient)
    for number in range(size):
        medication = medication_add(
            patient=patient, name=f"Medicine {number}", dose="1 tablet", started_on=today - dt.timedelta(days=50)
        )
        medication_step_add(
            medication=medication,
            created_by=patient,
            kind="dose_changed",
            day=today - dt.timedelta(days=20 + number),
            dose="2 tablets",
        )
    for day in range(size * 10):
        cramp(patient, today - dt.timedelta(days=day % 60), 3, severity=day % 11, woke=bool(day % 2))
    client.force_login(clinician)
    # session, user, authenticator-app check, grant (gate), access log insert; medicines, their steps; one
    # statement for the days (and check-ins) of the period and of the trial-style summary's two windows;
    # episodes, their places and tags (one statement), and for their warning signs the patient's diagnoses,
    # and medicines; clinician notes; questionnaires; and the session's new idle
    # expiry (savepoint, update, release)
    with django_assert_num_queries(17):
        response = client.get(report(patient))
    assert len(response.context["trial"].summary.steps) == size


@pytest.mark.parametrize("size", [1, 5])
def test_the_review_reads_the_summary_in_a_fixed_number_of_queries(client, clinician, django_assert_num_queries, size):
    patient = PatientFactory()
    grant_access(patient, clinician)
    today = patient_today(patient)
    for number in range(size):
        medication = medication_add(
            patient=patient, name=f"Medicine {number}", started_on=today - dt.timedelta(days=40 + number)
        )
        medication_step_add(medication=medication, created_by=patient, kind="stopped", day=today - dt.timedelta(days=3))
    for day in range(size * 10):
        cramp(patient, today - dt.timedelta(days=day % 60), 23, severity=day % 11, woke=True)
    client.force_login(clinician)
    # As test_medication_steps' review count: the summary reuses the steps the charts read.
    with django_assert_num_queries(29):
        response = client.get(review(patient), WINDOWS)
    assert response.context["trial"].summary.baseline.first == BASELINE[0]
