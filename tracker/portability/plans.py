"""What an import file holds, read and checked, in the account's terms: the plan a restore (restore.py) carries
out. The JSON backup's reader (record_read.py) makes a whole RecordPlan; the CSV's (csv_import.py) its entries."""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from questionnaires.models import Instrument
from tracker.diary.services import EpisodeDetails

from ..models import Term


@dataclass(frozen=True)
class RestoredEpisode:
    """One entry of a file: where it is ("episodes[3]", "Row 5"), its id (None in an older CSV) and details."""

    where: str
    record_id: uuid.UUID | None
    details: EpisodeDetails
    # The file says a caregiver entered it: restored, it is the importer's (a file links to no other account).
    by_someone_else: bool = False


@dataclass(frozen=True)
class StepPlan:
    record_id: uuid.UUID
    kind: str
    day: dt.date
    dose: str
    side_effects: list[str]
    side_effect_other: str


@dataclass(frozen=True)
class MedicationPlan:
    where: str
    record_id: uuid.UUID
    name: str
    dose: str
    started_on: dt.date | None
    stopped_on: dt.date | None
    steps: list[StepPlan]


@dataclass(frozen=True)
class SchedulePlan:
    instrument: Instrument
    every_weeks: int
    next_due: dt.date
    active: bool


@dataclass(frozen=True)
class ResponsePlan:
    where: str
    record_id: uuid.UUID
    instrument: Instrument
    version: str
    answers: list[dict]
    score: float | Decimal
    answered_at: dt.datetime


@dataclass
class RecordPlan:
    """What a record file holds, checked, in the account's terms."""

    email: str
    time_zone: str
    conditions: list[Term] = field(default_factory=list)
    other_conditions: str = ""
    spinal_injury_level: str = ""
    reminder_time: dt.time | None = None
    medications: list[MedicationPlan] = field(default_factory=list)
    # day: (status, whether someone answered it, whether that was a caregiver)
    checkins: dict[dt.date, tuple[str, bool, bool]] = field(default_factory=dict)
    schedules: list[SchedulePlan] = field(default_factory=list)
    responses: list[ResponsePlan] = field(default_factory=list)
    episodes: list[RestoredEpisode] = field(default_factory=list)
    # The patient's own words, those no entry uses and those retired too (new ones not stored yet).
    own_words: list[Term] = field(default_factory=list)
    # Parts of the record that are the clinicians' or the sharing's, not restored into the account.
    left_out: list[str] = field(default_factory=list)
