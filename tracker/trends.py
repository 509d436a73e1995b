"""Whether a patient's cramps are becoming more or less frequent: the one rule, read by the dashboard and the
clinic list.

Frequency is cramps per *recorded* day (a day with a logged cramp, or a check-in saying "no cramps"): a day
nobody recorded is left out, never counted as a day without cramps. Two windows of 14 local days (the last 14,
ending today, and the 14 before) are compared only when each has at least 7 recorded days, so a new patient's
first days never read as a rise. A change of at least half (up by 50%, or down to two thirds) counts as a
change; a rise needs at least 4 cramps in the recent window as well, so that 1 cramp after 0 is not "more
frequent".

Sources: the recorded-days rule follows how cramp trials count frequency from patients' diaries (Katzberg HD
et al., Neurology 2010, PubMed 20177124; Weiss MD et al., Neurology 2016, doi:10.1212/WNL.0000000000002507);
the thresholds are ours, chosen to flag a clear change and not day-to-day noise, and shown with the figures
they come from.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper

from accounts.models import User

from .counting import APART, DayStats
from .models import CheckIn, Episode, TrendDirection, counted_kind

RATE_WINDOW_DAYS = 14
MIN_RECORDED_DAYS = 7
MIN_RISE_CRAMPS = 4
# A rise when the recent rate is at least 3/2 of the previous one; a fall when it is at most 2/3 of it.
CHANGE_NUMERATOR, CHANGE_DENOMINATOR = 3, 2


@dataclass(frozen=True)
class RateWindow:
    first: dt.date
    last: dt.date
    cramps: int
    recorded_days: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def rate(self) -> float | None:
        """Cramps per recorded day, to one decimal; None when no day was recorded."""
        return round(self.cramps / self.recorded_days, 1) if self.recorded_days else None

    @property
    def enough(self) -> bool:
        return self.recorded_days >= MIN_RECORDED_DAYS


@dataclass(frozen=True)
class Trend:
    recent: RateWindow
    previous: RateWindow
    direction: TrendDirection

    @property
    def is_rise(self) -> bool:
        return self.direction == TrendDirection.WORSE


def direction_of(recent: RateWindow, previous: RateWindow) -> TrendDirection:
    """THE rule: compare the two windows' cramps per recorded day (in integers, exactly)."""
    if not (recent.enough and previous.enough):
        return TrendDirection.UNKNOWN
    # recent.cramps / recent.recorded_days against previous.cramps / previous.recorded_days, cross-multiplied.
    recent_scaled = recent.cramps * previous.recorded_days
    previous_scaled = previous.cramps * recent.recorded_days
    if (
        recent.cramps >= MIN_RISE_CRAMPS
        and recent_scaled > previous_scaled
        and CHANGE_DENOMINATOR * recent_scaled >= CHANGE_NUMERATOR * previous_scaled
    ):
        return TrendDirection.WORSE
    if previous.cramps and CHANGE_NUMERATOR * recent_scaled <= CHANGE_DENOMINATOR * previous_scaled:
        return TrendDirection.BETTER
    return TrendDirection.STEADY


WINDOWS_DAYS = 2 * RATE_WINDOW_DAYS


def _windows(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    recent_first = today - dt.timedelta(days=RATE_WINDOW_DAYS - 1)
    previous_last = recent_first - dt.timedelta(days=1)
    return (recent_first, today), (previous_last - dt.timedelta(days=RATE_WINDOW_DAYS - 1), previous_last)


def local_days_for(patients: Iterable[User], now: dt.datetime, days: int) -> dict[int, dict[dt.date, DayStats]]:
    """Each patient's last `days` local days (ending today in their own zone) as tracker.counting counts them,
    each entry on the day of the zone it happened in, from their entries read one by one and their check-ins
    (not their nights): two queries whatever the number of patients."""
    zones = {patient.pk: patient.zone for patient in patients}
    if not zones:
        return {}
    stats = {}
    for pk, zone in zones.items():
        today = now.astimezone(zone).date()
        stats[pk] = {today - dt.timedelta(days=n): DayStats(day=today - dt.timedelta(days=n)) for n in range(days)}
    # Two days more at the start cover the first local day of any zone an entry is in, whatever the patient's.
    since = now - dt.timedelta(days=days + 2)
    entries = (
        Episode.objects.filter(patient_id__in=list(zones), started_at__gte=since, started_at__lte=now)
        .counted()
        .annotate(chosen=ExpressionWrapper(counted_kind(), output_field=BooleanField()))
        .values_list("patient_id", "started_at", "utc_offset", "event_kind", "chosen", "cramp_count", "severity")
        .order_by()
    )
    for patient_id, started_at, utc_offset, event_kind, chosen, count, severity in entries:
        # The entry's own local day (Episode.local_day), from the offset stored with it.
        if (day := stats[patient_id].get((started_at + utc_offset).date())) is None:
            continue
        if chosen:
            day.add_entries(count, 1, severity)
        elif event_kind in APART:
            day.add_apart(event_kind, count)
    checkins = CheckIn.objects.filter(patient_id__in=list(zones), day__gte=since.date()).values_list(
        "patient_id", "day", "status"
    )
    for patient_id, day, status in checkins:
        if (stats_of_day := stats[patient_id].get(day)) is not None:
            stats_of_day.checkin = status
    return stats


def trends_for(patients: Iterable[User], now: dt.datetime) -> dict[int, Trend]:
    """Each patient's trend at `now`, by their own local days, in two queries whatever the number of patients."""
    patients = list(patients)
    days = local_days_for(patients, now, WINDOWS_DAYS)
    return {
        patient.pk: trend_from_days(days[patient.pk].values(), now.astimezone(patient.zone).date())
        for patient in patients
    }


def trend_from_days(days: Iterable[DayStats], today: dt.date) -> Trend:
    """The trend from the DayStats of (at least) the last 28 days, counted by tracker.counting: the dashboard
    reads them for its day strip, the clinic list with its other figures."""
    days = list(days)
    windows = [
        RateWindow(
            first=first,
            last=last,
            cramps=sum(day.cramps for day in days if first <= day.day <= last),
            recorded_days=sum(day.recorded for day in days if first <= day.day <= last),
        )
        for first, last in _windows(today)
    ]
    return Trend(recent=windows[0], previous=windows[1], direction=direction_of(*windows))
