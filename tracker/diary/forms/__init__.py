"""The diary's forms: logging a cramp and the daily check-in (episodes), the filters of the lists and the
insights and a summary's period (filters), the profile and medicines (profile), the night or day tally (tallies)
and deleting the account (account). The fields they share are in tracker.fields. Import the forms of the first
four from here: `from tracker.diary.forms import EpisodeForm`."""

from tracker.diary.forms.account import AccountDeleteForm
from tracker.diary.forms.episodes import (
    SEVERITY_CHOICES,
    CaregiverEpisodeEditForm,
    CheckInForm,
    EpisodeForm,
    LocationsField,
    OverlapAnswerMixin,
    QuickLogForm,
    WithoutPatientsOwnWords,
    event_kind_field,
    overlap_field,
)
from tracker.diary.forms.filters import DateRangeForm, EpisodeFilterForm, EventKindFilterForm
from tracker.diary.forms.profile import MedicationForm, MedicationStepForm, OwnWordForm, ProfileForm, TimeZoneSwitchForm
from tracker.fields import CHIP, DiaryDateField, add_service_error

__all__ = [
    "CHIP",
    "SEVERITY_CHOICES",
    "AccountDeleteForm",
    "CaregiverEpisodeEditForm",
    "CheckInForm",
    "DateRangeForm",
    "DiaryDateField",
    "EpisodeFilterForm",
    "EpisodeForm",
    "EventKindFilterForm",
    "LocationsField",
    "MedicationForm",
    "MedicationStepForm",
    "OverlapAnswerMixin",
    "OwnWordForm",
    "ProfileForm",
    "QuickLogForm",
    "TimeZoneSwitchForm",
    "WithoutPatientsOwnWords",
    "add_service_error",
    "event_kind_field",
    "overlap_field",
]
