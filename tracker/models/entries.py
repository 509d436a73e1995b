"""What a diary entry is made of: the limits of its fields and its choices (side, relief, a single cramp or a
tally, the kind of event); and the largest id a posted form may name."""

from django.db import models

MAX_DURATION_SECONDS = 24 * 60 * 60
MAX_NOTES_LENGTH = 2000
SEVERITY_MIN, SEVERITY_MAX = 0, 10
# Largest primary key a database integer holds; a bigger posted id is tampering (and overflows SQLite).
MAX_ID = 2**63 - 1


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"


class ReliefEffect(models.TextChoices):
    NOT_AT_ALL = "none", "Not at all"
    A_LITTLE = "little", "A little"
    A_LOT = "lot", "A lot"
    COMPLETELY = "complete", "Completely"


class EntryType(models.TextChoices):
    """One cramp, or a tally of several: "last night, 4 cramps" (or "today, 6 cramps")."""

    SINGLE = "single", "Single cramp"
    NIGHT = "night", "Night tally"
    DAY = "day", "Day tally"


class EventKind(models.TextChoices):
    """What the patient felt, in their words; optional, and never a diagnosis."""

    CRAMP = "cramp", "Cramp"
    SPASM = "spasm", "Spasm or stiffness"
    TWITCH = "twitch", "Twitching (fasciculations)"
    UNSURE = "unsure", "Not sure"


# The event-kind filter's value for entries that do not say what kind they were.
KIND_NOT_SAID = "none"
MAX_TALLY_CRAMPS = 200
TALLY_TYPES = (EntryType.NIGHT, EntryType.DAY)


def stored_event_kind(kind: str) -> str:
    """The event_kind column's value for a kind chosen in a filter (KIND_NOT_SAID: entries that do not say)."""
    return "" if kind == KIND_NOT_SAID else kind
