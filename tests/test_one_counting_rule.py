"""One counting rule: the dashboard, the insights, the clinician's review and list, the visit report and the
exports give the same cramps, recorded days and severity for the same patient and period (tracker.counting)."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest
from django.urls import reverse

from tracker.counting import daily_stats, mean_daily_worst
from tracker.diary.services import EpisodeDetails, episode_create
from tracker.models import CheckIn, EntryType

from .factories import grant_access

pytestmark = pytest.mark.django_db

# By hand: 2 cramps yesterday (worst 6), a twitch 2 days ago on a day checked in as cramp-free, a spasm 3 days
# ago (not recorded: no cramp, no check-in), a night tally of 4 cramps 4 days ago (worst 7), a "had cramps"
# check-in with none logged 5 days ago (not recorded: it says nothing of how many), 1 cramp 6 days ago (2).
CRAMPS = 2 + 4 + 1
RECORDED_DAYS = 4
MEAN_SEVERITY = round((6 + 7 + 2) / 3, 1)
WORST = 7


def log(patient, *, days_ago, hour=10, severity, kind="", entry_type=EntryType.SINGLE, count=1):
    today = patient.today()
    day = today - dt.timedelta(days=days_ago)
    tally = entry_type != EntryType.SINGLE
    details = EpisodeDetails(
        started_at=None if tally else dt.datetime.combine(day, dt.time(hour), tzinfo=patient.zone),
        severity=severity,
        event_kind=kind,
        entry_type=entry_type,
        cramp_count=count,
        tally_date=day if tally else None,
    )
    episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=details)


@pytest.fixture
def seeded(patient, clinician):
    patient.time_zone = "America/Chicago"
    patient.save(update_fields=["time_zone"])
    today = patient.today()
    log(patient, days_ago=1, severity=6)
    log(patient, days_ago=1, hour=11, severity=3, kind="cramp")
    log(patient, days_ago=2, severity=2, kind="twitch")
    CheckIn.objects.update_or_create(
        patient=patient, day=today - dt.timedelta(days=2), defaults={"status": CheckIn.Status.NO_CRAMPS}
    )
    log(patient, days_ago=3, severity=8, kind="spasm")
    log(patient, days_ago=4, severity=7, entry_type=EntryType.NIGHT, count=4)
    CheckIn.objects.create(patient=patient, day=today - dt.timedelta(days=5), status=CheckIn.Status.HAD_CRAMPS)
    log(patient, days_ago=6, severity=2)
    grant_access(patient, clinician)
    return patient


def period(patient) -> dict:
    today = patient.today()
    return {"start": (today - dt.timedelta(days=29)).isoformat(), "end": today.isoformat()}


def test_the_rule_itself_on_the_seeded_days(seeded):
    today = seeded.today()
    days = list(daily_stats(seeded, today - dt.timedelta(days=29), today).values())
    assert sum(day.cramps for day in days) == CRAMPS
    assert sum(day.recorded for day in days) == RECORDED_DAYS
    assert mean_daily_worst(days) == MEAN_SEVERITY
    assert (sum(day.spasms for day in days), sum(day.twitches for day in days)) == (1, 1)


def test_every_page_gives_the_same_counts(client, seeded, clinician):
    figures = {}

    client.force_login(seeded)
    trend = client.get(reverse("tracker:dashboard")).context["trend"]
    figures["dashboard"] = (trend.recent.cramps, trend.recent.recorded_days, None)

    insights = client.get(reverse("tracker:insights"), period(seeded)).context["insights"]
    days = [day for week in insights.weeks for day in week.days]
    figures["insights"] = (insights.total, sum(day.recorded for day in days), mean_daily_worst(days))

    own_report = client.get(reverse("tracker:report", args=[seeded.pk]), period(seeded)).context["period"]
    figures["patient's report"] = (own_report.cramps, own_report.recorded_days, own_report.mean_severity)

    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("tracker:export_download", args=["csv"])).getvalue().decode()))
    )
    exported = sum(int(row["cramps"]) for row in rows if row["event_kind"] in ("", "Cramp"))
    record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
    figures["CSV export"] = (exported, None, None)
    figures["JSON export"] = (sum(episode["counted_cramps"] for episode in record["episodes"]), None, None)

    client.force_login(clinician)
    review = client.get(reverse("tracker:patient_review", args=[seeded.pk]), period(seeded)).context["insights"]
    days = [day for week in review.weeks for day in week.days]
    figures["review"] = (review.total, sum(day.recorded for day in days), mean_daily_worst(days))

    listed = next(iter(client.get(reverse("tracker:clinic")).context["page"].object_list))
    figures["clinic list"] = (listed.recent, None, listed.mean_severity)
    assert listed.worst_severity == WORST

    report = client.get(reverse("tracker:report", args=[seeded.pk]), period(seeded)).context["period"]
    figures["clinician's report"] = (report.cramps, report.recorded_days, report.mean_severity)
    assert report.worst_severity == WORST

    expected = (CRAMPS, RECORDED_DAYS, MEAN_SEVERITY)
    for page, found in figures.items():
        assert found == tuple(value if got is not None else None for value, got in zip(expected, found, strict=True)), (
            page
        )
    # Every page gave at least the count of cramps, and most the recorded days and the severity too.
    assert all(found[0] == CRAMPS for found in figures.values())
    assert sum(found[1] is not None for found in figures.values()) == 5
    assert sum(found[2] is not None for found in figures.values()) == 5
