"""Writes on a patient's record. Views call these; each checks its own rules.

One module per area: episode_details (what an entry says and its rules), episodes, checkins, profile,
medications and own_words (a patient's own triggers, relief and body places). Callers import from here.
"""

from tracker.diary.services.checkins import check_checkin_day, checkin_record, cramps_on_day
from tracker.diary.services.episode_details import (
    FUTURE_TOLERANCE,
    HISTORY_BEFORE_JOINING,
    PATIENTS_OWN_WORDS,
    EpisodeDetails,
    LocationChoice,
    NewEpisode,
    check_duration_since,
    check_episode_start,
    check_tally_date,
    start_for_day,
)
from tracker.diary.services.episodes import (
    ClientIdReused,
    episode_create,
    episode_delete,
    episode_update,
    episodes_bulk_create,
)
from tracker.diary.services.medications import (
    check_medication_step,
    medication_add,
    medication_delete,
    medication_step_add,
    medication_step_delete,
    medication_step_update,
    medication_update,
)
from tracker.diary.services.own_words import (
    LIST_SEPARATOR,
    MAX_OWN_WORD_LENGTH,
    MAX_OWN_WORDS,
    OWN_WORD_NAMES,
    ImportedWords,
    check_own_word,
    check_room_for_own_words,
    each_once,
    own_word_add,
    own_word_rename,
    own_word_set_active,
    own_words_store,
)
from tracker.diary.services.profile import profile_for, profile_update, time_zone_update

__all__ = [
    "FUTURE_TOLERANCE",
    "HISTORY_BEFORE_JOINING",
    "LIST_SEPARATOR",
    "MAX_OWN_WORDS",
    "MAX_OWN_WORD_LENGTH",
    "OWN_WORD_NAMES",
    "PATIENTS_OWN_WORDS",
    "ClientIdReused",
    "EpisodeDetails",
    "ImportedWords",
    "LocationChoice",
    "NewEpisode",
    "check_checkin_day",
    "check_duration_since",
    "check_episode_start",
    "check_medication_step",
    "check_own_word",
    "check_room_for_own_words",
    "check_tally_date",
    "checkin_record",
    "cramps_on_day",
    "each_once",
    "episode_create",
    "episode_delete",
    "episode_update",
    "episodes_bulk_create",
    "medication_add",
    "medication_delete",
    "medication_step_add",
    "medication_step_delete",
    "medication_step_update",
    "medication_update",
    "own_word_add",
    "own_word_rename",
    "own_word_set_active",
    "own_words_store",
    "profile_for",
    "profile_update",
    "start_for_day",
    "time_zone_update",
]
