"""What the charts show: a patient's cramps over a period, aggregated in the database.

One implementation for the patient's /insights/ and the clinician's review. The
number of queries is fixed whatever the number of episodes (about ten).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate

from accounts.models import User

from .models import CheckIn, Episode, EpisodeLocation, EpisodeTerm, Medication, ReliefEffect, Side, Term
from .services import local_day

DEFAULT_WEEKS = 26
NIGHT_HOURS = {22, 23, 0, 1, 2, 3, 4, 5}
TOP_TRIGGERS = 8
EFFECT_WINDOW_DAYS = 28


@dataclass
class DayStats:
    day: dt.date
    cramps: int = 0
    severity_sum: int = 0
    worst: int | None = None
    checkin: str | None = None

    @property
    def state(self) -> str:
        if self.cramps or self.checkin == CheckIn.Status.HAD_CRAMPS:
            return "cramps"
        if self.checkin == CheckIn.Status.NO_CRAMPS:
            return "none"
        return "unrecorded"

    @property
    def recorded(self) -> bool:
        return self.state != "unrecorded"

    @property
    def state_label(self) -> str:
        if self.state == "cramps":
            return f"{self.cramps} cramp{'s' if self.cramps != 1 else ''}" if self.cramps else "Cramps (none logged)"
        if self.state == "none":
            return "No cramps"
        return "Not recorded"


@dataclass
class Week:
    """Monday to Sunday (or the part of it inside the period)."""

    first_day: dt.date
    days: list[DayStats] = field(default_factory=list)

    @property
    def day_count(self) -> int:
        return len(self.days)

    @property
    def cramps(self) -> int:
        return sum(day.cramps for day in self.days)

    @property
    def cramp_free_days(self) -> int:
        return sum(day.state == "none" for day in self.days)

    @property
    def unrecorded_days(self) -> int:
        return sum(day.state == "unrecorded" for day in self.days)

    @property
    def mean_severity(self) -> float | None:
        return round(sum(day.severity_sum for day in self.days) / self.cramps, 1) if self.cramps else None

    @property
    def worst_severity(self) -> int | None:
        return max((day.worst for day in self.days if day.worst is not None), default=None)


@dataclass(frozen=True)
class Window:
    """Days first..last (clipped to today): how many were recorded, cramps in them, mean severity."""

    label: str
    first: dt.date
    last: dt.date
    days: int
    recorded_days: int
    cramps: int
    mean_severity: float | None

    @property
    def cramps_per_week(self) -> float | None:
        return round(7 * self.cramps / self.recorded_days, 1) if self.recorded_days else None

    @property
    def complete(self) -> bool:
        return self.days == EFFECT_WINDOW_DAYS


@dataclass(frozen=True)
class MedicationEffect:
    medication: Medication
    windows: list[Window]


@dataclass(frozen=True)
class PlaceCount:
    slug: str
    label: str
    left: int
    right: int


@dataclass
class Insights:
    start: dt.date
    end: dt.date
    weeks: list[Week]
    hours: list[int]
    places: list[PlaceCount]
    triggers: list[tuple[str, int]]
    relief: list[tuple[str, dict[str, int]]]
    medications: list[MedicationEffect]

    @property
    def total(self) -> int:
        return sum(week.cramps for week in self.weeks)

    @property
    def night_share(self) -> int | None:
        """Percentage of cramps that started between 22:00 and 06:00."""
        total = sum(self.hours)
        return round(100 * sum(self.hours[hour] for hour in NIGHT_HOURS) / total) if total else None

    @property
    def has_data(self) -> bool:
        return any(day.recorded for week in self.weeks for day in week.days)


def default_period(patient: User, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 26 whole weeks (Monday to Sunday) up to and including today."""
    today = today or local_day(patient, dt.datetime.now(dt.UTC))
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=DEFAULT_WEEKS - 1), today


def _bounds(patient: User, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = patient.zone
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=zone),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def daily_stats(patient: User, first: dt.date, last: dt.date) -> dict[dt.date, DayStats]:
    """Every local day first..last with its cramps, severity and check-in, in two queries."""
    return days_stats(patient, [(first, last)])


def days_stats(patient: User, ranges: list[tuple[dt.date, dt.date]]) -> dict[dt.date, DayStats]:
    """The same for every day of several ranges of days, still in two queries."""
    days: dict[dt.date, DayStats] = {}
    in_ranges, checkin_days = Q(pk__in=[]), Q(pk__in=[])
    for first, last in ranges:
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            days[day] = DayStats(day=day)
        start, end = _bounds(patient, first, last)
        in_ranges |= Q(started_at__gte=start, started_at__lt=end)
        checkin_days |= Q(day__range=(first, last))
    per_day = (
        Episode.objects.for_patient(patient)
        .filter(in_ranges)
        .annotate(day=TruncDate("started_at", tzinfo=patient.zone))
        .order_by()
        .values("day")
        .annotate(cramps=Count("id"), severity_sum=Sum("severity"), worst=Max("severity"))
    )
    for row in per_day:
        stats = days[row["day"]]
        stats.cramps, stats.severity_sum, stats.worst = row["cramps"], row["severity_sum"], row["worst"]
    for day, status in CheckIn.objects.filter(checkin_days, patient=patient).values_list("day", "status"):
        days[day].checkin = status
    return dict(sorted(days.items()))


def weeks_of(days: dict[dt.date, DayStats]) -> list[Week]:
    weeks: dict[dt.date, Week] = {}
    for day, stats in sorted(days.items()):
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault(monday, Week(first_day=monday)).days.append(stats)
    return list(weeks.values())


def _hours(patient: User, start: dt.datetime, end: dt.datetime) -> list[int]:
    """Cramps by the local hour they started, 0 to 23."""
    hours = [0] * 24
    rows = (
        Episode.objects.for_patient(patient)
        .in_period(start, end)
        .annotate(hour=ExtractHour("started_at", tzinfo=patient.zone))
        .order_by()
        .values("hour")
        .annotate(cramps=Count("id"))
    )
    for row in rows:
        hours[row["hour"]] = row["cramps"]
    return hours


def _places(patient: User, episode_ids: list[int]) -> list[PlaceCount]:
    rows = (
        EpisodeLocation.objects.filter(patient=patient, episode__in=episode_ids)
        .values("location__slug", "location__label", "side")
        .annotate(cramps=Count("id"))
    )
    sides: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"left": 0, "right": 0})
    for row in rows:
        counts = sides[(row["location__slug"], row["location__label"])]
        if row["side"] in (Side.LEFT, Side.BOTH):
            counts["left"] += row["cramps"]
        if row["side"] in (Side.RIGHT, Side.BOTH):
            counts["right"] += row["cramps"]
    return [PlaceCount(slug, label, counts["left"], counts["right"]) for (slug, label), counts in sides.items()]


def _episode_ids(patient: User, start: dt.datetime, end: dt.datetime) -> list[int]:
    """The period's episodes, read once through the (patient, started_at) index. The queries
    of their places and terms then look them up by id: their cost follows the period, not the
    length of the whole log (a subquery here leaves the planner guessing at the row count)."""
    return list(Episode.objects.for_patient(patient).in_period(start, end).values_list("pk", flat=True))


def _terms(patient: User, episode_ids: list[int], kind: str):
    return EpisodeTerm.objects.filter(patient=patient, term__kind=kind, episode__in=episode_ids)


def _relief(patient: User, episode_ids: list[int]) -> list[tuple[str, dict[str, int]]]:
    rows = (
        _terms(patient, episode_ids, Term.Kind.RELIEF)
        .values("term__label", "term__sort_order", "episode__relief_effect")
        .annotate(cramps=Count("id"))
        .order_by("term__sort_order")
    )
    measures: dict[str, dict[str, int]] = {}
    for row in rows:
        effects = measures.setdefault(row["term__label"], dict.fromkeys(["", *ReliefEffect.values], 0))
        effects[row["episode__relief_effect"]] += row["cramps"]
    return list(measures.items())


def _window(label: str, days: dict[dt.date, DayStats], first: dt.date, today: dt.date) -> Window:
    last = min(first + dt.timedelta(days=EFFECT_WINDOW_DAYS - 1), today)
    stats = [days[first + dt.timedelta(days=n)] for n in range(max((last - first).days + 1, 0))]
    cramps = sum(day.cramps for day in stats)
    severity = sum(day.severity_sum for day in stats)
    return Window(
        label=label,
        first=first,
        last=last,
        days=len(stats),
        recorded_days=sum(day.recorded for day in stats),
        cramps=cramps,
        mean_severity=round(severity / cramps, 1) if cramps else None,
    )


def medication_effects(patient: User, today: dt.date) -> list[MedicationEffect]:
    """For each medicine with a start date: the 28 days before it, after it, and after it stopped."""
    medications = [
        medication
        for medication in Medication.objects.for_patient(patient).order_by("started_on")
        if medication.started_on is not None and medication.started_on <= today
    ]
    if not medications:
        return []
    window = dt.timedelta(days=EFFECT_WINDOW_DAYS)
    # Only the days of the windows compared: the cost does not grow with how long ago a medicine started.
    ranges = []
    for medication in medications:
        ranges.append((medication.started_on - window, min(medication.started_on + window, today)))
        if medication.stopped_on is not None and medication.stopped_on <= today:
            ranges.append((medication.stopped_on, min(medication.stopped_on + window, today)))
    days = days_stats(patient, ranges)
    effects = []
    for medication in medications:
        windows = [
            _window("28 days before starting", days, medication.started_on - window, today),
            _window("28 days after starting", days, medication.started_on, today),
        ]
        if medication.stopped_on is not None and medication.stopped_on <= today:
            windows.append(_window("28 days after stopping", days, medication.stopped_on, today))
        effects.append(MedicationEffect(medication=medication, windows=windows))
    return effects


def insights_for(patient: User, first: dt.date, last: dt.date, today: dt.date) -> Insights:
    start, end = _bounds(patient, first, last)
    days = daily_stats(patient, first, last)
    episode_ids = _episode_ids(patient, start, end)
    triggers = (
        _terms(patient, episode_ids, Term.Kind.TRIGGER)
        .exclude(term__slug="none-noticed")
        .values("term__label")
        .annotate(cramps=Count("id"))
        .order_by("-cramps", "term__label")[:TOP_TRIGGERS]
    )
    return Insights(
        start=first,
        end=last,
        weeks=weeks_of(days),
        hours=_hours(patient, start, end),
        places=_places(patient, episode_ids),
        triggers=[(row["term__label"], row["cramps"]) for row in triggers],
        relief=_relief(patient, episode_ids),
        medications=medication_effects(patient, today),
    )
