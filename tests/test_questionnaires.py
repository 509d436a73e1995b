"""Questionnaires as data: the two shipped instruments, the engine that asks and scores them, schedules,
the patient's pages, the clinician's review and report, and the FHIR export."""

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import textstat
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fhir.resources.bundle import Bundle

from questionnaires.engine import MISSING, OUT_OF_RANGE, check_answers, check_definition, score, score_range
from questionnaires.models import Instrument, Item, QuestionnaireResponse, Schedule
from questionnaires.selectors import due_for, summary_for
from questionnaires.services import response_record, schedule_set, schedule_stop
from tracker.diary.account_deletion import patient_account_delete
from tracker.diary.services import medication_add, medication_delete, medication_step_add, profile_for
from tracker.models import AccessLog, CareGrant, EntryType, PatientCondition

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

LIST_URL = reverse("questionnaires:list")
CAST = ["owner", "other_patient", "clinician", "unverified_clinician", "staff", "anonymous"]


def answer_url(slug):
    return reverse("questionnaires:answer", args=[slug])


def schedule_url(slug):
    return reverse("questionnaires:schedule", args=[slug])


def clinician_schedule_url(patient, slug):
    return reverse("questionnaires:clinician_schedule", args=[patient.pk, slug])


def sign_in(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue("patient" if who == "owner" else who))


@pytest.fixture
def psfs():
    return Instrument.objects.prefetch_related("items").get(slug="psfs")


@pytest.fixture
def impact():
    return Instrument.objects.prefetch_related("items").get(slug="cramp-impact")


@pytest.fixture
def pgic():
    return Instrument.objects.prefetch_related("items").get(slug="pgic")


@pytest.fixture
def night_waking():
    return Instrument.objects.prefetch_related("items").get(slug="night-waking")


def with_condition(patient, slug):
    PatientCondition.objects.create(profile=profile_for(patient), condition=term("condition", slug))
    return patient


def listed(client, patient) -> tuple[list[str], list[str]]:
    """The slugs the list page offers the patient, and those it shows under "More questionnaires"."""
    client.force_login(patient)
    context = client.get(LIST_URL).context
    return [s.instrument.slug for s in context["summaries"]], [s.instrument.slug for s in context["more"]]


def days_later(days: int):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=days))


def answer(patient, instrument, **values) -> QuestionnaireResponse:
    response, _ = response_record(
        patient=patient, instrument=instrument, answered_by=patient, client_id=uuid.uuid4(), values=values
    )
    return response


def answer_at(moment: dt.datetime, patient, instrument, **values) -> QuestionnaireResponse:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return answer(patient, instrument, **values)


def impact_values(sleep=3, activities=4, work=5, mood=7) -> dict:
    return {"sleep": sleep, "daily-activities": activities, "work": work, "mood": mood}


def form_data(client_id=None, **answers) -> dict:
    data = {"client_id": str(client_id or uuid.uuid4())}
    data.update({f"answer_{link_id.replace('_', '-')}": value for link_id, value in answers.items()})
    return data


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


class TestShippedInstruments:
    def test_both_instruments_are_seeded_and_pass_the_engines_definition_check(self, psfs, impact):
        for instrument in (psfs, impact):
            instrument.full_clean()
            items = list(instrument.items.all())
            for item in items:
                item.full_clean()
            check_definition(instrument, items)
        assert [item.link_id for item in psfs.items.all()] == ["frequency", "severity"]
        assert [item.link_id for item in impact.items.all()] == ["sleep", "daily-activities", "work", "mood"]

    def test_the_psfs_keeps_the_published_structure(self, psfs):
        frequency, severity = psfs.items.all()
        assert [option["value"] for option in frequency.answer_options] == [0, 1, 2, 3, 4]
        assert [option["label"] for option in severity.answer_options] == ["Mild", "Moderate", "Severe"]
        assert (severity.enable_when_link_id, severity.enable_when_operator, severity.enable_when_value) == (
            "frequency",
            ">",
            0,
        )
        assert psfs.status == Instrument.Status.ADAPTED
        assert (psfs.scoring, psfs.score_item, psfs.score_min, psfs.score_max) == ("item", "frequency", 0, 4)
        assert psfs.recall_period == "the past 7 days"

    def test_the_impact_check_is_labelled_as_not_validated(self, client, patient, impact):
        assert impact.status == Instrument.Status.NOT_VALIDATED
        assert "not a validated questionnaire" in impact.description
        client.force_login(patient)
        html = text_of(client.get(answer_url("cramp-impact")))
        assert "CrampApp&#x27;s own questions: not a validated questionnaire</span>" in html
        assert "Source: CrampApp&#x27;s own check of sleep, daily activities, work and mood." in html

    @pytest.mark.parametrize("slug", ["psfs", "cramp-impact", "night-waking"])
    def test_questions_and_answers_read_at_a_plain_language_level(self, slug):
        instrument = Instrument.objects.get(slug=slug)
        sentences = [instrument.description]
        for item in instrument.items.all():
            sentences.append(item.text)
            sentences += [f"{option['label']}." for option in item.answer_options if not option["label"].isdigit()]
        assert textstat.flesch_kincaid_grade(" ".join(sentences)) <= 8


class TestValidationStatus:
    @pytest.mark.parametrize(
        ("slug", "status", "source"),
        [
            (
                "psfs",
                "Adapted from a published questionnaire: not validated in this form",
                "Source: Adapted from the Penn Spasm Frequency Scale (Penn et al., N Engl J Med 1989; PubMed 2716830)",
            ),
            (
                "pgic",
                "Validated questionnaire, used as published",
                "Source: Guy W. ECDEU Assessment Manual for Psychopharmacology.",
            ),
            (
                "cramp-impact",
                "CrampApp&#x27;s own questions: not a validated questionnaire",
                "Source: CrampApp&#x27;s own check",
            ),
            (
                "night-waking",
                "CrampApp&#x27;s own questions: not a validated questionnaire",
                "Source: CrampApp&#x27;s own question on sleep broken by night cramps.",
            ),
        ],
    )
    def test_the_answer_page_says_the_status_in_words_with_its_source(self, client, patient, slug, status, source):
        client.force_login(patient)
        html = text_of(client.get(answer_url(slug)))
        assert f"{status}</span>" in html
        assert source in html

    def test_existing_and_new_instruments_have_the_right_status(self):
        statuses = dict(Instrument.objects.values_list("slug", "status"))
        assert statuses == {
            "psfs": "adapted",
            "cramp-impact": "not_validated",
            "pgic": "validated",
            "night-waking": "not_validated",
        }

    def test_the_penn_scale_says_it_measures_spasms_of_spasticity_not_cramps(self, psfs):
        assert psfs.title == "Spasm frequency (adapted from the Penn Spasm Frequency Scale)"
        assert "They do not measure cramps." in psfs.description
        assert "Measures spasms of spasticity, not cramps." in psfs.score_help

    def test_the_list_shows_each_status_with_its_source(self, client, patient):
        client.force_login(patient)
        html = text_of(client.get(LIST_URL))
        assert "Validated questionnaire, used as published</span>" in html
        assert "Adapted from a published questionnaire: not validated in this form</span>" in html
        assert "PubMed 2716830" in html

    def test_the_fhir_questionnaire_description_carries_the_status_and_source(self, client, patient, psfs, pgic):
        answer(patient, psfs, frequency=0)
        answer(patient, pgic, change=3)
        client.force_login(patient)
        bundle = Bundle.parse_raw(client.get(reverse("tracker:export_download", args=["fhir"])).getvalue())
        descriptions = {
            entry.resource.url.rsplit("/", 1)[-1]: entry.resource.description
            for entry in bundle.entry
            if entry.resource.resource_type == "Questionnaire"
        }
        assert descriptions["psfs"].endswith(
            "Adapted from a published questionnaire: not validated in this form. Source: Adapted from the Penn "
            "Spasm Frequency Scale (Penn et al., N Engl J Med 1989; PubMed 2716830), a measure of spasticity. "
            "Answers reworded in plain language and a 7-day recall added: not validated in this form."
        )
        assert "Validated questionnaire, used as published. Source: Guy W. ECDEU" in descriptions["pgic"]

    def test_staff_see_and_filter_the_status_in_the_admin(self, client, staff):
        client.force_login(staff)
        url = reverse("admin:questionnaires_instrument_changelist")
        html = client.get(url, {"status__exact": "adapted"}).content.decode()
        assert "Spasm frequency (adapted from the Penn Spasm Frequency Scale)" in html
        assert "Weekly cramp impact check" not in html


class TestOffers:
    @pytest.mark.parametrize("condition", ["multiple-sclerosis", "spinal-cord-injury"])
    def test_the_penn_scale_is_offered_by_default_with_ms_or_a_spinal_cord_injury(self, client, patient, condition):
        offered, more = listed(client, with_condition(patient, condition))
        assert "psfs" in offered
        assert "psfs" not in more

    def test_a_patient_with_neuropathy_is_not_offered_the_penn_scale_but_can_add_it(self, client, patient):
        offered, more = listed(client, with_condition(patient, "peripheral-neuropathy"))
        assert offered == ["cramp-impact"]
        assert "psfs" in more
        html = text_of(client.get(LIST_URL))
        assert "More questionnaires you can add" in html
        assert "Offered to people with multiple sclerosis or a spinal cord injury, whose spasms it measures." in html
        assert f'href="{answer_url("psfs")}"' in html
        client.post(schedule_url("psfs"), {"every_weeks": "4"})
        offered, more = listed(client, patient)
        assert "psfs" in offered
        assert "psfs" not in more

    @pytest.mark.parametrize(
        ("fields", "offered"),
        [
            ({"woke_from_sleep": True}, True),
            ({"woke_from_sleep": False}, False),
            ({"woke_from_sleep": None}, False),
            ({"entry_type": EntryType.NIGHT, "cramp_count": 3, "times_woken": 2}, True),
            ({"entry_type": EntryType.NIGHT, "cramp_count": 3, "times_woken": 0}, False),
        ],
    )
    def test_the_night_question_is_offered_once_a_cramp_woke_the_patient(self, client, patient, fields, offered):
        assert "night-waking" in listed(client, patient)[1]
        if "entry_type" in fields:
            fields = {**fields, "tally_date": patient.today() - dt.timedelta(days=1), "duration_seconds": None}
        EpisodeFactory(patient=patient, **fields)
        assert ("night-waking" in listed(client, patient)[0]) == offered

    def test_another_patients_wakings_offer_nothing(self, client, patient, other_patient):
        EpisodeFactory(patient=other_patient, woke_from_sleep=True)
        assert "night-waking" in listed(client, patient)[1]

    def test_the_night_question_is_answered_stored_and_scored(self, client, patient, night_waking):
        client.force_login(patient)
        response = client.post(answer_url("night-waking"), form_data(**{"nights-woken": 2}), follow=True)
        stored = QuestionnaireResponse.objects.get()
        assert (stored.instrument, stored.score) == (night_waking, 2)
        assert stored.answers == [
            {"link_id": "nights-woken", "value": 2, "code": "3-4-nights", "label": "On 3 or 4 nights"}
        ]
        assert "Saved. Nights woken by cramps: 2 (on a scale from 0 to 3)." in text_of(response)


class TestImpressionOfChange:
    def test_without_a_medication_step_the_pgic_is_not_due_or_offered(self, client, patient):
        assert due_for(patient) == []
        assert "pgic" in listed(client, patient)[1]

    def test_the_pgic_is_due_4_weeks_after_a_medicine_is_started_and_not_before(self, client, patient, pgic):
        today = patient.today()
        medication_add(patient=patient, name="Mexiletine", dose="200 mg", started_on=today)
        schedule = Schedule.objects.get(instrument=pgic)
        assert (schedule.next_due, schedule.every_weeks, schedule.set_by) == (today + dt.timedelta(weeks=4), 4, patient)
        assert due_for(patient) == []
        with days_later(27):
            assert due_for(patient) == []
        with days_later(28):
            assert [due.instrument for due in due_for(patient)] == [pgic]
            client.force_login(patient)
            assert f'href="{answer_url("pgic")}">Patient Global Impression of Change</a>' in text_of(
                client.get(reverse("tracker:dashboard"))
            )

    def test_a_dose_change_asks_again_4_weeks_after_it(self, patient, pgic):
        today = patient.today()
        medication = medication_add(patient=patient, name="Gabapentin", started_on=today - dt.timedelta(days=10))
        medication_step_add(medication=medication, created_by=patient, kind="dose_changed", day=today, dose="300 mg")
        assert Schedule.objects.get(instrument=pgic).next_due == today + dt.timedelta(weeks=4)

    def test_an_earlier_step_written_later_keeps_the_later_follow_up(self, patient, pgic):
        today = patient.today()
        medication_add(patient=patient, name="Gabapentin", started_on=today)
        medication_add(patient=patient, name="Baclofen", started_on=today - dt.timedelta(days=7))
        assert Schedule.objects.get(instrument=pgic).next_due == today + dt.timedelta(weeks=4)

    def test_a_medicine_removed_takes_back_the_question_it_asked(self, patient, pgic):
        today = patient.today()
        earlier = medication_add(patient=patient, name="Baclofen", started_on=today - dt.timedelta(days=7))
        mistake = medication_add(patient=patient, name="Gabapentin", started_on=today)
        medication_delete(medication=mistake)
        # The follow-up of the medicine still recorded, started a week ago.
        schedule = Schedule.objects.get(instrument=pgic)
        assert (schedule.active, schedule.next_due) == (True, today + dt.timedelta(days=21))
        medication_delete(medication=earlier)
        schedule.refresh_from_db()
        assert schedule.active is False
        assert due_for(patient) == []

    def test_a_schedule_set_by_hand_stays_when_a_medicine_goes(self, patient, pgic):
        today = patient.today()
        medication = medication_add(patient=patient, name="Baclofen", started_on=today)
        schedule_set(patient=patient, instrument=pgic, every_weeks=2, set_by=patient)
        planned = Schedule.objects.get(instrument=pgic).next_due
        medication_delete(medication=medication)
        schedule = Schedule.objects.get(instrument=pgic)
        assert (schedule.active, schedule.next_due) == (True, planned)

    def test_a_schedule_set_by_hand_before_a_medicine_keeps_asking_when_the_medicine_goes(self, patient, pgic):
        schedule_set(patient=patient, instrument=pgic, every_weeks=4, set_by=patient)
        medication = medication_add(patient=patient, name="Quinine", started_on=patient.today())
        medication_delete(medication=medication)
        assert Schedule.objects.get(instrument=pgic).active is True

    @pytest.mark.parametrize("days_ago", [29, 400])
    def test_a_start_written_down_more_than_4_weeks_later_asks_nothing(self, patient, days_ago):
        started = patient.today() - dt.timedelta(days=days_ago)
        medication_add(patient=patient, name="Quinine", started_on=started)
        assert not Schedule.objects.exists()

    def test_a_stop_asks_nothing(self, patient):
        today = patient.today()
        medication = medication_add(patient=patient, name="Quinine", started_on=today - dt.timedelta(days=60))
        medication_step_add(medication=medication, created_by=patient, kind="stopped", day=today)
        assert not Schedule.objects.exists()

    def test_the_pgic_is_answered_scored_stored_and_asked_again_4_weeks_on(self, client, patient, pgic):
        medication_add(patient=patient, name="Mexiletine", started_on=patient.today())
        with days_later(28):
            client.force_login(patient)
            client.post(answer_url("pgic"), form_data(change=2))
            stored = QuestionnaireResponse.objects.get()
            assert (stored.score, [answer["label"] for answer in stored.answers]) == (2, ["Much improved"])
            assert Schedule.objects.get(instrument=pgic).next_due == patient.today() + dt.timedelta(weeks=4)

    def test_the_pgic_offers_the_seven_standard_answers(self, pgic):
        [item] = pgic.items.all()
        assert item.text == "Since starting this treatment, how would you describe the change in your cramps?"
        assert [(option["value"], option["label"]) for option in item.answer_options] == [
            (1, "Very much improved"),
            (2, "Much improved"),
            (3, "Minimally improved"),
            (4, "No change"),
            (5, "Minimally worse"),
            (6, "Much worse"),
            (7, "Very much worse"),
        ]
        check_definition(pgic, [item])


class TestScoring:
    def test_psfs_scores_the_frequency_and_keeps_the_severity(self, patient, psfs):
        response = answer(patient, psfs, frequency=3, severity=2)
        assert response.score == 3
        assert [(item["link_id"], item["value"], item["label"]) for item in response.answers] == [
            ("frequency", 3, "Spasms more than once an hour"),
            ("severity", 2, "Moderate"),
        ]
        assert response.instrument_version == "1"

    def test_psfs_part_2_is_skipped_when_part_1_is_no_spasms(self, patient, psfs):
        response = answer(patient, psfs, frequency=0, severity=3)
        assert response.score == 0
        assert [item["link_id"] for item in response.answers] == ["frequency"]

    def test_psfs_part_2_is_required_when_there_are_spasms(self, patient, psfs):
        with pytest.raises(ValidationError) as error:
            answer(patient, psfs, frequency=1)
        assert error.value.message_dict == {"severity": [MISSING]}
        assert not QuestionnaireResponse.objects.exists()

    def test_the_impact_check_scores_the_mean_to_one_decimal(self, patient, impact):
        assert answer(patient, impact, **impact_values(3, 4, 5, 7)).score == Decimal("4.8")
        assert answer(patient, impact, **impact_values(0, 0, 0, 0)).score == 0
        assert answer(patient, impact, **impact_values(10, 10, 10, 10)).score == 10

    @pytest.mark.parametrize("bad", [11, -1, True, "3", 2.5, None])
    def test_an_answer_out_of_range_or_missing_stores_nothing(self, patient, impact, bad):
        with pytest.raises(ValidationError) as error:
            answer(patient, impact, **impact_values(mood=bad))
        assert error.value.message_dict == {"mood": [MISSING if bad is None else OUT_OF_RANGE]}
        assert not QuestionnaireResponse.objects.exists()

    def test_an_instrument_added_as_data_is_asked_and_scored_by_the_same_engine(self, patient):
        instrument = Instrument.objects.create(
            slug="two-items",
            title="Two items",
            short_title="Two",
            recall_period="today",
            score_label="Total",
            score_max=6,
        )
        options = [{"value": value, "code": f"c{value}", "label": f"Answer {value}"} for value in range(4)]
        Item.objects.create(instrument=instrument, sort_order=1, link_id="a", text="A?", answer_options=options)
        Item.objects.create(
            instrument=instrument, sort_order=2, link_id="b", text="B?", answer_options=options, required=False
        )
        items = list(instrument.items.all())
        check_definition(instrument, items)
        assert score_range(instrument, items) == (0, 6)
        assert score(instrument, check_answers(items, {"a": 2, "b": 3})) == 5
        assert score(instrument, check_answers(items, {"a": 1, "b": None})) == 1

    def test_a_condition_on_a_later_item_is_refused(self, psfs):
        frequency, severity = psfs.items.all()
        with pytest.raises(ValidationError, match="must be an earlier item"):
            check_definition(psfs, [severity, frequency])

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ([], "at least one answer option"),
            ([{"value": 0, "label": "No code"}], "exactly a value, a code and a label"),
            ([{"value": 101, "code": "x", "label": "Too big"}], "whole numbers from 0 to 100"),
            ([{"value": "1", "code": "x", "label": "Text"}], "whole numbers from 0 to 100"),
            ([{"value": 1, "code": "x", "label": "A"}, {"value": 1, "code": "y", "label": "B"}], "share a value"),
        ],
    )
    def test_badly_written_answer_options_are_refused(self, psfs, options, message):
        frequency = psfs.items.all()[0]
        frequency.answer_options = options
        with pytest.raises(ValidationError, match=message):
            frequency.full_clean()

    def test_a_score_range_that_does_not_match_the_items_is_refused(self, psfs):
        psfs.score_max = 5
        with pytest.raises(ValidationError, match="from 0 to 4"):
            check_definition(psfs, list(psfs.items.all()))


class TestConstraints:
    def test_a_schedule_of_0_or_53_weeks_is_refused_by_model_and_database(self, patient, psfs):
        for weeks in (0, 53):
            schedule = Schedule(patient=patient, instrument=psfs, every_weeks=weeks, next_due=dt.date(2026, 1, 1))
            with pytest.raises(ValidationError):
                schedule.full_clean()
            with pytest.raises(IntegrityError), transaction.atomic():
                Schedule.objects.create(
                    patient=patient, instrument=psfs, every_weeks=weeks, next_due=dt.date(2026, 1, 1)
                )

    def test_one_schedule_per_patient_and_instrument(self, patient, psfs):
        Schedule.objects.create(patient=patient, instrument=psfs, every_weeks=2, next_due=dt.date(2026, 1, 1))
        with pytest.raises(IntegrityError), transaction.atomic():
            Schedule.objects.create(patient=patient, instrument=psfs, every_weeks=3, next_due=dt.date(2026, 1, 1))

    def test_a_half_written_condition_is_refused_by_model_and_database(self, psfs):
        item = Item(
            instrument=psfs,
            sort_order=9,
            link_id="extra",
            text="Extra?",
            answer_options=[{"value": 0, "code": "a", "label": "A"}],
            enable_when_link_id="frequency",
        )
        with pytest.raises(ValidationError):
            item.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            item.save()

    def test_a_negative_score_is_refused_by_the_database(self, patient, psfs):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuestionnaireResponse.objects.create(
                patient=patient,
                instrument=psfs,
                instrument_version="1",
                answers=[],
                score=-1,
                answered_at=timezone.now(),
            )


class TestScheduling:
    def test_a_first_schedule_is_due_today_in_the_patients_zone(self, patient, impact):
        schedule = schedule_set(patient=patient, instrument=impact, every_weeks=1, set_by=patient)
        assert schedule.next_due == patient.today()
        assert [due.instrument for due in due_for(patient)] == [impact]

    def test_answering_moves_the_next_due_date_n_weeks_on(self, patient, psfs):
        schedule_set(patient=patient, instrument=psfs, every_weeks=4, set_by=patient)
        moment = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
        answer_at(moment, patient, psfs, frequency=2, severity=1)
        assert Schedule.objects.get().next_due == dt.date(2026, 4, 7)

    def test_a_new_schedule_counts_from_the_last_answer(self, patient, psfs):
        answer_at(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), patient, psfs, frequency=0)
        schedule = schedule_set(patient=patient, instrument=psfs, every_weeks=2, set_by=patient)
        assert schedule.next_due == dt.date(2026, 3, 24)

    @pytest.mark.parametrize(
        ("zone", "next_due"), [("Pacific/Auckland", dt.date(2026, 3, 9)), ("UTC", dt.date(2026, 3, 8))]
    )
    def test_the_due_date_follows_the_patients_local_day(self, psfs, zone, next_due):
        patient = PatientFactory(time_zone=zone)
        schedule_set(patient=patient, instrument=psfs, every_weeks=1, set_by=patient)
        # 11:30 UTC on 1 March is already 00:30 on 2 March in Auckland (UTC+13).
        answer_at(dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC), patient, psfs, frequency=0)
        assert Schedule.objects.get(patient=patient).next_due == next_due

    def test_due_means_on_or_before_the_patients_today(self, psfs):
        patient = PatientFactory(time_zone="Pacific/Auckland")
        schedule_set(patient=patient, instrument=psfs, every_weeks=1, set_by=patient)
        Schedule.objects.update(next_due=patient.today() + dt.timedelta(days=1))
        assert due_for(patient) == []
        # 10:59 UTC is 23:59 in Auckland (summer time): tomorrow there starts a minute later.
        local_midnight = dt.datetime.combine(patient.today() + dt.timedelta(days=1), dt.time.min, tzinfo=patient.zone)
        with mock.patch("django.utils.timezone.now", return_value=local_midnight - dt.timedelta(minutes=1)):
            assert due_for(patient) == []
        with mock.patch("django.utils.timezone.now", return_value=local_midnight):
            assert len(due_for(patient)) == 1

    def test_stopping_keeps_the_schedule_on_record_but_nothing_is_due(self, patient, psfs):
        schedule_set(patient=patient, instrument=psfs, every_weeks=1, set_by=patient)
        schedule_stop(patient=patient, instrument=psfs, set_by=patient)
        assert not Schedule.objects.get().active
        assert due_for(patient) == []

    def test_the_dashboard_prompts_only_when_a_questionnaire_is_due(self, client, patient, psfs):
        client.force_login(patient)
        assert "Questionnaire due" not in client.get(reverse("tracker:dashboard")).content.decode()
        schedule_set(patient=patient, instrument=psfs, every_weeks=4, set_by=patient)
        html = client.get(reverse("tracker:dashboard")).content.decode()
        assert "Questionnaire due" in html
        assert f'href="{answer_url("psfs")}">{psfs.title}</a>' in html
        answer(patient, psfs, frequency=0)
        assert "Questionnaire due" not in client.get(reverse("tracker:dashboard")).content.decode()

    @pytest.mark.parametrize(
        ("posted", "message"),
        [
            ("0", "Choose from 1 to 52 weeks."),
            ("53", "Choose from 1 to 52 weeks."),
            ("-4", "Choose from 1 to 52 weeks."),
            ("1.5", "Enter a whole number of weeks, from 1 to 52."),
            ("soon", "Enter a whole number of weeks, from 1 to 52."),
            ("", "Enter a number of weeks, from 1 to 52."),
            ("9" * 40, "Choose from 1 to 52 weeks."),
        ],
    )
    def test_a_bad_interval_is_explained_next_to_the_field_and_nothing_is_saved(self, client, patient, posted, message):
        client.force_login(patient)
        response = client.post(schedule_url("psfs"), {"every_weeks": posted})
        assert response.status_code == 200
        html = response.content.decode()
        field = re.search(r'<div id="div_id_every_weeks".*?</div>\s*</div>', html, re.DOTALL).group(0)
        assert message in field
        assert not Schedule.objects.exists()

    @pytest.mark.parametrize("weeks", [1, 52])
    def test_the_patient_sets_a_schedule_from_1_to_52_weeks(self, client, patient, weeks):
        client.force_login(patient)
        response = client.post(schedule_url("psfs"), {"every_weeks": str(weeks)}, follow=True)
        schedule = Schedule.objects.get()
        assert (schedule.every_weeks, schedule.set_by, schedule.active) == (weeks, patient, True)
        assert "set by you" in text_of(response)


class TestAnswerPage:
    def test_the_form_is_built_from_the_items_with_fieldsets_and_big_radio_buttons(self, client, patient):
        client.force_login(patient)
        html = client.get(answer_url("psfs")).content.decode()
        assert html.count("<fieldset") == 2
        assert "<legend" in html
        assert "1. In the past 7 days, how often did you have muscle spasms?" in html
        assert 'type="radio" name="answer_frequency" value="4"' in html
        option = 'class="btn btn-outline-primary text-start answer-option" for="id_answer_frequency_4">'
        assert f"{option}Spasms more than 10 times an hour</label>" in html
        assert 'data-enable-when="answer_frequency" data-operator="&gt;" data-value="0"' in html
        assert "Think about <strong>the past 7 days</strong>" in html
        assert "questionnaires/answer.js" in html

    def test_a_complete_answer_is_stored_scored_and_shown(self, client, patient):
        client.force_login(patient)
        response = client.post(answer_url("cramp-impact"), form_data(**impact_values(2, 2, 3, 3)), follow=True)
        assert response.redirect_chain[-1][0] == f"{LIST_URL}#instrument-cramp-impact"
        stored = QuestionnaireResponse.objects.get()
        assert (stored.patient, stored.answered_by, stored.score) == (patient, patient, Decimal("2.5"))
        assert "Saved. Cramp impact: 2.5 (on a scale from 0 to 10)." in text_of(response)

    def test_missing_and_out_of_range_answers_are_explained_next_to_each_question_keeping_the_others(
        self, client, patient
    ):
        client.force_login(patient)
        data = form_data(sleep=3, **{"daily-activities": 4})
        data["answer_mood"] = "99"
        response = client.post(answer_url("cramp-impact"), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(r'id="id_answer_work_errors"[^>]*>\s*<p class="mb-0">' + MISSING, html)
        assert re.search(r'id="id_answer_mood_errors"[^>]*>\s*<p class="mb-0">' + OUT_OF_RANGE, html)
        assert 'aria-describedby="id_answer_work_helptext id_answer_work_errors"' in html
        assert 'id="id_answer_sleep_3" checked>' in html
        assert 'id="id_answer_daily-activities_4" checked>' in html
        assert 'href="#div_id_answer_work">Question 3</a>' in html
        assert not QuestionnaireResponse.objects.exists()

    def test_psfs_part_2_left_empty_after_spasms_is_explained_next_to_it(self, client, patient):
        client.force_login(patient)
        response = client.post(answer_url("psfs"), form_data(frequency=2))
        html = response.content.decode()
        assert re.search(r'id="id_answer_severity_errors"[^>]*>\s*<p class="mb-0">' + MISSING, html)
        assert 'id="id_answer_frequency_2" checked>' in html
        assert not QuestionnaireResponse.objects.exists()

    def test_psfs_part_2_sent_with_no_spasms_is_not_stored(self, client, patient):
        client.force_login(patient)
        client.post(answer_url("psfs"), form_data(frequency=0, severity=3))
        assert [item["link_id"] for item in QuestionnaireResponse.objects.get().answers] == ["frequency"]

    @pytest.mark.parametrize(
        "data",
        [
            {"answer_frequency": "abc"},
            {"answer_frequency": "-1"},
            {"answer_frequency": "9" * 40},
            {"answer_frequency": ["1", "2"], "answer_severity": "\x00"},
            {"client_id": "not-a-uuid", "answer_frequency": "0"},
            {},
        ],
    )
    def test_tampered_answers_get_a_message_never_a_500_and_nothing_is_stored(self, client, patient, data):
        client.force_login(patient)
        response = client.post(answer_url("psfs"), {"client_id": str(uuid.uuid4()), **data})
        assert response.status_code == 200
        assert 'id="error-summary"' in response.content.decode()
        assert not QuestionnaireResponse.objects.exists()

    def test_the_same_form_sent_twice_is_stored_once(self, client, patient):
        client.force_login(patient)
        data = form_data(frequency=1, severity=1)
        client.post(answer_url("psfs"), data)
        client.post(answer_url("psfs"), data)
        assert QuestionnaireResponse.objects.count() == 1

    def test_an_unknown_or_retired_instrument_is_a_404(self, client, patient, psfs):
        client.force_login(patient)
        assert client.get(answer_url("no-such-thing")).status_code == 404
        Instrument.objects.filter(pk=psfs.pk).update(active=False)
        assert client.get(answer_url("psfs")).status_code == 404
        assert client.post(answer_url("psfs"), form_data(frequency=0)).status_code == 404

    @pytest.mark.parametrize("size", [1, 25])
    def test_the_answer_page_query_count_does_not_grow_with_the_number_of_answers(
        self, client, patient, psfs, django_assert_num_queries, size
    ):
        for _ in range(size):
            answer(patient, psfs, frequency=1, severity=1)
        client.force_login(patient)
        # session, user, the instrument, its items
        with django_assert_num_queries(4):
            assert client.get(answer_url("psfs")).status_code == 200

    def test_the_form_needs_a_csrf_token(self, patient):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(patient)
        assert strict.post(answer_url("psfs"), form_data(frequency=0)).status_code == 403


class TestListPage:
    def test_the_list_shows_due_status_schedule_scores_and_a_chart_with_a_table(self, client, patient, psfs, impact):
        schedule_set(patient=patient, instrument=psfs, every_weeks=4, set_by=patient)
        answer(patient, impact, **impact_values(2, 2, 2, 2))
        answer(patient, impact, **impact_values(4, 4, 4, 5))
        client.force_login(patient)
        response = client.get(LIST_URL)
        html = text_of(response)
        assert "<strong>Due now</strong>" in html
        assert "Asked every 4 weeks, set by you." in html
        assert "Not scheduled. You can answer whenever you like." in html
        assert "Latest cramp impact: <strong>4.3</strong> on a scale from 0 to 10" in html
        assert html.count("<svg") == 1
        assert html.count('class="mean-point"') == 2
        assert "<polyline" in html
        assert "Show as a table" in html
        assert "Sleep: 4; Daily activities: 4; Work: 4; Mood: 5" in html

    def test_times_show_in_the_patients_zone(self, client, impact):
        patient = PatientFactory(time_zone="Asia/Tokyo")
        now = timezone.now()
        answer_at(now, patient, impact, **impact_values())
        client.force_login(patient)
        local = now.astimezone(ZoneInfo("Asia/Tokyo"))
        assert f"{local.day} {local:%b %Y}, {local:%H:%M}" in client.get(LIST_URL).content.decode()

    def test_a_patient_never_sees_another_patients_answers(self, client, patient, other_patient, psfs):
        answer(other_patient, psfs, frequency=4, severity=3)
        schedule_set(patient=other_patient, instrument=psfs, every_weeks=2, set_by=other_patient)
        client.force_login(patient)
        response = client.get(LIST_URL)
        assert all(not summary.points and not summary.scheduled for summary in response.context["summaries"])
        assert "Spasms more than 10 times an hour" not in response.content.decode()

    def test_a_retired_instrument_keeps_its_history_but_is_no_longer_offered(self, client, patient, psfs):
        answer(patient, psfs, frequency=2, severity=1)
        Instrument.objects.filter(pk=psfs.pk).update(active=False)
        client.force_login(patient)
        response = client.get(LIST_URL)
        assert [summary.instrument.slug for summary in response.context["summaries"]] == ["psfs", "cramp-impact"]
        assert answer_url("psfs") not in response.content.decode()
        QuestionnaireResponse.objects.all().delete()
        response = client.get(LIST_URL)
        assert [summary.instrument.slug for summary in response.context["summaries"]] == ["cramp-impact"]

    @pytest.mark.parametrize("size", [2, 40])
    def test_the_list_query_count_does_not_grow_with_the_number_of_answers(
        self, client, patient, psfs, impact, django_assert_num_queries, size
    ):
        schedule_set(patient=patient, instrument=psfs, every_weeks=1, set_by=patient)
        start = timezone.now() - dt.timedelta(days=300)
        for index in range(size):
            moment = start + dt.timedelta(days=7 * index)
            answer_at(moment, patient, psfs, frequency=index % 5, severity=1)
            answer_at(moment, patient, impact, **impact_values(index % 11))
        client.force_login(patient)
        # session, user; which offers' rules the patient meets; instruments with the patient's schedules
        # and the year's answers
        with django_assert_num_queries(4):
            response = client.get(LIST_URL)
        assert sum(len(summary.points) for summary in response.context["summaries"]) == 2 * size


@pytest.mark.parametrize("who", CAST)
def test_the_patients_questionnaire_pages_open_only_for_patients(client, request, patient, who):
    sign_in(client, request, who)
    for url in (LIST_URL, answer_url("psfs"), schedule_url("psfs")):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login"))
        elif who in ("clinician", "unverified_clinician", "staff"):
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url


class TestClinician:
    @pytest.mark.parametrize("who", CAST)
    def test_only_a_clinician_with_a_grant_can_schedule(self, client, request, patient, unverified_clinician, who):
        grant_access(patient, request.getfixturevalue("clinician"))
        grant_access(patient, unverified_clinician)
        sign_in(client, request, who)
        response = client.post(clinician_schedule_url(patient, "psfs"), {"every_weeks": "4"})
        expected = {"clinician": 302, "anonymous": 302, "owner": 403, "other_patient": 403, "staff": 403}
        assert response.status_code == expected.get(who, 404)
        assert Schedule.objects.exists() == (who == "clinician")

    @pytest.mark.parametrize(
        "grant",
        [
            {"status": CareGrant.Status.REVOKED},
            {"access_ends_on": dt.date(2020, 1, 1)},
            None,
        ],
        ids=["revoked", "expired", "no-grant"],
    )
    def test_a_clinician_without_a_grant_in_force_is_refused_and_nothing_is_stored_or_logged(
        self, client, patient, clinician, grant
    ):
        if grant is not None:
            grant_access(patient, clinician, **grant)
        client.force_login(clinician)
        # One whose access ended is told so (403); one who never had any sees no hint of the patient (404).
        refused = 404 if grant is None else 403
        assert client.post(clinician_schedule_url(patient, "psfs"), {"every_weeks": "4"}).status_code == refused
        assert client.post(clinician_schedule_url(patient, "psfs"), {"stop": "1"}).status_code == refused
        assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == refused
        assert not Schedule.objects.exists()
        assert not AccessLog.objects.exists()

    def test_a_clinicians_schedule_is_logged_and_shown_to_the_patient(self, client, patient, clinician):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.post(clinician_schedule_url(patient, "psfs"), {"every_weeks": "2"})
        assert response["Location"] == f"{reverse('tracker:patient_review', args=[patient.pk])}#questionnaires"
        schedule = Schedule.objects.get()
        assert (schedule.patient, schedule.every_weeks, schedule.set_by) == (patient, 2, clinician)
        entry = AccessLog.objects.get()
        assert (entry.clinician, entry.action, entry.detail) == (
            clinician,
            AccessLog.Action.SCHEDULE_QUESTIONNAIRE,
            "PSFS (adapted): every 2 weeks",
        )
        client.force_login(patient)
        assert "set by <bdi>Dr Nora Nerve</bdi>" in text_of(client.get(LIST_URL))
        assert "Set a questionnaire schedule (PSFS (adapted): every 2 weeks)" in text_of(
            client.get(reverse("tracker:sharing"))
        )

    def test_a_clinician_can_stop_a_schedule_and_that_is_logged(self, client, patient, clinician, psfs):
        grant_access(patient, clinician)
        schedule_set(patient=patient, instrument=psfs, every_weeks=4, set_by=patient)
        client.force_login(clinician)
        client.post(clinician_schedule_url(patient, "psfs"), {"stop": "1", "every_weeks": "4"})
        assert not Schedule.objects.get().active
        assert AccessLog.objects.get().detail == "PSFS (adapted): stopped"

    def test_stopping_a_schedule_that_does_not_run_changes_and_logs_nothing(self, client, patient, clinician):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.post(clinician_schedule_url(patient, "psfs"), {"stop": "1"}, follow=True)
        assert "was not being asked to answer the PSFS (adapted)" in response.content.decode()
        assert not Schedule.objects.exists()
        assert not AccessLog.objects.exclude(action=AccessLog.Action.VIEW_REVIEW).exists()

    @pytest.mark.parametrize("posted", ["0", "53", "x", ""])
    def test_a_bad_interval_from_a_clinician_is_explained_next_to_the_field(self, client, patient, clinician, posted):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.post(clinician_schedule_url(patient, "psfs"), {"every_weeks": posted})
        assert response.status_code == 200
        field = re.search(r'<div id="div_id_every_weeks".*?</div>\s*</div>', response.content.decode(), re.DOTALL)
        assert "1 to 52" in field.group(0)
        assert not Schedule.objects.exists()
        assert not AccessLog.objects.exists()

    def test_the_schedule_form_needs_a_csrf_token(self, patient, clinician):
        grant_access(patient, clinician)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(clinician)
        assert strict.post(clinician_schedule_url(patient, "psfs"), {"every_weeks": "4"}).status_code == 403

    def test_the_review_shows_latest_scores_the_trend_and_a_schedule_form(self, client, patient, clinician, psfs):
        grant_access(patient, clinician)
        now = timezone.now()
        answer_at(now - dt.timedelta(days=40), patient, psfs, frequency=3, severity=3)
        answer_at(now - dt.timedelta(days=10), patient, psfs, frequency=1, severity=1)
        answer_at(now - dt.timedelta(days=200), patient, psfs, frequency=4, severity=3)
        client.force_login(clinician)
        html = text_of(client.get(reverse("tracker:patient_review", args=[patient.pk])))
        assert "Latest spasm frequency: <strong>1</strong> (scale 0 to 4)" in html
        assert "2 answers in this period; change since the first" in html
        assert "<strong>\N{MINUS SIGN}2</strong>" in html
        assert f'action="{clinician_schedule_url(patient, "psfs")}"' in html
        assert "Adapted from a published questionnaire: not validated in this form</span>" in html
        assert (
            "Source: Adapted from the Penn Spasm Frequency Scale (Penn et al., N Engl J Med 1989; PubMed 2716830)"
            in html
        )

    def test_the_period_s_summary_gives_each_answer_as_it_was_stored(self, patient, clinician, psfs, impact):
        """The summary is read by a written-out statement: its values come back with the ORM's types on
        every database (UUIDs, aware moments, decimal scores, answers as JSON), and its schedule too."""
        now = timezone.now()
        stored = answer_at(now - dt.timedelta(days=3), patient, psfs, frequency=3, severity=2)
        schedule_set(patient=patient, instrument=impact, every_weeks=2, set_by=clinician)
        today = timezone.localdate()
        by_slug = {
            summary.instrument.slug: summary for summary in summary_for(patient, today - dt.timedelta(days=30), today)
        }
        [point] = by_slug["psfs"].points
        assert (point.uuid, point.answered_at, point.score, point.answers) == (
            stored.uuid,
            stored.answered_at,
            stored.score,
            stored.answers,
        )
        assert isinstance(point.score, Decimal)
        assert by_slug["psfs"].instrument == psfs
        assert by_slug["psfs"].instrument.active is True
        scheduled = by_slug[impact.slug]
        assert (scheduled.scheduled, scheduled.every_weeks, scheduled.set_by_name) == (True, 2, clinician.full_name)
        assert isinstance(scheduled.next_due, dt.date)
        assert not scheduled.set_by_patient

    def test_the_visit_report_lists_each_questionnaires_scores_over_the_period(
        self, client, patient, clinician, impact
    ):
        grant_access(patient, clinician)
        now = timezone.now()
        answer_at(now - dt.timedelta(days=20), patient, impact, **impact_values(6, 6, 6, 6))
        answer_at(now - dt.timedelta(days=5), patient, impact, **impact_values(2, 3, 3, 3))
        client.force_login(clinician)
        response = client.get(reverse("tracker:report", args=[patient.pk]))
        html = text_of(response)
        assert (
            "Weekly cramp impact check (cramp impact, 0 to 10)<br>"
            '<span class="small fw-normal">CrampApp&#x27;s own questions: not a validated questionnaire. '
            "Source: CrampApp&#x27;s own check" in html
        )
        assert "<td>\N{MINUS SIGN}3.2</td>" in html
        assert "Mean of four 0-10 ratings" in html

    @pytest.mark.parametrize("size", [1, 30])
    def test_the_questionnaires_add_one_query_to_the_review_whatever_the_number_of_answers(
        self, client, patient, clinician, psfs, impact, size
    ):
        grant_access(patient, clinician)
        start = timezone.now() - dt.timedelta(days=80)
        for index in range(size):
            moment = start + dt.timedelta(days=2 * index)
            answer_at(moment, patient, psfs, frequency=index % 5, severity=2)
            answer_at(moment, patient, impact, **impact_values(index % 11))
        client.force_login(clinician)
        # The review's own queries are counted in test_clinic.py; here only that ours stay one.
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("tracker:patient_review", args=[patient.pk]))
        ours = [query["sql"] for query in queries.captured_queries if "questionnaires_" in query["sql"]]
        assert len(ours) == 1


class TestFhirExport:
    def test_answers_export_as_questionnaire_responses_with_scores_as_observations(self, client, patient, psfs, impact):
        psfs_response = answer(patient, psfs, frequency=3, severity=2)
        no_spasms = answer(patient, psfs, frequency=0)
        impact_response = answer(patient, impact, **impact_values(3, 4, 5, 7))
        client.force_login(patient)
        bundle = Bundle.parse_raw(client.get(reverse("tracker:export_download", args=["fhir"])).getvalue())
        patient_url = bundle.entry[0].fullUrl
        by_type = {}
        for entry in bundle.entry:
            by_type.setdefault(entry.resource.resource_type, []).append(entry)

        questionnaires = {entry.resource.url: entry.resource for entry in by_type["Questionnaire"]}
        assert set(questionnaires) == {
            "https://crampapp.org/fhir/Questionnaire/psfs",
            "https://crampapp.org/fhir/Questionnaire/cramp-impact",
        }
        psfs_questionnaire = questionnaires["https://crampapp.org/fhir/Questionnaire/psfs"]
        frequency, severity = psfs_questionnaire.item
        assert frequency.type == "choice"
        assert [option.valueCoding.code for option in frequency.answerOption] == [
            "none",
            "set-off-only",
            "under-1-an-hour",
            "over-1-an-hour",
            "over-10-an-hour",
        ]
        assert severity.enableBehavior == "any"
        assert {condition.answerCoding.code for condition in severity.enableWhen} == {
            "set-off-only",
            "under-1-an-hour",
            "over-1-an-hour",
            "over-10-an-hour",
        }
        assert questionnaires["https://crampapp.org/fhir/Questionnaire/cramp-impact"].item[0].type == "integer"

        responses = {entry.resource.id: entry for entry in by_type["QuestionnaireResponse"]}
        assert set(responses) == {str(r.uuid) for r in (psfs_response, no_spasms, impact_response)}
        for entry in responses.values():
            assert entry.resource.status == "completed"
            assert entry.resource.subject.reference == patient_url
            assert entry.fullUrl == f"urn:uuid:{entry.resource.id}"
        psfs_resource = responses[str(psfs_response.uuid)].resource
        assert psfs_resource.questionnaire == "https://crampapp.org/fhir/Questionnaire/psfs|1"
        assert psfs_resource.authored == psfs_response.answered_at.replace(microsecond=0)
        assert [(item.linkId, item.answer[0].valueCoding.code) for item in psfs_resource.item] == [
            ("frequency", "over-1-an-hour"),
            ("severity", "moderate"),
        ]
        assert [item.linkId for item in responses[str(no_spasms.uuid)].resource.item] == ["frequency"]
        impact_resource = responses[str(impact_response.uuid)].resource
        assert [item.answer[0].valueInteger for item in impact_resource.item] == [3, 4, 5, 7]

        scores = {
            entry.resource.derivedFrom[0].reference: entry.resource
            for entry in by_type["Observation"]
            if entry.resource.derivedFrom
        }
        psfs_score = scores[f"urn:uuid:{psfs_response.uuid}"]
        assert psfs_score.valueQuantity.value == 3
        assert psfs_score.code.text == f"{psfs.title}: Spasm frequency"
        assert psfs_score.category[0].coding[0].code == "survey"
        assert psfs_score.subject.reference == patient_url
        assert scores[f"urn:uuid:{impact_response.uuid}"].valueQuantity.value == Decimal("4.8")
        assert scores[f"urn:uuid:{no_spasms.uuid}"].valueQuantity.value == 0

    @pytest.mark.parametrize("size", [2, 20])
    def test_the_fhir_export_query_count_does_not_grow_with_the_number_of_answers(
        self, client, patient, psfs, impact, django_assert_num_queries, size
    ):
        for _ in range(size):
            answer(patient, psfs, frequency=2, severity=2)
            answer(patient, impact, **impact_values())
        client.force_login(patient)
        # session, user; caregivers, conditions, profile, medicines, described cramps, episodes (none, so no
        # places or terms are fetched), cramp-free days, days with cramps none logged; answers with their
        # instruments, the instruments' items
        with django_assert_num_queries(12):
            content = client.get(reverse("tracker:export_download", args=["fhir"])).getvalue()
        assert len(Bundle.parse_raw(content).entry) == 1 + 2 + 2 * 2 * size

    def test_the_json_record_includes_the_answers(self, client, patient, psfs):
        answer(patient, psfs, frequency=2, severity=1)
        client.force_login(patient)
        record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
        (exported,) = record["questionnaire_responses"]
        assert exported["questionnaire_url"] == "https://crampapp.org/fhir/Questionnaire/psfs|1"
        assert exported["score"] == 2
        assert [item["label"] for item in exported["answers"]] == [
            "Full spasms now and then, less than once an hour",
            "Mild",
        ]


def test_deleting_the_account_deletes_answers_and_schedules(client, patient, other_patient, clinician, psfs):
    answer(patient, psfs, frequency=1, severity=1)
    schedule_set(patient=patient, instrument=psfs, every_weeks=2, set_by=clinician)
    answer(other_patient, psfs, frequency=0)
    client.force_login(patient)
    assert (
        "1 questionnaire answer, and how often you are asked"
        in client.get(reverse("tracker:account_delete")).content.decode()
    )
    deleted = patient_account_delete(patient=patient)
    assert (deleted.questionnaire_responses, deleted.questionnaire_schedules) == (1, 1)
    assert QuestionnaireResponse.objects.get().patient == other_patient
    assert not Schedule.objects.exists()


def test_a_clinicians_schedule_survives_the_clinicians_account_being_closed(patient, psfs):
    clinician = ClinicianFactory()
    schedule_set(patient=patient, instrument=psfs, every_weeks=2, set_by=clinician)
    clinician.delete()
    assert Schedule.objects.get().set_by is None


def test_staff_see_instruments_in_the_admin_and_answered_items_are_read_only(client, staff, patient, psfs, impact):
    answer(patient, psfs, frequency=0)
    client.force_login(staff)
    assert client.get(reverse("admin:questionnaires_instrument_changelist")).status_code == 200
    answered = client.get(reverse("admin:questionnaires_instrument_change", args=[psfs.pk])).content.decode()
    fresh = client.get(reverse("admin:questionnaires_instrument_change", args=[impact.pk])).content.decode()
    assert 'name="items-0-text"' not in answered
    assert 'name="items-0-text"' in fresh


def admin_form(instrument, **changes) -> dict:
    """The admin's change form for `instrument`, as posted, with its items unchanged."""
    fields = ["title", "short_title", "slug", "version", "sort_order", "description", "recall_period", "source"]
    fields += ["status", "offered_to"]
    fields += ["scoring", "score_item", "score_label", "score_min", "score_max", "score_help", "suggested_every_weeks"]
    data = {field: getattr(instrument, field) for field in fields}
    data.update({"active": "on"} if instrument.active else {})
    items = list(instrument.items.all())
    data.update({"items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": len(items)})
    data.update({"items-MIN_NUM_FORMS": 0, "items-MAX_NUM_FORMS": 1000})
    for index, item in enumerate(items):
        for field in ("id", "sort_order", "link_id", "display", "text", "help_text", "enable_when_link_id"):
            data[f"items-{index}-{field}"] = getattr(item, field)
        data[f"items-{index}-instrument"] = instrument.pk
        data[f"items-{index}-answer_options"] = json.dumps(item.answer_options)
        data[f"items-{index}-enable_when_operator"] = item.enable_when_operator
        data[f"items-{index}-enable_when_value"] = "" if item.enable_when_value is None else item.enable_when_value
        if item.required:
            data[f"items-{index}-required"] = "on"
    data.update(changes)
    return data


def test_staff_can_retire_an_answered_instrument(client, staff, patient, psfs):
    answer(patient, psfs, frequency=0)
    client.force_login(staff)
    data = admin_form(psfs)
    data.pop("active")
    response = client.post(reverse("admin:questionnaires_instrument_change", args=[psfs.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert not Instrument.objects.get(pk=psfs.pk).active


def test_the_admin_refuses_a_score_range_the_items_cannot_give(client, staff, impact):
    client.force_login(staff)
    response = client.post(
        reverse("admin:questionnaires_instrument_change", args=[impact.pk]), admin_form(impact, score_max=40)
    )
    assert response.status_code == 200
    assert "The items give scores from 0 to 10: set the score range to match." in response.content.decode()
    assert Instrument.objects.get(pk=impact.pk).score_max == 10
