"""Whether a patient's cramps are becoming more or less frequent: the one rule, read by the dashboard and the
clinic list.

Frequency is cramps per *recorded* day (a day with a logged cramp, or a check-in saying "no cramps"): a day
nobody recorded is left out, never counted as a day without cramps. Two windows of 14 local days (the last 14,
ending today, and the 14 before) are compared only when each has at least 7 recorded days, so a new patient's
first days never read as a rise. A change of at least half (up by 50%, or down to two thirds) counts as a
change; a rise needs at least 4 cramps in the recent window as well, so that 1 cramp after 0 is not "more
frequent".

Sources: the recorded-days rule follows how cramp trials count frequency from patients' diaries (Katzberg HD et al.,
Neurology 2010, PubMed 20177124; Weiss MD et al., Neurology 2016, PubMed 26911639); the thresholds are ours,
chosen to flag a clear change and not day-to-day noise, and shown with the figures they come from.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from accounts.models import User

from .insights import DayStats
from .models import CheckIn, Episode, TrendDirection

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


def trends_for(patients: Iterable[User], now: dt.datetime) -> dict[int, Trend]:
    """Each patient's trend at `now`, by their own local days, in two queries whatever the number of patients.

    Cramps are counted by the one rule of tracker.models.counted (a tally counts its cramps, a cramp described
    as one of a tally's not again)."""
    patients = list(patients)
    if not patients:
        return {}
    zones = {patient.pk: patient.zone for patient in patients}
    todays = {pk: now.astimezone(zone).date() for pk, zone in zones.items()}
    # A day longer than 24 hours at either end covers every zone's first local day.
    since = now - dt.timedelta(days=2 * RATE_WINDOW_DAYS + 1)
    cramps: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    recorded: dict[int, set[dt.date]] = defaultdict(set)
    entries = (
        Episode.objects.filter(patient_id__in=list(zones), started_at__gte=since, started_at__lte=now)
        .counted()
        .values_list("patient_id", "started_at", "cramp_count")
        .order_by()
    )
    for patient_id, started_at, count in entries:
        day = started_at.astimezone(zones[patient_id]).date()
        cramps[patient_id][day] += count
        recorded[patient_id].add(day)
    # A "had cramps" answer without a cramp logged says nothing of how many: only a cramp-free day is recorded
    # by its check-in alone.
    checkins = CheckIn.objects.filter(
        patient_id__in=list(zones), day__gte=since.date(), status=CheckIn.Status.NO_CRAMPS
    ).values_list("patient_id", "day")
    for patient_id, day in checkins:
        recorded[patient_id].add(day)
    return {pk: _trend(today, cramps[pk], recorded[pk]) for pk, today in todays.items()}


def _trend(today: dt.date, cramps: Mapping[dt.date, int], recorded: Collection[dt.date]) -> Trend:
    """The trend from a patient's cramps per local day and their recorded days."""
    windows = [
        RateWindow(
            first=first,
            last=last,
            cramps=sum(count for day, count in cramps.items() if first <= day <= last),
            recorded_days=sum(first <= day <= last for day in recorded),
        )
        for first, last in _windows(today)
    ]
    return Trend(recent=windows[0], previous=windows[1], direction=direction_of(*windows))


def trend_from_days(days: Iterable[DayStats], today: dt.date) -> Trend:
    """The trend from the DayStats of the last 28 days, as the dashboard reads them for its day strip
    (insights.day_counts counts cramps by the same rule): no query of its own."""
    days = list(days)
    recorded = [day.day for day in days if day.cramps or day.checkin == CheckIn.Status.NO_CRAMPS]
    return _trend(today, {day.day: day.cramps for day in days}, recorded)
