"""The counting rule, in the one place it is written: which entries are counted, which of them are cramps, and
the sums of their cramps and of the times they woke the patient."""

from django.db import models
from django.db.models.functions import Coalesce

from .entries import EntryType, EventKind, stored_event_kind


def counted(prefix: str = "") -> models.Q:
    """THE counting rule, the one place it is written: every entry counts its `cramp_count` (1 for a
    single cramp, the number for a night or day tally), except a cramp described later as one of a
    tally's (`tally` set), which that tally already counts. `prefix` names a relation, e.g. "last_60__".
    """
    return models.Q(**{f"{prefix}tally__isnull": True})


# What the diary counts as a cramp: an entry the patient called a cramp, or whose kind they did not say (the
# diary logs cramps unless told otherwise). Spasms or stiffness, twitching and "not sure" are counted apart.
CRAMP_KINDS = ("", EventKind.CRAMP)


def counted_kind(kind: str = "", prefix: str = "") -> models.Q:
    """The entries of one event kind (KIND_NOT_SAID: those that do not say); cramps (CRAMP_KINDS) for ""."""
    if not kind:
        return models.Q(**{f"{prefix}event_kind__in": CRAMP_KINDS})
    return models.Q(**{f"{prefix}event_kind": stored_event_kind(kind)})


def cramps_only(prefix: str = "") -> models.Q:
    """The entries whose `cramp_count` is added up as cramps: counted (see `counted`) and of a cramp kind."""
    return counted(prefix) & counted_kind("", prefix)


def cramps_sum(prefix: str = "", condition: models.Q | None = None) -> Coalesce:
    """The number of cramps among the entries (those matching `condition`), 0 when there are none."""
    return Coalesce(models.Sum(f"{prefix}cramp_count", filter=cramps_only(prefix) & (condition or models.Q())), 0)


def woke_not_said_count(prefix: str = "", condition: models.Q | None = None) -> models.Count:
    """The entries among those times_woken_sum adds up (a day tally aside, which does not ask) that do not say
    whether a cramp woke the patient: their 0 in times_woken_sum is not recorded, not a no."""
    not_said = models.Q(**{f"{prefix}times_woken__isnull": True, f"{prefix}woke_from_sleep__isnull": True}) & ~models.Q(
        **{f"{prefix}entry_type": EntryType.DAY}
    )
    return models.Count(f"{prefix}id", filter=cramps_only(prefix) & not_said & (condition or models.Q()))


def times_woken_sum(prefix: str = "", condition: models.Q | None = None) -> Coalesce:
    """How often cramps woke the patient: a tally's `times_woken`, one for a single cramp marked "woke me
    from sleep"; counted like the cramps (a tally's described cramps are in its own figure)."""
    woken = models.Case(
        models.When(**{f"{prefix}times_woken__isnull": False}, then=models.F(f"{prefix}times_woken")),
        models.When(**{f"{prefix}woke_from_sleep": True}, then=models.Value(1)),
        default=models.Value(0),
    )
    return Coalesce(models.Sum(woken, filter=cramps_only(prefix) & (condition or models.Q())), 0)
