"""The one counting rule: what every page (dashboard, insights, review, clinic list, visit report, exports)
counts as a cramp, a recorded day and a day's severity.

- A cramp is an entry the patient called a cramp, or whose kind they did not say (tracker.models.CRAMP_KINDS).
  A night or day tally counts its cramps; a cramp described later as one of a tally's is not counted again
  (tracker.models.counted). Spasms or stiffness, twitching and "not sure" are counted apart, by the same rule.
- A day is recorded when a cramp was logged on it or it was checked in as "no cramps" (a cramp-free day). A
  day without either is left out of every rate, never counted as a day without cramps; so is a day checked in
  as "had cramps" with none logged, which says nothing of how many.
- A day's severity is its worst cramp's rating (a tally's rating is its worst cramp's); the mean severity of
  a period is the mean of its days' worst ratings, over the days with a cramp, as cramp trials report it.
- A night runs from local noon to noon and belongs to the day of its morning. It is disturbed when a cramp in
  it woke the patient, and recorded ("answered") when an entry in it says whether one did, or nothing was
  logged in it and its morning was checked in as cramp-free.
- An entry's day and hour are those of the zone it happened in (Episode.time_zone): a cramp keeps its day and
  its night when the patient later moves to another zone.

`days_stats` reads a patient's days in one query; `Window` adds them up the same way for every page.
"""

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User

from .models import CRAMP_KINDS, LOCAL_HOUR, CheckIn, EntryType, Episode, EventKind, counted, counted_kind


@dataclass
class DayStats:
    day: dt.date
    # Cramps (or the entries of the kind asked for), the entries that carry them, and the day's worst rating.
    cramps: int = 0
    entries: int = 0
    worst: int | None = None
    # The other kinds of event, counted apart (only when cramps are counted).
    spasms: int = 0
    twitches: int = 0
    unsure: int = 0
    checkin: str | None = None
    # When another kind is counted: the cramps logged that day, which make it a day of the diary all the same.
    cramps_apart: int = 0
    # The night that ended this morning (local noon to noon): times cramps woke the patient in it, its
    # counted entries, and those of them that say whether they woke the patient (a tally by its wakings).
    night_woken: int = 0
    night_entries: int = 0
    night_answers: int = 0

    @property
    def state(self) -> str:
        if self.cramps or self.cramps_apart or self.checkin == CheckIn.Status.HAD_CRAMPS:
            return "cramps"
        if self.checkin == CheckIn.Status.NO_CRAMPS:
            return "none"
        return "unrecorded"

    @property
    def recorded(self) -> bool:
        """Whether the day counts in a rate: a cramp was logged on it, or it was checked in as cramp-free. A
        "had cramps" answer with none logged says nothing of how many, and is left out like an unrecorded day.
        When another kind is counted, a day with cramps logged is a day of the diary as a cramp-free one is: its
        spasms (say) are those logged, none if none were."""
        return self.cramps > 0 or self.cramps_apart > 0 or self.state == "none"

    def add_apart(self, event_kind: str, count: int) -> None:
        """Count events of another kind (APART), apart from the cramps."""
        setattr(self, APART[event_kind], getattr(self, APART[event_kind]) + count)

    def add_entries(self, cramps: int, entries: int, worst: int | None) -> None:
        """Count entries that carry cramps (of the kind counted): their cramps, and the worst of their ratings."""
        self.cramps += cramps
        self.entries += entries
        if worst is not None:
            self.worst = worst if self.worst is None else max(self.worst, worst)

    @property
    def cramp_free(self) -> bool:
        return self.state == "none"

    @property
    def night_disturbed(self) -> bool:
        return self.night_woken > 0

    @property
    def night_answered(self) -> bool:
        """Whether it is known if a cramp woke the patient in the night before this day: one did (an entry says
        so), every entry in it says it did not, or nothing was logged in it and the day was checked in as
        cramp-free. A night with an entry that does not say, and none that woke, is unknown, not undisturbed."""
        if self.night_disturbed:
            return True
        if self.night_entries:
            return self.night_answers == self.night_entries
        return self.state == "none"

    @property
    def state_label(self) -> str:
        if self.state == "cramps":
            return f"{self.cramps} cramp{'s' if self.cramps != 1 else ''}" if self.cramps else "Cramps (none logged)"
        if self.state == "none":
            return "No cramps"
        return "Not recorded"


def mean_daily_worst(days: list[DayStats]) -> float | None:
    """The mean of the days' worst ratings, over the days with a rated cramp."""
    worst = [day.worst for day in days if day.worst is not None]
    return round(sum(worst) / len(worst), 1) if worst else None


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
    def entries(self) -> int:
        return sum(day.entries for day in self.days)

    @property
    def cramp_free_days(self) -> int:
        return sum(day.cramp_free for day in self.days)

    @property
    def unrecorded_days(self) -> int:
        """The days with nothing recorded: no entry, no check-in."""
        return sum(day.state == "unrecorded" for day in self.days)

    @property
    def uncounted_days(self) -> int:
        """The days checked in as "had cramps" with none logged: left out of the rates (DayStats.recorded) as the
        days not recorded are, but days with cramps, never a week's zero."""
        return self.day_count - self.recorded_days - self.unrecorded_days

    @property
    def recorded_days(self) -> int:
        """The week's days that say how many cramps there were (DayStats.recorded): with none, the week's
        cramps are not recorded, never 0."""
        return sum(day.recorded for day in self.days)

    @property
    def mean_severity(self) -> float | None:
        return mean_daily_worst(self.days)

    @property
    def worst_severity(self) -> int | None:
        return max((day.worst for day in self.days if day.worst is not None), default=None)


def _per_day(count: int, days: int) -> float | None:
    return round(count / days, 2) if days else None


def _per_week(count: int, days: int) -> float | None:
    return round(7 * count / days, 1) if days else None


@dataclass(frozen=True)
class Window:
    """Days first..last and what their DayStats add up to. Rates are over the recorded days (a cramp
    logged or a check-in): a day without any record is left out, not counted as cramp-free."""

    label: str
    first: dt.date
    last: dt.date
    days: int
    recorded_days: int
    cramps: int
    # The mean of the days' worst ratings (mean_daily_worst), and the worst of all.
    mean_severity: float | None
    worst_severity: int | None = None
    # The days with a rated cramp and the sum of their worst ratings: the mean's exact parts.
    rated_days: int = 0
    worst_total: int = 0
    cramp_free_days: int = 0
    spasms: int = 0
    twitches: int = 0
    unsure: int = 0
    # The other kinds of event on the recorded days: what their rates per recorded day add up (a spasm on a day
    # not recorded is counted above, not in a rate whose days leave that day out).
    recorded_spasms: int = 0
    recorded_twitches: int = 0
    recorded_unsure: int = 0
    # Nights that say whether a cramp woke the patient (DayStats.night_answered), and those it did.
    nights_answered: int = 0
    nights_disturbed: int = 0
    # Why the window is shorter than asked: "today" (still running), "previous step" or "next step".
    clipped: str = ""
    # The days of a window still running (clipped at today) once it has run its course: until then, its days
    # recorded are judged against them.
    planned_days: int = 0

    @property
    def full_days(self) -> int:
        """The window's days, or all it will have when it is still running."""
        return max(self.days, self.planned_days)

    @property
    def cramps_per_day(self) -> float | None:
        return _per_day(self.cramps, self.recorded_days)

    @property
    def cramps_per_week(self) -> float | None:
        return _per_week(self.cramps, self.recorded_days)

    @property
    def cramp_free_days_per_week(self) -> float | None:
        return _per_week(self.cramp_free_days, self.recorded_days)

    @property
    def spasms_per_day(self) -> float | None:
        return _per_day(self.recorded_spasms, self.recorded_days)

    @property
    def twitches_per_day(self) -> float | None:
        return _per_day(self.recorded_twitches, self.recorded_days)

    @property
    def night_share(self) -> int | None:
        """Percentage of the answered nights in which a cramp woke the patient."""
        return round(100 * self.nights_disturbed / self.nights_answered) if self.nights_answered else None

    @property
    def enough_recorded(self) -> bool:
        """At least half of the window's days recorded (of all it will have, when it is still running): fewer,
        and its rates are not compared. One day of a 28-day window is not a treatment window."""
        return self.full_days > 0 and 2 * self.recorded_days >= self.full_days


def window_of(
    label: str, days: dict[dt.date, DayStats], first: dt.date, last: dt.date, clipped: str = "", planned_days: int = 0
) -> Window:
    """What the days first..last (all in `days`; none when last < first) add up to; `planned_days`: see Window."""
    stats = [days[first + dt.timedelta(days=n)] for n in range(max((last - first).days + 1, 0))]
    return Window(
        label=label,
        first=first,
        last=last,
        days=len(stats),
        recorded_days=sum(day.recorded for day in stats),
        cramps=sum(day.cramps for day in stats),
        mean_severity=mean_daily_worst(stats),
        worst_severity=max((day.worst for day in stats if day.worst is not None), default=None),
        rated_days=sum(day.worst is not None for day in stats),
        worst_total=sum(day.worst for day in stats if day.worst is not None),
        cramp_free_days=sum(day.cramp_free for day in stats),
        spasms=sum(day.spasms for day in stats),
        twitches=sum(day.twitches for day in stats),
        unsure=sum(day.unsure for day in stats),
        recorded_spasms=sum(day.spasms for day in stats if day.recorded),
        recorded_twitches=sum(day.twitches for day in stats if day.recorded),
        recorded_unsure=sum(day.unsure for day in stats if day.recorded),
        nights_answered=sum(day.night_answered for day in stats),
        nights_disturbed=sum(day.night_disturbed for day in stats),
        clipped=clipped,
        planned_days=planned_days,
    )


def _local_start(prefix: str) -> ExpressionWrapper:
    """tracker.models.LOCAL_START of the entry that `prefix` names ("episode__", "episode__tally__")."""
    return ExpressionWrapper(F(f"{prefix}started_at") + F(f"{prefix}utc_offset"), output_field=DateTimeField())


def counted_day(prefix: str = "") -> TruncDate:
    """The local day (in the zone it happened in, as LOCAL_DAY) an entry's cramps are counted on: that of its
    start, or for a cramp described as one of a tally's, that of the tally, which counts it. `prefix` names a
    relation to the entry ("episode__")."""
    return TruncDate(Coalesce(_local_start(f"{prefix}tally__"), _local_start(prefix)), tzinfo=dt.UTC)


# Ranges this close are read as one span, the days between them too: a few more rows cost less than one
# more SELECT to build (the medicines' and trial windows mostly lie near the period shown).
JOIN_GAP = dt.timedelta(days=62)


def spans(ranges: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The ranges of days joined where they overlap or lie less than JOIN_GAP apart, in order (empty ones
    left out)."""
    joined: list[tuple[dt.date, dt.date]] = []
    for first, last in sorted(days for days in ranges if days[0] <= days[1]):
        if joined and first <= joined[-1][1] + JOIN_GAP:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined


# How often an entry woke the patient: a tally's `times_woken`, one for a single cramp marked "woke me".
WOKEN = Case(
    When(times_woken__isnull=False, then=F("times_woken")),
    When(woke_from_sleep=True, then=Value(1)),
    default=Value(0),
)
# An entry says whether it woke the patient: a single cramp by its answer, a night tally by its wakings.
ANSWERED = Q(woke_from_sleep__isnull=False) | Q(times_woken__isnull=False)
COLUMNS = (
    "day",
    "event_kind",
    "chosen",
    "late",
    "cramps",
    "entries",
    "worst",
    "woken",
    "night_entries",
    "answers",
    "arm",
    "checkin",
)
# A day tally (08:00 to 20:00) says nothing of the night and does not ask about waking: not one of its entries.
OF_THE_NIGHT = ~Q(entry_type=EntryType.DAY)
# The other kinds of event, counted apart: DayStats' field for each.
APART = {EventKind.SPASM: "spasms", EventKind.TWITCH: "twitches", EventKind.UNSURE: "unsure"}


def _entry_days(patient: User, arm: int, first: dt.date, last: dt.date, kind: str) -> QuerySet:
    """The counted entries (tracker.models.counted) of the local days first..last and of the day before (whose
    afternoon and evening are the first night's), each day in the entry's own zone, grouped by local day,
    event kind, whether they are of the kind counted (`chosen`: cramps unless `kind` says otherwise) and
    whether they started from noon on (`late`: they belong to the next day's night). In the order of COLUMNS."""
    return (
        Episode.objects.filter(counted(), patient=patient)
        .on_local_days(first - dt.timedelta(days=1), last)
        .alias(hour=LOCAL_HOUR)
        .annotate(
            day=F("local_day"),
            chosen=ExpressionWrapper(counted_kind(kind), output_field=BooleanField()),
            late=ExpressionWrapper(Q(hour__gte=12), output_field=BooleanField()),
        )
        .values("day", "event_kind", "chosen", "late")
        .annotate(
            cramps=Sum("cramp_count"),
            entries=Count("pk"),
            worst=Max("severity"),
            woken=Sum(WOKEN),
            night_entries=Count("pk", filter=OF_THE_NIGHT),
            answers=Count("pk", filter=ANSWERED & OF_THE_NIGHT),
            arm=Value(arm, output_field=IntegerField()),
            checkin=Value(None, output_field=CharField()),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def _checkin_days(patient: User, spans: list[tuple[dt.date, dt.date]]) -> QuerySet:
    """The check-ins of the spans of days, in the columns of _entry_days: a patient has one a day at most, so
    one SELECT reads them all through the (patient, day) index."""
    zero, no = Value(0, output_field=IntegerField()), Value(False, output_field=BooleanField())
    return (
        CheckIn.objects.filter(patient=patient)
        .filter(reduce(operator.or_, (Q(day__range=span) for span in spans)))
        .annotate(
            event_kind=Value("", output_field=CharField()),
            chosen=no,
            late=no,
            **dict.fromkeys(["cramps", "entries", "woken", "night_entries", "answers"], zero),
            worst=Value(None, output_field=IntegerField()),
            arm=Value(-1, output_field=IntegerField()),
            checkin=F("status"),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def days_stats(patient: User, ranges: list[tuple[dt.date, dt.date]], kind: str = "") -> dict[dt.date, DayStats]:
    """Every local day of the ranges with its figures, in one query, in order. `kind` narrows the counted
    entries to one event kind (KIND_NOT_SAID: those that do not say); by default they are the cramps.

    A night runs from local noon to noon and belongs to the day of its morning, so the entries of the
    afternoon and evening before a range (a night tally's too) count for the night before its first day; the
    morning before is read with them and left out. The days are read in one statement: one SELECT per span of
    days, each bounded by the (patient, started_at) index, and one of the spans' check-ins. Spans that touch are
    joined, so each day's rows come from one SELECT; days between the ranges are read with them (see
    JOIN_GAP), their figures not kept.
    """
    days: dict[dt.date, DayStats] = {}
    for first, last in ranges:
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            days[day] = DayStats(day=day)
    joined = spans(ranges)
    if not joined:
        return days
    parts = [_entry_days(patient, arm, first, last, kind) for arm, (first, last) in enumerate(joined)]
    parts.append(_checkin_days(patient, joined))
    rows = parts[0].union(*parts[1:], all=True)
    for day, event_kind, chosen, late, cramps, entries, worst, woken, night_entries, answers, arm, checkin in rows:
        stats = days.get(day)
        if arm < 0:
            if stats is not None:
                stats.checkin = checkin
        elif not chosen:
            if stats is not None and event_kind in APART:
                stats.add_apart(event_kind, cramps)
            elif stats is not None and event_kind in CRAMP_KINDS:
                stats.cramps_apart += cramps
        else:
            if stats is not None:
                stats.add_entries(cramps, entries, worst)
            # From noon on, an entry belongs to the night that ends the next morning.
            night = days.get(day + dt.timedelta(days=1)) if late else stats
            if night is not None:
                night.night_entries += night_entries
                night.night_woken += woken
                night.night_answers += answers
    return dict(sorted(days.items()))


def daily_stats(patient: User, first: dt.date, last: dt.date, kind: str = "") -> dict[dt.date, DayStats]:
    """Every local day first..last with its figures, in one query."""
    return days_stats(patient, [(first, last)], kind)


def days_between(days: dict[dt.date, DayStats], first: dt.date, last: dt.date) -> dict[dt.date, DayStats]:
    """The days first..last of `days` (which holds them all), in order."""
    return {first + dt.timedelta(days=n): days[first + dt.timedelta(days=n)] for n in range((last - first).days + 1)}


def weeks_of(days: dict[dt.date, DayStats]) -> list[Week]:
    weeks: dict[dt.date, Week] = {}
    for day, stats in sorted(days.items()):
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault(monday, Week(first_day=monday)).days.append(stats)
    return list(weeks.values())
