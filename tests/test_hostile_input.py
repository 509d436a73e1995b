"""Findings of an attacker's pass, each through the real views: UTC offsets no zone has, JSON nested a
thousand deep, right-to-left overrides in names, and a note that starts like a disarmed formula."""

import csv
import datetime as dt
import io
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tracker.diary.services import EpisodeDetails, episode_create
from tracker.models import CheckIn, ClinicianNote, Episode
from tracker.portability.csv_export import COLUMNS

from .factories import CaregiverFactory, EpisodeFactory, grant_access, grant_care, term

pytestmark = pytest.mark.django_db

SYNC_URL = reverse("tracker:episode_sync")
QUICK_URL = reverse("tracker:episode_new") + "?mode=quick"
NEW_URL = reverse("tracker:episode_new")
IMPORT_URL = reverse("tracker:import")
EXPORT_CSV_URL = reverse("tracker:export_download", args=["csv"])
OFFSET_MESSAGE = "A time zone offset must be between -15:59 and +15:59"
# Offsets Python reads but PostgreSQL refuses, and offsets no one can read.
OUT_OF_RANGE = ["+16:00", "-16:00", "+2359", "-23:59", "+20:00"]
MALFORMED = ["+99:99", "+24:00", "-16:60", "+1560"]
RLO = "\u202e"


def two_hours_ago(offset: str) -> str:
    """A moment two hours ago written in local time with `offset` glued on, minutes only."""
    return (timezone.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M") + offset


def sync(client, body):
    return client.post(SYNC_URL, body if isinstance(body, str) else json.dumps(body), content_type="application/json")


def sync_entry(patient, started_at: str) -> dict:
    return {"client_id": str(uuid.uuid4()), "patient": patient.pk, "started_at": started_at, "severity": 6}


def csv_file(rows: list[dict]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for cells in rows:
        writer.writerow([cells.get(column, "") for column in COLUMNS])
    return SimpleUploadedFile("cramps.csv", buffer.getvalue().encode(), content_type="text/csv")


def yesterday_row(**cells) -> dict:
    started = (timezone.now() - dt.timedelta(days=1)).isoformat(timespec="minutes")
    return {"started_local": started, "severity_0_10": "5", "locations": "Calf (left)", **cells}


def assert_isolated(html: str, name: str) -> None:
    """The name is on the page, and everywhere in its body it sits in its own <bdi>."""
    body = re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    shown = escape(name)
    assert shown in body
    assert body.count(shown) == body.count(f"<bdi>{shown}</bdi>"), name


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


class TestOffsetsTheDatabaseWouldRefuse:
    @pytest.mark.parametrize("offset", OUT_OF_RANGE + MALFORMED)
    def test_the_offline_sync_refuses_an_offset_beyond_15_59_with_a_400(self, signed_in, patient, offset):
        response = sync(signed_in, sync_entry(patient, two_hours_ago(offset)))
        assert response.status_code == 400
        answer = response.json()
        assert OFFSET_MESSAGE in answer["message"]
        assert answer["errors"]["started_at"][0].startswith(OFFSET_MESSAGE)
        assert not Episode.objects.exists()

    def test_the_offline_sync_refuses_the_attackers_own_entry(self, signed_in, patient):
        response = sync(signed_in, sync_entry(patient, "2026-12-06T10:00:00+2359"))
        assert response.status_code == 400
        assert OFFSET_MESSAGE in response.json()["message"]

    @pytest.mark.parametrize("minutes", [15 * 60 + 59, -(15 * 60 + 59), 5 * 60 + 45, 0])
    def test_the_offline_sync_stores_the_exact_moment_for_an_offset_within_range(self, signed_in, patient, minutes):
        zone = dt.timezone(dt.timedelta(minutes=minutes))
        started_at = (timezone.now() - dt.timedelta(hours=2)).astimezone(zone).isoformat(timespec="minutes")
        assert sync(signed_in, sync_entry(patient, started_at)).status_code == 201
        assert Episode.objects.get().started_at == dt.datetime.fromisoformat(started_at)

    @pytest.mark.parametrize("offset", OUT_OF_RANGE + MALFORMED)
    def test_the_quick_log_shows_the_offset_message_next_to_the_time(self, signed_in, offset):
        data = {"client_id": str(uuid.uuid4()), "severity": "5", "started_at": two_hours_ago(offset)}
        response = signed_in.post(QUICK_URL, data)
        assert response.status_code == 200
        assert response.context["form"].errors["started_at"][0].startswith(OFFSET_MESSAGE)
        assert OFFSET_MESSAGE in response.content.decode()
        assert not Episode.objects.exists()

    def test_the_quick_log_no_longer_reads_a_malformed_offset_as_local_time(self, signed_in):
        data = {"client_id": str(uuid.uuid4()), "severity": "5", "started_at": two_hours_ago("+99:99")}
        signed_in.post(QUICK_URL, data)
        assert not Episode.objects.exists()

    @pytest.mark.parametrize("offset", ["+16:00", "+99:99"])
    def test_the_full_entry_form_shows_the_offset_message_next_to_the_time(self, signed_in, offset):
        data = {
            "client_id": str(uuid.uuid4()),
            "severity": "5",
            "started_at": two_hours_ago(offset),
            "locations": [f"{term('location', 'calf').pk}:left"],
        }
        response = signed_in.post(NEW_URL, data)
        assert response.status_code == 200
        assert response.context["form"].errors["started_at"][0].startswith(OFFSET_MESSAGE)
        assert not Episode.objects.exists()

    @pytest.mark.parametrize("offset", OUT_OF_RANGE + MALFORMED)
    def test_a_csv_row_with_such_an_offset_is_named_and_nothing_is_imported(self, signed_in, offset):
        started = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M") + offset
        response = signed_in.post(
            IMPORT_URL, {"file": csv_file([yesterday_row(), yesterday_row(started_local=started)])}, follow=True
        )
        errors = response.context["form"].errors["file"]
        assert errors[0].startswith(f"Row 3: started_local: {OFFSET_MESSAGE}"), errors
        assert not Episode.objects.exists()

    def test_a_bad_offset_in_started_utc_alone_does_not_stop_the_row(self, signed_in):
        row = yesterday_row(started_utc="2026-12-06T10:00+16:00")
        response = signed_in.post(IMPORT_URL, {"file": csv_file([row])}, follow=True)
        assert "Imported: 1 restored (1 entry)" in response.content.decode()

    def test_the_service_refuses_such_an_offset_whoever_calls_it(self, patient):
        far_east = dt.timezone(dt.timedelta(hours=20))
        details = EpisodeDetails(started_at=(timezone.now() - dt.timedelta(hours=2)).astimezone(far_east), severity=4)
        with pytest.raises(ValidationError) as refused:
            episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=details)
        assert refused.value.message_dict["started_at"][0].startswith(OFFSET_MESSAGE)


class TestDeepNesting:
    @pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"client_id":' + "[" * 999 + "]" * 999 + "}"])
    def test_a_sync_body_nested_a_thousand_deep_is_a_400_saying_so(self, signed_in, body):
        response = sync(signed_in, body)
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["message"]

    def test_an_unclosed_thousand_brackets_is_refused_too(self, signed_in):
        assert sync(signed_in, "[" * 1000).status_code == 400

    def test_brackets_inside_a_string_are_not_nesting(self, signed_in, patient):
        entry = sync_entry(patient, two_hours_ago("Z"))
        entry["client_id"] = "[" * 1000
        response = sync(signed_in, entry)
        assert response.status_code == 422
        assert "client_id" in response.json()["errors"]

    def test_an_escaped_quote_does_not_end_the_string(self, signed_in, patient):
        entry = sync_entry(patient, two_hours_ago("Z"))
        entry["location"] = '\\"' + "{" * 500
        assert sync(signed_in, entry).status_code == 422


class TestRightToLeftOverridesInNames:
    @pytest.fixture
    def caregiver(self, db):
        return CaregiverFactory(email="cara@example.org", full_name=f"{RLO}Cara Giver")

    def test_a_caregivers_name_cannot_reverse_caregiver_in_the_patients_list(self, client, patient, caregiver):
        grant_care(patient, caregiver)
        EpisodeFactory(patient=patient, created_by=caregiver)
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_list")).content.decode()
        assert f"entered by <bdi>{RLO}Cara Giver</bdi> (caregiver)" in html
        assert_isolated(html, caregiver.full_name)

    def test_the_check_in_page_isolates_who_entered_a_day(self, client, patient, caregiver):
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        today = timezone.localdate(timezone.now(), patient.zone)
        url = reverse("tracker:care_checkin", args=[patient.pk])
        response = client.post(url, {"day": today.isoformat(), "status": "none"}, follow=True)
        assert CheckIn.objects.get().created_by == caregiver
        assert_isolated(response.content.decode(), caregiver.full_name)

    def test_the_sharing_page_isolates_the_caregivers_name(self, client, patient, caregiver):
        grant_care(patient, caregiver)
        client.force_login(patient)
        html = client.get(reverse("tracker:sharing")).content.decode()
        assert f"<strong><bdi>{RLO}Cara Giver</bdi></strong> (caregiver)" in html
        assert_isolated(html, caregiver.full_name)

    def test_the_clinicians_pages_isolate_the_patient_the_caregiver_and_the_notes_author(
        self, client, patient, clinician, caregiver
    ):
        patient.full_name = f"{RLO}Pat Patient"
        patient.save(update_fields=["full_name"])
        clinician.full_name = f"Dr {RLO}Nora"
        clinician.save(update_fields=["full_name"])
        grant_access(patient, clinician)
        grant_care(patient, caregiver)
        episode = EpisodeFactory(patient=patient, created_by=caregiver)
        ClinicianNote.objects.create(patient=patient, author=clinician, episode=episode, text="Stretch first.")
        ClinicianNote.objects.create(patient=patient, author=clinician, text="Seen in clinic.")
        client.force_login(clinician)
        listing = client.get(reverse("tracker:clinic")).content.decode()
        assert_isolated(listing, patient.full_name)
        review = client.get(reverse("tracker:patient_review", args=[patient.pk])).content.decode()
        assert_isolated(review, patient.full_name)
        assert f"<title>\u2068{escape(patient.full_name)}\u2069: review" in review
        entries = client.get(reverse("tracker:patient_entries", args=[patient.pk])).content.decode()
        for name in (patient.full_name, caregiver.full_name, clinician.full_name):
            assert_isolated(entries, name)
        assert f"<title>\u2068{escape(patient.full_name)}\u2069: entries" in entries
        report = client.get(reverse("tracker:report", args=[patient.pk])).content.decode()
        assert_isolated(report, patient.full_name)

    def test_the_caregivers_pages_isolate_the_patients_name(self, client, patient, caregiver):
        patient.full_name = f"{RLO}Pat Patient"
        patient.save(update_fields=["full_name"])
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        for url in (
            reverse("tracker:care_home"),
            reverse("tracker:care_log", args=[patient.pk]),
            reverse("tracker:care_checkin", args=[patient.pk]),
        ):
            assert_isolated(client.get(url).content.decode(), patient.full_name)
        form = client.get(reverse("tracker:care_episode_new", args=[patient.pk]) + "?mode=quick").context["form"]
        response = client.post(
            reverse("tracker:care_episode_new", args=[patient.pk]) + "?mode=quick",
            {"client_id": form.initial["client_id"], "severity": "7"},
            follow=True,
        )
        assert (
            f"Cramp logged for \N{FIRST STRONG ISOLATE}{RLO}Pat Patient\N{POP DIRECTIONAL ISOLATE}."
            in response.content.decode()
        )


class TestFormulaLikeNotesRoundTrip:
    NOTES = ["=1+1", "'=1+1", "''=1+1", "'", "''", "'plain", "-2", "'-2", "@cmd", "'\tx", "plain", "'+", "a'=b"]

    def test_every_note_survives_export_then_import_exactly(self, client, patient, other_patient):
        start = timezone.now() - dt.timedelta(days=1)
        for minutes, note in enumerate(self.NOTES):
            episode_create(
                patient=patient,
                created_by=patient,
                client_id=uuid.uuid4(),
                details=EpisodeDetails(started_at=start - dt.timedelta(minutes=minutes), severity=3, notes=note),
            )
        client.force_login(patient)
        exported = b"".join(client.get(EXPORT_CSV_URL).streaming_content)
        client.force_login(other_patient)
        response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("mine.csv", exported)}, follow=True)
        assert f"Imported: {len(self.NOTES)} restored ({len(self.NOTES)} entries)." in response.content.decode()
        assert sorted(Episode.objects.for_patient(other_patient).values_list("notes", flat=True)) == sorted(self.NOTES)

    def test_the_exported_cell_of_a_quoted_formula_gets_one_more_quote(self, client, patient):
        EpisodeFactory(patient=patient, notes="'=1+1")
        client.force_login(patient)
        exported = b"".join(client.get(EXPORT_CSV_URL).streaming_content).decode()
        [row] = list(csv.DictReader(io.StringIO(exported, newline="")))
        assert row["notes"] == "''=1+1"
