"""What the charts show: a patient's cramps over a period, aggregated in the database.

One implementation for the patient's /insights/ and the clinician's review. The
number of queries is fixed whatever the number of episodes (about ten).

Days, cramps and severity are counted by the one rule of tracker.counting (cramps, not entries, and not
spasms or twitches; the mean severity is that of each day's worst). Triggers, symptoms and relief are noted
on single cramps only (a tally has none), so those charts count every single cramp, described ones too.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)

from accounts.models import User
from tracker.counting import (
    DayStats,
    Week,
    Window,
    counted_day,
    days_between,
    days_stats,
    weeks_of,
    window_of,
)
from tracker.models import (
    KIND_NOT_SAID,
    LOCAL_DAY,
    LOCAL_HOUR,
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
    counted_kind,
)

DEFAULT_WEEKS = 26
NIGHT_HOURS = {22, 23, 0, 1, 2, 3, 4, 5}
TOP_TRIGGERS = 8
EFFECT_WINDOW_DAYS = 28


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
    # The triggers, symptoms and relief noted on the period's entries of the kind counted (cramps by default,
    # described ones too), by day: what tracker.insights.factors compares.
    term_days: list["TermDay"] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(week.cramps for week in self.weeks)

    @property
    def entries(self) -> int:
        return sum(week.entries for week in self.weeks)

    def _other(self, kind: str) -> int:
        return sum(getattr(day, kind) for week in self.weeks for day in week.days)

    @property
    def spasms(self) -> int:
        return self._other("spasms")

    @property
    def twitches(self) -> int:
        return self._other("twitches")

    @property
    def unsure(self) -> int:
        return self._other("unsure")

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
        return any(day.state != "unrecorded" for week in self.weeks for day in week.days)


def default_period(patient: User, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Whole weeks (Monday to Sunday) up to and including today, from the week of the patient's first recorded
    day (their first entry, check-in or medicine step, in one query), and at most the last 26: a patient who
    started yesterday sees their days, not half a year of empty charts."""
    today = today or patient.local_day(dt.datetime.now(dt.UTC))
    monday = today - dt.timedelta(days=today.weekday())
    earliest = monday - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    first_day = (
        User.objects.filter(pk=patient.pk)
        .annotate(
            first_entry=Subquery(
                Episode.objects.filter(patient=OuterRef("pk")).order_by("started_at").values(day=LOCAL_DAY)[:1]
            ),
            first_checkin=Subquery(CheckIn.objects.filter(patient=OuterRef("pk")).order_by("day").values("day")[:1]),
            first_step=Subquery(
                MedicationStep.objects.filter(patient=OuterRef("pk")).order_by("day").values("day")[:1]
            ),
        )
        .values_list("first_entry", "first_checkin", "first_step")
        .get()
    )
    recorded = [day for day in first_day if day is not None]
    if not recorded:
        return monday, today
    first = min(min(recorded), today)
    return max(earliest, first - dt.timedelta(days=first.weekday())), today


@dataclass
class PeriodEntries:
    """The period's entries, read once through the (patient, started_at) index: their ids (all of them, as the
    review's table lists them), those of the kind counted (cramps by default, described ones too) and those
    that carry the count, and the cramps by the local hour they started. The queries of places and terms then
    look the entries up by id: their cost follows the period, not the length of the whole log."""

    ids: list[int] = field(default_factory=list)
    chosen_ids: list[int] = field(default_factory=list)
    counted_ids: list[int] = field(default_factory=list)
    # Cramps by local hour, 0 to 23; and the cramps of night and day tallies, which have no hour of their
    # own, by the kind of tally.
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    untimed: dict[str, int] = field(default_factory=dict)


def _period_entries(patient: User, first: dt.date, last: dt.date, kind: str = "") -> PeriodEntries:
    entries = PeriodEntries()
    rows = (
        Episode.objects.for_patient(patient)
        .on_local_days(first, last)
        .of_kind(kind)
        .annotate(
            hour=LOCAL_HOUR,
            chosen=ExpressionWrapper(counted_kind(kind), output_field=BooleanField()),
        )
        .values_list("id", "tally_id", "entry_type", "cramp_count", "hour", "chosen")
        .order_by()
    )
    for pk, tally_id, entry_type, cramps, hour, chosen in rows:
        entries.ids.append(pk)
        if not chosen:
            continue
        entries.chosen_ids.append(pk)
        if tally_id is not None:
            continue
        entries.counted_ids.append(pk)
        if entry_type == EntryType.SINGLE:
            entries.hours[hour] += cramps
        else:
            entries.untimed[entry_type] = entries.untimed.get(entry_type, 0) + cramps
    return entries


class TermDay(NamedTuple):
    """A trigger, symptom or relief measure noted on the period's entries of the kind counted, on one local day
    (counting.counted_day: a described cramp's on its tally's day), with how well relief worked: on how many
    entries."""

    day: dt.date
    kind: str
    slug: str
    label: str
    sort_order: int
    relief_effect: str
    entries: int


def _terms_and_places(patient: User, entries: PeriodEntries) -> tuple[list[TermDay], list[PlaceCount]]:
    """The triggers, symptoms and relief measures noted on the period's entries, by local day, term and (for
    relief) how well it worked, which the charts add up and tracker.insights.factors compares day by day; and the
    cramps by body location and side among the entries that carry the count (a tally's cramps are where the
    tally says, its described cramps not again): one statement.

    Both read the entries' rows by the (patient, episode) indexes, the entries given as one list (`any_of`); a
    filter on the term's kind would lead the planner to read every patient's uses of each term instead."""
    if not entries.chosen_ids:
        return [], []
    terms = (
        EpisodeTerm.objects.filter(patient=patient, episode__any_of=entries.chosen_ids)
        .annotate(day=counted_day("episode__"))
        .values("day", "term__kind", "term__slug", "term__label", "term__sort_order", "episode__relief_effect")
        .annotate(entries=Count("pk"))
        .values_list(
            "day", "term__kind", "term__slug", "term__label", "term__sort_order", "episode__relief_effect", "entries"
        )
        .order_by()
    )
    # The entries counted are among those chosen: when there are none, the places are not read.
    if entries.counted_ids:
        places = (
            EpisodeLocation.objects.filter(patient=patient, episode__any_of=entries.counted_ids)
            .values("location__slug", "location__label", "side")
            .annotate(
                day=Value(None, output_field=DateField()),
                kind=Value("", output_field=CharField()),
                sort_order=Value(0, output_field=IntegerField()),
                cramps=Sum("episode__cramp_count"),
            )
            .values_list("day", "kind", "location__slug", "location__label", "sort_order", "side", "cramps")
            .order_by()
        )
        terms = terms.union(places, all=True)
    rows = list(terms)
    term_days = [TermDay._make(row) for row in rows if row[1]]
    sides: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"left": 0, "right": 0})
    for _, _, slug, label, _, side, cramps in (row for row in rows if not row[1]):
        counts = sides[(slug, label)]
        if side in (Side.LEFT, Side.BOTH):
            counts["left"] += cramps
        if side in (Side.RIGHT, Side.BOTH):
            counts["right"] += cramps
    return term_days, [
        PlaceCount(slug, label, counts["left"], counts["right"]) for (slug, label), counts in sides.items()
    ]


def _triggers(term_days: list[TermDay]) -> list[tuple[str, int]]:
    """The most frequent triggers, "none noticed" left out."""
    triggers: dict[str, int] = defaultdict(int)
    for row in term_days:
        if row.kind == Term.Kind.TRIGGER and row.slug != "none-noticed":
            triggers[row.label] += row.entries
    return sorted(triggers.items(), key=lambda item: (-item[1], item[0]))[:TOP_TRIGGERS]


def _relief(term_days: list[TermDay]) -> list[tuple[str, dict[str, int]]]:
    """Each relief measure with the number of times it worked well, partly, not at all or was not rated."""
    measures: dict[str, dict[str, int]] = {}
    rows = sorted(
        (row for row in term_days if row.kind == Term.Kind.RELIEF), key=lambda row: (row.sort_order, row.label)
    )
    for row in rows:
        if row.label not in measures:
            measures[row.label] = dict.fromkeys(["", *ReliefEffect.values], 0)
        measures[row.label][row.relief_effect] += row.entries
    return list(measures.items())


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
    windows always count cramps).

    `courses` are the medication courses when the caller has read them already; the days of the ranges
    `also` (cramps) are read with the others and kept in `Insights.days` for the caller (the
    trial-style summary). Without a kind, the period's days are read with the medicines' windows and
    those ranges in one query.
    """
    windows = EffectWindows(courses if courses is not None else medication_courses(patient, today), today)
    ranges = [*windows.ranges, *also]
    if kind:
        days = days_stats(patient, [(first, last)], kind)
        cramps = days_stats(patient, ranges) if ranges else {}
    else:
        cramps = days_stats(patient, [(first, last), *ranges])
        days = days_between(cramps, first, last)
    entries = _period_entries(patient, first, last, kind)
    term_days, places = _terms_and_places(patient, entries)
    return Insights(
        start=first,
        end=last,
        weeks=weeks_of(days),
        hours=entries.hours,
        places=places,
        triggers=_triggers(term_days),
        relief=_relief(term_days),
        medications=windows.effects(cramps),
        untimed=entries.untimed,
        kind=kind,
        days=cramps,
        entry_count=len(entries.ids),
        term_days=term_days,
    )
