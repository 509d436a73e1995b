"""Night and day tallies ("last night: 4 cramps, the worst 7/10"), and single cramps logged inside them.

Every local moment belongs to one night (20:00 to 08:00 the next morning, named by the evening's date)
or one day (08:00 to 20:00), on the clock of the zone the entry is in (Episode.time_zone). A single cramp
inside the night or day of a tally is either one of the tally's cramps (linked to it, so that it is not
counted again) or a cramp on top of them: the patient chooses, and is asked whenever it is not clear.
"""

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count

from accounts.models import User
from crampapp.dates import when
from tracker.models import CRAMP_KINDS, TALLY_TYPES, EntryType, Episode

NIGHT_FROM = dt.time(20)
DAY_FROM = dt.time(8)


class Overlap(models.TextChoices):
    """The patient's answer when single cramps and a tally share a night (or a day)."""

    PART = "part", "Count them as part of the tally"
    SEPARATE = "separate", "Count them separately"


# Not yet answered: whoever logs is asked when there is an overlap.
ASK = ""
# No one to ask (a cramp kept offline and sent later): one of the tally's cramps while the tally has
# room for it, otherwise counted on its own. The patient can change it on the entry's edit page.
AUTO = "auto"


def slot_bounds(zone: dt.tzinfo, entry_type: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """When the night of the evening `day` (or the day `day`) starts and ends, in `zone`."""
    if entry_type == EntryType.NIGHT:
        start = dt.datetime.combine(day, NIGHT_FROM, tzinfo=zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), DAY_FROM, tzinfo=zone)
    else:
        start = dt.datetime.combine(day, DAY_FROM, tzinfo=zone)
        end = dt.datetime.combine(day, NIGHT_FROM, tzinfo=zone)
    return start, end


def slot_of(zone: dt.tzinfo, moment: dt.datetime) -> tuple[str, dt.date]:
    """The night or day of `zone` that `moment` falls in: (EntryType.NIGHT or DAY, its date)."""
    local = moment.astimezone(zone)
    if local.time() < DAY_FROM:
        return EntryType.NIGHT, local.date() - dt.timedelta(days=1)
    if local.time() < NIGHT_FROM:
        return EntryType.DAY, local.date()
    return EntryType.NIGHT, local.date()


def slot_key(entry_type: str, day: dt.date) -> str:
    """Names a night or day in a form, so that an answer about one is not taken for another."""
    return f"{entry_type}:{day.isoformat()}"


def slot_label(entry_type: str, day: dt.date) -> str:
    """ "the night of Mon 5 Mar" or "the day of Mon 5 Mar"."""
    word = "night" if entry_type == EntryType.NIGHT else "day"
    return f"the {word} of {when(day, 'weekday')}"


def tally_of_slot(patient: User, entry_type: str, day: dt.date) -> Episode | None:
    return Episode.objects.for_patient(patient).filter(entry_type=entry_type, tally_date=day).first()


def same_kind(kind: str, other: str) -> bool:
    """Whether entries of these event kinds can be one event, counted once: a cramp described as one of a
    tally's is of the tally's kind (a cramp and an entry that does not say what it was are both cramps,
    CRAMP_KINDS). A spasm is never one of a tally of cramps, nor a cramp one of a tally of spasms: counted in
    it, it would be counted as neither."""
    return kind == other or (kind in CRAMP_KINDS and other in CRAMP_KINDS)


def tally_covering(patient: User, moment: dt.datetime, zone: dt.tzinfo) -> Episode | None:
    """The patient's tally for the night or day of `zone` that `moment` falls in, if there is one."""
    return tally_of_slot(patient, *slot_of(zone, moment))


def singles_in_slot(patient: User, tally: Episode):
    """The single cramps logged in the tally's night or day (in its zone), oldest first."""
    start, end = slot_bounds(tally.zone, tally.entry_type, tally.tally_date)
    return (
        Episode.objects.for_patient(patient)
        .filter(entry_type=EntryType.SINGLE)
        .in_period(start, end)
        .prefetch_related("locations__location")
        .order_by("started_at")
    )


class OverlapNeedsChoice(ValidationError):
    """A single cramp inside a tally's night, or a tally over single cramps: how should they be counted?

    `tally` is the tally a single cramp falls in; `singles` the cramps already logged in a new tally's night.
    """

    def __init__(self, *, tally: Episode | None = None, singles: list[Episode] = (), entry_type: str = ""):
        if tally is not None:
            counted = f"{tally.cramp_count} cramp{'s' if tally.cramp_count != 1 else ''}"
            message = f"You already counted {counted} for {slot_label(tally.entry_type, tally.tally_date)}. "
            message += "Is this one of them?"
        else:
            logged = f"{len(singles)} cramp{'s' if len(singles) != 1 else ''}"
            period = "night" if entry_type == EntryType.NIGHT else "day"
            message = f"You logged {logged} one by one in this {period}. Are they among the cramps of this tally?"
        super().__init__({"overlap": [ValidationError(message, code="overlap")]})
        self.tally = tally
        self.singles = list(singles)


def _room_left(tally: Episode, leaving: Episode | None = None) -> int:
    described = tally.details.exclude(pk=leaving.pk if leaving else None).count()
    return tally.cramp_count - described


def _wakings_described(tally: Episode, leaving: Episode | None = None) -> int:
    """The tally's cramps described one by one that say they woke the patient."""
    return tally.details.exclude(pk=leaving.pk if leaving else None).filter(woke_from_sleep=True).count()


def tally_for_single(
    patient: User,
    started_at: dt.datetime,
    severity: int,
    overlap: str,
    *,
    zone: dt.tzinfo,
    event_kind: str,
    episode: Episode | None = None,
    woke: bool | None = None,
) -> Episode | None:
    """The tally that a single cramp starting at `started_at` (in `zone`) is one of, by the patient's `overlap`
    answer.

    None when no tally covers that time, the tally counts another kind of event (same_kind), the tally was saved
    before the cramp began (unless the patient says it is one of its cramps), or the cramp counts separately.
    Raises OverlapNeedsChoice when the patient has not answered (a cramp already linked to the covering tally
    keeps its link), and ValidationError when every cramp of the tally is described already, this one was
    worse than the tally's worst, or it woke the patient (`woke`) more often than the tally says cramps did.
    """
    tally = tally_covering(patient, started_at, zone)
    if tally is None or not same_kind(tally.event_kind, event_kind):
        return None
    linked = episode is not None and episode.tally_id == tally.pk
    if overlap in (ASK, AUTO) and started_at > tally.created_at and not linked:
        # The tally was written before this cramp began: it cannot be one of those it counted.
        return None
    if overlap == ASK:
        if episode is None or episode.tally_id != tally.pk:
            raise OverlapNeedsChoice(tally=tally)
    elif overlap == Overlap.SEPARATE:
        return None
    label = slot_label(tally.entry_type, tally.tally_date)
    problem = None
    if _room_left(tally, leaving=episode) < 1:
        problem = (
            f"Your tally for {label} counts {tally.cramp_count} cramps, and all of them are described already. "
            "Count this one separately, or raise the tally's count first."
        )
    elif severity > tally.severity:
        problem = (
            f"This cramp ({severity} out of 10) was worse than the worst of your tally for {label} "
            f"({tally.severity}). Count it separately, or raise the tally's worst first."
        )
    elif woke and tally.times_woken is not None and _wakings_described(tally, leaving=episode) >= tally.times_woken:
        times = tally.times_woken
        said = f"cramps woke you {times} time{'s' if times != 1 else ''}" if times else "no cramp woke you"
        problem = (
            f"Your tally for {label} says {said}, and this cramp woke you. Count it separately, or change how "
            "often cramps woke you on the tally first."
        )
    if problem is None:
        return tally
    if overlap == AUTO:
        return None
    raise ValidationError({"overlap": problem})


def singles_for_tally(patient: User, tally: Episode, overlap: str) -> list[Episode]:
    """The single cramps of the tally's night or day to link to it now, by the patient's `overlap` answer.

    `tally` holds the new values (and its id, once stored); entries of another kind of event (same_kind) are
    not among its cramps. Raises OverlapNeedsChoice when cramps not yet linked share its night and the patient
    has not answered, and ValidationError when the tally would count fewer cramps than it includes, or another
    kind of event than the cramps described as its own.
    """
    singles = list(singles_in_slot(patient, tally))
    other_kind = [
        single
        for single in singles
        if tally.pk is not None and single.tally_id == tally.pk and not same_kind(single.event_kind, tally.event_kind)
    ]
    if other_kind:
        described = "1 entry it counts is" if len(other_kind) == 1 else f"{len(other_kind)} entries it counts are"
        raise ValidationError(
            {
                "event_kind": f"{described} described one by one as another kind of event. Count them separately "
                "first (on their own pages), then change what this tally counts."
            }
        )
    singles = [single for single in singles if same_kind(single.event_kind, tally.event_kind)]
    linked = [single for single in singles if tally.pk is not None and single.tally_id == tally.pk]
    loose = [single for single in singles if single.tally_id is None]
    if loose and overlap == ASK:
        raise OverlapNeedsChoice(singles=loose, entry_type=tally.entry_type)
    to_link = loose if loose and overlap in (Overlap.PART, AUTO) else []
    included = [*linked, *to_link]
    if len(included) > tally.cramp_count:
        if overlap == AUTO and not linked:
            return []
        raise ValidationError(
            {
                "cramp_count": f"This tally includes {len(included)} cramps you described one by one, so it "
                f"counts at least {len(included)}. Raise the count, or count them separately."
            }
        )
    worst = max((single.severity for single in included), default=0)
    if worst > tally.severity:
        if overlap == AUTO and not linked:
            return []
        raise ValidationError(
            {
                "severity": f"A cramp you described one by one in this tally was {worst} out of 10, so the "
                f"worst was at least {worst}. Raise the worst, or count them separately."
            }
        )
    woke = sum(single.woke_from_sleep is True for single in included)
    if tally.times_woken is not None and woke > tally.times_woken:
        if overlap == AUTO and not linked:
            return []
        raise ValidationError(
            {
                "times_woken": f"{woke} of the cramps you described one by one in this tally woke you, so cramps "
                f"woke you at least {woke} time{'s' if woke != 1 else ''}. Raise it, or count them separately."
            }
        )
    return to_link


@dataclass(frozen=True)
class OverlapQuestion:
    """What a logging form shows when single cramps and a tally share a night or day: the tally a single
    cramp falls in, or the single cramps in a tally's night; `key` names that night or day."""

    key: str
    tally: Episode | None = None
    singles: list[Episode] = field(default_factory=list)
    # The count the new tally gives (for a question about single cramps).
    count: int = 0

    @classmethod
    def from_error(cls, error: OverlapNeedsChoice, key: str, count: int = 0) -> "OverlapQuestion":
        return cls(key=key, tally=error.tally, singles=error.singles, count=count)

    @property
    def part_total(self) -> int:
        """The cramps of the night or day if they are counted as part of the tally."""
        return self.tally.cramp_count if self.tally is not None else self.count

    @property
    def fewer_than_described(self) -> bool:
        """A new tally that counts fewer cramps than the single cramps it would include."""
        return self.tally is None and len(self.singles) > self.count

    @property
    def separate_total(self) -> int:
        """The cramps of the night or day if they are counted separately."""
        return self.part_total + (1 if self.tally is not None else len(self.singles))


class TallyExists(ValidationError):
    """The patient already has a tally for this night or day (`episode`)."""

    def __init__(self, episode: Episode):
        label = slot_label(episode.entry_type, episode.tally_date)
        super().__init__({"tally_date": f"You already logged a tally for {label}. Change that one instead."})
        self.episode = episode


def check_tally_free(patient: User, details, episode: Episode | None = None) -> None:
    """One tally per night (or day) for `details` (services.EpisodeDetails): the database refuses a second
    one too, this says which is there."""
    if not details.is_tally:
        return
    existing = tally_of_slot(patient, details.entry_type, details.tally_date)
    if existing is not None and (episode is None or existing.pk != episode.pk):
        raise TallyExists(existing)


# The longest night or day (20:00 to 08:00 when the clocks go back).
LONGEST_SLOT = dt.timedelta(hours=13)


def link_imported_details(patient: User, tallies: list[Episode], episodes: list[tuple]) -> None:
    """Point each imported cramp marked as one of a tally's (`episodes`: pairs of an unsaved episode and
    its services.EpisodeDetails) at the latest tally (stored before, or in
    `tallies` from the same file) that started up to 13 hours before it, within the tally's count.

    By the moments, not the patient's zone: a file can come from an account in another zone."""
    wanted = [episode for episode, details in episodes if details.part_of_tally]
    if not wanted:
        return
    first, last = min(e.started_at for e in wanted), max(e.started_at for e in wanted)
    stored = (
        Episode.objects.for_patient(patient)
        .filter(entry_type__in=TALLY_TYPES, started_at__gt=first - LONGEST_SLOT, started_at__lte=last)
        .annotate(described=Count("details"))
    )
    for tally in tallies:
        tally.described = 0
    candidates = sorted([*stored, *tallies], key=lambda tally: tally.started_at)
    starts = [tally.started_at for tally in candidates]
    for episode in wanted:
        # The latest tally that started by then; an earlier one ended earlier still.
        latest = bisect_right(starts, episode.started_at) - 1
        tally = candidates[latest] if latest >= 0 else None
        started = f"{when(episode.started_at.astimezone(dt.UTC), 'day_time')} UTC"
        if tally is None or episode.started_at >= tally.started_at + LONGEST_SLOT:
            raise ValidationError(f"The cramp of {started} is marked as one of a tally's, but no tally covers it.")
        label = slot_label(tally.entry_type, tally.tally_date)
        if not same_kind(episode.event_kind, tally.event_kind):
            raise ValidationError(
                f"The entry of {started} is marked as one of the tally for {label}'s, but that tally counts "
                "another kind of event."
            )
        tally.described += 1
        if tally.described > tally.cramp_count:
            raise ValidationError(f"The tally for {label} counts {tally.cramp_count} cramps; more are described.")
        if episode.severity > tally.severity:
            raise ValidationError(f"The cramp of {started} was worse than the worst of the tally for {label}.")
        episode.tally = tally
