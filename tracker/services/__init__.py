"""Writes on a patient's record. Views call these; each checks its own rules.

One module per area: episode_details (what an entry says and its rules), episodes, checkins, profile and
medications. Callers import from here.
"""

from .checkins import checkin_record, cramps_on_day
from .episode_details import (
    FUTURE_TOLERANCE,
    HISTORY_BEFORE_JOINING,
    PATIENTS_OWN_WORDS,
    EpisodeDetails,
    LocationChoice,
    NewEpisode,
    check_episode_start,
    check_tally_date,
    start_for_day,
)
from .episodes import ClientIdReused, episode_create, episode_delete, episode_update, episodes_bulk_create
from .medications import (
    check_medication_step,
    medication_add,
    medication_delete,
    medication_step_add,
    medication_step_delete,
    medication_step_update,
    medication_update,
)
from .profile import profile_for, profile_update, time_zone_update

__all__ = [
    "FUTURE_TOLERANCE",
    "HISTORY_BEFORE_JOINING",
    "PATIENTS_OWN_WORDS",
    "ClientIdReused",
    "EpisodeDetails",
    "LocationChoice",
    "NewEpisode",
    "check_episode_start",
    "check_medication_step",
    "check_tally_date",
    "checkin_record",
    "cramps_on_day",
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
    "profile_for",
    "profile_update",
    "start_for_day",
    "time_zone_update",
]
