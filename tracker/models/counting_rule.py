"""The counting rule, in the one place it is written: which entries are counted, which of them are cramps, and
the sum of their cramps (an entry's own share, and the times its cramps woke the patient: Episode.counted_cramps,
Episode.wakings)."""

from django.db import models
from django.db.models.functions import Coalesce

from .entries import EventKind, stored_event_kind


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
