"""Forms for logging: the quick log and the full entry of a cramp (with their fields for places, kinds of event
and how overlapping entries count), a caregiver's edit of an entry, and the daily check-in."""

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator

from accounts.models import User
from tracker.body_places import PickView, body_pick
from tracker.diary.services import (
    PATIENTS_OWN_WORDS,
    EpisodeDetails,
    LocationChoice,
    check_duration_since,
    check_episode_start,
)
from tracker.diary.tallies import ASK, Overlap, slot_key, slot_of
from tracker.fields import (
    CHIP,
    DiaryDateField,
    LocalDateTimeField,
    NotesField,
    TermChoiceField,
    VocabularyChoiceField,
    check_ids,
    vocabulary,
    vocabulary_for,
)
from tracker.models import (
    MAX_DURATION_SECONDS,
    MAX_NOTES_LENGTH,
    SEVERITY_MAX,
    SEVERITY_MIN,
    EventKind,
    ReliefEffect,
    Side,
)
from tracker.warnings import painless_with_signs

SEVERITY_CHOICES = [(value, str(value)) for value in range(SEVERITY_MIN, SEVERITY_MAX + 1)]
SEVERITY_ERRORS = {
    "required": "Choose how bad the cramp was, from 0 to 10.",
    "invalid_choice": "Choose how bad the cramp was, from 0 to 10.",
}
# What each event kind feels like, in the patient's words (the education page explains more).
EVENT_KIND_CHOICES = [
    (EventKind.CRAMP, "Cramp: painful, a hard knot, eases with stretching"),
    (EventKind.SPASM, "Spasm or stiffness"),
    (EventKind.TWITCH, "Twitching (fasciculations)"),
    (EventKind.UNSURE, "Not sure"),
]
# A patient who does not remember can leave it unanswered: "Not said" is stored as unknown, never as no.
WOKE_CHOICES = [(True, "Yes"), (False, "No"), (None, "Not said")]


def event_kind_field() -> forms.ChoiceField:
    """What kind of event it was: optional, as large radio buttons."""
    return forms.ChoiceField(
        label="What kind of event was it? (optional)",
        choices=EVENT_KIND_CHOICES,
        required=False,
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages={"invalid_choice": "Choose a kind from the list, or leave it empty."},
    )


def overlap_field() -> forms.ChoiceField:
    """The answer when single cramps and a tally share a night or day; asked only when they do."""
    return forms.ChoiceField(
        label="How should they be counted?",
        choices=Overlap.choices,
        required=False,
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages={"invalid_choice": "Choose how to count them."},
    )


class OverlapAnswerMixin:
    """The overlap answer of a logging form, taken only for the night or day it was asked about (the
    template posts that one's key as `overlap_key`)."""

    def asked_slot(self) -> str:
        raise NotImplementedError

    def overlap_answer(self) -> str:
        if self.cleaned_data.get("overlap_key") != self.asked_slot():
            return ASK
        return self.cleaned_data.get("overlap", ASK)


class LocationsField(forms.MultipleChoiceField):
    """Body locations with sides, posted as "<term id>:<side>"; left and right together mean both."""

    widget = forms.CheckboxSelectMultiple(attrs=CHIP)

    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)
        self.terms = {}

    def set_terms(self, terms) -> None:
        self.terms = {str(term.pk): term for term in terms}
        self.choices = [
            (f"{term.pk}:{side}", f"{term.label}, {side}")
            for term in self.terms.values()
            for side in (Side.LEFT, Side.RIGHT)
        ]

    def clean(self, value):
        values = super().clean(value)
        sides = defaultdict(set)
        for item in values:
            term_id, side = item.split(":")
            sides[term_id].add(side)
        return [
            LocationChoice(location=self.terms[term_id], side=Side.BOTH if len(chosen) == 2 else chosen.pop())
            for term_id, chosen in sides.items()
        ]


class EpisodeFormBase(OverlapAnswerMixin, forms.Form):
    """Fields shared by the quick log and the full entry."""

    # As the page asks them: the error summary lists the mistakes in this order.
    field_order = ["client_id", "overlap", "overlap_key", "severity", "started_at"]

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    started_at = LocalDateTimeField(label="When did it start?")
    overlap = overlap_field()
    overlap_key = forms.CharField(required=False, widget=forms.HiddenInput)
    severity = forms.TypedChoiceField(
        label="How bad was it?",
        choices=SEVERITY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages=SEVERITY_ERRORS,
        help_text="0 = no pain, 10 = worst imaginable.",
    )

    def __init__(self, *args, patient: User | None, time_zone: str | None = None, **kwargs):
        """`time_zone`: the zone the entry's time is shown and read in, and stored with: an entry's own when it
        is changed, by default the patient's."""
        self.patient = patient
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone or (patient.time_zone if patient else timezone.get_current_timezone_name())
        self.zone = zoneinfo.ZoneInfo(self.time_zone)
        self.fields["started_at"].zone = self.zone
        if self.time_zone != timezone.get_current_timezone_name():
            self.fields["started_at"].help_text = f"In {self.time_zone}, this entry's time zone."
        if not self.is_bound and "client_id" not in self.initial:
            self.initial["client_id"] = uuid.uuid4()
        if self.initial.get("started_at") is None:
            self.initial["started_at"] = timezone.now()

    def clean_started_at(self):
        started_at = self.cleaned_data["started_at"]
        try:
            check_episode_start(patient=self.patient, started_at=started_at)
        except ValidationError as error:
            raise ValidationError(error.message_dict["started_at"]) from None
        return started_at

    def asked_slot(self) -> str:
        return slot_key(*slot_of(self.zone, self.cleaned_data.get("started_at") or timezone.now()))


class LocationSideChoices(BaseChoiceIterator):
    """Each offered place with each side, read once per form (Django's callable choices query at every use)."""

    def __init__(self, places):
        self.places, self.choices = places, None

    def __iter__(self):
        if self.choices is None:
            self.choices = [("", "Not now")] + [
                (f"{place.pk}:{side}", f"{place.label}, {label.lower()}")
                for place in self.places
                for side, label in Side.choices
            ]
        yield from self.choices


class LocationSideField(forms.ChoiceField):
    """One body location with its side, posted as "<term id>:<side>"; cleaned to a LocationChoice or None. It
    offers the shared places until told the patient's (offer())."""

    def __init__(self, **kwargs):
        self.places = vocabulary("location")
        super().__init__(choices=LocationSideChoices(self.places), required=False, **kwargs)

    def offer(self, places) -> None:
        """Offer `places` (a queryset of location terms) and accept only them."""
        self.places = places
        self.choices = LocationSideChoices(places)

    def validate(self, value):
        # The choice is looked up once, in clean(), rather than by listing every choice first.
        forms.Field.validate(self, value)

    def clean(self, value) -> LocationChoice | None:
        value = super().clean(value)
        if not value:
            return None
        place_id, _, side = value.partition(":")
        check_ids([place_id])
        place = self.places.filter(pk=place_id).first()
        if place is None or side not in Side.values:
            raise ValidationError("Choose a place from the list.", code="invalid_choice")
        return LocationChoice(location=place, side=side)


class QuickLogForm(EpisodeFormBase):
    """Severity, and the time if it was not just now; where is optional, the rest can follow later."""

    started_at = LocalDateTimeField(label="When did it start?", required=False, help_text="Leave as is for now.")
    location = LocationSideField(label="Where? (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The patient's own words for places come after the shared places, as on the full form.
        self.fields["location"].offer(vocabulary_for(self.patient, "location"))

    def clean_started_at(self):
        if self.cleaned_data.get("started_at") is None:
            return None  # now: episode_create takes the moment it stores the cramp
        return super().clean_started_at()

    def details(self) -> EpisodeDetails:
        location = self.cleaned_data.get("location")
        return EpisodeDetails(
            started_at=self.cleaned_data["started_at"],
            severity=self.cleaned_data["severity"],
            locations=[location] if location else (),
            time_zone=self.time_zone,
        )


class EpisodeForm(EpisodeFormBase):
    """The full entry: everything a neurologist would ask about one cramp."""

    duration_minutes = forms.IntegerField(
        label="Minutes",
        required=False,
        min_value=0,
        max_value=MAX_DURATION_SECONDS // 60,
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value"], f"Enter whole minutes, from 0 to {MAX_DURATION_SECONDS // 60:,}."
        ),
    )
    duration_seconds = forms.IntegerField(
        label="Seconds",
        required=False,
        min_value=0,
        max_value=59,
        error_messages=dict.fromkeys(["invalid", "min_value", "max_value"], "Enter whole seconds, from 0 to 59."),
    )
    locations = LocationsField(
        label="Where was it?",
        error_messages={
            "required": "Choose at least one place, and the side.",
            "invalid_choice": "Choose a place from the list.",
        },
    )
    woke_from_sleep = forms.NullBooleanField(
        label="Did it wake you from sleep?",
        required=False,
        widget=forms.RadioSelect(attrs=CHIP, choices=WOKE_CHOICES),
    )
    activity = TermChoiceField(
        label="What were you doing when it started?",
        queryset=vocabulary("activity"),
        required=False,
        widget=forms.RadioSelect(attrs=CHIP),
        empty_label=None,
    )
    triggers = VocabularyChoiceField("trigger", label="What might have set it off?")
    symptoms = VocabularyChoiceField("symptom", label="Did you notice anything else?")
    relief_measures = VocabularyChoiceField("relief", label="What did you try for relief?")
    relief_effect = forms.ChoiceField(
        label="How well did it work?",
        choices=ReliefEffect.choices,
        required=False,
        widget=forms.RadioSelect(attrs=CHIP),
    )
    medication_taken = forms.CharField(label="Medication taken for this cramp", max_length=200, required=False)
    event_kind = event_kind_field()
    notes = NotesField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Anything else worth telling your clinician (up to {MAX_NOTES_LENGTH:,} characters).",
    )

    # The questions a patient can answer in their own words too (tracker.diary.services.own_words).
    OWN_WORD_FIELDS = {"locations": "location", "triggers": "trigger", "relief_measures": "relief"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The shared items, then the patient's own words; an entry being changed keeps the retired ones it has.
        on_entry = {name: self._initial_term_ids(name) for name in self.OWN_WORD_FIELDS}
        self.fields["locations"].set_terms(vocabulary_for(self.patient, "location", on_entry["locations"]))
        for name in ("triggers", "relief_measures"):
            self.fields[name].queryset = vocabulary_for(self.patient, self.OWN_WORD_FIELDS[name], on_entry[name])

    def _initial_term_ids(self, name: str) -> list[int]:
        """The ids of the items an entry being changed has for a question ("<id>:<side>" for a place)."""
        values = self.initial.get(name) or []
        return [int(str(value).partition(":")[0]) for value in values]

    def location_rows(self) -> list[tuple[str, object, object]]:
        """(place, left checkbox, right checkbox) for each body location, in order."""
        toggles = list(self["locations"])
        places = self.fields["locations"].terms.values()
        return [(place.label, toggles[2 * i], toggles[2 * i + 1]) for i, place in enumerate(places)]

    def body_pick(self) -> list[PickView]:
        """The body map whose regions tick the places' checkboxes (static/js/body-pick.js)."""
        return body_pick(self.fields["locations"].terms.values())

    def clean(self):
        cleaned = super().clean()
        minutes, seconds = cleaned.get("duration_minutes"), cleaned.get("duration_seconds")
        if "duration_minutes" in self.errors or "duration_seconds" in self.errors:
            return cleaned
        if minutes is None and seconds is None:
            cleaned["duration"] = None
        else:
            self._check_duration(cleaned, minutes, seconds)
        self._check_pain_with_signs(cleaned)
        return cleaned

    def _check_duration(self, cleaned: dict, minutes: int | None, seconds: int | None) -> None:
        total = (minutes or 0) * 60 + (seconds or 0)
        if total == 0:
            self.add_error(
                "duration_seconds", "A cramp lasts at least one second. Leave both empty if you do not know."
            )
        elif total > MAX_DURATION_SECONDS:
            self.add_error("duration_minutes", "That is longer than 24 hours. Check the minutes.")
        elif (started := cleaned.get("started_at")) is not None:
            self._check_duration_since(started, total)
        cleaned["duration"] = total

    def _check_duration_since(self, started: dt.datetime, total: int) -> None:
        """A cramp cannot have lasted longer than the time since it started (check_duration_since)."""
        try:
            check_duration_since(started, total)
        except ValidationError as error:
            self.add_error(
                "duration_minutes",
                f"{error.message_dict['duration_seconds'][0]} If you are logging it after it ended, set the start "
                "time to when it began.",
            )

    def _check_pain_with_signs(self, cleaned: dict) -> None:
        signs = painless_with_signs(
            severity=cleaned.get("severity"),
            event_kind=cleaned.get("event_kind", ""),
            symptoms=cleaned.get("symptoms") or [],
            triggers=cleaned.get("triggers") or [],
            places=[choice.location for choice in cleaned.get("locations") or []],
            duration_seconds=cleaned.get("duration"),
            relief_effect=cleaned.get("relief_effect") or "",
        )
        if signs:
            self.add_error(
                "severity",
                f"You rated this 0 (no pain) but noted warning signs ({signs}). Check the rating, or the signs.",
            )

    def details(self) -> EpisodeDetails:
        data = self.cleaned_data
        return EpisodeDetails(
            started_at=data["started_at"],
            severity=data["severity"],
            duration_seconds=data["duration"],
            woke_from_sleep=data["woke_from_sleep"],
            activity=data["activity"],
            locations=data["locations"],
            triggers=list(data["triggers"]),
            symptoms=list(data["symptoms"]),
            relief_measures=list(data["relief_measures"]),
            relief_effect=data["relief_effect"],
            medication_taken=data["medication_taken"],
            notes=data["notes"],
            event_kind=data["event_kind"],
            time_zone=self.time_zone,
        )

    @classmethod
    def initial_from(cls, episode) -> dict:
        """The form's starting values for editing `episode`."""
        minutes, seconds = divmod(episode.duration_seconds, 60) if episode.duration_seconds else (None, None)
        locations = []
        for place in episode.places:
            sides = [Side.LEFT, Side.RIGHT] if place.side == Side.BOTH else [place.side]
            locations += [f"{place.location_id}:{side}" for side in sides]
        return {
            "client_id": episode.client_id,
            "started_at": episode.started_at,
            "severity": episode.severity,
            "duration_minutes": minutes,
            "duration_seconds": seconds,
            "locations": locations,
            "woke_from_sleep": episode.woke_from_sleep,
            "activity": episode.activity_id,
            "triggers": [term.pk for term in episode.triggers],
            "symptoms": [term.pk for term in episode.symptoms],
            "relief_measures": [term.pk for term in episode.relief_measures],
            "relief_effect": episode.relief_effect,
            "medication_taken": episode.medication_taken,
            "notes": episode.notes,
            "event_kind": episode.event_kind,
            "overlap": Overlap.PART if episode.tally_id else "",
        }


class WithoutPatientsOwnWords:
    """Mixed into a caregiver's form of an entry already stored: it neither shows nor takes the patient's own
    words (notes, medication text), and its details() leave them out, so that saving keeps them as stored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PATIENTS_OWN_WORDS:
            self.fields.pop(name, None)
            self.initial.pop(name, None)

    def clean(self):
        cleaned = super().clean()
        # None is EpisodeDetails' "not asked"; whatever was posted under these names is not read.
        cleaned.update(dict.fromkeys(PATIENTS_OWN_WORDS, None))
        return cleaned


class CaregiverEpisodeEditForm(WithoutPatientsOwnWords, EpisodeForm):
    """The full entry, as the caregiver who logged a cramp changes it."""


class CheckInForm(forms.Form):
    day = DiaryDateField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[("none", "No cramps"), ("cramps", "I had cramps")])
