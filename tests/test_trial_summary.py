"""The trial-grade summary: a baseline window against a treatment window, on a diary made by hand."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse

from tracker.clinic.trial import TrialChoice, default_periods, default_step, step_key, step_windows, trial_summary
from tracker.counting import daily_stats
from tracker.diary.services import medication_add, medication_step_add
from tracker.insights.figures import medication_steps
from tracker.models import CheckIn, MedicationStep

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access

pytestmark = pytest.mark.django_db

BASELINE = (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
TREATMENT = (dt.date(2026, 10, 15), dt.date(2026, 10, 21))
PERIODS = TrialChoice(BASELINE, TREATMENT)


def cramp(patient, day, hour, minute=0, *, severity, woke=False, kind=""):
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=patient.zone)
    EpisodeFactory(patient=patient, started_at=moment, severity=severity, woke_from_sleep=woke, event_kind=kind)


def no_cramps(patient, *days):
    for day in days:
        CheckIn.objects.create(patient=patient, day=day, status="none")


def october(day: int) -> dt.date:
    return dt.date(2026, 10, day)


@pytest.fixture
def diary(patient):
    """Two weeks of a hand-made diary, in UTC.

    Baseline, 1 to 7 Oct: the night before 1 Oct is broken by a cramp at 22:00 on 30 Sep (outside the
    window, severity 9); 1 Oct two cramps (6, 4) that did not wake, and a twitch (1); 2 Oct no cramps; 3 Oct
    23:30 and 4 Oct 02:00 two waking cramps (8, 5) in one night; 5 Oct nothing recorded; 6 Oct no cramps;
    7 Oct one cramp (2) and a spasm (7). Treatment, 15 to 21 Oct: 15, 17 and 19 Oct no cramps; 16 Oct one
    cramp (3) marked as a cramp; 18 Oct nothing recorded; 20 Oct 21:00 one waking cramp (4); 21 Oct nothing.
    """
    cramp(patient, dt.date(2026, 9, 30), 22, severity=9, woke=True)
    cramp(patient, october(1), 3, severity=6)
    cramp(patient, october(1), 15, severity=4)
    cramp(patient, october(1), 16, severity=1, kind="twitch")
    cramp(patient, october(3), 23, 30, severity=8, woke=True)
    cramp(patient, october(4), 2, severity=5, woke=True)
    cramp(patient, october(7), 10, severity=2)
    cramp(patient, october(7), 11, severity=7, kind="spasm")
    no_cramps(patient, october(2), october(6))
    cramp(patient, october(16), 14, severity=3, kind="cramp")
    cramp(patient, october(20), 21, severity=4, woke=True)
    no_cramps(patient, october(15), october(17), october(19))
    return patient


@pytest.fixture
def steps(patient):
    """Gabapentin from 1 Sep, magnesium from 3 Oct, baclofen from 12 Oct with a dose change on 16 Oct."""
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


def named(steps, name, kind="started"):
    return next(step for step in steps if step.medication.name == name and step.kind == kind)


class TestFigures:
    def test_a_spasm_on_a_day_not_recorded_is_counted_but_not_in_the_rate_per_recorded_day(self, diary):
        # 5 Oct has nothing recorded (no cramp, no check-in): its spasm is one of the window's, not of the days
        # its rate is over.
        cramp(diary, october(5), 12, severity=3, kind="spasm")
        summary = trial_summary(diary, PERIODS, [])
        assert (summary.baseline.spasms, summary.baseline.recorded_days) == (2, 6)
        assert summary.baseline.spasms_per_day == 0.17
        spasms = next(measure for measure in summary.measures if measure.label.startswith("Spasms"))
        assert spasms.baseline == 0.17

    def test_the_baseline_figures_count_cramps_only(self, diary):
        baseline = trial_summary(diary, PERIODS, []).baseline
        # Recorded: 1, 3, 4 and 7 Oct (cramps), 2 and 6 Oct (checked in as cramp-free); 5 Oct is not.
        assert (baseline.days, baseline.recorded_days, baseline.cramps) == (7, 6, 5)
        # The twitch of 1 Oct and the spasm of 7 Oct have their own rows: 1 each over 6 recorded days.
        assert (baseline.twitches, baseline.spasms, baseline.twitches_per_day, baseline.spasms_per_day) == (
            1,
            1,
            0.17,
            0.17,
        )
        # per recorded day: 5 / 6; per week: 7 x 5 / 6; cramp-free days per week: 7 x 2 / 6
        assert (baseline.cramps_per_day, baseline.cramps_per_week) == (0.83, 5.8)
        assert (baseline.cramp_free_days, baseline.cramp_free_days_per_week) == (2, 2.3)
        # Each day's worst: 1 Oct 6 (not the twitch), 3 Oct 8, 4 Oct 5, 7 Oct 2 (not the spasm's 7): 21 / 4.
        assert (baseline.mean_severity, baseline.worst_severity) == (round(21 / 4, 1), 8)
        # nights by their morning: 1 Oct (woken on 30 Sep at 22:00) and 4 Oct (woken twice) of the answered
        # nights of 1, 2 (the cramp at 15:00 on 1 Oct did not wake), 4, 6 (checked in, nothing logged) and
        # 7 Oct; the night before 3 Oct has nothing logged on a day with cramps, that before 5 Oct no record
        assert (baseline.nights_disturbed, baseline.nights_answered, baseline.night_share) == (2, 5, 40)

    def test_the_treatment_figures(self, diary):
        treatment = trial_summary(diary, PERIODS, []).treatment
        assert (treatment.days, treatment.recorded_days, treatment.cramps) == (7, 5, 2)
        assert (treatment.cramps_per_day, treatment.cramps_per_week) == (0.4, 2.8)
        # 15, 17 and 19 Oct: 7 x 3 / 5
        assert treatment.cramp_free_days_per_week == 4.2
        assert (treatment.mean_severity, treatment.worst_severity) == (3.5, 4)
        assert (treatment.spasms, treatment.twitches) == (0, 0)
        assert (treatment.nights_disturbed, treatment.nights_answered, treatment.night_share) == (1, 4, 25)

    def test_the_change_the_percent_change_and_the_responder(self, diary):
        summary = trial_summary(diary, PERIODS, [])
        assert summary.comparable
        measures = {measure.label: measure for measure in summary.measures}
        per_day = measures["Cramps per recorded day"]
        # 0.4 - 0.83, and that of 0.83
        assert (per_day.baseline, per_day.treatment, per_day.change, per_day.percent_change) == (0.83, 0.4, -0.43, -52)
        # 3 of 5 recorded days cramp-free against 2 of 6: 4.2 against 2.33 a week, +80% (from the rounded 2.3,
        # +83%).
        free = measures["Cramp-free days per week"]
        assert (free.baseline, free.treatment, free.change, free.percent_change) == (2.3, 4.2, 1.9, 80)
        # 3.5 against 21 / 4 = 5.25 (shown 5.2): -1.75, shown -1.8, and -33%.
        severity = measures["Mean of each day's worst severity (0\N{EN DASH}10)"]
        assert (severity.baseline, severity.change, severity.percent_change) == (5.2, -1.8, -33.3)
        # Twitching fell from 0.17 to 0 per recorded day: -100%.
        assert measures["Twitching per recorded day"].percent_change == -100
        # 0.4 is at most half of 0.83: a responder.
        assert summary.responder is True

    def test_cramps_exactly_halved_are_a_response_of_minus_50_percent(self, patient):
        """2 cramps in 6 recorded days against 1 in 6: shown 0.33 and 0.17, which would read as -48% and not a
        responder if the change were worked out from the rounded rates."""
        august = [dt.date(2026, 8, day) for day in range(1, 16)]
        cramp(patient, august[0], 10, severity=5)
        cramp(patient, august[3], 10, severity=5)
        no_cramps(patient, august[1], august[2], august[4], august[5])
        cramp(patient, august[9], 10, severity=5)
        no_cramps(patient, *august[10:15])
        summary = trial_summary(patient, TrialChoice((august[0], august[5]), (august[9], august[14])), [])
        per_day = next(measure for measure in summary.measures if measure.label == "Cramps per recorded day")
        assert (per_day.baseline, per_day.treatment, per_day.change, per_day.percent_change) == (0.33, 0.17, -0.17, -50)
        assert summary.responder is True

    def test_a_fall_just_short_of_half_reads_as_such_and_is_not_a_response(self, patient):
        """9 cramps on 5 recorded days against 19 on 21: -49.7%, which a whole percentage would show as -50%."""
        days = [dt.date(2026, 8, 1) + dt.timedelta(days=offset) for offset in range(40)]
        for day in days[:5]:
            cramp(patient, day, 9, severity=4)
        for day in days[:4]:
            cramp(patient, day, 15, severity=4)
        for day in days[10:29]:
            cramp(patient, day, 9, severity=4)
        no_cramps(patient, days[29], days[30])
        summary = trial_summary(patient, TrialChoice((days[0], days[4]), (days[10], days[30])), [])
        per_day = next(measure for measure in summary.measures if measure.label == "Cramps per recorded day")
        assert (per_day.baseline, per_day.treatment, per_day.percent_change) == (1.8, 0.9, -49.7)
        assert summary.responder is False

    def test_a_fall_of_less_than_half_is_not_a_response(self, diary):
        # 18 to 21 Oct: 1 cramp on 2 recorded days (19 and 20 Oct), 0.5 per day, against 0.83.
        summary = trial_summary(diary, TrialChoice(BASELINE, (october(18), october(21))), [])
        assert summary.treatment.cramps_per_day == 0.5
        assert summary.comparable
        assert summary.responder is False

    def test_a_window_with_fewer_than_half_of_its_days_recorded_is_not_compared(self, diary):
        # 18 to 22 Oct: 2 of 5 days recorded; 18 to 21 Oct: 2 of 4, exactly half, is enough.
        summary = trial_summary(diary, TrialChoice(BASELINE, (october(18), october(22))), [])
        assert (summary.treatment.recorded_days, summary.treatment.days) == (2, 5)
        assert not summary.treatment.enough_recorded
        assert not summary.comparable
        assert summary.responder is None
        assert trial_summary(diary, TrialChoice(BASELINE, (october(18), october(21))), []).comparable

    def test_a_window_without_any_record_has_no_rates(self, diary):
        empty = trial_summary(diary, TrialChoice((dt.date(2026, 8, 1), dt.date(2026, 8, 28)), TREATMENT), []).baseline
        assert (empty.days, empty.recorded_days, empty.cramps) == (28, 0, 0)
        assert empty.cramps_per_day is None
        assert empty.cramp_free_days_per_week is None
        assert empty.mean_severity is None
        assert empty.night_share is None

    def test_a_had_cramps_answer_without_a_cramp_logged_is_not_a_recorded_day(self, patient):
        CheckIn.objects.create(patient=patient, day=october(2), status="cramps")
        no_cramps(patient, october(3))
        days = daily_stats(patient, october(2), october(3))
        assert days[october(2)].state == "cramps"
        assert [day.recorded for day in days.values()] == [False, True]

    def test_nights_run_from_noon_to_noon_in_the_patients_own_zone(self):
        patient = PatientFactory(time_zone="America/New_York")
        zone = zoneinfo.ZoneInfo("America/New_York")
        for moment in (dt.datetime(2026, 10, 3, 23, 30, tzinfo=zone), dt.datetime(2026, 10, 4, 2, 0, tzinfo=zone)):
            EpisodeFactory(patient=patient, started_at=moment, severity=5, woke_from_sleep=True)
        EpisodeFactory(
            patient=patient, started_at=dt.datetime(2026, 10, 4, 12, 0, tzinfo=zone), severity=5, woke_from_sleep=True
        )
        window = trial_summary(patient, TrialChoice((october(3), october(5)), (october(6), october(6))), []).baseline
        assert (window.cramps, window.recorded_days) == (3, 2)
        assert (window.nights_disturbed, window.nights_answered) == (2, 2)


class TestWindows:
    def test_the_default_step_is_the_latest_start_or_dose_change_half_way_into_its_treatment_window(self, steps):
        # On 21 Oct magnesium's treatment window (from 17 Oct, after 14 days of titration) has run 5 of its 28
        # days, baclofen's have not begun: gabapentin's start is compared.
        assert (default_step(steps, october(21)).medication.name, default_step(steps, october(21)).kind) == (
            "Gabapentin",
            "started",
        )
        # Magnesium's window has run 14 days on 30 Oct, baclofen's start's on 8 Nov, its dose change's on 12 Nov.
        assert default_step(steps, october(29)).medication.name == "Gabapentin"
        assert default_step(steps, october(30)).medication.name == "Magnesium"
        assert default_step(steps, dt.date(2026, 11, 7)).medication.name == "Magnesium"
        assert default_step(steps, dt.date(2026, 11, 8)).kind == "started"
        assert default_step(steps, dt.date(2026, 11, 11)).medication.name == "Baclofen"
        assert default_step(steps, dt.date(2026, 11, 12)).kind == "dose_changed"
        assert default_step([], october(30)) is None

    def test_a_treatment_window_still_running_is_judged_against_its_28_days(self, patient):
        """A step whose titration ended yesterday: 28 recorded days of baseline against 1 cramp-free day is no
        response to treatment, and is not compared."""
        started = dt.date(2026, 9, 1)
        medication_add(patient=patient, name="Quinine", dose="200 mg", started_on=started)
        [step] = medication_steps(patient, dt.date(2026, 12, 1))
        today = started + dt.timedelta(days=14)
        for offset in range(1, 29):
            cramp(patient, started - dt.timedelta(days=offset), 10, severity=5)
        no_cramps(patient, today)
        choice = TrialChoice(*step_windows(step, 14, today), step, 14)
        summary = trial_summary(patient, choice, [step])
        assert (summary.treatment.days, summary.treatment.full_days, summary.treatment.recorded_days) == (1, 28, 1)
        assert not summary.comparable
        assert summary.responder is None
        # With 14 of its 28 days recorded, cramp-free, it is.
        today += dt.timedelta(days=13)
        no_cramps(patient, *(today - dt.timedelta(days=offset) for offset in range(13)))
        summary = trial_summary(patient, TrialChoice(*step_windows(step, 14, today), step, 14), [step])
        assert (summary.treatment.days, summary.treatment.recorded_days, summary.comparable) == (14, 14, True)
        assert summary.responder is True

    def test_the_28_days_before_the_step_against_the_28_after_its_titration(self, steps):
        step = named(steps, "Baclofen")
        assert step_windows(step, 14, dt.date(2026, 12, 31)) == (
            (dt.date(2026, 9, 14), october(11)),
            (october(26), dt.date(2026, 11, 22)),
        )
        # Up to today; a treatment window that has not begun is empty.
        assert step_windows(step, 14, october(30))[1] == (october(26), october(30))
        assert step_windows(step, 14, october(20))[1] == (october(26), october(20))

    def test_the_titration_days_are_skipped_and_the_other_steps_listed_where_they_fall(self, diary, steps):
        step = named(steps, "Baclofen")
        choice = TrialChoice(*step_windows(step, 3, october(21)), step, 3)
        assert choice.treatment == TREATMENT
        assert choice.titration == (october(12), october(14))
        summary = trial_summary(diary, choice, steps)
        assert summary.treatment.cramps == 2
        # The chosen step is the summary's subject, not listed; gabapentin started before the baseline.
        assert [(item.step.medication.name, item.step.kind, item.position) for item in summary.steps] == [
            ("Magnesium", "started", "during the baseline"),
            ("Baclofen", "dose_changed", "during the treatment window"),
        ]
        # 14 Sep to 11 Oct: 7 of 28 days recorded (30 Sep and six in October), too few to compare.
        assert (summary.baseline.days, summary.baseline.recorded_days) == (28, 7)
        assert not summary.comparable

    def test_a_titration_step_is_listed_as_such(self, diary, steps):
        step = named(steps, "Baclofen")
        summary = trial_summary(diary, TrialChoice(*step_windows(step, 7, october(30)), step, 7), steps)
        assert ("dose_changed", "during the titration period") in [
            (item.step.kind, item.position) for item in summary.steps
        ]

    def test_without_a_step_the_last_28_days_against_the_28_before(self):
        today = october(25)
        assert default_periods(today) == (
            (dt.date(2026, 8, 31), dt.date(2026, 9, 27)),
            (dt.date(2026, 9, 28), today),
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
    def test_the_clinician_compares_two_periods_and_reads_the_figures_and_the_caveat(
        self, client, clinician, diary, steps, page
    ):
        grant_access(diary, clinician)
        client.force_login(clinician)
        response = client.get(page(diary), WINDOWS)
        summary = response.context["trial"].summary
        assert (summary.baseline.first, summary.treatment.last) == (BASELINE[0], TREATMENT[1])
        assert summary.step is None
        html = re.sub(r">\s+<", "><", response.content.decode())
        assert "Before and after: two periods" in html
        # Magnesium started inside the baseline and baclofen between and inside: not "no treatment change".
        assert "No treatment change" not in html
        assert "The medication changed around them" in html
        assert "Baclofen dose changed, 10 mg (side effects noted: Drowsiness)" in html
        assert "<td>0.83</td><td>0.4</td>" in html
        assert "-52.0%" in html
        assert "<strong>Responder:</strong> cramps per recorded day fell by 50% or more." in html
        assert "Twitching per recorded day" in html
        assert "Observational data, not a trial." in html
        assert "cannot show that a medicine caused a change" in html

    def test_two_periods_without_any_step_say_no_treatment_change(self, client, clinician, diary):
        grant_access(diary, clinician)
        client.force_login(clinician)
        html = client.get(review(diary), WINDOWS).content.decode()
        assert "No treatment change" in html

    def test_too_few_days_recorded_is_said_instead_of_the_comparison(self, client, clinician, diary):
        grant_access(diary, clinician)
        client.force_login(clinician)
        response = client.get(
            review(diary), {**WINDOWS, "treatment_start": "2026-10-18", "treatment_end": "2026-10-22"}
        )
        html = response.content.decode()
        assert "Too few days recorded to compare" in html
        assert "the treatment window has 2 of 5" in html
        assert "<strong>Responder" not in html
        assert "Not a responder" not in html
        assert "-52.0%" not in html

    def test_a_window_without_a_recorded_day_has_its_cramps_not_recorded_not_zero(self, client, clinician, diary):
        grant_access(diary, clinician)
        client.force_login(clinician)
        response = client.get(
            review(diary), {**WINDOWS, "treatment_start": "2026-11-01", "treatment_end": "2026-11-07"}
        )
        html = re.sub(r">\s+<", "><", response.content.decode())
        assert "<td>6 of 7</td><td>0 of 7</td>" in html
        assert '<th scope="row">Cramps logged</th><td>5</td><td>Not recorded</td>' in html

    def test_the_default_is_the_latest_settled_step_with_its_label(self, client, clinician, patient):
        today = patient.today()
        started = today - dt.timedelta(days=40)
        medication = medication_add(patient=patient, name="Mexiletine", dose="150 mg", started_on=started)
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(review(patient))
        trial = response.context["trial"]
        assert trial.form.initial["step"] == f"{medication.pk}:started:{started.isoformat()}"
        assert trial.form.initial["titration_days"] == 14
        assert (trial.summary.baseline.first, trial.summary.baseline.last) == (
            started - dt.timedelta(days=28),
            started - dt.timedelta(days=1),
        )
        assert (trial.summary.treatment.first, trial.summary.treatment.last) == (started + dt.timedelta(days=14), today)
        html = response.content.decode()
        assert f"Before and after: Mexiletine started {started.day} {started:%b %Y}" in html
        assert "a titration period of 14 days" in html

    def test_the_clinician_chooses_the_step_and_the_titration(self, client, clinician, patient):
        today = patient.today()
        medication = medication_add(patient=patient, name="Mexiletine", started_on=today - dt.timedelta(days=60))
        medication_step_add(
            medication=medication, created_by=patient, kind="dose_changed", day=today - dt.timedelta(days=40), dose="2"
        )
        first = MedicationStep(medication=medication, kind="started", day=today - dt.timedelta(days=60))
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(review(patient), {"step": step_key(first), "titration_days": "0"})
        summary = response.context["trial"].summary
        assert summary.step.kind == "started"
        assert summary.treatment.first == today - dt.timedelta(days=60)
        assert [item.position for item in summary.steps] == ["during the treatment window"]
        assert "no titration period left out" in response.content.decode()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"baseline_end": "2026-09-20"}, "baseline_end", "The end is before the start."),
            ({"treatment_end": "2099-01-01"}, "treatment_end", "This is after today"),
            ({"baseline_start": "2025-09-01"}, "baseline_end", "at most a year (366 days) long"),
            ({"treatment_start": "2026-10-05"}, "treatment_start", "The windows overlap"),
            (
                {"treatment_start": "2026-09-01", "treatment_end": "2026-09-07"},
                "treatment_start",
                "The treatment window comes after the baseline, which starts on 1 Oct 2026.",
            ),
            ({"treatment_start": ""}, "treatment_start", "Choose a date, or a medication step above."),
            ({"baseline_start": "yesterday"}, "baseline_start", "Enter the date as year-month-day"),
            ({"baseline_start": "0001-01-01"}, "baseline_start", "Enter a date between 1900 and 2100."),
            ({"step": "bogus"}, "step", "Select a valid choice."),
            ({"titration_days": "-1"}, "titration_days", "greater than or equal to 0"),
        ],
    )
    @pytest.mark.parametrize("page", [review, report])
    def test_bad_choices_are_explained_next_to_the_field_and_the_defaults_are_used(
        self, client, clinician, patient, page, changes, field, message
    ):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(page(patient), {**WINDOWS, **changes})
        assert response.status_code == 200
        trial = response.context["trial"]
        assert message in trial.form.errors[field][0]
        today = patient.today()
        assert (trial.summary.treatment.first, trial.summary.treatment.last) == (today - dt.timedelta(days=27), today)
        html = response.content.decode()
        assert "These windows could not be used" in html
        assert f'id="div_id_{field}"' in html

    def test_only_one_date_given_asks_for_the_others(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(report(patient), {"baseline_start": "2026-10-01"})
        assert response.status_code == 200
        assert set(response.context["trial"].form.errors) == {"baseline_end", "treatment_start", "treatment_end"}

    def test_a_step_and_dates_together_are_named_not_passed_over(self, client, clinician, patient):
        medication_add(patient=patient, name="Quinine", started_on=dt.date(2026, 9, 1))
        [step] = medication_steps(patient, patient.today())
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(review(patient), {"step": step_key(step), **WINDOWS})
        assert response.context["trial"].form.errors["step"] == [
            "Choose “None: compare two periods” here to compare the dates below, or clear the dates."
        ]

    def test_the_comparison_chosen_is_kept_by_the_charts_form_and_carried_to_the_visit_report(
        self, client, clinician, patient
    ):
        grant_access(patient, clinician)
        client.force_login(clinician)
        html = client.get(review(patient), {**WINDOWS, "kind": "spasm"}).content.decode()
        report_link = re.search(r'href="([^"]*/report/[^"]*)"', html)[1].replace("&amp;", "&")
        for name, value in WINDOWS.items():
            assert f"{name}={value}" in report_link
            assert f'<input type="hidden" name="{name}" value="{value}">' in html
        # The comparison's own form keeps the charts' kind of event.
        trial_form = html.split('aria-labelledby="trial-heading"')[1].split("</form>")[0]
        assert '<input type="hidden" name="kind" value="spasm">' in trial_form
        report_trial = client.get(report_link).context["trial"].summary
        assert (report_trial.baseline.first, report_trial.treatment.last) == (
            dt.date.fromisoformat(WINDOWS["baseline_start"]),
            dt.date.fromisoformat(WINDOWS["treatment_end"]),
        )

    def test_a_step_not_offered_is_the_one_mistake_named(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(report(patient), {"step": "bogus"})
        assert set(response.context["trial"].form.errors) == {"step"}

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
def test_the_review_reads_the_summary_in_a_fixed_number_of_queries(client, clinician, django_assert_num_queries, size):
    patient = PatientFactory()
    grant_access(patient, clinician)
    today = patient.today()
    for number in range(size):
        medication = medication_add(
            patient=patient, name=f"Medicine {number}", started_on=today - dt.timedelta(days=40 + number)
        )
        medication_step_add(medication=medication, created_by=patient, kind="stopped", day=today - dt.timedelta(days=3))
    for day in range(size * 10):
        cramp(patient, today - dt.timedelta(days=day % 60), 23, severity=day % 11, woke=True)
    client.force_login(clinician)
    # As test_medication_steps' review count: the summary reuses the steps the charts read.
    with django_assert_num_queries(27):
        response = client.get(review(patient), WINDOWS)
    assert response.context["trial"].summary.baseline.first == BASELINE[0]
