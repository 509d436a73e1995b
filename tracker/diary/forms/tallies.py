"""The night (or day) tally: several cramps as one entry, in the few taps of a quick log."""

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from tracker.diary.forms import (
    CHIP,
    SEVERITY_CHOICES,
    DiaryDateField,
    LocationsField,
    OverlapAnswerMixin,
    WithoutPatientsOwnWords,
    add_service_error,
    event_kind_field,
    overlap_field,
)
from tracker.diary.services import EpisodeDetails, check_tally_date
from tracker.diary.tallies import (
    OverlapNeedsChoice,
    OverlapQuestion,
    TallyExists,
    singles_for_tally,
    slot_key,
    tally_of_slot,
)
from tracker.fields import NotesField, vocabulary_for
from tracker.models import MAX_NOTES_LENGTH, MAX_TALLY_CRAMPS, SEVERITY_MAX, EntryType, Episode, Side

COUNT_PRESETS = range(1, 11)
COUNT_ERRORS = {
    "required": "Enter how many cramps there were.",
    "invalid": "Enter how many cramps as a whole number, such as 4.",
    "min_value": "A tally counts at least 1 cramp. For a night without cramps, use the daily check-in.",
    "max_value": f"A tally counts at most {MAX_TALLY_CRAMPS} cramps. If there were more, enter "
    f"{MAX_TALLY_CRAMPS} and say so in the notes.",
}
WOKEN_ERRORS = {
    "invalid": "Enter how many times as a whole number, or leave it empty.",
    "min_value": "Enter 0 or more, or leave it empty.",
    "max_value": f"Enter at most {MAX_TALLY_CRAMPS}.",
}
WORST_ERRORS = {
    "required": "Choose how bad the worst cramp was, from 0 to 10.",
    "invalid_choice": "Choose how bad the worst cramp was, from 0 to 10.",
}


class TallyForm(OverlapAnswerMixin, forms.Form):
    """How many cramps in a night (or a day), the worst, where, and how often they woke the patient."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    entry_type = forms.ChoiceField(
        label="A night or a day?",
        choices=[(EntryType.NIGHT, "A night"), (EntryType.DAY, "A day")],
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages={"required": "Choose a night or a day.", "invalid_choice": "Choose a night or a day."},
    )
    tally_date = DiaryDateField(
        label="Which one?",
        help_text="For a night, the date of its evening: last night has yesterday's date. "
        "A night runs from 20:00 to 08:00, a day from 08:00 to 20:00.",
        error_messages={"required": "Choose the date."},
    )
    cramp_count = forms.IntegerField(
        label="How many cramps?",
        min_value=1,
        max_value=MAX_TALLY_CRAMPS,
        error_messages=COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control-lg count-input"}),
    )
    overlap = overlap_field()
    overlap_key = forms.CharField(required=False, widget=forms.HiddenInput)
    severity = forms.TypedChoiceField(
        label="How bad was the worst?",
        choices=SEVERITY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages=WORST_ERRORS,
        help_text="0 = no pain, 10 = worst imaginable.",
    )
    locations = LocationsField(
        label="Where? (optional)", required=False, error_messages={"invalid_choice": "Choose a place from the list."}
    )
    times_woken = forms.IntegerField(
        label="How many times did they wake you? (optional)",
        required=False,
        min_value=0,
        max_value=MAX_TALLY_CRAMPS,
        error_messages=WOKEN_ERRORS,
        help_text="For a night. Leave empty if you do not know.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control-lg count-input"}),
    )
    event_kind = event_kind_field()
    notes = NotesField(
        label="Notes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {MAX_NOTES_LENGTH:,} characters.",
    )

    def __init__(self, *args, patient: User, episode: Episode | None = None, **kwargs):
        self.patient = patient
        # The tally being changed, if it is stored already.
        self.episode = episode
        # Found while checking the form: the question about single cramps in its night, or the tally that night
        # already has.
        self.question: OverlapQuestion | None = None
        self.existing: Episode | None = None
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())
            self.initial.setdefault("entry_type", EntryType.NIGHT)
            self.initial.setdefault("tally_date", patient.today() - dt.timedelta(days=1))
        # The shared places, then the patient's own; a tally being changed keeps the retired ones it has.
        on_tally = [int(str(value).partition(":")[0]) for value in self.initial.get("locations") or []]
        self.fields["locations"].set_terms(vocabulary_for(patient, "location", on_tally))

    def location_rows(self) -> list[tuple[str, object, object]]:
        """(place, left checkbox, right checkbox) for each body location, in order."""
        toggles = list(self["locations"])
        places = self.fields["locations"].terms.values()
        return [(place.label, toggles[2 * i], toggles[2 * i + 1]) for i, place in enumerate(places)]

    def count_presets(self) -> range:
        return COUNT_PRESETS

    def asked_slot(self) -> str:
        return slot_key(self.cleaned_data.get("entry_type", ""), self.cleaned_data.get("tally_date") or dt.date.min)

    def clean(self):
        cleaned = super().clean()
        entry_type, day = cleaned.get("entry_type"), cleaned.get("tally_date")
        if entry_type and day:
            try:
                check_tally_date(patient=self.patient, entry_type=entry_type, day=day, zone=self.patient.zone)
            except ValidationError as error:
                self.add_error("tally_date", error.message_dict["tally_date"])
            else:
                self._check_night(entry_type, day, cleaned)
        woken, count = cleaned.get("times_woken"), cleaned.get("cramp_count")
        if woken is not None and entry_type == EntryType.DAY:
            self.add_error("times_woken", "Waking is counted for a night. Leave this empty for a day.")
        elif woken is not None and count is not None and woken > count:
            self.add_error(
                "times_woken",
                f"That is more wakings than the {count} cramp{'s' if count != 1 else ''} counted, and a cramp "
                "wakes you once at most. Check both numbers.",
            )
        return cleaned

    def _check_night(self, entry_type: str, day: dt.date, cleaned: dict) -> None:
        """The other entries of the night (or day), checked with the fields so that every problem shows in one
        round: a tally the night already has, single cramps in it not yet answered for, or a count or a worst
        that leaves them out. The service checks the same again when the tally is stored."""
        existing = tally_of_slot(self.patient, entry_type, day)
        if existing is not None and existing != self.episode:
            # The same form sent again is no problem: the service finds that entry stored already.
            if existing.client_id != cleaned.get("client_id"):
                self.existing = existing
                self.add_error("tally_date", TallyExists(existing).message_dict["tally_date"])
            return
        count, worst = cleaned.get("cramp_count"), cleaned.get("severity")
        # Without a count or a worst (missing or wrong, and said so), there is nothing to compare yet: only
        # the question about single cramps is asked.
        tally = Episode(
            pk=self.episode.pk if self.episode else None,
            patient=self.patient,
            entry_type=entry_type,
            tally_date=day,
            time_zone=self.episode.time_zone if self.episode else self.patient.time_zone,
            cramp_count=MAX_TALLY_CRAMPS if count is None else count,
            severity=SEVERITY_MAX if worst is None else worst,
            event_kind=cleaned.get("event_kind", ""),
        )
        try:
            singles_for_tally(self.patient, tally, self.overlap_answer())
        except OverlapNeedsChoice as asked:
            self.question = OverlapQuestion.from_error(asked, self.asked_slot(), count or 0)
            add_service_error(self, asked)
        except ValidationError as error:
            add_service_error(self, error)

    def details(self) -> EpisodeDetails:
        data = self.cleaned_data
        return EpisodeDetails(
            started_at=None,
            severity=data["severity"],
            locations=data["locations"],
            notes=data["notes"],
            event_kind=data["event_kind"],
            entry_type=data["entry_type"],
            cramp_count=data["cramp_count"],
            times_woken=data["times_woken"],
            tally_date=data["tally_date"],
        )

    @classmethod
    def initial_from(cls, tally: Episode) -> dict:
        """The form's starting values for editing `tally`."""
        locations = []
        for place in tally.places:
            sides = [Side.LEFT, Side.RIGHT] if place.side == Side.BOTH else [place.side]
            locations += [f"{place.location_id}:{side}" for side in sides]
        return {
            "client_id": tally.client_id,
            "entry_type": tally.entry_type,
            "tally_date": tally.tally_date,
            "cramp_count": tally.cramp_count,
            "severity": tally.severity,
            "locations": locations,
            "times_woken": tally.times_woken,
            "event_kind": tally.event_kind,
            "notes": tally.notes,
        }


class CaregiverTallyEditForm(WithoutPatientsOwnWords, TallyForm):
    """The tally form, as the caregiver who logged a night or a day changes it."""
