"""The record out and back: the JSON backup and the CSV restored into an account, all or nothing,
idempotent, bringing back what was deleted and keeping what was edited."""

import csv
import datetime as dt
import io
import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import Instrument, QuestionnaireResponse, Schedule
from questionnaires.services import response_record, schedule_set
from tracker.diary.account_deletion import patient_account_delete
from tracker.diary.services import (
    EpisodeDetails,
    LocationChoice,
    checkin_record,
    episode_create,
    episode_delete,
    episode_update,
    medication_add,
    medication_step_add,
    own_word_add,
    own_word_set_active,
    profile_for,
)
from tracker.models import (
    CheckIn,
    EntryType,
    Episode,
    EventKind,
    Medication,
    MedicationStep,
    PatientCondition,
    SideEffect,
    Term,
)
from tracker.portability.csv_export import COLUMNS

from .factories import CaregiverFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("tracker:import")
# What differs between two accounts holding the same record: ids made anew, creation times, the export's time.
NOT_COMPARED = {"exported_at", "joined", "created_at", "updated_at"}


def log(patient, started_at, created_by=None, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=created_by or patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, **{"severity": 4, **details}),
    )
    return episode


def calf(side="left") -> list[LocationChoice]:
    return [LocationChoice(location=term("location", "calf"), side=side)]


@pytest.fixture
def record(patient):
    """A whole record: single cramps, a night tally with a cramp described, a spasm and a twitch, check-ins,
    diagnoses, a medicine with a dose change and side effects, a questionnaire schedule and answer."""
    patient.time_zone = "Europe/Paris"
    patient.save(update_fields=["time_zone"])
    now = timezone.now().replace(microsecond=0)
    today = now.astimezone(patient.zone).date()
    log(
        patient,
        now - dt.timedelta(days=9, hours=3),
        severity=7,
        duration_seconds=150,
        woke_from_sleep=True,
        activity=term("activity", "asleep"),
        locations=[*calf("left"), LocationChoice(location=term("location", "hamstring"), side="both")],
        triggers=[term("trigger", "cold")],
        symptoms=[term("symptom", "twitching")],
        relief_measures=[term("relief", "stretching")],
        relief_effect="lot",
        medication_taken="Magnesium",
        notes='=1+2, "quoted"\nsecond line',
    )
    night = today - dt.timedelta(days=4)
    log(patient, None, entry_type=EntryType.NIGHT, cramp_count=4, tally_date=night, severity=6, times_woken=2)
    log(patient, now - dt.timedelta(days=2), event_kind=EventKind.SPASM, locations=calf("right"))
    log(patient, now - dt.timedelta(days=1), event_kind=EventKind.TWITCH, woke_from_sleep=False)
    CheckIn.objects.create(
        patient=patient, day=today - dt.timedelta(days=6), status=CheckIn.Status.NO_CRAMPS, created_by=patient
    )
    profile = profile_for(patient)
    profile.other_conditions = "Low thyroid"
    profile.reminder_time = dt.time(21, 30)
    profile.save()
    PatientCondition.objects.create(profile=profile, condition=term("condition", "diabetic-neuropathy"))
    medicine = medication_add(
        patient=patient, name="Mexiletine", dose="50 mg", started_on=today - dt.timedelta(days=30)
    )
    medication_step_add(
        medication=medicine,
        created_by=patient,
        kind=MedicationStep.Kind.DOSE_CHANGED,
        day=today - dt.timedelta(days=10),
        dose="100 mg",
        side_effects=["nausea", "other"],
        side_effect_other="heartburn",
    )
    psfs = Instrument.objects.prefetch_related("items").get(slug="psfs")
    schedule_set(patient=patient, instrument=psfs, every_weeks=4, set_by=patient)
    response_record(
        patient=patient,
        instrument=psfs,
        answered_by=patient,
        client_id=uuid.uuid4(),
        values={"frequency": 2, "severity": 1},
    )
    return patient


def exported(client, patient, export_format="json") -> bytes:
    client.force_login(patient)
    return client.get(reverse("tracker:export_download", args=[export_format])).getvalue()


def upload(content: bytes, name="backup.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def restore(client, content: bytes, name="backup.json", **fields):
    return client.post(IMPORT_URL, {"file": upload(content, name), **fields}, follow=True)


def restore_elsewhere(client, content: bytes, **fields):
    """Into another account (with another address) of the record's owner, who says the backup is theirs."""
    return restore(client, content, record_is_mine="on", **fields)


def errors(response) -> list[str]:
    return response.context["form"].errors.get("file", [])


def comparable(value):
    """The record without ids made anew and creation times; ids kept only where they link items."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items() if key not in NOT_COMPARED | {"id"}}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def account_state(patient) -> tuple:
    """Everything a failed import must leave as it was."""
    return (
        sorted(Episode.objects.for_patient(patient).values_list("uuid", "severity", "notes")),
        sorted(CheckIn.objects.filter(patient=patient).values_list("day", "status")),
        Medication.objects.filter(patient=patient).count(),
        MedicationStep.objects.filter(patient=patient).count(),
        PatientCondition.objects.filter(profile__patient=patient).count(),
        QuestionnaireResponse.objects.filter(patient=patient).count(),
        Schedule.objects.filter(patient=patient).count(),
        patient.time_zone,
    )


def infos(response) -> list[str]:
    return [str(item) for item in response.context["messages"] if item.level_tag == "info"]


def success(response) -> str:
    [message] = [str(item) for item in response.context["messages"] if item.level_tag == "success"]
    return message


class TestJsonRoundTrip:
    def test_export_delete_sign_up_again_import_export_gives_the_same_record(self, client, record):
        before = json.loads(exported(client, record))
        email = record.email
        patient_account_delete(patient=record)
        client.logout()
        anew = PatientFactory(email=email, full_name=record.full_name, time_zone="UTC")
        client.force_login(anew)
        response = restore(client, json.dumps(before).encode())
        assert "restored" in success(response)
        after = json.loads(exported(client, anew))
        for key in before.keys() - NOT_COMPARED:
            assert comparable(after[key]) == comparable(before[key] if key != "sharing" else []), key
        # The cramps count as they did: 1 + a tally of 4, the spasm and twitch apart.
        assert Episode.objects.for_patient(anew).cramp_total() == 5
        anew.refresh_from_db()
        assert anew.time_zone == "Europe/Paris"

    def test_the_summary_says_what_was_restored_part_by_part(self, client, record):
        content = exported(client, record)
        client.force_login(PatientFactory())
        message = success(restore_elsewhere(client, content))
        assert message.startswith("Imported: ")
        assert "4 entries with 5 cramps" in message
        assert "1 medicine" in message
        assert "1 questionnaire answer" in message

    def test_importing_the_same_file_twice_changes_nothing(self, client, record):
        content = exported(client, record)
        fresh = PatientFactory()
        client.force_login(fresh)
        restore_elsewhere(client, content)
        state = account_state(fresh)
        message = success(restore_elsewhere(client, content))
        assert account_state(fresh) == state
        assert "restored" not in message
        assert message.startswith("Imported: ")
        assert "already here" in message

    def test_a_reimport_after_an_edit_and_a_deletion_restores_the_deleted_and_keeps_the_edit(self, client, record):
        content = exported(client, record)
        first, second, *_ = Episode.objects.for_patient(record).order_by("started_at")
        episode_update(episode=first, details=EpisodeDetails(started_at=first.started_at, severity=2))
        episode_delete(episode=second)
        client.force_login(record)
        message = success(restore(client, content))
        # The deleted entry took back the "had cramps" it had marked its day with; the backup brings both back.
        assert message.startswith("Imported: 2 restored (1 entry with 4 cramps, 1 check-in day)")
        assert "1 differs and was kept as it is (1 entry)" in message
        first.refresh_from_db()
        assert first.severity == 2
        assert Episode.objects.for_patient(record).filter(uuid=second.uuid).exists()

    def test_clinicians_notes_and_sharing_are_said_not_to_be_imported(self, client, record, clinician):
        grant_access(record, clinician)
        content = exported(client, record)
        client.force_login(PatientFactory())
        response = restore_elsewhere(client, content)
        assert infos(response) == [
            "Not imported: whom you shared your diary with. Invite your clinicians and caregivers again from the "
            "sharing page."
        ]

    def test_a_caregivers_entries_come_back_as_the_patients_and_the_patient_is_told(self, client, patient):
        caregiver = CaregiverFactory()
        log(patient, timezone.now() - dt.timedelta(days=2), created_by=caregiver)
        log(patient, timezone.now() - dt.timedelta(days=1))
        checkin_record(patient=patient, created_by=caregiver, day=patient.today() - dt.timedelta(days=3), status="none")
        content = exported(client, patient)
        client.force_login(PatientFactory())
        response = restore_elsewhere(client, content)
        assert infos(response) == [
            "2 restored entries and check-ins had been entered by a caregiver, and now read as entered by you: "
            "a backup holds no link to anyone else's account."
        ]

    def test_own_words_no_entry_uses_and_retired_ones_come_back_as_they_were(self, client, patient):
        own_word_add(patient=patient, kind="trigger", label="Long drive")
        retired = own_word_add(patient=patient, kind="relief", label="Warm bath")
        own_word_set_active(word=retired, active=False)
        content = exported(client, patient)
        assert json.loads(content)["own_words"] == [
            {"kind": "relief", "label": "Warm bath", "retired": True},
            {"kind": "trigger", "label": "Long drive", "retired": False},
        ]
        fresh = PatientFactory()
        client.force_login(fresh)
        restore_elsewhere(client, content)
        assert sorted(Term.objects.owned_by(fresh).values_list("kind", "label", "is_active")) == [
            ("relief", "Warm bath", False),
            ("trigger", "Long drive", True),
        ]
        # Again: nothing doubles.
        restore_elsewhere(client, content)
        assert Term.objects.owned_by(fresh).count() == 2

    def test_two_cramps_in_the_same_minute_and_place_are_two_cramps(self, client, patient):
        moment = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
        log(patient, moment, locations=calf())
        log(patient, moment + dt.timedelta(seconds=20), locations=calf(), severity=8)
        content = exported(client, patient)
        fresh = PatientFactory()
        client.force_login(fresh)
        restore_elsewhere(client, content)
        assert sorted(Episode.objects.for_patient(fresh).values_list("severity", flat=True)) == [4, 8]


class TestCsvRoundTrip:
    def test_an_exported_csv_comes_back_whole_into_a_new_account(self, client, record):
        before = exported(client, record, "csv")
        fresh = PatientFactory(time_zone="Europe/Paris")
        client.force_login(fresh)
        assert "restored (4 entries with 5 cramps)" in success(restore(client, before, "mine.csv"))
        assert exported(client, fresh, "csv") == before

    def test_a_reimport_after_an_edit_and_a_deletion_restores_the_deleted_and_keeps_the_edit(self, client, record):
        content = exported(client, record, "csv")
        first, second, *_ = Episode.objects.for_patient(record).order_by("started_at")
        episode_update(episode=first, details=EpisodeDetails(started_at=first.started_at, severity=2))
        episode_delete(episode=second)
        client.force_login(record)
        message = success(restore(client, content, "mine.csv"))
        assert message == (
            "Imported: 1 restored (1 entry with 4 cramps), 2 already here (2 entries), "
            "1 differs and was kept as it is (1 entry)."
        )
        first.refresh_from_db()
        assert first.severity == 2

    def test_rows_without_ids_in_the_same_minute_and_place_are_each_a_cramp(self, client, patient):
        started = (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0).isoformat()
        row = dict.fromkeys(COLUMNS, "") | {"started_local": started, "severity_0_10": "5", "locations": "Calf (left)"}
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, COLUMNS)
        writer.writeheader()
        writer.writerows([row, row])
        client.force_login(patient)
        restore(client, buffer.getvalue().encode(), "two.csv")
        assert Episode.objects.for_patient(patient).count() == 2
        # The same file again matches each stored cramp once: nothing is added.
        assert "2 already here" in success(restore(client, buffer.getvalue().encode(), "two.csv"))
        assert Episode.objects.for_patient(patient).count() == 2

    def test_a_row_without_id_that_differs_from_its_stored_cramp_is_said_to_be_kept_as_it_is(self, client, patient):
        started = (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0).isoformat()
        row = dict.fromkeys(COLUMNS, "") | {"started_local": started, "severity_0_10": "5", "locations": "Calf (left)"}
        client.force_login(patient)
        for severity in ("5", "9"):
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, COLUMNS)
            writer.writeheader()
            writer.writerow(row | {"severity_0_10": severity})
            message = success(restore(client, buffer.getvalue().encode(), "one.csv"))
        assert message == "Imported: 1 differs and was kept as it is (1 entry)."
        assert list(Episode.objects.for_patient(patient).values_list("severity", flat=True)) == [5]

    @pytest.mark.parametrize("export_format", ["csv", "json"])
    def test_own_words_come_back_as_own_words_not_as_our_items_whose_slug_they_spell(
        self, client, patient, export_format
    ):
        """Our "Back of thigh (hamstring)" has the slug "hamstring"; a patient's own "Hamstring" is another word."""
        place = own_word_add(patient=patient, kind="location", label="Hamstring")
        trigger = own_word_add(patient=patient, kind="trigger", label="काम")
        started = timezone.now() - dt.timedelta(days=1)
        log(patient, started, locations=[LocationChoice(place, "left")], triggers=[trigger])
        content = exported(client, patient, export_format)
        fresh = PatientFactory(time_zone=patient.time_zone)
        own_word_add(patient=fresh, kind="trigger", label="कम")  # "less": another word than "काम", "work"
        client.force_login(fresh)
        restore_elsewhere(client, content) if export_format == "json" else restore(client, content, "mine.csv")
        [episode] = Episode.objects.for_patient(fresh).with_details()
        [restored_place] = [located.location for located in episode.places]
        assert (restored_place.label, restored_place.is_own) == ("Hamstring", True)
        assert [(term.label, term.is_own) for term in episode.triggers] == [("काम", True)]
        assert sorted(Term.objects.owned_by(fresh).values_list("label", flat=True)) == ["Hamstring", "कम", "काम"]

    def test_a_night_tally_that_starts_in_the_morning_is_named(self, client, patient):
        started = (timezone.now() - dt.timedelta(days=3)).astimezone(patient.zone).replace(hour=9, minute=0)
        row = dict.fromkeys(COLUMNS, "") | {
            "started_local": started.isoformat(timespec="minutes"),
            "entry_type": "night tally",
            "cramps": "5",
            "severity_0_10": "6",
        }
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, COLUMNS)
        writer.writeheader()
        writer.writerow(row)
        client.force_login(patient)
        response = restore(client, buffer.getvalue().encode(), "nine.csv")
        assert errors(response) == ["Row 2: A tally of this kind starts at 20:00."]
        assert not Episode.objects.for_patient(patient).exists()

    def test_the_same_id_twice_in_a_csv_is_named_and_nothing_is_imported(self, client, record):
        rows = list(csv.reader(io.StringIO(exported(client, record, "csv").decode())))
        buffer = io.StringIO()
        csv.writer(buffer).writerows([*rows, rows[1]])
        content = buffer.getvalue().encode()
        client.force_login(PatientFactory())
        response = restore(client, content, "twice.csv")
        assert errors(response) == ["Row 6: id is the same as row 2's; each entry once, please."]


def edited(content: bytes, change) -> bytes:
    document = json.loads(content)
    change(document)
    return json.dumps(document).encode()


class TestBadBackups:
    @pytest.fixture
    def content(self, client, record):
        return exported(client, record)

    @pytest.fixture
    def other(self, client):
        other = PatientFactory()
        log(other, timezone.now() - dt.timedelta(days=3))
        client.force_login(other)
        return other

    def refused(self, client, other, content: bytes, **fields) -> list[str]:
        client.force_login(other)
        state = account_state(other)
        response = restore(client, content, **fields)
        assert response.status_code == 200
        assert "Nothing was imported." in response.content.decode()
        assert account_state(other) == state
        return errors(response)

    def test_a_file_from_a_newer_version_is_refused_by_name(self, client, other, content):
        newer = edited(content, lambda document: document.update(version=3))
        assert self.refused(client, other, newer) == [
            "This backup was written by a newer CrampApp (format version 3); this one reads versions 1 to 2. "
            "Nothing was imported."
        ]

    def test_another_patients_file_is_refused_until_the_owner_confirms_it_is_theirs(self, client, other, content):
        [problem] = self.refused(client, other, content)
        assert "not of yours" in problem
        assert "tick the box below" in problem
        html = restore(client, content).content.decode()
        assert 'name="record_is_mine"' in html
        message = success(restore(client, content, record_is_mine="on"))
        assert "restored" in message

    @pytest.mark.parametrize("reminder", ["21:30+05:00", "21:31", "21:30:17.123", "half past nine", 2130])
    def test_a_reminder_time_the_profile_does_not_offer_is_named(self, client, other, content, reminder):
        def spoil(document):
            document["account"]["email"] = other.email
            document["profile"]["reminder_time"] = reminder

        assert self.refused(client, other, edited(content, spoil)) == [
            "profile.reminder_time: must be a time of day such as 21:30, on a quarter of an hour, with no time zone, "
            "or null"
        ]

    def test_a_tally_dated_apart_from_its_start_is_named(self, client, other, content):
        """Moved to another night, a copy of a night tally would count that night's cramps twice."""

        def spoil(document):
            document["account"]["email"] = other.email
            tally = next(item for item in document["episodes"] if item["entry_type"] == "night")
            tally["id"] = str(uuid.uuid4())
            tally["tally_date"] = "2026-01-01"

        [problem] = self.refused(client, other, edited(content, spoil))
        assert re.fullmatch(r"episodes\[\d+\]: The tally starts in the night of .*, not of 1 Jan 2026\.", problem)

    def test_a_medicine_that_breaks_the_pages_rules_is_named_by_its_path(self, client, other, content):
        def spoil(document):
            document["account"]["email"] = other.email
            medicine = document["medications"][0]
            medicine["id"] = str(uuid.uuid4())
            medicine["name"] = "Mexi\u202eletine"
            for step in medicine["steps"]:
                step["id"] = str(uuid.uuid4())
            medicine["steps"][1]["day"] = "1900-01-01"

        problems = self.refused(client, other, edited(content, spoil))
        assert problems[0].startswith("medications[0].name: This text holds invisible characters")
        before_start = "medications[0].steps[1].day: This is before the medicine started"
        assert any(problem.startswith(before_start) for problem in problems)

    def test_a_questionnaire_answered_in_the_future_is_named(self, client, other, content):
        def spoil(document):
            document["account"]["email"] = other.email
            document["questionnaire_responses"][0]["answered_at_utc"] = "2031-01-01T10:00:00+00:00"

        assert self.refused(client, other, edited(content, spoil)) == [
            "questionnaire_responses[0].answered_at_utc: is in the future: a questionnaire is answered once it is "
            "filled in"
        ]

    def test_a_truncated_file_says_where_it_breaks(self, client, other, content):
        [problem] = self.refused(client, other, content[: len(content) // 2])
        assert problem.startswith("This file is not complete JSON: it breaks at line 1, column ")

    def test_duplicate_ids_name_both_places(self, client, other, content):
        def repeat(document):
            document["episodes"].append(document["episodes"][0])
            document["account"]["email"] = other.email

        problems = self.refused(client, other, edited(content, repeat))
        assert problems == ["episodes[4]: the same id as episodes[0]"]

    def test_unknown_codes_and_bad_values_are_named_by_their_path(self, client, other, content):
        def spoil(document):
            document["account"]["email"] = other.email
            # Without a label, a code that is not ours cannot be the patient's own word either.
            document["episodes"][0]["triggers"][0] = {"slug": "moonlight"}
            document["episodes"][1]["severity_0_10"] = 11
            document["checkins"][0]["status"] = "maybe"
            document["medications"][0]["steps"][1]["side_effects"][0]["code"] = "hiccups"
            document["questionnaire_responses"][0]["questionnaire"] = "nosuch"

        problems = self.refused(client, other, edited(content, spoil))
        assert problems == [
            "episodes[0].triggers[0]: “moonlight” is not one of our suspected trigger codes",
            "episodes[1].severity_0_10: must be a whole number from 0 to 10",
            f"medications[0].steps[1].side_effects[0].code: must be one of {', '.join(SideEffect.values)}",
            "checkins[0].status: must be one of none, cramps",
            "questionnaire_responses[0].questionnaire: “nosuch” is not one of our questionnaires",
        ]

    def test_check_ins_and_cramps_that_the_forms_refuse_are_refused(self, client, other, content):
        def spoil(document):
            document["account"]["email"] = other.email
            document["checkins"][0]["day"] = (other.today() + dt.timedelta(days=30)).isoformat()
            single = next(entry for entry in document["episodes"] if entry["entry_type"] == "single")
            # A cramp that started an hour ago and lasted 24 hours: it cannot have yet.
            started = (timezone.now() - dt.timedelta(hours=1)).astimezone(dt.UTC)
            single.update(started_at_utc=started.isoformat(timespec="seconds"), duration_seconds=24 * 3600)

        problems = self.refused(client, other, edited(content, spoil))
        assert "checkins[0].day: You can only check in for today or earlier days." in problems
        assert any("so it cannot have lasted 1440 minutes yet" in problem for problem in problems), problems

    def test_a_painless_cramp_with_warning_signs_and_a_null_character_are_refused_as_on_the_form(
        self, client, other, content
    ):
        def spoil(document):
            document["account"]["email"] = other.email
            single = [index for index, entry in enumerate(document["episodes"]) if entry["entry_type"] == "single"]
            cramp = document["episodes"][single[0]]
            cramp.update(severity_0_10=0, event_kind="cramp", symptoms=[{"slug": "trouble-breathing-swallowing"}])
            document["episodes"][single[1]]["notes"] = "a\x00b"

        problems = self.refused(client, other, edited(content, spoil))
        assert len(problems) == 2
        assert problems[0].endswith(
            ".severity_0_10: is 0 (no pain) but the entry notes warning signs (trouble breathing or swallowing)"
        )
        assert problems[1].endswith(".notes: holds a null character, which text cannot")

    def test_questionnaire_answers_are_checked_and_scored_again(self, client, other, content):
        def spoil(document):
            document["questionnaire_responses"][0]["answers"][0]["value"] = 99

        [problem] = self.refused(client, other, edited(content, spoil), record_is_mine="on")
        assert problem.startswith("questionnaire_responses[0].answers: ")

        def rescore(document):
            document["questionnaire_responses"][0]["score"] = 50

        restore(client, edited(content, rescore), record_is_mine="on")
        [response] = QuestionnaireResponse.objects.filter(patient=other)
        assert response.score == QuestionnaireResponse.objects.exclude(patient=other).get().score

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"[1, 2]", "This JSON file is not a CrampApp backup: it must be one object ({ … })."),
            (
                b'{"format": "other"}',
                "This JSON file is not a CrampApp backup: its “format” must be “crampapp-record”.",
            ),
            (b"[" * 100_000, "This file is nested far deeper than a CrampApp backup."),
            (
                b'{"format": "crampapp-record", "version": ' + b"9" * 5000 + b"}",
                "This file holds a number far longer than any in a CrampApp backup.",
            ),
            (
                b'{"format": "crampapp-record", "version": "2"}',
                "version: must be the whole number the export wrote, such as 2.",
            ),
        ],
    )
    def test_files_that_are_not_our_backup_are_refused_with_a_clear_message(self, client, other, content, message):
        assert self.refused(client, other, content) == [message]
