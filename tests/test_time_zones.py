"""Time zones kept per entry (issue 22): a cramp keeps the zone it happened in, its local time and its day,
whatever zone the patient moves to later; the notice when the phone's zone is not the profile's, and the switch;
the common zones first in the profile's list."""

import csv
import datetime as dt
import importlib
import io
import json
import uuid
import zoneinfo

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracker.counting import daily_stats
from tracker.diary.forms import ProfileForm
from tracker.diary.selectors import recent_days
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create, time_zone_update
from tracker.insights.figures import insights_for
from tracker.models import CheckIn, Episode
from tracker.portability.csv_export import COLUMNS, COLUMNS_BEFORE_ZONES

from .factories import CaregiverFactory, EpisodeFactory, PatientFactory, grant_access, grant_care, term

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NIGHT_CRAMP = "03:10 (Europe/London)"
SWITCH_URL = reverse("tracker:time_zone_switch")
DASHBOARD_URL = reverse("tracker:dashboard")
NEW_URL = reverse("tracker:episode_new")
IMPORT_URL = reverse("tracker:import")
SYNC_URL = reverse("tracker:episode_sync")


def log(patient, started_at, **details) -> Episode:
    calf = LocationChoice(location=term("location", "calf"), side="left")
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, **{"severity": 6, "locations": [calf], **details}),
    )
    return episode


def download(client, export_format: str) -> str:
    response = client.get(reverse("tracker:export_download", args=[export_format]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def html_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def night(patient) -> dt.date:
    """Ten days ago in London: the night a cramp woke the patient at 03:10."""
    return timezone.now().astimezone(LONDON).date() - dt.timedelta(days=10)


@pytest.fixture
def night_cramp(patient, night) -> Episode:
    """A cramp logged at 03:10 in London; the patient has moved to New York since, where it was the evening
    before."""
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    cramp = log(patient, dt.datetime.combine(night, dt.time(3, 10), tzinfo=LONDON), woke_from_sleep=True)
    time_zone_update(patient=patient, time_zone="America/New_York")
    return cramp


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


class TestStoredZone:
    def test_a_cramp_keeps_the_zone_it_was_logged_in_and_that_zone_s_offset(self, night_cramp, night):
        night_cramp.refresh_from_db()
        assert night_cramp.time_zone == "Europe/London"
        assert night_cramp.local_started_at.time() == dt.time(3, 10)
        assert night_cramp.utc_offset == night_cramp.started_at.astimezone(LONDON).utcoffset()
        assert night_cramp.local_day == night
        # In New York it was still the evening before.
        assert night_cramp.started_at.astimezone(NEW_YORK).date() == night - dt.timedelta(days=1)

    def test_a_cramp_logged_after_the_switch_is_in_the_new_zone(self, signed_in, patient, night_cramp):
        started = (timezone.now() - dt.timedelta(hours=1)).astimezone(NEW_YORK).replace(second=0, microsecond=0)
        calf = term("location", "calf")
        signed_in.post(
            NEW_URL,
            {
                "client_id": str(uuid.uuid4()),
                "started_at": started.strftime("%Y-%m-%dT%H:%M"),
                "severity": "4",
                "locations": [f"{calf.pk}:left"],
            },
        )
        new = Episode.objects.for_patient(patient).exclude(pk=night_cramp.pk).get()
        assert (new.time_zone, new.started_at) == ("America/New_York", started)

    def test_the_quick_log_and_the_tally_are_in_the_profile_s_zone(self, signed_in, patient, night_cramp):
        signed_in.post(f"{NEW_URL}?mode=quick", {"client_id": str(uuid.uuid4()), "severity": "5"})
        # Three nights ago: the quick log (now) may be in last night's.
        tally_night = patient.today() - dt.timedelta(days=3)
        signed_in.post(
            reverse("tracker:tally_new"),
            {
                "client_id": str(uuid.uuid4()),
                "entry_type": "night",
                "tally_date": tally_night.isoformat(),
                "cramp_count": "3",
                "severity": "6",
            },
        )
        new = Episode.objects.for_patient(patient).exclude(pk=night_cramp.pk)
        assert sorted(new.values_list("entry_type", "time_zone")) == [
            ("night", "America/New_York"),
            ("single", "America/New_York"),
        ]
        tally = new.get(entry_type="night")
        assert tally.local_started_at == dt.datetime.combine(tally_night, dt.time(20), tzinfo=NEW_YORK)

    def test_a_caregiver_logs_in_the_patient_s_zone(self, client, patient, night_cramp):
        caregiver = CaregiverFactory()
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        url = reverse("tracker:care_episode_new", args=[patient.pk])
        client.post(f"{url}?mode=quick", {"client_id": str(uuid.uuid4()), "severity": "5"})
        new = Episode.objects.for_patient(patient).exclude(pk=night_cramp.pk).get()
        assert (new.created_by, new.time_zone) == (caregiver, "America/New_York")

    def test_the_edit_form_shows_and_reads_the_time_in_the_entry_s_zone(self, signed_in, night_cramp, night):
        url = reverse("tracker:episode_edit", args=[night_cramp.uuid])
        form = signed_in.get(url).context["form"]
        assert form["started_at"].value() == dt.datetime.combine(night, dt.time(3, 10))
        assert "In Europe/London, this entry's time zone." in form["started_at"].help_text
        data = {
            "client_id": str(night_cramp.client_id),
            "started_at": f"{night.isoformat()}T03:20",
            "severity": "6",
            "locations": [f"{term('location', 'calf').pk}:left"],
        }
        signed_in.post(url, data)
        night_cramp.refresh_from_db()
        assert night_cramp.time_zone == "Europe/London"
        assert night_cramp.local_started_at == dt.datetime.combine(night, dt.time(3, 20), tzinfo=LONDON)

    def test_an_edit_that_leaves_the_time_leaves_the_moment(self, signed_in, night_cramp):
        url = reverse("tracker:episode_edit", args=[night_cramp.uuid])
        form = signed_in.get(url).context["form"]
        data = {
            "client_id": str(night_cramp.client_id),
            "started_at": form["started_at"].value().strftime("%Y-%m-%dT%H:%M"),
            "severity": "8",
            "locations": [f"{term('location', 'calf').pk}:left"],
        }
        signed_in.post(url, data)
        before = night_cramp.started_at
        night_cramp.refresh_from_db()
        assert (night_cramp.severity, night_cramp.started_at, night_cramp.time_zone) == (8, before, "Europe/London")

    def test_full_clean_refuses_an_unknown_zone_and_an_offset_out_of_range(self, patient):
        unknown = Episode(patient=patient, started_at=timezone.now(), severity=5, time_zone="Mars/Olympus_Mons")
        unknown.utc_offset = dt.timedelta(0)
        with pytest.raises(ValidationError):
            unknown.full_clean()
        too_far = Episode(patient=patient, started_at=timezone.now(), severity=5, time_zone="UTC")
        too_far.utc_offset = dt.timedelta(hours=16)
        with pytest.raises(ValidationError):
            too_far.full_clean()

    @pytest.mark.parametrize(
        "fields", [{"time_zone": ""}, {"utc_offset": dt.timedelta(hours=16)}, {"utc_offset": dt.timedelta(hours=-16)}]
    )
    def test_the_database_refuses_an_entry_without_a_zone_or_with_an_impossible_offset(self, patient, fields):
        values = {"started_at": timezone.now(), "severity": 5, "time_zone": "UTC", "utc_offset": dt.timedelta(0)}
        # bulk_create: save() would set the offset from the zone.
        with pytest.raises(IntegrityError), transaction.atomic():
            Episode.objects.bulk_create([Episode(patient=patient, **{**values, **fields})])

    def test_the_migration_gives_stored_entries_their_patient_s_zone_and_its_offset(self):
        summer = PatientFactory(time_zone="Europe/London")
        started = dt.datetime(2026, 7, 1, 2, 10, tzinfo=dt.UTC)
        episode = EpisodeFactory(patient=summer, started_at=started)
        Episode.objects.filter(pk=episode.pk).update(time_zone="UTC", utc_offset=dt.timedelta(0))
        migration = importlib.import_module("tracker.migrations.0015_episode_time_zone")
        migration.zones_of_patients(apps, None)
        episode.refresh_from_db()
        assert (episode.time_zone, episode.utc_offset) == ("Europe/London", dt.timedelta(hours=1))


class TestShownInItsZone:
    def test_the_detail_page_shows_03_10_with_its_zone(self, signed_in, night_cramp):
        html = html_of(signed_in.get(reverse("tracker:episode_detail", args=[night_cramp.uuid])))
        assert NIGHT_CRAMP in html
        assert "This entry's time is in Europe/London, where it was logged" in html

    def test_the_list_shows_03_10_with_its_zone_and_a_new_cramp_without_one(self, signed_in, patient, night_cramp):
        recent = log(patient, timezone.now() - dt.timedelta(hours=1))
        html = html_of(signed_in.get(reverse("tracker:episode_list")))
        assert NIGHT_CRAMP in html
        assert f"{recent.local_started_at:%H:%M}<" in html
        assert "(America/New_York)" not in html

    def test_the_clinician_s_entries_page_shows_03_10_with_its_zone(self, client, patient, clinician, night_cramp):
        grant_access(patient, clinician)
        client.force_login(clinician)
        assert NIGHT_CRAMP in html_of(client.get(reverse("tracker:patient_entries", args=[patient.pk])))

    def test_the_caregiver_s_log_shows_03_10_with_its_zone(self, client, patient, night_cramp):
        caregiver = CaregiverFactory()
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        assert NIGHT_CRAMP in html_of(client.get(reverse("tracker:care_log", args=[patient.pk])))

    def test_an_entry_in_the_viewer_s_zone_names_none(self, signed_in, patient):
        cramp = log(patient, timezone.now() - dt.timedelta(hours=1))
        html = html_of(signed_in.get(reverse("tracker:episode_detail", args=[cramp.uuid])))
        assert f"{cramp.started_at.astimezone(patient.zone):%H:%M}</time>" in html
        assert "Times are shown in UTC." in html


class TestDaysStay:
    def test_the_cramp_counts_on_its_london_night_not_the_new_york_evening(self, patient, night_cramp, night):
        days = daily_stats(patient, night - dt.timedelta(days=1), night)
        assert (days[night - dt.timedelta(days=1)].cramps, days[night].cramps) == (0, 1)
        # It woke the patient in the night that ended that morning.
        assert days[night].night_disturbed

    def test_its_day_is_checked_in_as_a_day_with_cramps(self, patient, night_cramp, night):
        assert dict(CheckIn.objects.filter(patient=patient).values_list("day", "status")) == {
            night: CheckIn.Status.HAD_CRAMPS
        }

    def test_the_day_strip_the_hours_and_the_list_filter_put_it_on_its_own_day_and_hour(
        self, signed_in, patient, night_cramp, night
    ):
        strip = {day.day: day.cramps for day in recent_days(patient)}
        assert (strip[night - dt.timedelta(days=1)], strip[night]) == (0, 1)
        insights = insights_for(patient, night - dt.timedelta(days=1), night, patient.today())
        assert insights.hours[3] == 1
        before = signed_in.get(reverse("tracker:episode_list"), {"date_to": night - dt.timedelta(days=1)})
        that_night = signed_in.get(reverse("tracker:episode_list"), {"date_from": night, "date_to": night})
        assert (before.context["page"].paginator.count, that_night.context["page"].paginator.count) == (0, 1)


class TestExports:
    def test_the_csv_gives_its_london_time_and_zone(self, signed_in, night_cramp, night):
        [row] = csv.DictReader(io.StringIO(download(signed_in, "csv")))
        offset = night_cramp.local_started_at.isoformat(timespec="minutes")[-6:]
        assert row["started_local"] == f"{night.isoformat()}T03:10{offset}"
        assert row["time_zone"] == "Europe/London"

    def test_the_json_and_fhir_give_its_london_time(self, signed_in, night_cramp, night):
        [entry] = json.loads(download(signed_in, "json"))["episodes"]
        local = night_cramp.local_started_at.isoformat(timespec="seconds")
        assert (entry["started_at_local"], entry["time_zone"]) == (local, "Europe/London")
        bundle = json.loads(download(signed_in, "fhir"))
        [observation] = [item["resource"] for item in bundle["entry"] if item["resource"]["id"] == entry["id"]]
        assert observation["effectivePeriod"]["start"] == local
        assert local.startswith(f"{night.isoformat()}T03:10:00")

    @pytest.mark.parametrize("export_format", ["json", "csv"])
    def test_the_round_trip_keeps_the_zone(self, client, patient, night_cramp, export_format):
        client.force_login(patient)
        content = download(client, export_format).encode()
        fresh = PatientFactory(email=patient.email.replace("@", "+tokyo@"), time_zone="Asia/Tokyo")
        client.force_login(fresh)
        upload = SimpleUploadedFile(f"record.{export_format}", content)
        client.post(IMPORT_URL, {"file": upload, "record_is_mine": "on"})
        restored = Episode.objects.for_patient(fresh).get()
        assert (restored.started_at, restored.time_zone) == (night_cramp.started_at, "Europe/London")
        assert restored.local_started_at.time() == dt.time(3, 10)

    def test_a_backup_without_entry_zones_restores_them_in_the_account_s_zone(self, client, patient, night_cramp):
        client.force_login(patient)
        document = json.loads(download(client, "json"))
        for entry in document["episodes"]:
            del entry["time_zone"]
        fresh = PatientFactory(email="fresh@example.org", time_zone="UTC")
        client.force_login(fresh)
        upload = SimpleUploadedFile("record.json", json.dumps(document).encode())
        client.post(IMPORT_URL, {"file": upload, "record_is_mine": "on"})
        # A fresh account takes the backup's zone first, and its entries with it.
        assert Episode.objects.for_patient(fresh).get().time_zone == "America/New_York"

    def test_a_csv_in_the_format_before_zones_imports_in_the_patient_s_zone(self, signed_in, patient):
        started = (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
        cells = {"started_local": started.isoformat(timespec="minutes"), "severity_0_10": "5"}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS_BEFORE_ZONES)
        writer.writerow([cells.get(name, "") for name in COLUMNS_BEFORE_ZONES])
        signed_in.post(IMPORT_URL, {"file": SimpleUploadedFile("old.csv", buffer.getvalue().encode())})
        assert Episode.objects.for_patient(patient).get().time_zone == patient.time_zone

    @pytest.mark.parametrize(
        ("zone", "problem"),
        [
            ("Mars/Olympus_Mons", "Row 2: time_zone: “Mars/Olympus_Mons” is not a time zone we know"),
            ("Asia/Tokyo", "Row 2: time_zone: started_local's offset from UTC is not that of Asia/Tokyo"),
        ],
    )
    def test_a_csv_zone_we_do_not_know_or_that_does_not_fit_the_offset_is_refused(
        self, signed_in, patient, zone, problem
    ):
        started = (timezone.now() - dt.timedelta(days=1)).astimezone(LONDON).replace(second=0, microsecond=0)
        cells = {"started_local": started.isoformat(timespec="minutes"), "severity_0_10": "5", "time_zone": zone}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerow([cells.get(name, "") for name in COLUMNS])
        response = signed_in.post(IMPORT_URL, {"file": SimpleUploadedFile("mine.csv", buffer.getvalue().encode())})
        assert any(error.startswith(problem) for error in response.context["form"].errors["file"])
        assert not Episode.objects.for_patient(patient).exists()


class TestOfflineSync:
    def entry(self, patient, **changes) -> dict:
        started = timezone.now() - dt.timedelta(hours=2)
        return {
            "client_id": str(uuid.uuid4()),
            "patient": patient.pk,
            "started_at": started.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "severity": 6,
            **changes,
        }

    def send(self, client, entry):
        return client.post(SYNC_URL, json.dumps(entry), content_type="application/json")

    def test_a_cramp_kept_offline_keeps_the_phone_s_zone(self, signed_in, patient):
        entry = self.entry(patient, time_zone="Europe/Madrid")
        assert self.send(signed_in, entry).status_code == 201
        stored = Episode.objects.for_patient(patient).get()
        assert stored.time_zone == "Europe/Madrid"
        assert stored.started_at == dt.datetime.fromisoformat(entry["started_at"])

    @pytest.mark.parametrize("zone", [None, "Mars/Olympus_Mons", ""])
    def test_without_a_zone_we_know_it_is_in_the_profile_s_zone(self, signed_in, patient, zone):
        assert self.send(signed_in, self.entry(patient, time_zone=zone)).status_code == 201
        assert Episode.objects.for_patient(patient).get().time_zone == patient.time_zone

    def test_a_zone_that_is_not_text_is_refused_with_a_reason(self, signed_in, patient):
        response = self.send(signed_in, self.entry(patient, time_zone=60))
        assert response.status_code == 422
        assert response.json()["errors"]["time_zone"] == [
            "Send the phone's time zone as its IANA name (such as Europe/London), or null."
        ]


class TestSwitchZone:
    def test_switching_sets_the_profile_s_zone_says_so_and_goes_back(self, signed_in, patient, night_cramp):
        response = signed_in.post(SWITCH_URL, {"time_zone": "Europe/Madrid", "next": f"{NEW_URL}?mode=quick"})
        assert response.status_code == 302
        assert response["Location"] == f"{NEW_URL}?mode=quick"
        patient.refresh_from_db()
        assert patient.time_zone == "Europe/Madrid"
        assert messages_of(response) == [
            "Your time zone is now Europe/Madrid. Cramps you logged before keep the time zone they happened in."
        ]
        night_cramp.refresh_from_db()
        assert night_cramp.time_zone == "Europe/London"

    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "x" * 500])
    def test_a_zone_we_do_not_know_is_refused_with_a_message(self, signed_in, patient, zone):
        response = signed_in.post(SWITCH_URL, {"time_zone": zone, "next": DASHBOARD_URL})
        assert (response.status_code, response["Location"]) == (302, DASHBOARD_URL)
        patient.refresh_from_db()
        assert patient.time_zone == "UTC"
        assert messages_of(response) == ["That time zone is not one we know, so your profile still uses UTC."]

    @pytest.mark.parametrize(
        "back", ["https://evil.example/", "//evil.example/", "", "tracker:profile", "foo", "profile"]
    )
    def test_it_goes_back_only_to_a_page_of_this_site(self, signed_in, back):
        response = signed_in.post(SWITCH_URL, {"time_zone": "Europe/Madrid", "next": back})
        assert response["Location"] == DASHBOARD_URL

    def test_it_takes_only_a_post(self, signed_in):
        assert signed_in.get(SWITCH_URL, {"time_zone": "Europe/Madrid"}).status_code == 405

    def test_it_needs_the_csrf_token(self, patient):
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient)
        assert client.post(SWITCH_URL, {"time_zone": "Europe/Madrid"}).status_code == 403
        patient.refresh_from_db()
        assert patient.time_zone == "UTC"

    def test_only_a_patient_switches_their_own_zone(self, client, clinician):
        assert client.post(SWITCH_URL, {"time_zone": "Europe/Madrid"})["Location"].startswith("/accounts/login/")
        client.force_login(clinician)
        assert client.post(SWITCH_URL, {"time_zone": "Europe/Madrid"}).status_code == 403

    @pytest.mark.parametrize("url", [DASHBOARD_URL, NEW_URL, f"{NEW_URL}?mode=quick"])
    def test_the_dashboard_and_the_entry_form_carry_the_notice_hidden_until_the_script_shows_it(self, signed_in, url):
        html = html_of(signed_in.get(url))
        assert 'data-zone-notice data-profile-zone="UTC"' in html
        assert f'action="{SWITCH_URL}"' in html
        assert f'name="next" value="{url}"' in html
        assert "zone-notice.js" in html

    def test_the_edit_form_has_no_notice(self, signed_in, night_cramp):
        html = html_of(signed_in.get(reverse("tracker:episode_edit", args=[night_cramp.uuid])))
        assert "data-zone-notice" not in html


class TestCommonZonesFirst:
    def test_the_common_zones_come_first_led_by_the_patient_s_own_then_every_zone(self):
        choices = ProfileForm(initial={"time_zone": "Asia/Kathmandu"}).fields["time_zone"].choices
        [(common_label, common), (all_label, every)] = choices
        assert (common_label, all_label) == ("Common", "All time zones")
        names = [name for name, _ in common]
        assert names[:3] == ["Asia/Kathmandu", "Europe/London", "Europe/Dublin"]
        assert {"America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"} <= set(names)
        everything = [name for name, _ in every]
        assert everything == sorted(everything)
        assert len(everything) == len(zoneinfo.available_timezones())

    def test_the_profile_page_lists_common_then_all_and_selects_the_patient_s_zone(self, signed_in, patient):
        html = html_of(signed_in.get(reverse("tracker:profile")))
        assert html.index('<optgroup label="Common">') < html.index('<optgroup label="All time zones">')
        every = html.index('<optgroup label="All time zones">')
        assert '<option value="UTC" selected>' in html[html.index('<optgroup label="Common">') : every]
        assert '<option value="UTC" selected>' not in html[every:]

    def test_a_zone_from_neither_list_is_still_refused(self, signed_in, patient):
        response = signed_in.post(reverse("tracker:profile"), {"time_zone": "Mars/Olympus_Mons"})
        assert response.context["form"].has_error("time_zone")
        patient.refresh_from_db()
        assert patient.time_zone == "UTC"
