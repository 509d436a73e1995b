"""The rules of "What seems to matter" (tracker.insights.factors): one table, the only place they are written.

The insights page and the visit report read it: the thresholds below which a trigger or a relief measure is not
shown, and the caveats shown with the figures, each with its source. The caveats inform and point to a
clinician; they never tell anyone to stop or start anything, never diagnose and never name a dose.
"""

from dataclasses import dataclass

from tracker.models import ReliefEffect, Term

# A trigger is compared when it was noted on at least this many days with cramps, and not noted on at least
# this many other days with cramps; a relief measure is shown when it was tried on at least MIN_DAYS_WITH days.
MIN_DAYS_WITH = 5
MIN_DAYS_WITHOUT = 5
# How often a relief measure eased the cramp is given when at least this many of its tries say how well
# relief worked.
MIN_RATED_TRIES = 5
# The answers to "how well did relief work" that count as eased.
EASED = frozenset({ReliefEffect.A_LOT, ReliefEffect.COMPLETELY})
# Shown instead of the figures of triggers, or of relief, when none reaches its threshold.
NOT_ENOUGH_DAYS = {
    Term.Kind.TRIGGER: f"Not enough days yet. A trigger is compared once it was noted on at least {MIN_DAYS_WITH} "
    f"days with cramps and not noted on at least {MIN_DAYS_WITHOUT} others.",
    Term.Kind.RELIEF: "Not enough days yet. Something tried for relief is shown once it was tried on at least "
    f"{MIN_DAYS_WITH} days with cramps.",
}
# Items of the vocabularies that name no factor: "none noticed" and "nothing helped".
NOT_A_FACTOR = frozenset({(Term.Kind.TRIGGER, "none-noticed"), (Term.Kind.RELIEF, "nothing-helped")})

MACLURE = (
    "Maclure M, The case-crossover design: a method for studying transient effects on the risk of acute events, "
    "Am J Epidemiol 1991;133(2):144-153 (doi 10.1093/oxfordjournals.aje.a115853)"
)
TURNER = (
    "Turner DP, Smitherman TA, Martin VT, Penzien DB, Houle TT, Causality and headache triggers, "
    "Headache 2013;53(4):628-635 (doi 10.1111/head.12076)"
)
HOULE = (
    "Houle TT, Turner DP, Natural experimentation is a challenging method for identifying headache triggers, "
    "Headache 2013;53(4):636-643 (doi 10.1111/head.12075)"
)
AHRQ = (
    "Kravitz RL, Duan N, eds, Design and Implementation of N-of-1 Trials: A User's Guide, Agency for Healthcare "
    "Research and Quality, 2014 (effectivehealthcare.ahrq.gov/products/n-1-trials/research-2014-5)"
)
KATZBERG = "Katzberg HD, Neurogenic muscle cramps, J Neurol 2015 (doi 10.1007/s00415-015-7659-x)"


@dataclass(frozen=True)
class FactorRule:
    """One rule: what it is about (triggers, relief, or both when ""), the words shown with the figures, and
    where it comes from."""

    key: str
    about: str
    words: str
    source: str


RULES = (
    FactorRule(
        key="cramp-days-only",
        about=Term.Kind.TRIGGER,
        words="Triggers are noted on cramps, so a day without cramps cannot show them. Only days with cramps are "
        "compared.",
        source=f"{MACLURE}; {TURNER}",
    ),
    FactorRule(
        key="enough-days",
        about=Term.Kind.TRIGGER,
        words=f"A trigger is shown when it was noted on at least {MIN_DAYS_WITH} days with cramps and not on at "
        f"least {MIN_DAYS_WITHOUT}. With fewer days, chance alone can make a big difference.",
        source=f"{HOULE}; {AHRQ}; the minimum of {MIN_DAYS_WITH} days is CrampApp's own",
    ),
    FactorRule(
        key="together-not-cause",
        about=Term.Kind.TRIGGER,
        words="The figures show what came together, not what caused what. Something else on those days may "
        "explain a difference. And a day with more cramps has more chances for a trigger to be noted.",
        source=f"{TURNER}; {HOULE}",
    ),
    FactorRule(
        key="enough-tries",
        about=Term.Kind.RELIEF,
        words=f"Relief is shown when it was tried on at least {MIN_DAYS_WITH} days. How often the cramp eased is "
        f"shown when at least {MIN_RATED_TRIES} tries say how well it worked.",
        source=f"{AHRQ}; the minimums are CrampApp's own",
    ),
    FactorRule(
        key="cramps-ease-anyway",
        about=Term.Kind.RELIEF,
        words="Most cramps ease by themselves within minutes, so a cramp may have eased anyway. If several things "
        "were tried on one cramp, one answer covers them all.",
        source=KATZBERG,
    ),
    FactorRule(
        key="talk-it-over",
        about="",
        words="These figures are something to talk over with a clinician. They are not a finding or a diagnosis.",
        source=AHRQ,
    ),
)
