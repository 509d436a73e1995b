"""What seems to matter: for each trigger and each relief measure the patient notes often enough, what the days
with it looked like. One function for /insights/ and the visit report, so that both show the same figures.

Days and cramps are the insights' own (tracker.counting): local days (each entry's in the zone it happened in),
recorded days only (a day nobody recorded is never a day without cramps), cramps by the one rule (not spasms or
twitches, a tally's cramps once). A trigger or relief measure belongs to the day its entry's cramps are counted
on (counting.counted_day: a cramp described as one of a tally's, on its tally's day). With another kind of
event than cramps chosen on the page, nothing is computed: the figures and their words are about cramps.

Triggers are compared on days with cramps only. The diary notes a trigger on a logged cramp; a day checked in
as cramp-free says nothing of triggers. Set against every recorded day, a day with a trigger would always have
a cramp and the other days would hold all the cramp-free ones, so every trigger would look as if it mattered.
So the figure is, among the days with cramps, the cramps a day on those the trigger was noted on against the
cramps a day on the others, each with its number of days. A bias remains, and the caveat names it: a day with
more cramps has more chances for a trigger to be noted.

Relief is not compared at all. It is noted on the cramp it was tried on, after the cramp began, so it cannot
have brought the cramp on, and days "without" it are no fair comparison either. What is honest to show is how
it was used and how it went: on how many days with cramps, and on what share of them, it was tried; and, of the
tries that say how well relief worked, how many eased a lot or completely, in the patient's own rating. Cramps
ease by themselves within minutes, and one answer covers everything tried on a cramp: the caveats say so.

The thresholds and the words shown with the figures, with their sources, are in tracker.insights.factor_rules. The
figures cost no query of their own: the insights read the period's entries' triggers and relief by day, in the
statement that counts them for the charts, whatever the number of days or terms.
"""

import datetime as dt
from dataclasses import dataclass, field

from tracker.insights.factor_rules import (
    EASED,
    MIN_DAYS_WITH,
    MIN_DAYS_WITHOUT,
    MIN_RATED_TRIES,
    NOT_A_FACTOR,
    NOT_ENOUGH_DAYS,
    RULES,
    FactorRule,
)
from tracker.insights.figures import Insights, TermDay
from tracker.models import CRAMP_KINDS, Term, stored_event_kind


def _per_day(cramps: int, days: int) -> float:
    return round(cramps / days, 1)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole)


@dataclass(frozen=True)
class TriggerComparison:
    """Among the days with cramps: those a trigger was noted on, and the others."""

    label: str
    days_with: int
    cramps_with: int
    days_without: int
    cramps_without: int

    @property
    def rate_with(self) -> float:
        """Cramps a day on the days with cramps it was noted on."""
        return _per_day(self.cramps_with, self.days_with)

    @property
    def rate_without(self) -> float:
        """Cramps a day on the other days with cramps."""
        return _per_day(self.cramps_without, self.days_without)


@dataclass(frozen=True)
class ReliefUse:
    """How often something was tried for relief, and how often the patient said the cramp eased after it."""

    label: str
    days: int
    cramp_days: int
    tries: int
    rated: int
    eased: int

    @property
    def day_share(self) -> int:
        """Percentage of the days with cramps it was tried on."""
        return _percent(self.days, self.cramp_days)

    @property
    def eased_share(self) -> int | None:
        """Percentage of the rated tries after which the cramp eased a lot or completely; None below
        MIN_RATED_TRIES ratings."""
        return _percent(self.eased, self.rated) if self.rated >= MIN_RATED_TRIES else None


@dataclass
class _Noted:
    """One trigger or relief measure as the period's entries noted it: on which days, on how many entries, how
    many of those say how well relief worked and how many of them eased."""

    kind: str
    label: str
    sort_order: int
    days: set[dt.date] = field(default_factory=set)
    tries: int = 0
    rated: int = 0
    eased: int = 0


@dataclass(frozen=True)
class Factors:
    # Whether the figures count cramps: the page's kind of event is cramps (or one kind of them).
    counts_cramps: bool
    # The recorded days with a cramp: the days compared.
    cramp_days: int = 0
    triggers: list[TriggerComparison] = field(default_factory=list)
    relief: list[ReliefUse] = field(default_factory=list)
    # Triggers and relief measures noted in the period, but on too few days to be shown.
    held_back_triggers: int = 0
    held_back_relief: int = 0

    @property
    def rules(self) -> list[FactorRule]:
        """The words shown with the figures: those about triggers when a trigger is shown, those about relief when
        relief is, and those about both when either is."""
        shown = {Term.Kind.TRIGGER: bool(self.triggers), Term.Kind.RELIEF: bool(self.relief)}
        return [rule for rule in RULES if shown.get(rule.about, any(shown.values()))]

    @property
    def not_enough_trigger_days(self) -> str:
        return NOT_ENOUGH_DAYS[Term.Kind.TRIGGER]

    @property
    def not_enough_relief_days(self) -> str:
        return NOT_ENOUGH_DAYS[Term.Kind.RELIEF]

    @property
    def min_rated_tries(self) -> int:
        return MIN_RATED_TRIES


def _noted(term_days: list[TermDay], cramp_days: set[dt.date]) -> dict[tuple[str, str], _Noted]:
    """The triggers and relief measures of the entries, on the days with cramps, by (kind, slug)."""
    noted: dict[tuple[str, str], _Noted] = {}
    for row in term_days:
        if row.kind not in (Term.Kind.TRIGGER, Term.Kind.RELIEF) or (row.kind, row.slug) in NOT_A_FACTOR:
            continue
        if row.day not in cramp_days:
            continue
        item = noted.setdefault((row.kind, row.slug), _Noted(row.kind, row.label, row.sort_order))
        item.days.add(row.day)
        item.tries += row.entries
        item.rated += row.entries if row.relief_effect else 0
        item.eased += row.entries if row.relief_effect in EASED else 0
    return noted


def factors_for(insights: Insights) -> Factors:
    """What seems to matter over the insights' period: its days, and its entries' triggers and relief by day, as
    the insights read them (no query of its own). Nothing when the insights count another kind of event than
    cramps."""
    if stored_event_kind(insights.kind) not in CRAMP_KINDS:
        return Factors(counts_cramps=False)
    days = {stats.day: stats for week in insights.weeks for stats in week.days}
    cramp_days = {day for day, stats in days.items() if stats.cramps}
    noted = sorted(
        _noted(insights.term_days, cramp_days).values(),
        key=lambda item: (-len(item.days), item.sort_order, item.label),
    )
    triggers, relief = [], []
    held_back = {Term.Kind.TRIGGER: 0, Term.Kind.RELIEF: 0}
    for item in noted:
        without = cramp_days - item.days
        if item.kind == Term.Kind.TRIGGER and len(item.days) >= MIN_DAYS_WITH and len(without) >= MIN_DAYS_WITHOUT:
            triggers.append(
                TriggerComparison(
                    label=item.label,
                    days_with=len(item.days),
                    cramps_with=sum(days[day].cramps for day in item.days),
                    days_without=len(without),
                    cramps_without=sum(days[day].cramps for day in without),
                )
            )
        elif item.kind == Term.Kind.RELIEF and len(item.days) >= MIN_DAYS_WITH:
            relief.append(ReliefUse(item.label, len(item.days), len(cramp_days), item.tries, item.rated, item.eased))
        else:
            held_back[item.kind] += 1
    return Factors(
        counts_cramps=True,
        cramp_days=len(cramp_days),
        triggers=triggers,
        relief=relief,
        held_back_triggers=held_back[Term.Kind.TRIGGER],
        held_back_relief=held_back[Term.Kind.RELIEF],
    )
