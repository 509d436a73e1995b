"""Warning signs in a patient's entries that mean: talk to a clinician soon (or get urgent care)."""

from dataclasses import dataclass

from .models import Episode

# Accompanying symptoms that can mean a nerve or muscle problem needs checking.
RED_FLAG_SYMPTOMS = {
    "weakness": "New or increasing weakness",
    "muscle-wasting": "Muscle wasting (a muscle getting smaller)",
    "twitching": "Twitching under the skin",
    "numbness-tingling": "Numbness or tingling, especially if it spreads",
    "swelling-redness": "Swelling or redness",
}
# Swelling and redness of the leg can be a blood clot (deep vein thrombosis).
CLOT_SIGN = "swelling-redness"
LEG_LOCATIONS = {"calf", "shin", "foot-toes", "thigh-front", "hamstring"}
SEVERE_FROM = 8
LONG_AFTER_SECONDS = 10 * 60
RISE_WINDOW_DAYS = 14
RISE_MINIMUM = 4


@dataclass(frozen=True)
class RedFlags:
    reasons: list[str]
    urgent: bool

    def __bool__(self) -> bool:
        return bool(self.reasons)


def red_flags_for(episode: Episode) -> RedFlags:
    """The warning signs in one entry; expects its locations and tags prefetched."""
    symptoms = {term.slug for term in episode.symptoms}
    reasons = [label for slug, label in RED_FLAG_SYMPTOMS.items() if slug in symptoms]
    if (
        episode.severity >= SEVERE_FROM
        and episode.duration_seconds is not None
        and episode.duration_seconds > LONG_AFTER_SECONDS
    ):
        reasons.append(f"A severe cramp ({episode.severity} out of 10) that lasted more than 10 minutes")
    places = {place.location.slug for place in episode.places}
    urgent = CLOT_SIGN in symptoms and bool(places & LEG_LOCATIONS)
    return RedFlags(reasons=reasons, urgent=urgent)


@dataclass(frozen=True)
class Rise:
    recent: int
    previous: int
    days: int = RISE_WINDOW_DAYS


def rise_of(recent: int, previous: int) -> Rise | None:
    """A rise worth a clinician's attention, from the cramps of the last 14 days and of the 14 before: at
    least twice as many, and at least 4 of them. None otherwise."""
    if recent >= RISE_MINIMUM and recent >= 2 * previous:
        return Rise(recent=recent, previous=previous)
    return None
