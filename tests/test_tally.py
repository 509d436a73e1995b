"""Night and day tallies, and the kind of event: every count in the product counts cramps, not entries.

The rule (tracker.models.counted, cramps_only): an entry counts its cramp_count (1 for a single cramp, the
number for a tally), except a cramp described as one of a tally's, which its tally counts already; and only
entries called a cramp, or whose kind is not said, are cramps. Spasms or stiffness, twitching and "not sure"
are counted apart by the same rule (DayStats.spasms, .twitches, .unsure).
"""

import csv
import datetime as dt
import io
import json
import re
import uuid
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from fhir.resources.bundle import Bundle

from tracker.clinic.review import summary_for
from tracker.clinic.visit_report import visit_report
from tracker.counting import daily_stats, mean_daily_worst
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create, episode_delete
from tracker.diary.tallies import AUTO, Overlap, OverlapNeedsChoice, slot_bounds, slot_key
from tracker.insights.figures import insights_for
from tracker.models import EntryType, Episode, EventKind

from .factories import EpisodeFactory, PatientFactory, grant_access, term
from .test_portability import cramp_row, csv_upload, file_errors, import_file

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TALLY_URL = reverse("tracker:tally_new")
NEW_URL = reverse("tracker:episode_new")
QUICK_URL = f"{NEW_URL}?mode=quick"
LIST_URL = reverse("tracker:episode_list")
INSIGHTS_URL = reverse("tracker:insights")
DASHBOARD_URL = reverse("tracker:dashboard")
LEARN_URL = "/learn/cramp-spasm-or-twitch/"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def log_single(patient, started_at, severity=4, overlap="", **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, severity=severity, **details),
        overlap=overlap,
    )
    return episode


def log_tally(patient, night, count, severity=7, overlap="", entry_type=EntryType.NIGHT, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(
            started_at=None,
            severity=severity,
            entry_type=entry_type,
            cramp_count=count,
            tally_date=night,
            **details,
        ),
        overlap=overlap,
    )
    return episode


def calves() -> list[LocationChoice]:
    return [LocationChoice(location=term("location", "calf"), side="both")]


@pytest.fixture
def paris_patient(patient):
    patient.time_zone = "Europe/Paris"
    patient.save(update_fields=["time_zone"])
    return patient


@pytest.fixture
def diary(paris_patient):
    """A diary mixing tallies, single entries and kinds of event: 6 entries, 4 of which carry a count.

    Night N (3 days ago): cramps at 23:00 and 02:00 (kind not said) logged one by one, then a CRAMP tally of
    4 that includes them: 4 cramps. Night M (5 days ago): a SPASM tally of 3, and a spasm at 22:30 counted
    separately: 4 spasms, no cramp. Two days ago at 14:00: a TWITCH, 1 twitch. So 4 cramps in 1 counted
    entry, 4 spasms in 2 and 1 twitch in 1: 9 of any kind, of which only the 4 are cramps.
    """
    patient = paris_patient
    today = patient.today()
    night_n, night_m = today - dt.timedelta(days=3), today - dt.timedelta(days=5)
    before = log_single(patient, local(night_n, 23), severity=5)
    after = log_single(
        patient,
        local(night_n + dt.timedelta(days=1), 2),
        severity=6,
        woke_from_sleep=True,
        locations=[LocationChoice(location=term("location", "calf"), side="left")],
        triggers=[term("trigger", "cold")],
    )
    tally = log_tally(
        patient,
        night_n,
        4,
        severity=7,
        overlap=Overlap.PART,
        times_woken=3,
        locations=calves(),
        event_kind=EventKind.CRAMP,
    )
    other_tally = log_tally(patient, night_m, 3, severity=5, event_kind=EventKind.SPASM)
    separate = log_single(
        patient,
        local(night_m, 22, 30),
        severity=4,
        overlap=Overlap.SEPARATE,
        woke_from_sleep=True,
        locations=[LocationChoice(location=term("location", "foot-toes"), side="right")],
        event_kind=EventKind.SPASM,
    )
    daytime = log_single(
        patient,
        local(today - dt.timedelta(days=2), 14),
        severity=2,
        triggers=[term("trigger", "cold")],
        event_kind=EventKind.TWITCH,
    )
    return {
        "tally": tally,
        "before": before,
        "after": after,
        "other_tally": other_tally,
        "separate": separate,
        "daytime": daytime,
        "night_n": night_n,
        "night_m": night_m,
    }


# Cramps and the counted entries that carry them: night N's tally alone (its two described cramps are in its
# 4). The spasms (3 + 1 on night M) and the twitch are counted apart, never as cramps.
CRAMPS, CRAMP_ENTRIES = 4, 1
SPASMS, TWITCHES = 3 + 1, 1


class TestCountingRule:
    def test_the_cramps_of_a_tally_are_linked_and_not_counted_again(self, diary):
        diary["before"].refresh_from_db()
        diary["after"].refresh_from_db()
        assert diary["before"].tally == diary["tally"]
        assert diary["after"].tally == diary["tally"]
        assert diary["separate"].tally is None
        patient = diary["tally"].patient
        assert Episode.objects.for_patient(patient).count() == 6
        # The tally's 4, not 4 + its 2 described cramps; night M's spasms and the twitch are not cramps.
        assert Episode.objects.for_patient(patient).cramp_total() == CRAMPS
        assert Episode.objects.for_patient(patient).totals() == (6, CRAMPS)
        # Of the spasms alone (3 + 1): the same queryset counts cramps only, so none.
        assert Episode.objects.for_patient(patient).of_kind(EventKind.SPASM).totals() == (2, 0)

    def test_days_count_cramps_with_a_tally_on_its_evening(self, diary):
        patient, today = diary["tally"].patient, diary["tally"].patient.today()
        days = daily_stats(patient, today - dt.timedelta(days=6), today)
        assert sum(day.cramps for day in days.values()) == CRAMPS
        assert sum(day.spasms for day in days.values()) == SPASMS
        assert sum(day.twitches for day in days.values()) == TWITCHES
        night_n, night_m = days[diary["night_n"]], days[diary["night_m"]]
        assert (night_n.cramps, night_n.entries, night_n.spasms) == (4, 1, 0)
        # Night M's spasm tally (3, on its evening) and the spasm counted separately (1): spasms, not cramps.
        assert (night_m.cramps, night_m.entries, night_m.worst, night_m.spasms) == (0, 0, None, 3 + 1)
        # The 02:00 cramp of night N is one of the tally's, and the 14:00 entry a twitch: no cramp that morning.
        morning_n = days[diary["night_n"] + dt.timedelta(days=1)]
        assert (morning_n.cramps, morning_n.entries, morning_n.worst, morning_n.twitches) == (0, 0, None, 1)
        # The tally's three wakings belong to the night that ended on that morning (the described 02:00 cramp
        # that woke the patient is one of them, not a fourth).
        assert morning_n.night_woken == 3
        # The spasm that woke the patient at 22:30 on night M did not make it a night of cramps.
        morning_m = days[diary["night_m"] + dt.timedelta(days=1)]
        assert (morning_m.night_woken, morning_m.night_entries) == (0, 0)

    def test_insights_count_cramps_in_weeks_hours_places_and_triggers(self, diary):
        patient = diary["tally"].patient
        today = patient.today()
        data = insights_for(patient, today - dt.timedelta(days=13), today, today)
        assert (data.total, data.entries) == (CRAMPS, CRAMP_ENTRIES)
        assert sum(week.cramps for week in data.weeks) == CRAMPS
        # The cramps' hours: the described cramps (23:00, 02:00) are in their tally, and the spasm at 22:30
        # and the twitch at 14:00 are not cramps, so no single cramp has an hour; the tally's have none.
        assert (data.hours[22], data.hours[23], data.hours[2], data.hours[14], sum(data.hours)) == (0, 0, 0, 0, 0)
        # Night N's 4; night M's spasm tally (3) is not in it.
        assert data.untimed == {EntryType.NIGHT: 4}
        assert sum(data.hours) + data.untimed_night == CRAMPS
        assert data.night_share == 100  # 4 of 4 cramps in a night tally
        places = {place.slug: (place.left, place.right) for place in data.places}
        # The tally's 4 cramps in both calves; its described cramp (left calf) not again; the spasm in the
        # right foot is not a cramp.
        assert places == {"calf": (4, 4)}
        # Triggers are on single entries only (a tally has none), the described cramp included; the twitch's
        # "cold" is not a cramp's.
        assert data.triggers == [("Cold", 1)]
        days = {day.day: day for week in data.weeks for day in week.days}
        assert sum(day.spasms for day in days.values()) == SPASMS
        assert sum(day.twitches for day in days.values()) == TWITCHES
        # Mean severity: the mean of the days' worst cramp, over days with a cramp: night N only (its tally,
        # 7). Had the spasms (worst 5 on night M) and the twitch (2) been counted: (7 + 5 + 2) / 3 = 4.7; a
        # mean of the entries' ratings would be (7 + 5 + 4 + 2) / 4 = 4.5.
        assert mean_daily_worst(list(days.values())) == 7.0
        assert (days[diary["night_n"]].entries, days[diary["night_n"]].worst) == (1, 7)
        assert days[diary["night_m"]].worst is None
        tally_week = next(week for week in data.weeks if days[diary["night_n"]] in week.days)
        assert tally_week.entries == 1
        assert (tally_week.mean_severity, tally_week.worst_severity) == (7.0, 7)

    def test_the_insights_page_says_how_it_counts(self, client, diary):
        client.force_login(diary["tally"].patient)
        html = client.get(INSIGHTS_URL).content.decode()
        assert f"{CRAMPS} cramps in {CRAMP_ENTRIES} entry from" in html
        # Night N's 4 cramps; night M's spasm tally (3) is not among them.
        assert "Not in the bars: 4 cramps of night tallies, which have no time of their own." in html
        assert "Spasms or stiffness, twitching and “not sure” are counted apart" in html
        assert "Mean severity is the mean of each day's worst rating, over the days with a cramp" in html

    def test_the_dashboard_strip_and_trend_count_cramps(self, client, diary):
        patient = diary["tally"].patient
        client.force_login(patient)
        response = client.get(DASHBOARD_URL)
        assert sum(day.cramps for day in response.context["days"]) == CRAMPS
        assert sum(day.spasms for day in response.context["days"]) == SPASMS
        assert sum(day.twitches for day in response.context["days"]) == TWITCHES
        trend = response.context["trend"].recent
        # Only night N had a cramp logged; the spasm and twitch days are not recorded days (their check-ins,
        # if any, are not "no cramps").
        assert (trend.cramps, trend.recorded_days) == (CRAMPS, 1)
        html = response.content.decode()
        assert f"<strong>{CRAMPS}</strong> cramps on 1 recorded day of the last 14: 4.0 per recorded day." in html
        assert "4 cramps (night tally)" in html
        assert "Log last night" in html
        assert TALLY_URL in html

    def test_the_clinic_list_and_review_count_cramps(self, client, clinician, diary):
        patient = diary["tally"].patient
        grant_access(patient, clinician)
        client.force_login(clinician)
        (row,) = list(client.get(reverse("tracker:clinic")).context["page"].object_list)
        assert row.recent == CRAMPS
        # Mean of the days' worst cramp over days with a cramp: night N only, 7 (the spasms' 5 and 4 and
        # the twitch's 2 are not cramps' ratings).
        assert row.mean_severity == pytest.approx(7.0)
        assert row.worst_severity == 7
        # The tally's 3 wakings; its described 02:00 cramp that woke is one of them, and the spasm at 22:30
        # that woke is not a cramp.
        assert row.times_woken == 3
        assert summary_for(patient).recent == CRAMPS
        review = client.get(reverse("tracker:patient_review", args=[patient.pk]))
        assert review.context["insights"].total == CRAMPS
        html = review.content.decode()
        assert f"{CRAMPS} cramps in {CRAMP_ENTRIES} entry from" in html
        assert "How cramps are counted" in html
        assert (
            "4 cramps (night tally)"
            in client.get(reverse("tracker:patient_entries", args=[patient.pk])).content.decode()
        )

    def test_the_clinic_list_counts_only_the_cramps_of_the_last_30_days(self, clinician, paris_patient):
        grant_access(paris_patient, clinician)
        log_tally(paris_patient, paris_patient.today() - dt.timedelta(days=40), 6)
        log_single(paris_patient, timezone.now() - dt.timedelta(days=2))
        summary = summary_for(paris_patient)
        assert (summary.recent, summary.trend) == (1, "unknown")

    def test_the_visit_report_counts_cramps(self, client, clinician, diary):
        patient = diary["tally"].patient
        grant_access(patient, clinician)
        today = patient.today()
        figures = visit_report(patient, today - dt.timedelta(days=13), today)["figures"]
        # Cramps only: night N's tally. Night M's spasms (3 + 1) and the twitch are not cramps.
        assert (figures["cramps"], figures["entries"]) == (CRAMPS, CRAMP_ENTRIES)
        # The mean of the days' worst cramp (night N, 7); the tally's 3 wakings (not the spasm's).
        assert (figures["mean_severity"], figures["worst_severity"], figures["times_woken"]) == (7.0, 7, 3)
        client.force_login(clinician)
        html = client.get(reverse("tracker:report", args=[patient.pk])).content.decode()
        assert f"{CRAMPS} in {CRAMP_ENTRIES} entry" in html
        assert "4 cramps (night tally)" in html

    def test_the_csv_column_of_cramps_adds_up_to_the_count(self, client, diary):
        client.force_login(diary["tally"].patient)
        response = client.get(reverse("tracker:export_download", args=["csv"]))
        table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        # Each row adds its count to its own kind: the rows marked Cramp or with no kind add up to the cramps.
        by_kind: dict[str, int] = {}
        for row in table:
            by_kind[row["event_kind"]] = by_kind.get(row["event_kind"], 0) + int(row["cramps"])
        assert by_kind == {
            "Cramp": 4,
            "": 0,  # the two described cramps, in their tally's 4
            "Spasm or stiffness": 3 + 1,
            "Twitching (fasciculations)": 1,
        }
        assert by_kind["Cramp"] + by_kind[""] == CRAMPS
        assert sorted(row["entry_type"] for row in table) == [
            "cramp of a tally",
            "cramp of a tally",
            "night tally",
            "night tally",
            "single",
            "single",
        ]
        tally = next(row for row in table if row["cramps"] == "4")
        assert (tally["severity_0_10"], tally["times_woken"], tally["event_kind"]) == ("7", "3", "Cramp")
        assert tally["started_local"].startswith(f"{diary['night_n'].isoformat()}T20:00")

    def test_the_json_record_counts_each_cramp_once(self, client, diary):
        client.force_login(diary["tally"].patient)
        record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
        assert sum(episode["counted_cramps"] for episode in record["episodes"]) == CRAMPS
        # A spasm tally keeps its number, but adds nothing to the cramps.
        spasms = next(e for e in record["episodes"] if e["id"] == str(diary["other_tally"].uuid))
        assert (spasms["cramp_count"], spasms["counted_cramps"], spasms["event_kind"]["code"]) == (3, 0, "spasm")
        tally = next(episode for episode in record["episodes"] if episode["id"] == str(diary["tally"].uuid))
        assert (tally["entry_type"], tally["cramp_count"], tally["times_woken"]) == ("night", 4, 3)
        assert tally["tally_date"] == diary["night_n"].isoformat()
        assert tally["event_kind"] == {"code": "cramp", "label": "Cramp"}
        described = [e for e in record["episodes"] if e["part_of_tally_id"] == str(diary["tally"].uuid)]
        assert len(described) == 2
        assert all(e["counted_cramps"] == 0 for e in described)

    def test_the_fhir_bundle_has_one_observation_per_tally_with_its_count_and_members(self, client, diary):
        client.force_login(diary["tally"].patient)
        response = client.get(reverse("tracker:export_download", args=["fhir"]))
        bundle = Bundle.parse_raw(response.getvalue())
        observations = {
            entry.resource.id: entry.resource for entry in bundle.entry if entry.resource.resource_type == "Observation"
        }
        assert len(observations) == 6
        tally = observations[str(diary["tally"].uuid)]
        # The Symptoms guide's frequency: 4 in the hours of that night.
        [count] = [c for c in tally.component if c.code.coding and c.code.coding[0].code == "104156-5"]
        assert count.valueRatio.numerator.value == 4
        assert [c.valueInteger for c in tally.component if c.code.text == "Times woken by cramps"] == [3]
        assert {member.reference for member in tally.hasMember} == {
            f"urn:uuid:{diary['before'].uuid}",
            f"urn:uuid:{diary['after'].uuid}",
        }
        night_start, night_end = slot_bounds(diary["tally"].zone, EntryType.NIGHT, diary["night_n"])
        assert (tally.effectivePeriod.start, tally.effectivePeriod.end) == (night_start, night_end)
        spasm = observations[str(diary["separate"].uuid)]
        assert [(coding.code, coding.display) for coding in spasm.valueCodeableConcept.coding] == [
            ("45352006", "Spasm")
        ]
        assert "spasm" in spasm.valueCodeableConcept.text
        cramp = observations[str(diary["tally"].uuid)].valueCodeableConcept.coding[0]
        assert cramp.code == "55300003"

    def test_an_exported_diary_imports_into_a_fresh_account_with_the_same_count(self, client, diary):
        patient = diary["tally"].patient
        client.force_login(patient)
        exported = b"".join(client.get(reverse("tracker:export_download", args=["csv"])).streaming_content)
        fresh = PatientFactory(time_zone="Asia/Tokyo")
        client.force_login(fresh)
        response = client.post(
            reverse("tracker:import"), {"file": SimpleUploadedFile("mine.csv", exported)}, follow=True
        )
        assert f"Imported: 6 restored (6 entries with {CRAMPS} cramps)." in response.content.decode()
        assert Episode.objects.for_patient(fresh).cramp_total() == CRAMPS

        def shape(owner):
            return sorted(
                (
                    episode.started_at,
                    episode.entry_type,
                    episode.cramp_count,
                    episode.tally_date,
                    episode.times_woken,
                    episode.event_kind,
                    episode.severity,
                    episode.tally.started_at if episode.tally else None,
                )
                for episode in Episode.objects.for_patient(owner).select_related("tally")
            )

        assert shape(fresh) == shape(patient)
        # The same file again adds nothing.
        again = client.post(reverse("tracker:import"), {"file": SimpleUploadedFile("mine.csv", exported)}, follow=True)
        assert "6 already here (6 entries)" in again.content.decode()

    def test_deleting_a_tally_leaves_its_described_cramps_counted_on_their_own(self, diary):
        patient = diary["tally"].patient
        episode_delete(episode=diary["tally"])
        diary["after"].refresh_from_db()
        assert diary["after"].tally is None
        # The tally's 4 go; its two described cramps (kind not said: cramps) now count on their own.
        assert Episode.objects.for_patient(patient).cramp_total() == CRAMPS - 4 + 2


def edit_form(episode) -> dict:
    """The edit form of a single cramp as its page sends it: its id and start, severity 5, the left calf."""
    return {
        "client_id": str(episode.client_id),
        "started_at": episode.started_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
        "severity": "5",
        "locations": [f"{term('location', 'calf').pk}:left"],
    }


def tally_form(night: dt.date, **changes) -> dict:
    calf = term("location", "calf")
    data = {
        "client_id": str(uuid.uuid4()),
        "entry_type": "night",
        "tally_date": night.isoformat(),
        "cramp_count": "4",
        "severity": "7",
        "locations": [f"{calf.pk}:left", f"{calf.pk}:right"],
        "times_woken": "3",
        "event_kind": "cramp",
        "notes": "Both calves, woke at 2 and 4.",
    }
    data.update(changes)
    return data


@pytest.fixture
def signed_in(client, paris_patient):
    client.force_login(paris_patient)
    return client


def last_night(patient) -> dt.date:
    return patient.today() - dt.timedelta(days=1)


class TestTallyForm:
    def test_notes_are_counted_as_the_page_counts_them_and_never_cut(self, signed_in, paris_patient):
        """No `maxlength` that a browser would cut pasted notes at: a counter, and the app's message when they are
        too long; a line break (sent as CR LF) counts as one."""
        night = last_night(paris_patient)
        html = signed_in.get(TALLY_URL).content.decode()
        assert 'data-limit="2000"' in html
        assert 'maxlength="2000"' not in html
        too_long = signed_in.post(TALLY_URL, tally_form(night, notes="x" * 2001))
        assert too_long.context["form"].errors["notes"] == [
            "Notes can be at most 2,000 characters; these have 2001. Shorten them, then save again."
        ]
        typed = "\n".join(["x" * 49] * 40)
        assert signed_in.post(TALLY_URL, tally_form(night, notes=typed.replace("\n", "\r\n"))).status_code == 302
        assert Episode.objects.get(patient=paris_patient).notes == typed

    def test_the_form_offers_last_night_with_large_choices_and_the_education_link(self, signed_in, paris_patient):
        response = signed_in.get(TALLY_URL)
        assert response.status_code == 200
        form = response.context["form"]
        assert form["tally_date"].value() == last_night(paris_patient)
        html = response.content.decode()
        assert 'name="cramp_count"' in html
        assert 'inputmode="numeric"' in html
        assert "data-count-controls" in html
        assert f'href="{LEARN_URL}"' in html
        assert "Cramp, spasm or twitch?" in html

    def test_a_night_can_be_named_in_the_address(self, signed_in, paris_patient):
        night = paris_patient.today() - dt.timedelta(days=4)
        assert signed_in.get(TALLY_URL, {"night": night.isoformat()}).context["form"]["tally_date"].value() == night
        day = signed_in.get(TALLY_URL, {"day": night.isoformat()}).context["form"]
        assert day["entry_type"].value() == "day"

    def test_a_tally_is_saved_in_a_few_taps(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        response = signed_in.post(TALLY_URL, tally_form(night), follow=True)
        tally = Episode.objects.get(patient=paris_patient)
        assert (tally.entry_type, tally.cramp_count, tally.severity, tally.times_woken) == ("night", 4, 7, 3)
        assert tally.started_at == local(night, 20)
        assert tally.tally_date == night
        assert tally.woke_from_sleep
        assert tally.event_kind == "cramp"
        assert "Night tally saved: 4 cramps." in response.content.decode()
        assert paris_patient.checkins.get(day=night).status == "cramps"

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"cramp_count": "0"}, "cramp_count", "at least 1 cramp"),
            ({"cramp_count": "201"}, "cramp_count", "at most 200 cramps"),
            ({"cramp_count": "four"}, "cramp_count", "whole number"),
            ({"cramp_count": ""}, "cramp_count", "how many cramps"),
            ({"severity": "11"}, "severity", "worst cramp was, from 0 to 10"),
            ({"severity": "-1"}, "severity", "worst cramp was, from 0 to 10"),
            ({"times_woken": "5"}, "times_woken", "more wakings than the 4 cramps"),
            ({"entry_type": "day"}, "times_woken", "Leave this empty for a day"),
            ({"event_kind": "seizure"}, "event_kind", "Choose a kind from the list"),
            ({"entry_type": "week"}, "entry_type", "Choose a night or a day"),
            ({"tally_date": "not a date"}, "tally_date", "Enter the date as year-month-day"),
            # Day/month or month/day? Not guessed: a patient in the United States means 6 December.
            ({"tally_date": "12/06/2026"}, "tally_date", "Enter the date as year-month-day"),
        ],
    )
    def test_bad_input_is_explained_next_to_the_field_and_nothing_is_stored(
        self, signed_in, paris_patient, changes, field, message
    ):
        response = signed_in.post(TALLY_URL, tally_form(last_night(paris_patient), **changes))
        assert response.status_code == 200
        errors = response.context["form"].errors[field]
        assert any(message in error for error in errors), errors
        html = response.content.decode()
        assert f'id="div_id_{field}"' in html
        assert "Both calves, woke at 2 and 4." in html  # the typed values survive
        assert not Episode.objects.filter(patient=paris_patient).exists()

    @pytest.mark.parametrize(("days", "entry_type"), [(-1, "night"), (-1, "day"), (-30, "night")])
    def test_a_night_or_day_in_the_future_is_refused(self, signed_in, paris_patient, days, entry_type):
        day = paris_patient.today() - dt.timedelta(days=days)
        response = signed_in.post(TALLY_URL, tally_form(day, entry_type=entry_type, times_woken=""))
        assert "has not started yet" in response.context["form"].errors["tally_date"][0]
        assert not Episode.objects.filter(patient=paris_patient).exists()

    def test_a_second_tally_for_the_same_night_is_refused_with_a_link_to_the_first(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        first = log_tally(paris_patient, night, 2)
        response = signed_in.post(TALLY_URL, tally_form(night))
        assert "You already logged a tally for the night of" in response.context["form"].errors["tally_date"][0]
        assert reverse("tracker:episode_edit", args=[first.uuid]) in response.content.decode()
        assert Episode.objects.filter(patient=paris_patient).count() == 1
        # A day tally on the same date is another period, and allowed.
        signed_in.post(TALLY_URL, tally_form(night, entry_type="day", times_woken=""))
        assert Episode.objects.filter(patient=paris_patient, tally_date=night).count() == 2

    def test_the_same_form_sent_twice_is_one_tally(self, signed_in, paris_patient):
        data = tally_form(last_night(paris_patient))
        signed_in.post(TALLY_URL, data)
        response = signed_in.post(TALLY_URL, data, follow=True)
        assert "already saved" in response.content.decode()
        assert Episode.objects.filter(patient=paris_patient).count() == 1

    def test_a_tally_is_edited_on_its_own_form(self, signed_in, paris_patient):
        tally = log_tally(paris_patient, last_night(paris_patient), 4, locations=calves())
        edit_url = reverse("tracker:episode_edit", args=[tally.uuid])
        response = signed_in.get(edit_url)
        assert response.context["form"]["cramp_count"].value() == 4
        data = tally_form(last_night(paris_patient), client_id=str(tally.client_id), cramp_count="6")
        signed_in.post(edit_url, data)
        tally.refresh_from_db()
        assert tally.cramp_count == 6
        bad = signed_in.post(edit_url, {**data, "cramp_count": "0"})
        assert bad.context["form"].errors["cramp_count"]
        tally.refresh_from_db()
        assert tally.cramp_count == 6

    def test_the_tally_page_shows_its_count_and_described_cramps(self, signed_in, diary):
        html = signed_in.get(reverse("tracker:episode_detail", args=[diary["tally"].uuid])).content.decode()
        assert "Night tally: the night of" in html
        assert "2 of the 4. They are counted in the tally, not again." in html
        assert f"{NEW_URL}?tally={diary['tally'].uuid}" in html
        described = signed_in.get(reverse("tracker:episode_detail", args=[diary["after"].uuid])).content.decode()
        assert "One of the 4 cramps of your" in described

    def test_the_list_says_cramps_in_entries(self, signed_in, diary):
        html = signed_in.get(LIST_URL).content.decode()
        # Every entry is listed, of every kind; only the cramps are counted (night N's tally).
        assert f"{CRAMPS} cramps in 6 entries" in html
        assert "4 cramps (night tally)" in html
        assert "1 cramp, counted in the night tally" in html


class TestModelRules:
    def tally(self, patient, **fields) -> Episode:
        values = {
            "started_at": timezone.now() - dt.timedelta(days=1),
            "severity": 5,
            "entry_type": EntryType.NIGHT,
            "cramp_count": 3,
            "tally_date": dt.date(2026, 3, 1),
            "time_zone": patient.time_zone,
            **fields,
        }
        return Episode(patient=patient, **values)

    @pytest.mark.parametrize(
        "fields",
        [{"cramp_count": 0}, {"cramp_count": 201}, {"times_woken": 201}, {"event_kind": "seizure"}],
    )
    def test_the_model_refuses_values_outside_the_rules(self, patient, fields):
        with pytest.raises(ValidationError):
            self.tally(patient, **fields).full_clean()

    @pytest.mark.parametrize(
        "fields",
        [
            {"cramp_count": 0},
            {"cramp_count": 201},
            {"times_woken": 4},
            {"entry_type": EntryType.DAY, "times_woken": 1},
            {"entry_type": EntryType.SINGLE},
            {"tally_date": None},
            {"entry_type": EntryType.SINGLE, "cramp_count": 1},
            {"event_kind": "seizure"},
        ],
    )
    def test_the_database_refuses_them_too(self, patient, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            self.tally(patient, **fields).save()

    def test_two_tallies_of_one_night_are_refused_by_the_database(self, patient):
        self.tally(patient).save()
        with pytest.raises(IntegrityError), transaction.atomic():
            self.tally(patient).save()
        # Another patient's tally of that night is theirs.
        self.tally(PatientFactory()).save()

    def test_a_tally_cannot_be_one_of_another_tallys_cramps(self, patient):
        first = self.tally(patient)
        first.save()
        with pytest.raises(IntegrityError), transaction.atomic():
            self.tally(patient, tally_date=dt.date(2026, 3, 2), tally=first).save()


class TestOverlap:
    def test_a_field_error_and_a_cross_field_problem_show_together_in_the_first_answer(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        log_tally(paris_patient, night, 2)
        data = tally_form(night, severity="", cramp_count="2", times_woken="3", notes="Typed at 3 a.m.")
        response = signed_in.post(TALLY_URL, data)
        errors = response.context["form"].errors
        assert "Choose how bad the worst cramp was" in errors["severity"][0]
        assert "more wakings than the 2 cramps" in errors["times_woken"][0]
        assert "You already logged a tally for the night of" in errors["tally_date"][0]
        html = response.content.decode()
        for field in ("severity", "times_woken", "tally_date"):
            assert f'id="div_id_{field}"' in html
        assert "Typed at 3 a.m." in html
        assert 'name="times_woken" value="3"' in html
        assert Episode.objects.filter(patient=paris_patient).count() == 1

    def test_single_cramps_in_the_night_are_asked_about_with_the_field_errors(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        log_single(paris_patient, local(night, 23, 15))
        response = signed_in.post(TALLY_URL, tally_form(night, severity="", notes="Four in all"))
        assert "Choose how bad the worst cramp was" in response.context["form"].errors["severity"][0]
        assert response.context["overlap"].singles
        html = response.content.decode()
        assert "Cramps you logged one by one" in html
        assert "Four in all" in html
        assert not Episode.objects.filter(patient=paris_patient, entry_type="night").exists()

    def test_a_tally_over_single_cramps_asks_and_counting_them_in_links_them(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        single = log_single(paris_patient, local(night, 23, 15), severity=6)
        data = tally_form(night, notes="Four in all")
        response = signed_in.post(TALLY_URL, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Cramps you logged one by one" in html
        assert reverse("tracker:episode_detail", args=[single.uuid]) in html
        assert "Count them as part of the tally" in html
        assert "Count them separately" in html
        assert "4 cramps in all" in html
        assert "5 cramps in all" in html
        assert "Four in all" in html
        assert Episode.objects.filter(patient=paris_patient).count() == 1
        signed_in.post(TALLY_URL, {**data, "overlap": "part", "overlap_key": slot_key("night", night)})
        tally = Episode.objects.get(patient=paris_patient, entry_type="night")
        single.refresh_from_db()
        assert single.tally == tally
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 4

    def test_counting_them_separately_adds_them_to_the_tally(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        single = log_single(paris_patient, local(night, 23, 15))
        data = tally_form(night, overlap="separate", overlap_key=slot_key("night", night))
        signed_in.post(TALLY_URL, data)
        single.refresh_from_db()
        assert single.tally is None
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 5

    def test_an_answer_about_another_night_is_not_taken(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        log_single(paris_patient, local(night, 23, 15))
        other = slot_key("night", night - dt.timedelta(days=1))
        response = signed_in.post(TALLY_URL, tally_form(night, overlap="part", overlap_key=other))
        assert response.context["overlap"].singles
        assert not Episode.objects.filter(patient=paris_patient, entry_type="night").exists()

    def test_a_tally_that_includes_more_described_cramps_than_it_counts_is_refused(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        for hour in (21, 22, 23):
            log_single(paris_patient, local(night, hour))
        data = tally_form(night, cramp_count="2", times_woken="", overlap="part", overlap_key=slot_key("night", night))
        response = signed_in.post(TALLY_URL, data)
        assert "counts at least 3" in response.context["form"].errors["cramp_count"][0]
        assert not Episode.objects.filter(patient=paris_patient, entry_type="night").exists()

    def test_a_single_cramp_in_a_counted_night_asks_and_can_be_one_of_its_cramps(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        tally = log_tally(paris_patient, night, 4)
        started = local(night, 23).strftime("%Y-%m-%dT%H:%M")
        data = {"client_id": str(uuid.uuid4()), "started_at": started, "severity": "5", "location": ""}
        response = signed_in.post(QUICK_URL, data)
        assert response.status_code == 200
        assert "You already counted 4 cramps for the night of" in response.context["form"].errors["overlap"][0]
        assert "This cramp is in a night tally" in response.content.decode()
        key = response.context["overlap"].key
        signed_in.post(QUICK_URL, {**data, "overlap": "part", "overlap_key": key})
        single = Episode.objects.get(patient=paris_patient, entry_type="single")
        assert single.tally == tally
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 4

    def test_a_single_cramp_counted_separately_adds_one(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        log_tally(paris_patient, night, 4)
        started = local(night, 21).strftime("%Y-%m-%dT%H:%M")
        data = {"client_id": str(uuid.uuid4()), "started_at": started, "severity": "5"}
        signed_in.post(QUICK_URL, {**data, "overlap": "separate", "overlap_key": slot_key("night", night)})
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 5

    def test_a_described_cramp_worse_than_the_tallys_worst_is_refused(self, paris_patient):
        night = last_night(paris_patient)
        log_tally(paris_patient, night, 4, severity=5)
        with pytest.raises(ValidationError, match="worse than the worst"):
            log_single(paris_patient, local(night, 23), severity=8, overlap=Overlap.PART)

    def test_a_described_cramp_that_woke_is_refused_by_a_tally_that_says_none_did(self, paris_patient):
        night = last_night(paris_patient)
        log_tally(paris_patient, night, 3, severity=6, times_woken=0)
        with pytest.raises(ValidationError, match="says no cramp woke you, and this cramp woke you"):
            log_single(paris_patient, local(night, 23), severity=5, woke_from_sleep=True, overlap=Overlap.PART)
        # One that did not wake is one of its cramps; and so is one that woke, once the tally says one did.
        log_single(paris_patient, local(night, 22), severity=5, woke_from_sleep=False, overlap=Overlap.PART)
        tally = Episode.objects.get(patient=paris_patient, entry_type="night")
        tally.times_woken = 1
        tally.save(update_fields=["times_woken"])
        log_single(paris_patient, local(night, 23), severity=5, woke_from_sleep=True, overlap=Overlap.PART)
        with pytest.raises(ValidationError, match="says cramps woke you 1 time, and this cramp woke you"):
            log_single(paris_patient, local(night, 23, 30), severity=5, woke_from_sleep=True, overlap=Overlap.PART)

    def test_a_tally_is_refused_fewer_wakings_than_its_described_cramps_that_woke(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        for hour in (22, 23):
            log_single(paris_patient, local(night, hour), woke_from_sleep=True)
        data = tally_form(night, times_woken="1", overlap="part", overlap_key=slot_key("night", night))
        response = signed_in.post(TALLY_URL, data)
        assert response.context["form"].errors["times_woken"] == [
            "2 of the cramps you described one by one in this tally woke you, so cramps woke you at least 2 times. "
            "Raise it, or count them separately."
        ]
        assert not Episode.objects.filter(patient=paris_patient, entry_type="night").exists()

    def test_the_offer_to_include_more_single_cramps_than_the_tally_counts_says_to_raise_it(
        self, signed_in, paris_patient
    ):
        night = last_night(paris_patient)
        for hour in (21, 22, 23):
            log_single(paris_patient, local(night, hour))
        html = signed_in.post(TALLY_URL, tally_form(night, cramp_count="2", times_woken="")).content.decode()
        assert "the tally's number would include them, so it must be at least 3: raise it above first." in html
        assert "2 cramps in all" not in html

    def test_a_full_tally_takes_no_more_described_cramps(self, paris_patient):
        night = last_night(paris_patient)
        log_tally(paris_patient, night, 1)
        log_single(paris_patient, local(night, 22), overlap=Overlap.PART)
        with pytest.raises(ValidationError, match="all of them are described already"):
            log_single(paris_patient, local(night, 23), overlap=Overlap.PART)

    def test_describing_a_cramp_from_the_tally_page_links_it(self, signed_in, paris_patient):
        night = last_night(paris_patient)
        tally = log_tally(paris_patient, night, 4)
        response = signed_in.get(NEW_URL, {"tally": str(tally.uuid)})
        assert "Describe one cramp of your night tally" in response.content.decode()
        form = response.context["form"]
        calf = term("location", "calf")
        data = {
            "client_id": str(form.initial["client_id"]),
            "started_at": local(night, 23, 40).strftime("%Y-%m-%dT%H:%M"),
            "severity": "6",
            "locations": [f"{calf.pk}:left"],
            "overlap": "part",
            "overlap_key": response.context["overlap"].key,
            "event_kind": "cramp",
        }
        signed_in.post(NEW_URL + f"?tally={tally.uuid}", data)
        assert Episode.objects.get(patient=paris_patient, entry_type="single").tally == tally

    def test_another_patients_tally_cannot_be_described(self, signed_in, other_patient):
        tally = log_tally(other_patient, other_patient.today() - dt.timedelta(days=1), 2)
        assert signed_in.get(NEW_URL, {"tally": str(tally.uuid)}).status_code == 404
        assert signed_in.get(NEW_URL, {"tally": "not-a-uuid"}).status_code == 404

    def test_a_cramp_sent_from_offline_becomes_one_of_the_tallys_while_it_has_room(self, paris_patient):
        night = last_night(paris_patient)
        tally = log_tally(paris_patient, night, 1)
        first = log_single(paris_patient, local(night, 23), overlap=AUTO)
        second = log_single(paris_patient, local(night, 23, 30), overlap=AUTO)
        assert (first.tally, second.tally) == (tally, None)
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 2

    @pytest.mark.parametrize("overlap", ["", AUTO])
    def test_a_cramp_that_began_after_its_nights_tally_was_saved_is_counted_on_top_without_asking(
        self, paris_patient, overlap
    ):
        """A tally saved at 23:00 for the night so far did not count a cramp at 23:30: the quick log (online or
        sent from offline) stores it separately, without a question; one from before 23:00 is asked about."""
        night = last_night(paris_patient)
        tally = log_tally(paris_patient, night, 3)
        Episode.objects.filter(pk=tally.pk).update(created_at=local(night, 23))
        later = log_single(paris_patient, local(night, 23, 30), overlap=overlap)
        assert later.tally is None
        assert Episode.objects.for_patient(paris_patient).cramp_total() == 4
        if overlap == AUTO:
            assert log_single(paris_patient, local(night, 22), overlap=AUTO).tally == tally
        else:
            with pytest.raises(OverlapNeedsChoice):
                log_single(paris_patient, local(night, 22), overlap=overlap)

    def test_editing_a_described_cramp_keeps_it_in_its_tally(self, signed_in, diary):
        after = diary["after"]
        url = reverse("tracker:episode_edit", args=[after.uuid])
        response = signed_in.get(url)
        assert response.context["form"].initial["overlap"] == "part"
        assert response.context["overlap"].tally == diary["tally"]
        html = response.content.decode()
        assert 'name="overlap_key"' in html
        data = {**edit_form(after), "notes": "Edited"}
        signed_in.post(url, data)
        after.refresh_from_db()
        assert (after.notes, after.tally) == ("Edited", diary["tally"])
        signed_in.post(url, {**data, "overlap": "separate", "overlap_key": response.context["overlap"].key})
        after.refresh_from_db()
        assert after.tally is None
        assert Episode.objects.for_patient(after.patient).cramp_total() == CRAMPS + 1

    def test_a_tally_with_described_cramps_cannot_move_to_another_night(self, signed_in, diary):
        tally = diary["tally"]
        other = diary["night_n"] - dt.timedelta(days=1)
        data = tally_form(other, client_id=str(tally.client_id))
        response = signed_in.post(reverse("tracker:episode_edit", args=[tally.uuid]), data)
        assert "Count them separately first" in response.context["form"].errors["tally_date"][0]
        tally.refresh_from_db()
        assert tally.tally_date == diary["night_n"]

    def test_lowering_a_tallys_count_below_its_described_cramps_is_refused(self, signed_in, diary):
        tally = diary["tally"]
        data = tally_form(diary["night_n"], client_id=str(tally.client_id), cramp_count="1", times_woken="")
        response = signed_in.post(reverse("tracker:episode_edit", args=[tally.uuid]), data)
        assert "counts at least 2" in response.context["form"].errors["cramp_count"][0]

    def test_a_tally_whose_cramps_are_described_cannot_become_a_tally_of_spasms(self, signed_in, diary):
        tally = diary["tally"]
        data = tally_form(diary["night_n"], client_id=str(tally.client_id), event_kind="spasm")
        response = signed_in.post(reverse("tracker:episode_edit", args=[tally.uuid]), data)
        assert (
            "2 entries it counts are described one by one as another kind"
            in (response.context["form"].errors["event_kind"][0])
        )
        tally.refresh_from_db()
        assert tally.event_kind == EventKind.CRAMP


class TestEventKind:
    def test_an_entry_of_another_kind_is_never_one_of_a_tally_s(self, paris_patient):
        night = paris_patient.today() - dt.timedelta(days=3)
        log_tally(paris_patient, night, 2, event_kind=EventKind.SPASM)
        # Not asked whether it is one of the tally's: a cramp is not one of two spasms, and counts on its own.
        cramp = log_single(paris_patient, local(night, 23), event_kind=EventKind.CRAMP)
        assert cramp.tally_id is None
        stats = daily_stats(paris_patient, night, night)[night]
        assert (stats.cramps, stats.spasms) == (1, 2)

    def test_a_described_cramp_said_to_be_a_spasm_leaves_its_tally_and_counts_apart(self, signed_in, diary):
        after = diary["after"]
        signed_in.post(reverse("tracker:episode_edit", args=[after.uuid]), {**edit_form(after), "event_kind": "spasm"})
        after.refresh_from_db()
        assert (after.event_kind, after.tally) == (EventKind.SPASM, None)
        assert Episode.objects.for_patient(after.patient).cramp_total() == CRAMPS

    def test_an_import_does_not_describe_a_cramp_as_one_of_a_tally_of_spasms(self, signed_in, paris_patient):
        night = paris_patient.today() - dt.timedelta(days=3)
        rows = [
            cramp_row(
                started_local=local(night, 20).isoformat(timespec="minutes"),
                entry_type="night tally",
                cramps="2",
                severity_0_10="6",
                event_kind="Spasm or stiffness",
            ),
            cramp_row(
                started_local=local(night, 23).isoformat(timespec="minutes"),
                entry_type="cramp of a tally",
                cramps="0",
                severity_0_10="4",
                event_kind="Cramp",
            ),
        ]
        response = import_file(signed_in, csv_upload(rows))
        assert any("that tally counts another kind of event" in error for error in file_errors(response))
        assert not Episode.objects.filter(patient=paris_patient).exists()

    def test_the_full_form_and_the_edit_page_offer_the_kind_with_the_education_link(self, signed_in, diary):
        for url in (NEW_URL, reverse("tracker:episode_edit", args=[diary["daytime"].uuid])):
            html = signed_in.get(url).content.decode()
            assert "What kind of event was it? (optional)" in html
            assert "Cramp: painful, a hard knot, eases with stretching" in html
            assert "Twitching (fasciculations)" in html
            assert f'href="{LEARN_URL}"' in html

    def test_the_kind_is_optional_and_stored(self, signed_in, paris_patient):
        calf = term("location", "calf")
        base = {
            "started_at": (timezone.now() - dt.timedelta(hours=1)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
            "severity": "4",
            "locations": [f"{calf.pk}:left"],
        }
        signed_in.post(NEW_URL, {**base, "client_id": str(uuid.uuid4())})
        signed_in.post(NEW_URL, {**base, "client_id": str(uuid.uuid4()), "event_kind": "twitch"})
        kinds = sorted(Episode.objects.filter(patient=paris_patient).values_list("event_kind", flat=True))
        assert kinds == ["", "twitch"]

    def test_the_list_filters_by_kind(self, signed_in, diary):
        response = signed_in.get(LIST_URL, {"kind": "spasm"})
        assert {episode.uuid for episode in response.context["page"].object_list} == {
            diary["other_tally"].uuid,
            diary["separate"].uuid,
        }
        # The line counts cramps only: the spasm tally (3) and the spasm (1) are listed, not counted as cramps.
        assert "0 cramps in 2 entries matching the filter" in response.content.decode()
        cramps = signed_in.get(LIST_URL, {"kind": "cramp"})
        assert [episode.uuid for episode in cramps.context["page"].object_list] == [diary["tally"].uuid]
        assert f"{CRAMPS} cramps in 1 entry matching the filter" in cramps.content.decode()
        not_said = signed_in.get(LIST_URL, {"kind": "none"})
        assert {episode.uuid for episode in not_said.context["page"].object_list} == {
            diary["before"].uuid,
            diary["after"].uuid,
        }
        # Both are cramps, but their tally (marked Cramp, not shown here) counts them already.
        assert "0 cramps in 2 entries matching the filter" in not_said.content.decode()

    def test_a_bad_kind_is_explained_and_ignored(self, signed_in, diary):
        response = signed_in.get(LIST_URL, {"kind": "seizure"})
        assert response.context["filter_form"].errors["kind"]
        assert len(response.context["page"].object_list) == 6

    def test_the_insights_filter_by_kind(self, signed_in, diary):
        response = signed_in.get(INSIGHTS_URL, {"kind": "spasm"})
        data = response.context["insights"]
        # The spasms are counted as the chosen kind: night M's tally (3) and the spasm at 22:30 (1).
        assert (data.total, data.entries, data.kind) == (SPASMS, 2, "spasm")
        # The hours chart and the tallies' counts are of the same kind as the weeks'.
        assert (data.hours[22], sum(data.hours), data.untimed) == (1, 1, {EntryType.NIGHT: 3})
        assert sum(data.hours) + sum(data.untimed.values()) == data.total
        assert {place.slug: (place.left, place.right) for place in data.places} == {"foot-toes": (0, 1)}
        days = {day.day: day for week in data.weeks for day in week.days}
        # Night M's worst spasm: the tally's 5 (the single one was a 4).
        assert (days[diary["night_m"]].cramps, days[diary["night_m"]].worst) == (SPASMS, 5)
        assert days[diary["night_n"]].cramps == 0
        # The two entries without a kind are both cramps of night N's tally, which counts them: none here.
        not_said = signed_in.get(INSIGHTS_URL, {"kind": "none"}).context["insights"]
        assert (not_said.total, not_said.entries, sum(not_said.hours), not_said.untimed) == (0, 0, 0, {})
        lead = f"{SPASMS} counted in 2 entries marked “Spasm or stiffness”"
        html = response.content.decode()
        assert lead in html
        assert f"{SPASMS} cramps in" not in html
        # The charts' titles and tables name what they count.
        assert "Entries marked “Spasm or stiffness”: count per week" in html
        assert '<th scope="col">Cramps</th>' not in html
        # So do the marks' titles, which a screen reader reads out.
        assert re.search(r"<title>Week of [^<]*: 4 counted on \d+ recorded days?</title>", html)
        assert re.search(r"<title>22:00: 1 counted</title>", html)
        assert "cramps logged each week" not in html
        twitches = signed_in.get(INSIGHTS_URL, {"kind": "twitch"}).context["insights"]
        assert (twitches.total, twitches.entries, twitches.hours[14]) == (TWITCHES, 1, 1)
        # A kind that is not one of ours is ignored: the cramps, as without a filter.
        bogus = signed_in.get(INSIGHTS_URL, {"kind": "bogus"}).context["insights"]
        assert (bogus.total, bogus.entries, bogus.kind) == (CRAMPS, CRAMP_ENTRIES, "")

    def test_the_clinician_review_filters_by_kind(self, client, clinician, diary):
        patient = diary["tally"].patient
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(reverse("tracker:patient_review", args=[patient.pk]), {"kind": "cramp"})
        assert response.context["insights"].total == 4
        assert response.context["insights"].entry_count == 1
        assert 'name="kind"' in response.content.decode()
        response = client.get(reverse("tracker:patient_entries", args=[patient.pk]), {"kind": "cramp"})
        assert [episode.uuid for episode in response.context["page"].object_list] == [diary["tally"].uuid]


class TestQueryCounts:
    @pytest.mark.parametrize("history", [0, 60])
    def test_logging_a_tally_costs_the_same_queries_however_long_the_log(
        self, signed_in, paris_patient, django_assert_num_queries, history
    ):
        EpisodeFactory.create_batch(history, patient=paris_patient, started_at=timezone.now() - dt.timedelta(days=9))
        data = tally_form(last_night(paris_patient))
        term("location", "calf")
        # session, user, the body locations; the form's check of the night, so that every problem shows in one
        # answer: a tally of that night already, the single cramps logged in it (none); in a transaction (a
        # savepoint in the test): is the id used, the service's same two checks, the insert (in its own
        # savepoint), its places, the day's check-in (a "no cramps" answer turned, then marked if not answered),
        # the log's new version for the clinic summary
        with django_assert_num_queries(17):
            response = signed_in.post(TALLY_URL, data)
        assert response.status_code == 302

    @pytest.mark.parametrize("nights", [2, 40])
    def test_the_insights_read_tallies_in_a_fixed_number_of_queries(
        self, signed_in, paris_patient, django_assert_num_queries, nights
    ):
        today = paris_patient.today()
        for offset in range(1, nights + 1):
            night = today - dt.timedelta(days=offset)
            log_single(paris_patient, local(night, 23))
            log_tally(paris_patient, night, 3, overlap=Overlap.PART, locations=calves())
        # session, user; the first recorded day (the default period); medicines (none, so no steps or windows);
        # the days with their check-ins (one statement); the period's entries (ids and hours); their places, and
        # their triggers and relief by day, for the charts and for what seems to matter (one statement)
        with django_assert_num_queries(7):
            response = signed_in.get(INSIGHTS_URL)
        assert response.context["insights"].total == 3 * nights

    @pytest.mark.parametrize("size", [2, 20])
    def test_the_clinic_list_reads_tallies_in_a_fixed_number_of_queries(
        self, client, clinician, django_assert_num_queries, size
    ):
        for index in range(size):
            patient = PatientFactory()
            grant_access(patient, clinician)
            log_tally(patient, patient.today() - dt.timedelta(days=2), 3 + index % 4)
        client.force_login(clinician)
        # As test_clinic's first read of the list: the summaries are counted and stored, then the page read, and
        # the patients' trails told of the look.
        with django_assert_num_queries(19):
            response = client.get(reverse("tracker:clinic"))
        assert sum(row.recent for row in response.context["page"].object_list) == sum(
            3 + index % 4 for index in range(min(size, 25))
        )
