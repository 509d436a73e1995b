"""A patient's record: vocabularies, profile, medications, cramp episodes and daily check-ins.

Every table holding health data carries the patient's id, and every unique
constraint on it includes that id, so the tables can later be sharded by patient.

One module per area, each importing only those above it: vocabulary (Term), profile, medications,
entries (the choices and limits of an entry), counting_rule (which entries count, and how many cramps),
episodes, checkins, clinic (the clinic list's summaries, clinicians' notes) and sharing (care grants, the
access log). Import the models from here: `from tracker.models import Episode`.
"""

# isort: off
# In the order of the areas above, which is also the order the models register in.
from .vocabulary import OWN_WORD_KINDS, OWN_WORDS_SORT_ORDER, Term, TermQuerySet
from .profile import PatientCondition, PatientProfile, SpinalInjuryLevel
from .medications import (
    MAX_DOSE_LENGTH,
    MAX_SIDE_EFFECT_LENGTH,
    Medication,
    MedicationQuerySet,
    MedicationStep,
    SideEffect,
    check_side_effects,
)
from .entries import (
    KIND_NOT_SAID,
    MAX_DURATION_SECONDS,
    MAX_ID,
    MAX_NOTES_LENGTH,
    MAX_TALLY_CRAMPS,
    SEVERITY_MAX,
    SEVERITY_MIN,
    TALLY_TYPES,
    EntryType,
    EventKind,
    ReliefEffect,
    Side,
    stored_event_kind,
)
from .counting_rule import (
    CRAMP_KINDS,
    counted,
    counted_kind,
    cramps_only,
    cramps_sum,
)
from .episodes import LOCAL_DAY, LOCAL_HOUR, LOCAL_START, Episode, EpisodeLocation, EpisodeQuerySet, EpisodeTerm
from .checkins import CheckIn
from .clinic import ClinicianNote, ClinicSummary, ClinicSummaryQuerySet, TrendDirection
from .sharing import AccessLog, AccessLogQuerySet, CareGrant, CareGrantQuerySet
# isort: on

__all__ = [
    "CRAMP_KINDS",
    "KIND_NOT_SAID",
    "LOCAL_DAY",
    "LOCAL_HOUR",
    "LOCAL_START",
    "MAX_DOSE_LENGTH",
    "MAX_DURATION_SECONDS",
    "MAX_ID",
    "MAX_NOTES_LENGTH",
    "MAX_SIDE_EFFECT_LENGTH",
    "MAX_TALLY_CRAMPS",
    "OWN_WORDS_SORT_ORDER",
    "OWN_WORD_KINDS",
    "SEVERITY_MAX",
    "SEVERITY_MIN",
    "TALLY_TYPES",
    "AccessLog",
    "AccessLogQuerySet",
    "CareGrant",
    "CareGrantQuerySet",
    "CheckIn",
    "ClinicSummary",
    "ClinicSummaryQuerySet",
    "ClinicianNote",
    "EntryType",
    "Episode",
    "EpisodeLocation",
    "EpisodeQuerySet",
    "EpisodeTerm",
    "EventKind",
    "Medication",
    "MedicationQuerySet",
    "MedicationStep",
    "PatientCondition",
    "PatientProfile",
    "ReliefEffect",
    "Side",
    "SideEffect",
    "SpinalInjuryLevel",
    "Term",
    "TermQuerySet",
    "TrendDirection",
    "check_side_effects",
    "counted",
    "counted_kind",
    "cramps_only",
    "cramps_sum",
    "stored_event_kind",
]
