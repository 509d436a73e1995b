"""What the charts show: a patient's cramps over a period, aggregated in the database.

One implementation for the patient's /insights/ and the clinician's review. The
number of queries is fixed whatever the number of episodes (about ten).

Counts are of cramps, not entries, by the rule in tracker.models.counted: a tally counts its cramps,
and a cramp described as one of a tally's is not counted again. Mean severity is the mean of the
counted entries' ratings (a tally's is its worst cramp's). Triggers, symptoms and relief are noted on
single cramps only (a tally has none), so those charts count every single entry, described ones too.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from accounts.models import User

from .lookups import ids_condition
from .models import (
    KIND_NOT_SAID,
    CheckIn,
    EntryType,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    EventKind,
    Medication,
    MedicationStep,
    ReliefEffect,
    Side,
    Term,
    stored_event_kind,
)
from .services import local_day

DEFAULT_WEEKS = 26
NIGHT_HOURS = {22, 23, 0, 1, 2, 3, 4, 5}
TOP_TRIGGERS = 8
EFFECT_WINDOW_DAYS = 28
TRIAL_WINDOW_DAYS = 28
NOON = dt.time(12)


@dataclass
class DayStats:
    day: dt.date
    cramps: int = 0
    # The entries that carry the count (a tally is one), and the sum of their ratings.
    entries: int = 0
    severity_sum: int = 0
    worst: int | None = None
    checkin: str | None = None
    # The night that ended this morning (local noon to noon): times cramps woke the patient in it, its
    # counted entries, and those of them that say whether they woke the patient (a tally by its wakings).
    night_woken: int = 0
    night_entries: int = 0
    night_answers: int = 0

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
    def night_disturbed(self) -> bool:
        return self.night_woken > 0

    @property
    def night_answered(self) -> bool:
        """Whether it is known if a cramp woke the patient in the night before this day: an entry in it says
        so (yes or no), or nothing was logged in it and the day was checked in as cramp-free. A night whose
        entries do not say is unknown, not undisturbed."""
        return self.night_answers > 0 or (self.night_entries == 0 and self.state == "none")

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
    def entries(self) -> int:
        return sum(day.entries for day in self.days)

    @property
    def cramp_free_days(self) -> int:
        return sum(day.state == "none" for day in self.days)

    @property
    def unrecorded_days(self) -> int:
        return sum(day.state == "unrecorded" for day in self.days)

    @property
    def mean_severity(self) -> float | None:
        return round(sum(day.severity_sum for day in self.days) / self.entries, 1) if self.entries else None

    @property
    def worst_severity(self) -> int | None:
        return max((day.worst for day in self.days if day.worst is not None), default=None)


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
    mean_severity: float | None
    worst_severity: int | None = None
    # Nights that say whether a cramp woke the patient (DayStats.night_answered), and those it did.
    nights_answered: int = 0
    nights_disturbed: int = 0
    # Why the window is shorter than asked: "today" (still running), "previous step" or "next step".
    clipped: str = ""

    @property
    def cramps_per_day(self) -> float | None:
        return round(self.cramps / self.recorded_days, 2) if self.recorded_days else None

    @property
    def cramps_per_week(self) -> float | None:
        return round(7 * self.cramps / self.recorded_days, 1) if self.recorded_days else None

    @property
    def night_share(self) -> int | None:
        """Percentage of the answered nights in which a cramp woke the patient."""
        return round(100 * self.nights_disturbed / self.nights_answered) if self.nights_answered else None

    @property
    def complete(self) -> bool:
        return self.days == EFFECT_WINDOW_DAYS


@dataclass(frozen=True)
class StepEffect:
    """One step of a medicine's history with the days just before it and just after it."""

    step: MedicationStep
    before: Window
    after: Window


@dataclass(frozen=True)
class MedicationEffect:
    medication: Medication
    steps: list[StepEffect]


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
    # Cramps of night and day tallies, which have no hour of their own: not in `hours`.
    untimed: dict[str, int] = field(default_factory=dict)
    # The event kind the figures are narrowed to ("" for all).
    kind: str = ""
    # Every day read for the medicines' windows and the caller's other ranges, of every kind.
    days: dict[dt.date, DayStats] = field(default_factory=dict)
    # Every entry of the period (of the kind), a tally's described cramps included: a list of them has this many.
    entry_count: int = 0

    @property
    def total(self) -> int:
        return sum(week.cramps for week in self.weeks)

    @property
    def entries(self) -> int:
        return sum(week.entries for week in self.weeks)

    @property
    def kind_label(self) -> str:
        """The event kind the figures are narrowed to, in words ("" for all kinds)."""
        return "kind not said" if self.kind == KIND_NOT_SAID else dict(EventKind.choices).get(self.kind, "")

    @property
    def untimed_night(self) -> int:
        return self.untimed.get(EntryType.NIGHT, 0)

    @property
    def untimed_day(self) -> int:
        return self.untimed.get(EntryType.DAY, 0)

    @property
    def night_share(self) -> int | None:
        """Percentage of cramps that started between 22:00 and 06:00, or were counted in a night tally."""
        total = sum(self.hours) + self.untimed_night + self.untimed_day
        night = sum(self.hours[hour] for hour in NIGHT_HOURS) + self.untimed_night
        return round(100 * night / total) if total else None

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


def daily_stats(patient: User, first: dt.date, last: dt.date, kind: str = "") -> dict[dt.date, DayStats]:
    """Every local day first..last with its cramps, severity and check-in, in one query."""
    return days_stats(patient, [(first, last)], kind)


CHECKIN_ARM = -1

# The figures of a day's counted entries (tracker.models.counted: a cramp described as one of a tally's has
# `tally_id` set and is counted by its tally): cramps, entries, their ratings; how often they woke the patient
# (times_woken_sum) and how many say whether they did; then the entries, wakings and answers from noon on,
# which belong to the next night (those before noon are the totals less these: fewer hours to compute).
DAY_FIGURES = """
    SUM(CASE WHEN tally_id IS NULL THEN cramp_count ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL THEN severity ELSE 0 END),
    MAX(CASE WHEN tally_id IS NULL THEN severity END),
    SUM(CASE WHEN tally_id IS NULL THEN {woken} ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL AND {answered} THEN 1 ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL AND {hour} >= 12 THEN 1 ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL AND {hour} >= 12 THEN {woken} ELSE 0 END),
    SUM(CASE WHEN tally_id IS NULL AND {hour} >= 12 AND {answered} THEN 1 ELSE 0 END)"""
# A NULL woke_from_sleep (not answered) is not true, so it counts no waking on SQLite and PostgreSQL alike.
WOKEN = "CASE WHEN times_woken IS NOT NULL THEN times_woken WHEN woke_from_sleep THEN 1 ELSE 0 END"
# An entry says whether it woke the patient: a single cramp by its answer, a night tally by its wakings.
ANSWERED = "(woke_from_sleep IS NOT NULL OR times_woken IS NOT NULL)"
HOUR_USES = DAY_FIGURES.count("{hour}")


def _local_day_and_hour(zone) -> tuple[tuple[str, tuple], tuple[str, tuple]]:
    """The SQL (and parameters) of the local day and hour of an episode's start in the zone, in the database's
    own dialect: what TruncDate and ExtractHour compile to. A fixed-offset zone goes by its offset, as
    there ("Etc/GMT+12" is "-12": the backends read a sign in a name as an offset)."""
    zone_name = zone.tzname(None) or str(zone)
    operations = connection.ops
    return (
        operations.datetime_cast_date_sql("started_at", (), zone_name),
        operations.datetime_extract_sql("hour", "started_at", (), zone_name),
    )


def _as_date(value) -> dt.date:
    """A day as the database returns it (SQLite: as text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def days_stats(patient: User, ranges: list[tuple[dt.date, dt.date]], kind: str = "") -> dict[dt.date, DayStats]:
    """The same for every day of several ranges of days, in one query.

    A night runs from local noon to noon and belongs to the day of its morning, so the entries of the
    afternoon and evening before a range (a night tally's too) count for the night before its first day.

    The statement is written here rather than built by the ORM: it is the one every chart, review and
    report reads, and building it with querysets cost three times what the database takes to run it.
    """
    zone = patient.zone
    days: dict[dt.date, DayStats] = {}
    for first, last in ranges:
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            days[day] = DayStats(day=day)
    spans = _spans(ranges)
    if not spans:
        return days
    operations = connection.ops
    (day_sql, day_params), (hour_sql, hour_params) = _local_day_and_hour(patient.zone)
    figures = DAY_FIGURES.format(hour=hour_sql, woken=WOKEN, answered=ANSWERED)
    of_kind = " AND event_kind = %s" if kind else ""
    arms, params = [], []
    # One SELECT per span of days and one per span's check-ins, joined by UNION ALL into one statement:
    # each is bounded by the (patient, started_at) index, where a single SELECT with the spans joined by OR
    # reads the whole log.
    for arm, (first, last) in enumerate(spans):
        _, end = _bounds(patient, first, last)
        noon_before = dt.datetime.combine(first - dt.timedelta(days=1), NOON, tzinfo=zone)
        # Formatted into the SQL: the backend's own fragments, table names and integers; values are parameters.
        arms.append(
            f"SELECT {day_sql}, {figures}, {arm}, NULL FROM {Episode._meta.db_table}"  # noqa: S608
            f" WHERE patient_id = %s{of_kind} AND started_at >= %s AND started_at < %s GROUP BY 1"
        )
        params += [*day_params, *hour_params * HOUR_USES, patient.pk]
        params += [stored_event_kind(kind)] if kind else []
        params += [operations.adapt_datetimefield_value(moment) for moment in (noon_before, end)]
    for first, last in spans:
        arms.append(
            f"SELECT day, 0, 0, 0, NULL, 0, 0, 0, 0, 0, {CHECKIN_ARM}, status FROM {CheckIn._meta.db_table}"  # noqa: S608
            " WHERE patient_id = %s AND day BETWEEN %s AND %s"
        )
        params += [patient.pk, operations.adapt_datefield_value(first), operations.adapt_datefield_value(last)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        fetched = cursor.fetchall()
    rows: dict[dt.date, list] = {}
    for day, *sums, arm, checkin in fetched:
        day = _as_date(day)
        if arm == CHECKIN_ARM:
            days[day].checkin = checkin
            continue
        first, last = spans[arm]
        # The row of a day before a span holds only the entries of the span's first night (from noon on);
        # when another span holds the whole day, its row is the one kept.
        if first <= day <= last or day not in rows:
            rows[day] = sums
    for day, (cramps, entries, severity_sum, worst, woken, answers, *from_noon) in rows.items():
        late_entries, late_woken, late_answers = from_noon
        if (stats := days.get(day)) is not None:
            stats.cramps, stats.entries, stats.severity_sum, stats.worst = cramps, entries, severity_sum, worst
            stats.night_entries += entries - late_entries
            stats.night_woken += woken - late_woken
            stats.night_answers += answers - late_answers
        if (morning := days.get(day + dt.timedelta(days=1))) is not None:
            morning.night_entries += late_entries
            morning.night_woken += late_woken
            morning.night_answers += late_answers
    return dict(sorted(days.items()))


def _spans(ranges: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The ranges of days joined where they overlap or touch, in order (empty ones left out)."""
    spans: list[tuple[dt.date, dt.date]] = []
    for first, last in sorted(days for days in ranges if days[0] <= days[1]):
        if spans and first <= spans[-1][1] + dt.timedelta(days=1):
            spans[-1] = (spans[-1][0], max(spans[-1][1], last))
        else:
            spans.append((first, last))
    return spans


def day_counts(patient: User, first: dt.date, last: dt.date) -> dict[dt.date, DayStats]:
    """Every local day first..last with its cramps and check-in only (not severity or nights), in one
    light query: what the day strip and the check-in pages show."""
    start, end = _bounds(patient, first, last)
    days = {
        first + dt.timedelta(days=n): DayStats(day=first + dt.timedelta(days=n)) for n in range((last - first).days + 1)
    }
    operations = connection.ops
    (day_sql, day_params), _ = _local_day_and_hour(patient.zone)
    # Formatted in as in days_stats: the backend's own fragments and table names; values are parameters.
    sql = (
        f"SELECT {day_sql}, SUM(CASE WHEN tally_id IS NULL THEN cramp_count ELSE 0 END),"  # noqa: S608
        f" SUM(CASE WHEN tally_id IS NULL THEN 1 ELSE 0 END), NULL FROM {Episode._meta.db_table}"
        " WHERE patient_id = %s AND started_at >= %s AND started_at < %s GROUP BY 1"
        f" UNION ALL SELECT day, 0, 0, status FROM {CheckIn._meta.db_table}"
        " WHERE patient_id = %s AND day BETWEEN %s AND %s"
    )
    params = [*day_params, patient.pk, operations.adapt_datetimefield_value(start)]
    params += [operations.adapt_datetimefield_value(end), patient.pk]
    params += [operations.adapt_datefield_value(first), operations.adapt_datefield_value(last)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for day, cramps, entries, checkin in fetched:
        stats = days[_as_date(day)]
        if checkin is None:
            stats.cramps, stats.entries = cramps, entries
        else:
            stats.checkin = checkin
    return days


def days_between(days: dict[dt.date, DayStats], first: dt.date, last: dt.date) -> dict[dt.date, DayStats]:
    """The days first..last of `days` (which holds them all), in order."""
    return {first + dt.timedelta(days=n): days[first + dt.timedelta(days=n)] for n in range((last - first).days + 1)}


def weeks_of(days: dict[dt.date, DayStats]) -> list[Week]:
    weeks: dict[dt.date, Week] = {}
    for day, stats in sorted(days.items()):
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault(monday, Week(first_day=monday)).days.append(stats)
    return list(weeks.values())


@dataclass
class PeriodEntries:
    """The period's entries, read once through the (patient, started_at) index: their ids (all of them, and
    those that carry the count), and the cramps by the local hour they started. The queries of places and
    terms then look the entries up by id: their cost follows the period, not the length of the whole log
    (a subquery there leaves the planner guessing at the row count)."""

    ids: list[int] = field(default_factory=list)
    counted_ids: list[int] = field(default_factory=list)
    # Cramps by local hour, 0 to 23; and the cramps of night and day tallies, which have no hour of their
    # own, by the kind of tally.
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    untimed: dict[str, int] = field(default_factory=dict)


def _period_entries(patient: User, start: dt.datetime, end: dt.datetime, kind: str = "") -> PeriodEntries:
    entries = PeriodEntries()
    _, (hour_sql, hour_params) = _local_day_and_hour(patient.zone)
    operations = connection.ops
    # Written out like days_stats, which this read follows on every chart page. Formatted in: the backend's
    # own SQL and the table's name; values are parameters.
    sql = (
        f"SELECT id, tally_id, entry_type, cramp_count, {hour_sql} FROM {Episode._meta.db_table}"  # noqa: S608
        " WHERE patient_id = %s AND started_at >= %s AND started_at < %s"
    )
    params = [*hour_params, patient.pk, operations.adapt_datetimefield_value(start)]
    params.append(operations.adapt_datetimefield_value(end))
    if kind:
        sql += " AND event_kind = %s"
        params.append(stored_event_kind(kind))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for pk, tally_id, entry_type, cramps, hour in rows:
        entries.ids.append(pk)
        if tally_id is not None:
            continue
        entries.counted_ids.append(pk)
        if entry_type == EntryType.SINGLE:
            entries.hours[int(hour)] += cramps
        else:
            entries.untimed[entry_type] = entries.untimed.get(entry_type, 0) + cramps
    return entries


@dataclass
class TermCount:
    kind: str
    slug: str
    label: str
    sort_order: int
    relief_effect: str
    cramps: int


def _terms_and_places(patient: User, entries: PeriodEntries) -> tuple[list[TermCount], list[PlaceCount]]:
    """The triggers and relief measures noted on the period's entries, counted by term (and, for relief,
    by how well it worked), and the cramps by body location and side among the entries that carry the
    count (a tally's cramps are where the tally says, its described cramps not again): one statement.

    Both read the entries' rows by the (patient, episode) indexes; a filter on the term's kind would lead
    the planner to read every patient's uses of each term instead. Written here rather than built by the
    ORM, like days_stats, for what building it cost."""
    arms, params = [], []
    episode, term = Episode._meta.db_table, Term._meta.db_table
    if entries.ids:
        among, among_params = ids_condition("link.episode_id", entries.ids)
        arms.append(
            f"SELECT term.kind, term.slug, term.label, term.sort_order, entry.relief_effect, COUNT(*)"  # noqa: S608
            f" FROM {EpisodeTerm._meta.db_table} link JOIN {term} term ON term.id = link.term_id"
            f" JOIN {episode} entry ON entry.id = link.episode_id WHERE link.patient_id = %s AND {among}"
            " GROUP BY term.kind, term.slug, term.label, term.sort_order, entry.relief_effect"
        )
        params += [patient.pk, *among_params]
    if entries.counted_ids:
        among, among_params = ids_condition("link.episode_id", entries.counted_ids)
        arms.append(
            f"SELECT '', term.slug, term.label, 0, link.side, SUM(entry.cramp_count)"  # noqa: S608
            f" FROM {EpisodeLocation._meta.db_table} link JOIN {term} term ON term.id = link.location_id"
            f" JOIN {episode} entry ON entry.id = link.episode_id WHERE link.patient_id = %s AND {among}"
            " GROUP BY term.slug, term.label, link.side"
        )
        params += [patient.pk, *among_params]
    if not arms:
        return [], []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        rows = cursor.fetchall()
    terms = [TermCount(*row) for row in rows if row[0]]
    sides: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"left": 0, "right": 0})
    for _, slug, label, _, side, cramps in (row for row in rows if not row[0]):
        counts = sides[(slug, label)]
        if side in (Side.LEFT, Side.BOTH):
            counts["left"] += cramps
        if side in (Side.RIGHT, Side.BOTH):
            counts["right"] += cramps
    return terms, [PlaceCount(slug, label, counts["left"], counts["right"]) for (slug, label), counts in sides.items()]


def _triggers(term_counts: list[TermCount]) -> list[tuple[str, int]]:
    """The most frequent triggers, "none noticed" left out."""
    triggers: dict[str, int] = defaultdict(int)
    for row in term_counts:
        if row.kind == Term.Kind.TRIGGER and row.slug != "none-noticed":
            triggers[row.label] += row.cramps
    return sorted(triggers.items(), key=lambda item: (-item[1], item[0]))[:TOP_TRIGGERS]


def _relief(term_counts: list[TermCount]) -> list[tuple[str, dict[str, int]]]:
    """Each relief measure with the number of times it worked well, partly, not at all or was not rated."""
    measures: dict[str, dict[str, int]] = {}
    rows = sorted(
        (row for row in term_counts if row.kind == Term.Kind.RELIEF), key=lambda row: (row.sort_order, row.label)
    )
    for row in rows:
        effects = measures.setdefault(row.label, dict.fromkeys(["", *ReliefEffect.values], 0))
        effects[row.relief_effect] += row.cramps
    return list(measures.items())


def window_of(label: str, days: dict[dt.date, DayStats], first: dt.date, last: dt.date, clipped: str = "") -> Window:
    """What the days first..last (all in `days`; none when last < first) add up to."""
    stats = [days[first + dt.timedelta(days=n)] for n in range(max((last - first).days + 1, 0))]
    cramps = sum(day.cramps for day in stats)
    entries = sum(day.entries for day in stats)
    severity = sum(day.severity_sum for day in stats)
    return Window(
        label=label,
        first=first,
        last=last,
        days=len(stats),
        recorded_days=sum(day.recorded for day in stats),
        cramps=cramps,
        mean_severity=round(severity / entries, 1) if entries else None,
        worst_severity=max((day.worst for day in stats if day.worst is not None), default=None),
        nights_answered=sum(day.night_answered for day in stats),
        nights_disturbed=sum(day.night_disturbed for day in stats),
        clipped=clipped,
    )


def _step_windows(steps: list[MedicationStep], index: int, today: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """The 28 days before steps[index] and the 28 from it, each cut at the medicine's neighbouring steps
    (so that each holds one dose) and at today."""
    window = dt.timedelta(days=EFFECT_WINDOW_DAYS)
    day = steps[index].day
    before, before_clipped = day - window, ""
    if index > 0 and steps[index - 1].day > before:
        before, before_clipped = steps[index - 1].day, "previous step"
    after, after_clipped = day + window - dt.timedelta(days=1), ""
    if index + 1 < len(steps) and steps[index + 1].day <= after:
        after, after_clipped = steps[index + 1].day - dt.timedelta(days=1), "next step"
    if after > today:
        after, after_clipped = today, "today"
    return [(before, day - dt.timedelta(days=1), before_clipped), (day, after, after_clipped)]


STEP_VERBS = {
    MedicationStep.Kind.STARTED: "starting",
    MedicationStep.Kind.DOSE_CHANGED: "the dose change",
    MedicationStep.Kind.STOPPED: "stopping",
}


def _window_label(side: str, step: MedicationStep, first: dt.date, last: dt.date) -> str:
    """The window's name, e.g. "28 days before starting" or "6 days after the dose change"."""
    days = max((last - first).days + 1, 0)
    return f"{days} day{'s' if days != 1 else ''} {side} {STEP_VERBS[step.kind]}"


def medications_with_steps(patient: User) -> list[Medication]:
    """The patient's medicines with their steps, in two queries."""
    return list(Medication.objects.for_patient(patient).prefetch_related("steps"))


def medication_courses(
    patient: User, today: dt.date, medications: list[Medication] | None = None
) -> list[tuple[Medication, list[MedicationStep]]]:
    """Each medicine with its steps up to today, in order of its first step; medicines without one left out.
    Two queries (the medicines, and their steps), none when `medications` come from medications_with_steps."""
    if medications is None:
        medications = medications_with_steps(patient)
    courses = [
        (medication, [step for step in medication.timeline() if step.day <= today]) for medication in medications
    ]
    return sorted(((medication, steps) for medication, steps in courses if steps), key=lambda course: course[1][0].day)


class EffectWindows:
    """For each step of each medicine (start, dose change, stop), the days before it against the days after:
    the windows around the steps, whose days are read with the others (days_stats takes several ranges)
    before `effects` adds them up."""

    def __init__(self, courses: list[tuple[Medication, list[MedicationStep]]], today: dt.date):
        self.courses = [
            (medication, [(step, _step_windows(steps, index, today)) for index, step in enumerate(steps)])
            for medication, steps in courses
        ]
        # Only the days of the windows compared: the cost does not grow with how long ago a medicine started.
        self.ranges = [
            (first, last)
            for _, steps in self.courses
            for _, windows in steps
            for first, last, _ in windows
            if first <= last
        ]

    def effects(self, days: dict[dt.date, DayStats]) -> list[MedicationEffect]:
        """`days` holds every day of the windows (and may hold others)."""
        return [
            MedicationEffect(
                medication=medication,
                steps=[
                    StepEffect(
                        step=step,
                        before=window_of(_window_label("before", step, *before[:2]), days, *before),
                        after=window_of(_window_label("after", step, *after[:2]), days, *after),
                    )
                    for step, (before, after) in steps
                ],
            )
            for medication, steps in self.courses
        ]


def steps_of(effects: list[MedicationEffect]) -> list[MedicationStep]:
    """Every step of the medicines in `effects`, in date order."""
    steps = [change.step for effect in effects for change in effect.steps]
    return sorted(steps, key=MedicationStep.sort_key)


def medication_steps(patient: User, today: dt.date) -> list[MedicationStep]:
    """Every step of every medicine up to today, in date order, in two queries."""
    return course_steps(medication_courses(patient, today))


def course_steps(courses: list[tuple[Medication, list[MedicationStep]]]) -> list[MedicationStep]:
    """Every step of the medication courses, in date order."""
    return sorted((step for _, course in courses for step in course), key=MedicationStep.sort_key)


@dataclass(frozen=True)
class TrialStep:
    step: MedicationStep
    # "during the baseline", "between the windows" or "during the treatment window"
    position: str


@dataclass(frozen=True)
class TrialSummary:
    """A baseline window against a treatment window, as trials of cramp treatments report them."""

    baseline: Window
    treatment: Window
    steps: list[TrialStep]


def default_trial_windows(
    steps: list[MedicationStep], today: dt.date
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The 28 days before the latest medication step and the 28 from it (up to today); without any step,
    the 28 days before the last 28 and the last 28."""
    window = dt.timedelta(days=TRIAL_WINDOW_DAYS)
    latest = max((step.day for step in steps if step.day <= today), default=None)
    pivot = latest if latest is not None else today - window + dt.timedelta(days=1)
    return (pivot - window, pivot - dt.timedelta(days=1)), (pivot, min(pivot + window - dt.timedelta(days=1), today))


def trial_summary(
    patient: User,
    baseline: tuple[dt.date, dt.date],
    treatment: tuple[dt.date, dt.date],
    steps: list[MedicationStep],
    days: dict[dt.date, DayStats] | None = None,
) -> TrialSummary:
    """The figures of both windows (from DayStats, in one query unless `days` holds their days already)
    and the medication steps from the first window's start to the second's end."""
    if days is None:
        days = days_stats(patient, [baseline, treatment])
    earlier, later = sorted([baseline, treatment])
    listed = []
    for step in sorted(steps, key=MedicationStep.sort_key):
        if baseline[0] <= step.day <= baseline[1]:
            listed.append(TrialStep(step, "during the baseline"))
        elif treatment[0] <= step.day <= treatment[1]:
            listed.append(TrialStep(step, "during the treatment window"))
        elif earlier[1] < step.day < later[0]:
            listed.append(TrialStep(step, "between the windows"))
    return TrialSummary(
        baseline=window_of("Baseline", days, *baseline),
        treatment=window_of("Treatment", days, *treatment),
        steps=listed,
    )


def insights_for(
    patient: User,
    first: dt.date,
    last: dt.date,
    today: dt.date,
    kind: str = "",
    *,
    courses: list[tuple[Medication, list[MedicationStep]]] | None = None,
    also: list[tuple[dt.date, dt.date]] = (),
) -> Insights:
    """The charts of the local days first..last, of one event kind when `kind` is given (the medicines'
    windows always count every kind).

    `courses` are the medication courses when the caller has read them already; the days of the ranges
    `also` (of every kind) are read with the others and kept in `Insights.days` for the caller (the
    trial-style summary). Without a kind, the period's days are read with the medicines' windows and
    those ranges in one query.
    """
    start, end = _bounds(patient, first, last)
    windows = EffectWindows(courses if courses is not None else medication_courses(patient, today), today)
    ranges = [*windows.ranges, *also]
    if kind:
        days = daily_stats(patient, first, last, kind)
        every_kind = days_stats(patient, ranges) if ranges else {}
    else:
        every_kind = days_stats(patient, [(first, last), *ranges])
        days = days_between(every_kind, first, last)
    entries = _period_entries(patient, start, end, kind)
    term_counts, places = _terms_and_places(patient, entries)
    return Insights(
        start=first,
        end=last,
        weeks=weeks_of(days),
        hours=entries.hours,
        places=places,
        triggers=_triggers(term_counts),
        relief=_relief(term_counts),
        medications=windows.effects(every_kind),
        untimed=entries.untimed,
        kind=kind,
        days=every_kind,
        entry_count=len(entries.ids),
    )
