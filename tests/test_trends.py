"""The one rule for "more frequent" or "less frequent": cramps per recorded day in the last 14 local days
against the 14 before, compared only when each window has at least 7 recorded days."""

import datetime as dt

import pytest
from django.utils import timezone

from tracker.diary.selectors import recent_days
from tracker.diary.services import checkin_record
from tracker.models import EntryType, TrendDirection
from tracker.trends import WINDOWS_DAYS, RateWindow, direction_of, trend_from_days, trends_for

from .factories import EpisodeFactory, PatientFactory, checked_in_cramp_free

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 1)


def trend_for(patient, now):
    return trends_for([patient], now)[patient.pk]


def window(cramps, recorded_days):
    return RateWindow(first=DAY, last=DAY + dt.timedelta(days=13), cramps=cramps, recorded_days=recorded_days)


@pytest.mark.parametrize(
    ("recent", "previous", "direction"),
    [
        ((6, 14), (2, 14), TrendDirection.WORSE),
        ((6, 14), (4, 14), TrendDirection.WORSE),
        ((5, 14), (4, 14), TrendDirection.STEADY),
        ((3, 14), (0, 14), TrendDirection.STEADY),
        ((4, 14), (0, 14), TrendDirection.WORSE),
        ((4, 7), (8, 14), TrendDirection.STEADY),
        ((38, 14), (73, 14), TrendDirection.BETTER),
        ((4, 14), (6, 14), TrendDirection.BETTER),
        ((5, 14), (6, 14), TrendDirection.STEADY),
        ((0, 14), (0, 14), TrendDirection.STEADY),
        ((6, 1), (0, 14), TrendDirection.UNKNOWN),
        ((6, 14), (0, 6), TrendDirection.UNKNOWN),
    ],
)
def test_the_direction_compares_rates_over_recorded_days(recent, previous, direction):
    assert direction_of(window(*recent), window(*previous)) == direction


def test_days_nobody_recorded_are_left_out_of_the_rate():
    assert window(6, 3).rate == 2.0
    assert window(0, 0).rate is None


def test_a_had_cramps_check_in_without_a_cramp_logged_is_not_a_recorded_day(patient):
    today = timezone.now().astimezone(patient.zone).date()
    checkin_record(patient=patient, created_by=patient, day=today - dt.timedelta(days=2), status="cramps")
    checked_in_cramp_free(patient, [3, 4])
    EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=5))
    trend = trend_for(patient, timezone.now())
    assert (trend.recent.cramps, trend.recent.recorded_days) == (1, 3)


def test_a_tally_counts_its_cramps_once_on_its_day(patient):
    night = timezone.now() - dt.timedelta(days=1)
    tally = EpisodeFactory(
        patient=patient, started_at=night, entry_type=EntryType.NIGHT, cramp_count=4, tally_date=night.date()
    )
    EpisodeFactory(patient=patient, started_at=night, tally=tally)
    assert trend_for(patient, timezone.now()).recent.cramps == 4


def test_trends_are_by_each_patient_s_own_local_days():
    now = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
    tokyo, honolulu = PatientFactory(time_zone="Asia/Tokyo"), PatientFactory(time_zone="Pacific/Honolulu")
    for patient in (tokyo, honolulu):
        EpisodeFactory(patient=patient, started_at=now - dt.timedelta(hours=2))
    # 23:00 UTC on 6 Dec is 8:00 on 7 Dec in Tokyo (today) and 13:00 on 6 Dec in Honolulu (today there too).
    assert trend_for(tokyo, now).recent.last == dt.date(2026, 12, 7)
    assert trend_for(honolulu, now).recent.last == dt.date(2026, 12, 6)
    assert trend_for(tokyo, now).recent.cramps == trend_for(honolulu, now).recent.cramps == 1


def test_the_dashboard_and_the_clinic_list_read_the_same_trend(patient):
    """The dashboard reads the trend from its day strip's counts, the clinic list for many patients at once:
    the same figures for the same patient."""
    now = timezone.now()
    for days, count in [(1, 3), (2, 1), (9, 2), (15, 4), (20, 1), (26, 2)]:
        EpisodeFactory.create_batch(count, patient=patient, started_at=now - dt.timedelta(days=days))
    night = now - dt.timedelta(days=5)
    EpisodeFactory(
        patient=patient, started_at=night, entry_type=EntryType.NIGHT, cramp_count=3, tally_date=night.date()
    )
    checked_in_cramp_free(patient, [3, 4, 6, 7, 16, 17, 18, 22, 23, 24])
    checkin_record(patient=patient, created_by=patient, day=now.date() - dt.timedelta(days=8), status="cramps")
    days = recent_days(patient, WINDOWS_DAYS)
    assert trend_from_days(days, days[-1].day) == trend_for(patient, now)
