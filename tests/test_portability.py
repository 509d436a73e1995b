"""Taking a record out (CSV, JSON, FHIR) and bringing cramps back in from our own CSV."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create, profile_for
from tracker.models import AccessLog, CheckIn, ClinicianNote, Episode, Medication, PatientCondition
from tracker.portability.csv_export import COLUMNS
from tracker.portability.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("tracker:export")
IMPORT_URL = reverse("tracker:import")
FORMATS = ["csv", "json", "fhir"]
CAST = ["owner", "other_patient", "clinician", "unverified_clinician", "staff", "anonymous"]


def download_url(export_format):
    return reverse("tracker:export_download", args=[export_format])


def clinician_url(patient, export_format):
    return reverse("tracker:clinician_export_download", args=[patient.pk, export_format])


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def log_cramp(patient, started_at, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, **{"severity": 4, **details}),
    )
    return episode


def log_full_cramp(patient, started_at) -> Episode:
    """A cramp with every detail filled in, including awkward text for a spreadsheet."""
    return log_cramp(
        patient,
        started_at,
        severity=7,
        duration_seconds=150,
        woke_from_sleep=True,
        activity=term("activity", "asleep"),
        locations=[
            LocationChoice(location=term("location", "calf"), side="left"),
            LocationChoice(location=term("location", "hamstring"), side="both"),
        ],
        triggers=[term("trigger", "cold"), term("trigger", "dehydration")],
        symptoms=[term("symptom", "twitching")],
        relief_measures=[term("relief", "stretching"), term("relief", "massage")],
        relief_effect="lot",
        medication_taken="Magnesium; 1 tablet",
        notes='=Left calf, then "both".\nWoke twice, café au lait.',
    )


@pytest.fixture
def diary(patient, clinician):
    """The patient's whole record: cramps full and quick, profile, medication, check-in, a note and a grant."""
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    now = timezone.now().replace(microsecond=0)
    full = log_full_cramp(patient, now - dt.timedelta(days=3, seconds=17))
    one_place = log_cramp(
        patient,
        now - dt.timedelta(days=2),
        locations=[LocationChoice(location=term("location", "foot-toes"), side="right")],
        notes="Walking home",
    )
    quick = log_cramp(patient, now - dt.timedelta(hours=5), severity=2)
    profile = profile_for(patient)
    profile.other_conditions = "Low thyroid"
    profile.reminder_time = dt.time(21, 30)
    profile.save()
    PatientCondition.objects.create(profile=profile, condition=term("condition", "diabetic-neuropathy"))
    Medication.objects.create(patient=patient, name="Baclofen", dose="10 mg at night", started_on=dt.date(2025, 1, 5))
    CheckIn.objects.create(patient=patient, day=(now - dt.timedelta(days=10)).date(), status=CheckIn.Status.NO_CRAMPS)
    grant_access(patient, clinician)
    ClinicianNote.objects.create(patient=patient, author=clinician, episode=full, text="Try stretching before bed.")
    return {"full": full, "one_place": one_place, "quick": quick}


@pytest.fixture
def strangers_cramp(other_patient):
    return EpisodeFactory(patient=other_patient, notes="Olive's private cramp", severity=9)


def sign_in(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue("patient" if who == "owner" else who))


def facts(episode: Episode) -> tuple:
    """Everything the patient said about a cramp, comparable across patients."""
    return (
        episode.started_at,
        episode.severity,
        episode.duration_seconds,
        sorted((place.location.slug, place.side) for place in episode.locations.all()),
        episode.woke_from_sleep,
        episode.activity.slug if episode.activity else None,
        sorted(term.slug for term in episode.triggers),
        sorted(term.slug for term in episode.symptoms),
        sorted(term.slug for term in episode.relief_measures),
        episode.relief_effect,
        episode.medication_taken,
        episode.notes,
    )


def diary_facts(patient) -> list[tuple]:
    return [facts(episode) for episode in Episode.objects.for_patient(patient).with_details().order_by("started_at")]


class TestExportPage:
    def test_the_page_explains_every_csv_column_and_offers_the_three_downloads_and_the_import(self, client, patient):
        client.force_login(patient)
        html = client.get(EXPORT_URL).content.decode()
        for column in COLUMNS:
            assert f"<code>{column}</code>" in html
        for export_format in FORMATS:
            assert f'href="{download_url(export_format)}"' in html
        assert f'href="{IMPORT_URL}"' in html
        assert "Calf (left); Foot or toes (both sides)" in html

    @pytest.mark.parametrize("url", [EXPORT_URL, IMPORT_URL, *(download_url(f) for f in FORMATS)])
    def test_anonymous_visitors_are_sent_to_log_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    @pytest.mark.parametrize("url", [EXPORT_URL, IMPORT_URL, *(download_url(f) for f in FORMATS)])
    def test_a_clinician_has_no_patient_export_or_import_pages(self, client, clinician, url):
        client.force_login(clinician)
        assert client.get(url).status_code == 403

    def test_an_unknown_format_is_not_found(self, client, patient, clinician):
        grant_access(patient, clinician)
        client.force_login(patient)
        assert client.get(download_url("xml")).status_code == 404
        client.force_login(clinician)
        assert client.get(clinician_url(patient, "xml")).status_code == 404
        assert not AccessLog.objects.exists()


class TestPatientDownloads:
    def test_the_csv_holds_every_cramp_of_the_patient_and_no_one_elses(self, client, patient, diary, strangers_cramp):
        client.force_login(patient)
        response = client.get(download_url("csv"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        raw = b"".join(response.streaming_content)
        # The byte-order mark, for Excel to read the file as UTF-8.
        assert raw.startswith("\ufeff".encode())
        content = raw.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(content)))
        assert table[0] == COLUMNS
        assert len(table) == 4
        first = dict(zip(COLUMNS, table[1], strict=True))
        assert first["locations"] == "Calf (left); Back of thigh (hamstring) (both sides)"
        assert first["started_local"].endswith(("-05:00", "-04:00"))
        assert first["notes"].startswith("'=Left calf")
        assert "Olive" not in content

    def test_the_json_holds_every_section_of_the_record(self, client, patient, clinician, diary, strangers_cramp):
        client.force_login(patient)
        response = client.get(download_url("json"))
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"].startswith("attachment;")
        record = json.loads(response.getvalue())
        assert record["account"] == {
            "name": "Pat Patient",
            "email": "pat@example.org",
            "time_zone": "America/New_York",
            "joined": patient.date_joined.astimezone(dt.UTC).isoformat(timespec="seconds"),
        }
        assert record["profile"] == {
            "conditions": [{"slug": "diabetic-neuropathy", "label": "Diabetic neuropathy"}],
            "other_conditions": "Low thyroid",
            "spinal_injury_level": "",
            "reminder_time": "21:30",
        }
        baclofen = Medication.objects.get(patient=patient)
        # A medicine written around the services has its dates as steps without ids of their own.
        assert record["medications"] == [
            {
                "id": str(baclofen.uuid),
                "name": "Baclofen",
                "current_dose": "10 mg at night",
                "started_on": "2025-01-05",
                "stopped_on": None,
                "steps": [
                    {
                        "id": None,
                        "kind": "started",
                        "day": "2025-01-05",
                        "dose": "10 mg at night",
                        "side_effects": [],
                        "side_effect_other": "",
                    }
                ],
            }
        ]
        assert [episode["id"] for episode in record["episodes"]] == [
            str(diary[name].uuid) for name in ("full", "one_place", "quick")
        ]
        full = record["episodes"][0]
        started = diary["full"].started_at
        assert full["started_at_utc"] == started.isoformat(timespec="seconds")
        assert full["started_at_local"] == started.astimezone(patient.zone).isoformat(timespec="seconds")
        assert full["locations"] == [
            {"slug": "calf", "label": "Calf", "side": "left"},
            {"slug": "hamstring", "label": "Back of thigh (hamstring)", "side": "both"},
        ]
        assert (full["severity_0_10"], full["duration_seconds"], full["woke_from_sleep"]) == (7, 150, True)
        assert full["activity"] == {"slug": "asleep", "label": "Asleep"}
        assert {item["slug"] for item in full["triggers"]} == {"cold", "dehydration"}
        assert [item["slug"] for item in full["symptoms"]] == ["twitching"]
        assert {item["slug"] for item in full["relief_measures"]} == {"stretching", "massage"}
        assert full["relief_effect"] == {"code": "lot", "label": "A lot"}
        assert full["medication_taken"] == "Magnesium; 1 tablet"
        assert full["notes"] == diary["full"].notes
        assert {"status": "none", "label": "No cramps"}.items() <= record["checkins"][0].items()
        assert len(record["checkins"]) == 4
        assert record["clinician_notes"] == [
            {
                "author": "Dr Nora Nerve",
                "text": "Try stretching before bed.",
                "written_at": ClinicianNote.objects.get().created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                "episode_id": str(diary["full"].uuid),
            }
        ]
        assert [(grant["clinician"], grant["status"]) for grant in record["sharing"]] == [("Dr Nora Nerve", "active")]
        assert "Olive" not in json.dumps(record)

    @pytest.mark.parametrize("size", [2, 30])
    def test_the_json_export_query_count_does_not_grow_with_the_number_of_cramps(
        self, client, patient, django_assert_num_queries, size
    ):
        for days in range(1, size + 1):
            log_full_cramp(patient, timezone.now() - dt.timedelta(days=days))
        client.force_login(patient)
        # session, user, profile, conditions, medications, own words, check-ins, questionnaire schedules,
        # questionnaire answers, clinician notes, grants, episodes, their locations, their tags
        with django_assert_num_queries(14):
            body = client.get(download_url("json")).getvalue()
        assert len(json.loads(body)["episodes"]) == size


class TestClinicianDownloads:
    @pytest.mark.parametrize("who", CAST)
    @pytest.mark.parametrize("export_format", FORMATS)
    def test_only_the_patient_and_a_clinician_with_a_grant_can_download(
        self, client, request, patient, clinician, unverified_clinician, export_format, who
    ):
        grant_access(patient, clinician)
        grant_access(patient, unverified_clinician)
        EpisodeFactory(patient=patient)
        sign_in(client, request, who)
        response = client.get(clinician_url(patient, export_format))
        if who in ("owner", "clinician"):
            assert response.status_code == 200
        elif who == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == 404

    def test_a_clinician_without_a_grant_gets_404_and_nothing_is_logged(self, client, patient, clinician):
        grant_access(patient, ClinicianFactory())
        client.force_login(clinician)
        assert client.get(clinician_url(patient, "json")).status_code == 404
        assert not AccessLog.objects.exists()

    @pytest.mark.parametrize(
        ("export_format", "action"),
        [
            ("csv", AccessLog.Action.EXPORT_CSV),
            ("json", AccessLog.Action.EXPORT_JSON),
            ("fhir", AccessLog.Action.EXPORT_FHIR),
        ],
    )
    def test_each_clinician_download_writes_an_access_log_row(self, client, patient, clinician, export_format, action):
        grant_access(patient, clinician)
        client.force_login(clinician)
        client.get(clinician_url(patient, export_format))
        entry = AccessLog.objects.get()
        assert (entry.patient, entry.clinician, entry.action) == (patient, clinician, action)

    def test_the_patient_downloading_their_own_record_is_not_logged(self, client, patient):
        client.force_login(patient)
        assert client.get(clinician_url(patient, "csv")).status_code == 200
        assert not AccessLog.objects.exists()

    def test_a_clinicians_json_copy_has_the_episodes_but_not_whom_else_the_patient_shares_with(
        self, client, patient, clinician, diary
    ):
        grant_access(patient, ClinicianFactory(full_name="Dr Second Opinion"))
        client.force_login(clinician)
        record = json.loads(client.get(clinician_url(patient, "json")).getvalue())
        assert len(record["episodes"]) == 3
        assert "sharing" not in record
        assert "Second Opinion" not in json.dumps(record)


def csv_upload(rows, header=COLUMNS, name="cramps.csv", delimiter=",", prefix="") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, (prefix + buffer.getvalue()).encode(), content_type="text/csv")


def cramp_row(**cells) -> list[str]:
    """A valid row: a cramp yesterday in the left calf; `cells` override columns."""
    values = dict.fromkeys(COLUMNS, "")
    started = (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
    values.update(started_local=started.isoformat(timespec="minutes"), severity_0_10="5", locations="Calf (left)")
    values.update(cells)
    return [values[column] for column in COLUMNS]


def import_file(client, upload):
    return client.post(IMPORT_URL, {"file": upload}, follow=True)


def file_errors(response) -> list[str]:
    return response.context["form"].errors.get("file", [])


class TestImport:
    def test_the_import_page_has_a_labelled_file_field(self, client, patient):
        client.force_login(patient)
        html = client.get(IMPORT_URL).content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert 'for="id_file"' in html

    def test_an_export_imported_into_a_fresh_account_reproduces_every_cramp(self, client, patient, diary):
        client.force_login(patient)
        exported = text_of(client.get(download_url("csv"))).encode()
        fresh = PatientFactory(time_zone="Asia/Tokyo")
        client.force_login(fresh)
        response = import_file(client, SimpleUploadedFile("mine.csv", exported, content_type="text/csv"))
        assert "Imported: 3 restored (3 entries)." in response.content.decode()
        assert diary_facts(fresh) == diary_facts(patient)
        assert all(episode.created_by == fresh for episode in Episode.objects.for_patient(fresh))

    def test_importing_the_same_file_twice_skips_every_row_the_second_time(self, client, patient):
        client.force_login(patient)
        last_month = (timezone.now() - dt.timedelta(days=30)).astimezone(dt.timezone(dt.timedelta(hours=1)))
        rows = [cramp_row(), cramp_row(locations="Calf (right)"), cramp_row(started_local=last_month.isoformat())]
        assert "Imported: 3 restored (3 entries)." in import_file(client, csv_upload(rows)).content.decode()
        again = import_file(client, csv_upload(rows)).content.decode()
        assert "Imported: 3 already here (3 entries)." in again
        assert Episode.objects.for_patient(patient).count() == 3

    def test_an_export_imported_back_into_the_same_diary_adds_nothing(self, client, patient, diary):
        client.force_login(patient)
        exported = text_of(client.get(download_url("csv"))).encode()
        response = import_file(client, SimpleUploadedFile("mine.csv", exported))
        assert "3 already here (3 entries)" in response.content.decode()
        assert Episode.objects.for_patient(patient).count() == 3

    def test_labels_slugs_sides_and_effects_are_read_case_insensitively(self, client, patient):
        client.force_login(patient)
        row = cramp_row(
            locations="calf (LEFT); foot-toes (both); Calf (right)",
            activity="WALKING",
            triggers="cold; Cold; heat",
            relief_tried="walking-it-off",
            relief_effect="a little",
            woke_from_sleep="Yes",
        )
        import_file(client, csv_upload([row], delimiter=";", prefix="\ufeff"))
        episode = Episode.objects.for_patient(patient).with_details().get()
        assert sorted((place.location.slug, place.side) for place in episode.locations.all()) == [
            ("calf", "both"),
            ("foot-toes", "both"),
        ]
        assert episode.activity.slug == "walking"
        assert sorted(term.slug for term in episode.triggers) == ["cold", "heat"]
        assert [term.slug for term in episode.relief_measures] == ["walking-it-off"]
        assert (episode.relief_effect, episode.woke_from_sleep) == ("little", True)

    @pytest.mark.parametrize(
        ("cells", "message"),
        [
            ({"started_local": "yesterday"}, "Row 3: started_local must be a date and time such as"),
            ({"started_local": "2026-03-01T03:10"}, "Row 3: started_local needs its offset from UTC"),
            ({"started_local": "2099-03-01T03:10+00:00"}, "Row 3: started_local: This time is in the future."),
            ({"started_local": "1990-03-01T03:10+00:00"}, "Row 3: started_local: That is more than five years"),
            ({"severity_0_10": "11"}, "Row 3: severity must be a whole number from 0 to 10."),
            ({"severity_0_10": "4.5"}, "Row 3: severity must be a whole number from 0 to 10."),
            ({"duration_seconds": "0"}, "Row 3: duration_seconds must be a whole number from 1 to 86400"),
            ({"duration_seconds": "9" * 5000}, "Row 3: duration_seconds must be a whole number from 1 to 86400"),
            ({"severity_0_10": "1" * 5000}, "Row 3: severity must be a whole number from 0 to 10."),
            ({"locations": "!!! (left)"}, "Row 3: locations: “!!!”: Use at least one letter or digit."),
            ({"relief_tried": "x" * 41}, "Row 3: relief_tried: “xxxx"),
            ({"locations": "Calf"}, "Row 3: locations: “Calf” must be a place with its side in brackets"),
            ({"locations": "Calf (up)"}, "Row 3: locations: “Calf (up)” must be a place with its side in brackets"),
            ({"symptoms": "Full moon"}, "Row 3: symptoms: “Full moon” is not one of our symptoms."),
            ({"woke_from_sleep": "maybe"}, "Row 3: woke_from_sleep must be yes or no, or empty when not recorded."),
            ({"relief_effect": "Brilliant"}, "Row 3: relief_effect must be one of Not at all, A little"),
            ({"notes": "x" * 2001}, "Row 3: notes can be at most 2000 characters"),
            (
                {"severity_0_10": "0", "symptoms": "Trouble breathing or swallowing"},
                "Row 3: severity is 0 (no pain) but the row notes warning signs (trouble breathing",
            ),
        ],
    )
    def test_a_bad_row_is_named_and_nothing_is_imported(self, client, patient, cells, message):
        client.force_login(patient)
        response = import_file(client, csv_upload([cramp_row(), cramp_row(**cells), cramp_row(severity_0_10="3")]))
        errors = file_errors(response)
        assert len(errors) == 1
        assert errors[0].startswith(message), errors
        assert "Nothing was imported." in response.content.decode()
        assert not Episode.objects.exists()

    def test_a_painless_twitch_with_warning_signs_or_a_painless_cramp_without_imports(self, client, patient):
        """Only a cramp rated 0 with warning signs contradicts itself, as on the entry form."""
        client.force_login(patient)
        rows = [
            cramp_row(severity_0_10="0", event_kind="twitch", symptoms="Trouble breathing or swallowing"),
            cramp_row(severity_0_10="0", started_local="2026-12-01T10:00+00:00"),
        ]
        response = import_file(client, csv_upload(rows))
        assert "Nothing was imported." not in response.content.decode()
        assert Episode.objects.filter(patient=patient, severity=0).count() == 2

    def test_a_cramp_that_lasted_longer_than_it_has_been_going_is_refused_as_on_the_form(self, client, patient):
        client.force_login(patient)
        started = (timezone.now() - dt.timedelta(minutes=86)).isoformat(timespec="minutes")
        response = import_file(client, csv_upload([cramp_row(started_local=started, duration_seconds="86400")]))
        [error] = file_errors(response)
        assert error.startswith("Row 2: duration_seconds: This cramp started 86 minutes ago, so it cannot have lasted")
        assert error.endswith(" minutes yet.")
        assert not Episode.objects.filter(patient=patient).exists()

    def test_every_bad_row_is_listed_up_to_fifty(self, client, patient):
        client.force_login(patient)
        rows = [cramp_row(severity_0_10="high") for _ in range(60)]
        response = import_file(client, csv_upload(rows))
        errors = file_errors(response)
        assert errors[0] == "Row 2: severity must be a whole number from 0 to 10."
        assert errors[49] == "Row 51: severity must be a whole number from 0 to 10."
        assert errors[-1] == "… and 10 more problems."
        assert len(errors) == 51
        html = response.content.decode()
        assert "Row 51: severity must be a whole number" in html
        assert "Row 52:" not in html

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is not a CSV file"),
            (b"started,severity\n2026-01-01,5\n", "This is not a CSV exported from CrampApp"),
            (",".join(COLUMNS).encode("utf-16"), "This is not a CSV file"),
            ((",".join(COLUMNS) + "\nCafé (left)\n").encode("latin-1"), "This file is not UTF-8 text."),
            (b"", "This file is empty."),
            (b"  \n\n", "This file is empty."),
            ((",".join(COLUMNS) + "\n\n").encode(), "This file has the column names but no cramps."),
            ((",".join(COLUMNS) + "\n1,2,3\n").encode(), "Row 2 has 3 cells; it should have 19."),
            ((",".join(COLUMNS) + '\n"' + "x" * 200_000 + "\n").encode(), "Row 2 cannot be read as CSV"),
        ],
    )
    def test_a_file_that_is_not_our_csv_is_refused_with_a_clear_message(self, client, patient, content, message):
        client.force_login(patient)
        response = import_file(client, SimpleUploadedFile("upload.csv", content))
        assert response.status_code == 200
        assert [error[: len(message)] for error in file_errors(response)] == [message]
        assert not Episode.objects.exists()

    def test_a_file_over_5_mb_is_refused_before_it_is_read(self, client, patient):
        client.force_login(patient)
        padding = "x" * (MAX_IMPORT_BYTES - 100)
        upload = csv_upload([cramp_row(notes=padding[:2000]), cramp_row(medication_taken=padding)])
        assert upload.size > MAX_IMPORT_BYTES
        errors = file_errors(import_file(client, upload))
        assert errors == ["This file is larger than 5 MB. Split it into smaller files."]
        assert not Episode.objects.exists()

    def test_a_file_of_more_than_10000_rows_is_refused(self, client, patient):
        client.force_login(patient)
        start = timezone.now() - dt.timedelta(days=30)
        rows = [cramp_row(started_local=(start + dt.timedelta(minutes=n)).isoformat()) for n in range(10_001)]
        assert len(rows) == MAX_IMPORT_ROWS + 1
        errors = file_errors(import_file(client, csv_upload(rows)))
        assert errors == ["This file has more than 10,000 cramps. Split it into files of at most that many rows."]
        assert not Episode.objects.exists()

    def test_a_missing_file_is_asked_for(self, client, patient):
        client.force_login(patient)
        response = client.post(IMPORT_URL, {})
        assert file_errors(response) == ["This field is required."]
