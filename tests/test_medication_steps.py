"""A medicine's history as steps: the rules, the dates they keep, the windows around each step, the pages."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tracker.diary.account_deletion import patient_account_delete
from tracker.diary.services import (
    medication_add,
    medication_step_add,
    medication_step_delete,
    medication_step_update,
    medication_update,
)
from tracker.models import CareGrant, CheckIn, Medication, MedicationStep, SideEffect

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, medication_effects

pytestmark = pytest.mark.django_db

STARTED, CHANGED, STOPPED = "started", "dose_changed", "stopped"
SEP_1, OCT_1 = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def add(medication, kind, day, dose="", **fields) -> MedicationStep:
    return medication_step_add(
        medication=medication, created_by=medication.patient, kind=kind, day=day, dose=dose, **fields
    )


@pytest.fixture
def baclofen(patient):
    """Started on 1 Sep at 5 mg, changed to 10 mg on 15 Sep, stopped on 1 Oct."""
    medication = medication_add(patient=patient, name="Baclofen", dose="5 mg at night", started_on=SEP_1)
    add(medication, CHANGED, dt.date(2026, 9, 15), "10 mg at night")
    add(medication, STOPPED, OCT_1)
    medication.refresh_from_db()
    return medication


class TestRules:
    def test_steps_keep_the_medicines_dates_and_current_dose(self, baclofen):
        assert (baclofen.started_on, baclofen.stopped_on, baclofen.dose) == (SEP_1, OCT_1, "10 mg at night")
        assert [(step.kind, step.day) for step in baclofen.timeline()] == [
            (STARTED, SEP_1),
            (CHANGED, dt.date(2026, 9, 15)),
            (STOPPED, OCT_1),
        ]

    @pytest.mark.parametrize(
        ("kind", "day", "dose", "field", "message"),
        [
            (CHANGED, dt.date(2026, 8, 31), "20 mg", "day", "before the medicine started (1 Sep 2026)"),
            (CHANGED, dt.date(2026, 10, 2), "20 mg", "day", "after the medicine was stopped (1 Oct 2026)"),
            (STARTED, dt.date(2026, 8, 1), "5 mg", "kind", "already started on 1 Sep 2026"),
            (STOPPED, dt.date(2026, 10, 5), "", "kind", "already stopped on 1 Oct 2026"),
            (CHANGED, None, "20 mg", "day", "Enter the date"),
            (CHANGED, dt.date(2026, 9, 20), "", "dose", "Write the new dose"),
            (CHANGED, dt.date(2026, 9, 20), "x" * 121, "dose", "at most 120 characters"),
        ],
    )
    def test_a_step_that_breaks_the_order_is_refused_with_its_field_and_nothing_changes(
        self, baclofen, kind, day, dose, field, message
    ):
        with pytest.raises(ValidationError) as refused:
            add(baclofen, kind, day, dose)
        assert message in " ".join(refused.value.message_dict[field])
        assert baclofen.steps.count() == 3
        baclofen.refresh_from_db()
        assert (baclofen.started_on, baclofen.stopped_on, baclofen.dose) == (SEP_1, OCT_1, "10 mg at night")

    def test_every_field_of_a_step_is_told_its_problem_at_once(self, baclofen):
        """Fixing the date should not reveal that the dose was missing too."""
        with pytest.raises(ValidationError) as refused:
            add(baclofen, CHANGED, dt.date(2026, 8, 31), "")
        assert refused.value.message_dict == {
            "day": ["This is before the medicine started (1 Sep 2026)."],
            "dose": ["Write the new dose, as your prescriber or the label says."],
        }

    def test_a_stop_before_the_last_step_is_refused(self, patient):
        medication = medication_add(patient=patient, name="Gabapentin", started_on=SEP_1)
        add(medication, CHANGED, dt.date(2026, 9, 20), "300 mg")
        with pytest.raises(ValidationError) as refused:
            add(medication, STOPPED, dt.date(2026, 9, 10))
        assert refused.value.message_dict["day"] == ["The stop cannot be before the last change (20 Sep 2026)."]

    def test_a_start_after_an_existing_change_is_refused(self, patient):
        medication = medication_add(patient=patient, name="Gabapentin")
        add(medication, CHANGED, dt.date(2026, 9, 20), "300 mg")
        with pytest.raises(ValidationError) as refused:
            add(medication, STARTED, dt.date(2026, 9, 25))
        assert "there is a change on 20 Sep 2026" in refused.value.message_dict["day"][0]

    def test_a_step_in_the_future_is_refused(self, patient):
        medication = medication_add(patient=patient, name="Magnesium")
        tomorrow = patient.today() + dt.timedelta(days=1)
        with pytest.raises(ValidationError) as refused:
            add(medication, STARTED, tomorrow)
        assert "in the future" in refused.value.message_dict["day"][0]
        assert not MedicationStep.objects.exists()

    def test_a_stop_has_no_dose(self, baclofen):
        step = baclofen.steps.get(kind=STOPPED)
        with pytest.raises(ValidationError) as refused:
            medication_step_update(
                step=step, kind=STOPPED, day=OCT_1, dose="5 mg", side_effects=[], side_effect_other=""
            )
        assert "Leave the dose empty" in refused.value.message_dict["dose"][0]

    @pytest.mark.parametrize("side_effects", [["itching"], ["drowsiness", "<script>"]])
    def test_an_unknown_side_effect_is_refused(self, baclofen, side_effects):
        with pytest.raises(ValidationError) as refused:
            add(baclofen, CHANGED, dt.date(2026, 9, 20), "15 mg", side_effects=side_effects)
        assert "side_effects" in refused.value.message_dict
        assert baclofen.steps.count() == 3

    def test_side_effects_are_stored_in_order_and_other_text_notes_other(self, baclofen):
        step = add(
            baclofen,
            CHANGED,
            dt.date(2026, 9, 20),
            "15 mg",
            side_effects=["weakness", "drowsiness", "drowsiness"],
            side_effect_other="dry mouth",
        )
        step.refresh_from_db()
        assert step.side_effects == ["drowsiness", "weakness", "other"]
        assert step.side_effect_labels == ["Drowsiness", "Weakness", "other: dry mouth"]

    def test_the_same_dose_change_twice_on_one_date_is_refused_once_stored(self, baclofen):
        """A form sent twice stores one step; another dose on that date would stand in no order beside it, and
        the windows before and after each could not be told apart."""
        day = dt.date(2026, 9, 20)
        add(baclofen, CHANGED, day, "20 mg")
        with pytest.raises(ValidationError) as refused:
            add(baclofen, CHANGED, day, " 20 mg ")
        assert refused.value.message_dict == {"day": ["This medicine already changed to this dose on 20 Sep 2026."]}
        with pytest.raises(ValidationError) as refused:
            add(baclofen, CHANGED, day, "25 mg")
        assert refused.value.message_dict == {
            "day": [
                "This medicine already changed dose on 20 Sep 2026 (to 20 mg). Edit that change, or put this one on "
                "the day it was made."
            ]
        }
        assert [step.dose for step in baclofen.timeline() if step.day == day] == ["20 mg"]

    def test_steps_on_the_same_date_sort_start_first_and_stop_last(self, patient):
        medication = medication_add(patient=patient, name="Magnesium")
        add(medication, STOPPED, SEP_1)
        add(medication, STARTED, SEP_1, "250 mg")
        assert [step.kind for step in medication.timeline()] == [STARTED, STOPPED]

    def test_moving_and_removing_steps_updates_the_medicine(self, baclofen):
        change = baclofen.steps.get(kind=CHANGED)
        medication_step_update(
            step=change,
            kind=CHANGED,
            day=dt.date(2026, 9, 16),
            dose="7.5 mg",
            side_effects=["dizziness"],
            side_effect_other="",
        )
        baclofen.refresh_from_db()
        assert baclofen.dose == "7.5 mg"
        medication_step_delete(step=baclofen.steps.get(kind=STOPPED))
        medication_step_delete(step=baclofen.steps.get(kind=STARTED))
        baclofen.refresh_from_db()
        assert (baclofen.started_on, baclofen.stopped_on) == (None, None)


class TestConstraints:
    """The database holds the same rules as the service, both ways."""

    @pytest.mark.parametrize(
        "fields",
        [
            {"kind": CHANGED, "dose": ""},
            {"kind": STOPPED, "dose": "5 mg"},
            {"kind": "restarted", "dose": ""},
            {"kind": STARTED, "dose": "5 mg"},
        ],
    )
    def test_a_step_against_the_constraints_is_refused_by_full_clean_and_the_database(self, baclofen, fields):
        step = MedicationStep(patient=baclofen.patient, medication=baclofen, day=SEP_1, **fields)
        with pytest.raises(ValidationError):
            step.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            MedicationStep.objects.create(patient=baclofen.patient, medication=baclofen, day=SEP_1, **fields)


class TestMedicationForm:
    """The start and stop on the medicine's own form are its start and stop steps."""

    def test_adding_a_medicine_with_dates_makes_its_steps(self, patient):
        medication = medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=SEP_1, stopped_on=OCT_1)
        assert [(step.kind, step.day, step.dose) for step in medication.steps.order_by("day")] == [
            (STARTED, SEP_1, "5 mg"),
            (STOPPED, OCT_1, ""),
        ]

    def test_changing_the_dates_moves_the_steps_and_keeps_the_dose_changes(self, baclofen):
        medication_update(
            medication=baclofen, name="Baclofen", dose="2.5 mg", started_on=dt.date(2026, 8, 20), stopped_on=None
        )
        baclofen.refresh_from_db()
        assert [(step.kind, step.day, step.dose) for step in baclofen.timeline()] == [
            (STARTED, dt.date(2026, 8, 20), "2.5 mg"),
            (CHANGED, dt.date(2026, 9, 15), "10 mg at night"),
        ]
        assert (baclofen.started_on, baclofen.stopped_on, baclofen.dose) == (
            dt.date(2026, 8, 20),
            None,
            "10 mg at night",
        )

    def test_a_start_after_a_dose_change_is_refused_on_the_start_date(self, baclofen):
        with pytest.raises(ValidationError) as refused:
            medication_update(
                medication=baclofen, name="Baclofen", dose="5 mg", started_on=dt.date(2026, 9, 20), stopped_on=OCT_1
            )
        assert "there is a change on 15 Sep 2026" in refused.value.message_dict["started_on"][0]
        baclofen.refresh_from_db()
        assert baclofen.started_on == SEP_1

    def test_moving_start_and_stop_together_is_checked_as_a_whole(self, patient):
        medication = medication_add(patient=patient, name="Magnesium", started_on=SEP_1, stopped_on=OCT_1)
        medication_update(
            medication=medication,
            name="Magnesium",
            dose="",
            started_on=dt.date(2026, 10, 5),
            stopped_on=dt.date(2026, 11, 1),
        )
        medication.refresh_from_db()
        assert (medication.started_on, medication.stopped_on) == (dt.date(2026, 10, 5), dt.date(2026, 11, 1))

    def test_a_future_start_date_is_refused_next_to_the_field(self, client, patient):
        client.force_login(patient)
        tomorrow = (patient.today() + dt.timedelta(days=1)).isoformat()
        response = client.post(reverse("tracker:medication_new"), {"name": "Magnesium", "started_on": tomorrow})
        assert response.status_code == 200
        assert "in the future" in response.context["form"].errors["started_on"][0]
        assert not Medication.objects.exists()


class TestExistingMedicines:
    def test_a_medicine_stored_with_dates_only_reads_them_as_steps(self, patient):
        medication = Medication.objects.create(patient=patient, name="Magnesium", dose="250 mg", started_on=SEP_1)
        [step] = medication.timeline()
        assert (step.pk, step.kind, step.day, step.dose) == (None, STARTED, SEP_1, "250 mg")

    def test_the_first_step_written_stores_the_dates_as_steps_first(self, patient):
        medication = Medication.objects.create(patient=patient, name="Magnesium", started_on=SEP_1, stopped_on=OCT_1)
        with pytest.raises(ValidationError):
            add(medication, CHANGED, dt.date(2026, 8, 1), "500 mg")
        add(medication, CHANGED, dt.date(2026, 9, 10), "500 mg")
        assert [step.kind for step in medication.timeline()] == [STARTED, CHANGED, STOPPED]
        assert MedicationStep.objects.filter(medication=medication).count() == 3

    def test_the_migration_turns_dates_into_steps(self, patient):
        migration = __import__("tracker.migrations.0008_medication_steps", fromlist=["steps_from_dates"])
        Medication.objects.create(patient=patient, name="Magnesium", dose="250 mg", started_on=SEP_1, stopped_on=OCT_1)
        Medication.objects.create(patient=patient, name="Undated")
        migration.steps_from_dates(apps, None)
        steps = MedicationStep.objects.order_by("day")
        assert [(step.medication.name, step.kind, step.day, step.dose) for step in steps] == [
            ("Magnesium", STARTED, SEP_1, "250 mg"),
            ("Magnesium", STOPPED, OCT_1, ""),
        ]


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


class TestStepWindows:
    """Each step is set against the days before it and from it, cut at the neighbouring steps and today."""

    def test_windows_are_cut_at_the_neighbouring_steps(self, baclofen):
        [effect] = medication_effects(baclofen.patient, dt.date(2026, 11, 25))
        windows = [
            (change.step.kind, window.first, window.last, window.days, window.clipped)
            for change in effect.steps
            for window in (change.before, change.after)
        ]
        assert windows == [
            (STARTED, dt.date(2026, 8, 4), dt.date(2026, 8, 31), 28, ""),
            (STARTED, SEP_1, dt.date(2026, 9, 14), 14, "next step"),
            (CHANGED, SEP_1, dt.date(2026, 9, 14), 14, "previous step"),
            (CHANGED, dt.date(2026, 9, 15), dt.date(2026, 9, 30), 16, "next step"),
            (STOPPED, dt.date(2026, 9, 15), dt.date(2026, 9, 30), 16, "previous step"),
            (STOPPED, OCT_1, dt.date(2026, 10, 28), 28, ""),
        ]

    def test_the_window_after_the_latest_step_stops_at_today(self, patient):
        today = patient.today()
        medication = medication_add(patient=patient, name="Magnesium", started_on=today - dt.timedelta(days=5))
        [effect] = medication_effects(patient, today)
        after = effect.steps[0].after
        assert (after.last, after.days, after.clipped) == (today, 6, "today")
        assert medication.timeline()[0].day == today - dt.timedelta(days=5)

    def test_two_steps_on_one_date_leave_an_empty_window_between_them(self, patient):
        medication = medication_add(patient=patient, name="Magnesium", started_on=SEP_1)
        add(medication, CHANGED, SEP_1, "500 mg")
        [effect] = medication_effects(patient, dt.date(2026, 11, 25))
        assert effect.steps[0].after.days == 0
        assert effect.steps[1].before.days == 0
        assert effect.steps[0].after.cramps_per_week is None

    def test_a_step_on_the_first_day_of_records_has_no_rate_before_it(self, patient):
        # The diary begins on the day the medicine starts: before it nothing is recorded, which is not zero cramps.
        medication_add(patient=patient, name="Baclofen", started_on=SEP_1)
        EpisodeFactory(patient=patient, started_at=at_noon(SEP_1), severity=4)
        CheckIn.objects.create(patient=patient, day=SEP_1, status="cramps")
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 9, 2), status="none")
        [effect] = medication_effects(patient, dt.date(2026, 11, 25))
        before, after = effect.steps[0].before, effect.steps[0].after
        assert (before.days, before.recorded_days, before.cramps, before.cramps_per_week) == (28, 0, 0, None)
        assert (after.recorded_days, after.cramps, after.cramps_per_week, after.mean_severity) == (2, 1, 3.5, 4)

    def test_after_the_records_stop_a_window_counts_only_the_recorded_days(self, patient):
        # The diary stops three days after the medicine stops: the rate is over those three days only.
        medication_add(patient=patient, name="Baclofen", started_on=SEP_1, stopped_on=OCT_1)
        for day in (OCT_1, dt.date(2026, 10, 2)):
            EpisodeFactory(patient=patient, started_at=at_noon(day), severity=6)
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 10, 3), status="none")
        [effect] = medication_effects(patient, dt.date(2026, 11, 25))
        after_stop = effect.steps[1].after
        assert (after_stop.days, after_stop.recorded_days, after_stop.cramps) == (28, 3, 2)
        assert after_stop.cramps_per_week == 4.7
        assert after_stop.cramps_per_day == 0.67

    def test_a_medicine_without_any_dated_step_has_no_windows(self, patient):
        medication_add(patient=patient, name="Magnesium")
        assert medication_effects(patient, dt.date(2026, 11, 25)) == []


def step_data(**fields) -> dict:
    data = {"kind": CHANGED, "day": "2026-09-20", "dose": "15 mg", "side_effects": [], "side_effect_other": ""}
    data.update(fields)
    return {f"step-{name}": value for name, value in data.items()}


class TestPages:
    def test_the_patient_adds_a_step_from_the_medicines_page(self, client, baclofen):
        client.force_login(baclofen.patient)
        url = reverse("tracker:medication_step_new", args=[baclofen.uuid])
        response = client.post(url, step_data(side_effects=["drowsiness"]))
        assert response.status_code == 302
        assert response["Location"] == reverse("tracker:medication_edit", args=[baclofen.uuid])
        html = client.get(response["Location"]).content.decode()
        assert "15 mg" in html
        assert "Side effects noted: Drowsiness" in html

    def test_the_step_form_offers_every_side_effect_as_a_labelled_checkbox(self, client, baclofen):
        client.force_login(baclofen.patient)
        html = client.get(reverse("tracker:medication_edit", args=[baclofen.uuid])).content.decode()
        for index, label in enumerate(SideEffect.labels):
            assert f'type="checkbox" name="step-side_effects" value="{SideEffect.values[index]}"' in html
            assert f'for="id_step-side_effects_{index}">{escape(label)}</label>' in html

    def test_new_side_effects_are_stored_from_the_step_form_shown_and_exported(self, client, baclofen):
        client.force_login(baclofen.patient)
        url = reverse("tracker:medication_step_new", args=[baclofen.uuid])
        effects = ["tinnitus", "nausea", "palpitations", "rash", "visual_changes", "tremor", "unsteadiness"]
        client.post(url, step_data(side_effects=effects, side_effect_other="dry mouth"))
        step = baclofen.steps.get(day=dt.date(2026, 9, 20))
        expected = ["unsteadiness", "nausea", "tremor", "palpitations", "tinnitus", "visual_changes", "rash", "other"]
        assert step.side_effects == expected
        assert step.side_effect_other == "dry mouth"
        html = client.get(reverse("tracker:medication_edit", args=[baclofen.uuid])).content.decode()
        assert (
            "Side effects noted: Unsteadiness, Nausea, Tremor, Palpitations (a racing or pounding heart), "
            "Ringing in the ears (tinnitus), Changes in your sight, Rash, other: dry mouth" in html
        )
        record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
        [exported] = [item for item in record["medications"][0]["steps"] if item["day"] == "2026-09-20"]
        assert [effect["label"] for effect in exported["side_effects"]][4:] == [
            "Ringing in the ears (tinnitus)",
            "Changes in your sight",
            "Rash",
            "Other",
        ]
        assert exported["side_effect_other"] == "dry mouth"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"day": "2026-08-01"}, "day"),
            ({"day": "2026-10-20"}, "day"),
            ({"day": ""}, "day"),
            ({"day": "31/31/2026"}, "day"),
            ({"kind": STARTED}, "kind"),
            ({"kind": "restarted"}, "kind"),
            ({"side_effects": ["itching"]}, "side_effects"),
            ({"dose": "x" * 121}, "dose"),
            ({"dose": ""}, "dose"),
            ({"dose": "20 mg\u202e"}, "dose"),
        ],
    )
    def test_bad_input_is_shown_next_to_the_field_keeps_what_was_typed_and_writes_nothing(
        self, client, baclofen, fields, field
    ):
        client.force_login(baclofen.patient)
        url = reverse("tracker:medication_step_new", args=[baclofen.uuid])
        response = client.post(url, step_data(side_effect_other="a rash", **fields))
        assert response.status_code == 200
        [message, *_] = response.context["step_form"].errors[field]
        html = response.content.decode()
        assert 'value="a rash"' in html
        next_to_field = html[html.index(f'id="div_id_step-{field}"') :][:6000]
        assert escape(message) in next_to_field
        assert baclofen.steps.count() == 3

    def test_a_future_date_is_refused_on_the_page(self, client, baclofen):
        client.force_login(baclofen.patient)
        tomorrow = (baclofen.patient.today() + dt.timedelta(days=1)).isoformat()
        step = baclofen.steps.get(kind=STOPPED)
        url = reverse("tracker:medication_step_edit", args=[baclofen.uuid, step.uuid])
        response = client.post(url, step_data(kind=STOPPED, day=tomorrow, dose=""))
        assert "in the future" in response.context["step_form"].errors["day"][0]
        assert f'value="{tomorrow}"' in response.content.decode()
        step.refresh_from_db()
        assert step.day == OCT_1

    def test_the_patient_changes_and_removes_a_step(self, client, baclofen):
        client.force_login(baclofen.patient)
        step = baclofen.steps.get(kind=CHANGED)
        url = reverse("tracker:medication_step_edit", args=[baclofen.uuid, step.uuid])
        form = client.get(url).context["step_form"]
        assert form["dose"].value() == "10 mg at night"
        client.post(url, step_data(day="2026-09-16", dose="7.5 mg", side_effects=["swelling"]))
        step.refresh_from_db()
        assert (step.day, step.dose, step.side_effects) == (dt.date(2026, 9, 16), "7.5 mg", ["swelling"])
        # Asked first, with what goes; then removed.
        html = client.post(url, {"delete": "1"}).content.decode()
        assert "Remove this step?" in html
        assert "Baclofen, dose changed 16 Sep 2026 (7.5 mg), will be removed from its history for good." in html
        assert baclofen.steps.filter(pk=step.pk).exists()
        client.post(url, {"delete": "1", "confirmed": "1"})
        assert not baclofen.steps.filter(pk=step.pk).exists()

    def test_the_medicines_form_shows_the_starting_dose_not_the_current_one(self, client, baclofen):
        client.force_login(baclofen.patient)
        form = client.get(reverse("tracker:medication_edit", args=[baclofen.uuid])).context["form"]
        assert form["dose"].value() == "5 mg at night"
        assert form.fields["dose"].label.startswith("Dose when you started")

    def test_without_a_start_the_dose_is_the_latest_changes_and_not_typed_in_vain(self, client, patient):
        """A dose typed on the medicine would be replaced by the latest change's at once: the field says so."""
        magnesium = medication_add(patient=patient, name="Magnesium", dose="300 mg")
        add(magnesium, CHANGED, dt.date(2026, 3, 1), "400 mg")
        client.force_login(patient)
        url = reverse("tracker:medication_edit", args=[magnesium.uuid])
        form = client.get(url).context["form"]
        assert form.fields["dose"].disabled
        assert form["dose"].value() == "400 mg"
        assert form.fields["dose"].label == "Dose now, from the latest change"
        client.post(url, {"name": "Magnesium", "dose": "350 mg", "started_on": "", "stopped_on": ""})
        magnesium.refresh_from_db()
        assert magnesium.dose == "400 mg"

    def test_a_step_of_another_medicine_is_not_found(self, client, baclofen, patient):
        other = medication_add(patient=patient, name="Magnesium", started_on=SEP_1)
        step = other.steps.get()
        client.force_login(patient)
        url = reverse("tracker:medication_step_edit", args=[baclofen.uuid, step.uuid])
        assert client.get(url).status_code == 404
        assert client.post(url, {"delete": "1"}).status_code == 404
        assert other.steps.exists()

    def test_posts_without_the_csrf_token_are_refused(self, baclofen):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(baclofen.patient)
        step = baclofen.steps.get(kind=CHANGED)
        assert strict.post(reverse("tracker:medication_step_new", args=[baclofen.uuid]), step_data()).status_code == 403
        edit = reverse("tracker:medication_step_edit", args=[baclofen.uuid, step.uuid])
        assert strict.post(edit, {"delete": "1"}).status_code == 403
        assert baclofen.steps.count() == 3

    def test_the_insights_page_draws_the_timeline_with_a_table(self, client, patient):
        today = patient.today()
        medication = medication_add(
            patient=patient, name="Baclofen", dose="5 mg", started_on=today - dt.timedelta(days=40)
        )
        add(medication, CHANGED, today - dt.timedelta(days=10), "10 mg", side_effects=["drowsiness"])
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=2))
        client.force_login(patient)
        html = client.get(reverse("tracker:insights")).content.decode()
        assert "Treatment timeline" in html
        assert html.count("<polygon") == 1
        assert "<title>2. Baclofen: dose changed" in html
        assert "Side effects noted" in html
        assert "Drowsiness" in html
        assert "never start, stop or change a medicine" in html

    def test_a_granted_clinician_sees_the_timeline_read_only(self, client, clinician, baclofen):
        grant_access(baclofen.patient, clinician)
        client.force_login(clinician)
        url = reverse("tracker:patient_review", args=[baclofen.patient.pk])
        html = client.get(url, {"start": "2026-08-01", "end": "2026-11-20"}).content.decode()
        assert "Treatment timeline" in html
        assert "1. Baclofen: started 1 Sep 2026, 5 mg at night" in html
        assert "/steps/" not in html


CAST = [
    "anonymous",
    "patient",
    "other_patient",
    "granted_clinician",
    "ungranted_clinician",
    "unverified_clinician",
    "staff",
]


@pytest.fixture
def cast(patient, other_patient, unverified_clinician, staff):
    granted = ClinicianFactory(full_name="Dr Granted")
    grant_access(patient, granted)
    grant_access(patient, unverified_clinician)
    return {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "granted_clinician": granted,
        "ungranted_clinician": ClinicianFactory(full_name="Dr Stranger"),
        "unverified_clinician": unverified_clinician,
        "staff": staff,
    }


@pytest.mark.parametrize("who", CAST)
def test_only_the_patient_sees_and_writes_the_step_pages(client, cast, baclofen, who):
    """A clinician reads the history in the review; the step pages are the patient's alone."""
    step = baclofen.steps.get(kind=CHANGED)
    user = cast[who]
    if user is not None:
        client.force_login(user)
    page = reverse("tracker:medication_edit", args=[baclofen.uuid])
    new = reverse("tracker:medication_step_new", args=[baclofen.uuid])
    edit = reverse("tracker:medication_step_edit", args=[baclofen.uuid, step.uuid])
    answers = [
        client.get(page).status_code,
        client.get(edit).status_code,
        client.post(new, step_data(day="2026-09-20")).status_code,
        client.post(edit, step_data(day="2026-09-18", dose="12 mg")).status_code,
    ]
    if who == "anonymous":
        assert answers == [302, 302, 302, 302]
    elif who == "patient":
        assert answers == [200, 200, 302, 302]
    else:
        assert answers == [404, 404, 404, 404]
    step.refresh_from_db()
    assert (step.dose == "12 mg") == (who == "patient")
    assert baclofen.steps.count() == (4 if who == "patient" else 3)


@pytest.mark.parametrize("medicines", [1, 6])
def test_the_review_reads_medicines_and_steps_in_a_fixed_number_of_queries(
    client, clinician, django_assert_num_queries, medicines
):
    patient = PatientFactory()
    grant_access(patient, clinician)
    today = patient.today()
    for number in range(medicines):
        medication = medication_add(
            patient=patient, name=f"Medicine {number}", dose="1 tablet", started_on=today - dt.timedelta(days=60)
        )
        add(medication, CHANGED, today - dt.timedelta(days=30 - number), "2 tablets")
        add(medication, STOPPED, today - dt.timedelta(days=5))
    EpisodeFactory.create_batch(medicines * 5, patient=patient, woke_from_sleep=True)
    client.force_login(clinician)
    url = reverse("tracker:patient_review", args=[patient.pk])
    # As in test_clinic's review count (26), with medicines: their steps (one prefetch); the days of the
    # windows around the steps are read in the same statement as the period's.
    with django_assert_num_queries(27):
        response = client.get(url)
    assert len(response.context["insights"].medications) == medicines
    assert CareGrant.objects.filter(patient=patient).count() == 1


def test_deleting_the_account_deletes_the_steps_with_the_medicines(baclofen):
    patient = baclofen.patient
    patient_account_delete(patient=patient)
    assert not MedicationStep.objects.exists()
    assert not Medication.objects.exists()


def test_a_medicine_still_taken_is_not_added_twice(client, patient):
    client.force_login(patient)
    url = reverse("tracker:medication_new")
    data = {"name": "Baclofen", "dose": "10 mg", "started_on": "2026-09-01"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "name": "baclofen ", "dose": "20 mg"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "“Baclofen” is in your medications already, not stopped. For a new dose, open it and add a dose change."
    ]
    assert 'value="20 mg"' in response.content.decode()
    assert Medication.objects.filter(patient=patient).count() == 1


def test_a_medicine_renamed_as_another_still_taken_is_refused(patient):
    medication_add(patient=patient, name="Quinine", started_on=dt.date(2026, 9, 1))
    baclofen = medication_add(patient=patient, name="Baclofen", started_on=dt.date(2026, 9, 1))
    with pytest.raises(ValidationError) as refused:
        medication_update(medication=baclofen, name="quinine", dose="", started_on=dt.date(2026, 9, 1), stopped_on=None)
    assert "“Quinine” is in your medications already" in refused.value.message_dict["name"][0]
    baclofen.refresh_from_db()
    assert baclofen.name == "Baclofen"
