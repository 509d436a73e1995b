"""Forms for logging cramps, check-ins and the profile. Business rules live in services.

One module per area: fields (the fields and helpers the others share), episodes (logging a cramp and the daily
check-in), filters (what a page shows: filters, periods, trial windows), profile (the profile and medicines),
sharing (invitations and clinicians' notes) and account (deleting an account, importing a record). The night
or day tally's forms are in tracker.tally_forms. Import the forms from here: `from tracker.forms import
EpisodeForm`.
"""

from .account import AccountDeleteForm, EpisodeImportForm
from .episodes import (
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
from .fields import CHIP, DiaryDateField, add_service_error
from .filters import DateRangeForm, EpisodeFilterForm, EventKindFilterForm, TrialWindowsForm
from .profile import MedicationForm, MedicationStepForm, OwnWordForm, ProfileForm, TimeZoneSwitchForm
from .sharing import AcceptInvitationForm, InvitationForm, NoteForm

__all__ = [
    "CHIP",
    "SEVERITY_CHOICES",
    "AcceptInvitationForm",
    "AccountDeleteForm",
    "CaregiverEpisodeEditForm",
    "CheckInForm",
    "DateRangeForm",
    "DiaryDateField",
    "EpisodeFilterForm",
    "EpisodeForm",
    "EpisodeImportForm",
    "EventKindFilterForm",
    "InvitationForm",
    "LocationsField",
    "MedicationForm",
    "MedicationStepForm",
    "NoteForm",
    "OverlapAnswerMixin",
    "OwnWordForm",
    "ProfileForm",
    "QuickLogForm",
    "TimeZoneSwitchForm",
    "TrialWindowsForm",
    "WithoutPatientsOwnWords",
    "add_service_error",
    "event_kind_field",
    "overlap_field",
]
