"""Forms for logging cramps, check-ins and the profile. Business rules live in services."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.formats import date_format

from accounts.models import User, time_zone_names
from education.warning_signs import EntryFacts, warning_for

from .models import (
    KIND_NOT_SAID,
    MAX_DOSE_LENGTH,
    MAX_DURATION_SECONDS,
    MAX_ID,
    MAX_NOTES_LENGTH,
    MAX_SIDE_EFFECT_LENGTH,
    SEVERITY_MAX,
    SEVERITY_MIN,
    EventKind,
    Medication,
    MedicationStep,
    ReliefEffect,
    Side,
    SideEffect,
    SpinalInjuryLevel,
)
from .moments import parse_moment
from .portability.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from .portability.record_read import MAX_RECORD_BYTES, MAX_RECORD_EPISODES
from .reminders import reminder_time_choices
from .selectors import vocabulary
from .services import FUTURE_TOLERANCE, PATIENTS_OWN_WORDS, EpisodeDetails, LocationChoice, check_episode_start
from .tallies import ASK, Overlap, slot_key, slot_of
from .trial import MAX_TITRATION_DAYS, TITRATION_DAYS, TrialChoice, step_key, step_windows
from .widgets import PlainDateInput, PlainNumberInput, PlainSelect

SEVERITY_CHOICES = [(value, str(value)) for value in range(SEVERITY_MIN, SEVERITY_MAX + 1)]
SEVERITY_ERRORS = {
    "required": "Choose how bad the cramp was, from 0 to 10.",
    "invalid_choice": "Choose how bad the cramp was, from 0 to 10.",
}
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# Radios and checkboxes drawn as large toggle buttons ("chips"); still real inputs for keyboards and screen readers.
CHIP = {"class": "btn-check", "autocomplete": "off"}
# What each event kind feels like, in the patient's words (the education page explains more).
EVENT_KIND_CHOICES = [
    (EventKind.CRAMP, "Cramp: painful, a hard knot, eases with stretching"),
    (EventKind.SPASM, "Spasm or stiffness"),
    (EventKind.TWITCH, "Twitching (fasciculations)"),
    (EventKind.UNSURE, "Not sure"),
]
KIND_FILTER_CHOICES = [("", "Any kind"), *EventKind.choices, (KIND_NOT_SAID, "Kind not said")]
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


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def kind_filter_field(everything: str = "Any kind") -> forms.ChoiceField:
    """The event-kind filter; `everything` names its empty choice."""
    return forms.ChoiceField(
        label="Kind of event",
        choices=[("", everything), *KIND_FILTER_CHOICES[1:]],
        required=False,
        widget=PlainSelect,
        error_messages={"invalid_choice": "Choose a kind from the list."},
    )


EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def check_plausible_date(value: dt.date) -> None:
    """Refuse dates no diary can hold (and that would overflow time-zone arithmetic)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError("Enter a date between 1900 and 2100.", code="implausible_date")


class DiaryDateField(forms.DateField):
    default_validators = [check_plausible_date]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", date_input())
        super().__init__(**kwargs)


def date_input() -> forms.DateInput:
    """The browser's date picker, which reads and writes ISO dates whatever the language."""
    return PlainDateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the user's zone, stored as an aware datetime; or an exact moment with its UTC
    offset ("2026-07-01T02:15:09.250Z"), as a cramp kept on the device while offline carries the moment it was
    logged.

    Around a daylight-saving change an hour repeats (the earlier one is taken) or is
    skipped (refused with a message saying why).
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = parse_moment(value)  # a bad UTC offset is a ValidationError, never read as local time
        except ValueError:
            moment = None
        if moment is not None and timezone.is_aware(moment):
            check_plausible_date(moment.date())
            return moment
        try:
            naive = dt.datetime.strptime(value.strip()[:16], LOCAL_INPUT_FORMAT)
        except ValueError:
            naive = None
        if naive is None:
            parsed = super().to_python(value)
            if parsed is None or timezone.is_aware(parsed):
                return parsed
            naive = timezone.make_naive(parsed)
        check_plausible_date(naive.date())
        zone = timezone.get_current_timezone()
        local = naive.replace(tzinfo=zone, fold=0)
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise ValidationError(
                "This time did not exist where you are: the clocks went forward. Choose a time after the change.",
                code="nonexistent",
            )
        return local


def check_ids(values) -> None:
    """Refuse posted ids that are not whole numbers a database could hold, before any query."""
    for value in values:
        if not str(value).isdigit() or int(value) > MAX_ID:
            raise ValidationError("Choose from the list.", code="invalid_choice")


class TermChoiceIterator(forms.models.ModelChoiceIterator):
    """A vocabulary's items read by a plain query: Django reads a choice field's items through iterator(),
    a server-side cursor on PostgreSQL, whose extra round trips cost more than the query for a list this
    short."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for term in self.queryset:
            yield self.choice(term)


class TermChoiceField(forms.ModelChoiceField):
    """One item of a vocabulary, shown by its label."""

    iterator = TermChoiceIterator

    def label_from_instance(self, term):
        return term.label


class VocabularyChoiceField(forms.ModelMultipleChoiceField):
    """Any number of items of one vocabulary, as checkboxes."""

    widget = forms.CheckboxSelectMultiple(attrs=CHIP)

    def __init__(self, kind: str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=vocabulary(kind), **kwargs)

    def _check_values(self, value):
        check_ids(value)
        return super()._check_values(value)

    def label_from_instance(self, term):
        return term.label


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

    def __init__(self, *args, patient: User, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)
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
        return slot_key(*slot_of(self.patient, self.cleaned_data.get("started_at") or timezone.now()))


class LocationSideChoices(BaseChoiceIterator):
    """Each body location with each side, read once per form (Django's callable choices query at every use)."""

    def __init__(self):
        self.choices = None

    def __iter__(self):
        if self.choices is None:
            places = vocabulary("location")
            self.choices = [("", "Not now")] + [
                (f"{place.pk}:{side}", f"{place.label}, {label.lower()}")
                for place in places
                for side, label in Side.choices
            ]
        yield from self.choices


class LocationSideField(forms.ChoiceField):
    """One body location with its side, posted as "<term id>:<side>"; cleaned to a LocationChoice or None."""

    def __init__(self, **kwargs):
        super().__init__(choices=LocationSideChoices(), required=False, **kwargs)

    def validate(self, value):
        # The choice is looked up once, in clean(), rather than by listing every choice first.
        forms.Field.validate(self, value)

    def clean(self, value) -> LocationChoice | None:
        value = super().clean(value)
        if not value:
            return None
        place_id, _, side = value.partition(":")
        check_ids([place_id])
        place = vocabulary("location").filter(pk=place_id).first()
        if place is None or side not in Side.values:
            raise ValidationError("Choose a place from the list.", code="invalid_choice")
        return LocationChoice(location=place, side=side)


class QuickLogForm(EpisodeFormBase):
    """Severity, and the time if it was not just now; where is optional, the rest can follow later."""

    started_at = LocalDateTimeField(label="When did it start?", required=False, help_text="Leave as is for now.")
    location = LocationSideField(label="Where? (optional)", widget=PlainSelect(attrs={"class": "form-select"}))

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
        )


class EpisodeForm(EpisodeFormBase):
    """The full entry: everything a neurologist would ask about one cramp."""

    duration_minutes = forms.IntegerField(
        label="Minutes", required=False, min_value=0, max_value=MAX_DURATION_SECONDS // 60
    )
    duration_seconds = forms.IntegerField(label="Seconds", required=False, min_value=0, max_value=59)
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
    notes = forms.CharField(
        label="Notes",
        max_length=MAX_NOTES_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Anything else worth telling your clinician (up to {MAX_NOTES_LENGTH} characters).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locations"].set_terms(vocabulary("location"))

    def location_rows(self) -> list[tuple[str, object, object]]:
        """(place, left checkbox, right checkbox) for each body location, in order."""
        toggles = list(self["locations"])
        places = self.fields["locations"].terms.values()
        return [(place.label, toggles[2 * i], toggles[2 * i + 1]) for i, place in enumerate(places)]

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
        """A cramp cannot have lasted longer than the time since it started."""
        since = timezone.now() - started
        # The same grace as for a start a little ahead: a device's clock may run a few minutes fast.
        if dt.timedelta(seconds=total) > since + FUTURE_TOLERANCE:
            minutes_ago = max(int(since.total_seconds()) // 60, 0)
            self.add_error(
                "duration_minutes",
                f"This cramp started {minutes_ago} minute{'s' if minutes_ago != 1 else ''} ago, so it cannot have "
                f"lasted {round(total / 60)} minutes yet. If you are logging it after it ended, set the start "
                "time to when it began.",
            )

    def _check_pain_with_signs(self, cleaned: dict) -> None:
        """A cramp rated 0 (no pain) with warning signs is a contradiction worth a second look; a twitch or a
        spasm can be painless, so only a cramp (or an entry that does not say) is checked."""
        if cleaned.get("severity") != 0 or cleaned.get("event_kind") in (EventKind.TWITCH, EventKind.SPASM):
            return
        symptoms = frozenset(term.slug for term in cleaned.get("symptoms") or [])
        facts = EntryFacts(
            symptoms=symptoms,
            triggers=frozenset(term.slug for term in cleaned.get("triggers") or []),
            places=frozenset(choice.location.slug for choice in cleaned.get("locations") or []),
            duration_seconds=cleaned.get("duration"),
            relief_effect=cleaned.get("relief_effect") or "",
            new_symptoms=symptoms,
        )
        if (warning := warning_for(facts)) is not None:
            signs = "; ".join(sign.in_sentence for sign in warning.signs)
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


class EpisodeFilterForm(forms.Form):
    date_from = DiaryDateField(label="From", required=False)
    date_to = DiaryDateField(label="To", required=False)
    severity_min = forms.IntegerField(
        label="Severity at least", required=False, min_value=0, max_value=10, widget=PlainNumberInput
    )
    severity_max = forms.IntegerField(
        label="Severity at most", required=False, min_value=0, max_value=10, widget=PlainNumberInput
    )
    location = TermChoiceField(
        label="Place", queryset=vocabulary("location"), required=False, empty_label="Anywhere", widget=PlainSelect
    )
    kind = kind_filter_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        low, high = cleaned.get("severity_min"), cleaned.get("severity_max")
        if low is not None and high is not None and low > high:
            self.add_error("severity_max", "The highest severity is below the lowest.")
        return cleaned

    def filters(self) -> dict:
        """The filters that were given and are valid; a field with an error is shown and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class EventKindFilterForm(forms.Form):
    """The event-kind filter of the insights page: cramps by default (tracker.counting)."""

    kind = kind_filter_field("Cramps (marked as a cramp or without a kind)")

    def chosen_kind(self) -> str:
        """The chosen kind, or "" for cramps (also when the choice is not one of ours)."""
        return self.cleaned_data.get("kind", "") if self.is_bound and self.is_valid() else ""


class CheckInForm(forms.Form):
    day = DiaryDateField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[("none", "No cramps"), ("cramps", "I had cramps")])


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Zones grouped by region ("Europe", "America" ...), for a select box."""
    groups = defaultdict(list)
    for name in sorted(time_zone_names()):
        region = name.split("/")[0] if "/" in name else "Other"
        groups[region].append((name, name.replace("_", " ")))
    return sorted(groups.items())


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(label="Your time zone", help_text="Times you enter and see are in this zone.")
    conditions = VocabularyChoiceField("condition", label="Conditions you have been diagnosed with")
    other_conditions = forms.CharField(
        label="Other conditions",
        max_length=300,
        required=False,
        help_text="Anything not in the list, in your own words.",
    )
    spinal_injury_level = forms.ChoiceField(
        label="If you have a spinal cord injury: its level",
        choices=[("", "Not said"), *SpinalInjuryLevel.choices],
        required=False,
        help_text="An injury at T6 or above can cause autonomic dysreflexia, which CrampApp warns about.",
    )
    reminder_time = forms.TypedChoiceField(
        label="Daily check-in reminder",
        choices=reminder_time_choices,
        coerce=dt.time.fromisoformat,
        empty_value=None,
        required=False,
        help_text="An e-mail at this time in your time zone, only on days you have not checked in yet.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


class MedicationForm(forms.ModelForm):
    """A medicine's name, the dose it started on, and its start and stop (which are steps of its history)."""

    class Meta:
        model = Medication
        fields = ["name", "dose", "started_on", "stopped_on"]
        field_classes = {"started_on": DiaryDateField, "stopped_on": DiaryDateField}
        labels = {"name": "Medicine", "dose": "Dose, as on the label"}
        help_texts = {"stopped_on": "Leave empty while you still take it."}

    def __init__(self, *args, steps: Sequence[MedicationStep] = (), **kwargs):
        super().__init__(*args, **kwargs)
        start = next((step for step in steps if step.kind == MedicationStep.Kind.STARTED), None)
        if start is not None:
            self.fields["dose"].label = "Dose when you started, as on the label"
            self.fields["dose"].help_text = "Later changes of dose are steps in the history below."
            if not self.is_bound:
                self.initial["dose"] = start.dose

    def clean(self):
        cleaned = super().clean()
        started_on, stopped_on = cleaned.get("started_on"), cleaned.get("stopped_on")
        if started_on and stopped_on and stopped_on < started_on:
            self.add_error("stopped_on", "The stop date cannot be before the start date.")
        return cleaned


class MedicationStepForm(forms.Form):
    """One step of a medicine's history. The order of the steps is checked by the service."""

    # Shown on the medicine's page under its own form, which also has a dose.
    prefix = "step"

    kind = forms.ChoiceField(
        label="What changed?",
        choices=MedicationStep.Kind.choices,
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages={
            "required": "Choose what changed: started, dose changed or stopped.",
            "invalid_choice": "Choose what changed: started, dose changed or stopped.",
        },
    )
    day = DiaryDateField(label="Date of this step", error_messages={"required": "Enter the date of this change."})
    dose = forms.CharField(
        label="Dose, as your prescriber or the label says",
        max_length=MAX_DOSE_LENGTH,
        required=False,
        help_text="For a start or a change of dose, e.g. '10 mg at night'. Leave empty for a stop.",
        error_messages={"max_length": f"Write the dose in at most {MAX_DOSE_LENGTH} characters."},
    )
    side_effects = forms.MultipleChoiceField(
        label="Side effects you noticed (optional)",
        choices=SideEffect.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHIP),
        error_messages={"invalid_choice": "Choose side effects from the list."},
    )
    side_effect_other = forms.CharField(
        label="Other side effect, in your words (optional)",
        max_length=MAX_SIDE_EFFECT_LENGTH,
        required=False,
        error_messages={"max_length": f"Describe it in at most {MAX_SIDE_EFFECT_LENGTH} characters."},
    )

    @classmethod
    def initial_from(cls, step: MedicationStep) -> dict:
        return {
            "kind": step.kind,
            "day": step.day,
            "dose": step.dose,
            "side_effects": step.side_effects,
            "side_effect_other": step.side_effect_other,
        }


MAX_TRIAL_WINDOW_DAYS = 366


class TrialWindowsForm(forms.Form):
    """What the trial-grade summary compares: a medication step (the 28 days before it against the 28 days
    after its titration period), or, with no step chosen, two periods in the patient's local dates, each up
    to today, at most a year long and sharing no day."""

    step = forms.ChoiceField(label="Medication step", required=False)
    titration_days = forms.IntegerField(
        label="Titration days skipped",
        min_value=0,
        max_value=MAX_TITRATION_DAYS,
        required=False,
        help_text=f"Days after the step left out while the dose settles (0 to {MAX_TITRATION_DAYS}).",
    )
    baseline_start = DiaryDateField(label="Baseline from", required=False)
    baseline_end = DiaryDateField(label="Baseline to", required=False)
    treatment_start = DiaryDateField(label="Treatment from", required=False)
    treatment_end = DiaryDateField(label="Treatment to", required=False)

    def __init__(self, *args, today: dt.date, steps: list[MedicationStep], **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.steps = {step_key(step): step for step in steps if step.day <= today}
        self.fields["step"].choices = [
            ("", "None: compare two periods"),
            *(
                (key, f"{step.medication.name} {step.get_kind_display().lower()} {date_format(step.day, 'j M Y')}")
                for key, step in self.steps.items()
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step"):
            if cleaned.get("titration_days") is None and not self.has_error("titration_days"):
                cleaned["titration_days"] = TITRATION_DAYS
            return cleaned
        windows = {}
        for window in ("baseline", "treatment"):
            start, end = cleaned.get(f"{window}_start"), cleaned.get(f"{window}_end")
            for name, day in ((f"{window}_start", start), (f"{window}_end", end)):
                if day and day > self.today:
                    self.add_error(name, f"This is after today ({date_format(self.today, 'j M Y')}).")
                elif day is None and not self.has_error(name):
                    self.add_error(name, "Choose a date, or a medication step above.")
            if not (start and end) or self.has_error(f"{window}_start") or self.has_error(f"{window}_end"):
                continue
            if end < start:
                self.add_error(f"{window}_end", "The end is before the start.")
            elif (end - start).days + 1 > MAX_TRIAL_WINDOW_DAYS:
                self.add_error(f"{window}_end", f"A window can be at most a year ({MAX_TRIAL_WINDOW_DAYS} days) long.")
            else:
                windows[window] = (start, end)
        if len(windows) == 2:
            (baseline_start, baseline_end), (start, end) = windows["baseline"], windows["treatment"]
            if start <= baseline_end and baseline_start <= end:
                self.add_error(
                    "treatment_start",
                    f"The windows overlap: the baseline runs from {date_format(baseline_start, 'j M Y')} "
                    f"to {date_format(baseline_end, 'j M Y')}. Choose windows that share no day.",
                )
        return cleaned

    def choice(self) -> TrialChoice:
        """The windows chosen (the form is valid)."""
        data = self.cleaned_data
        if data["step"]:
            step, titration_days = self.steps[data["step"]], data["titration_days"]
            return TrialChoice(*step_windows(step, titration_days, self.today), step, titration_days)
        return TrialChoice(
            (data["baseline_start"], data["baseline_end"]), (data["treatment_start"], data["treatment_end"])
        )

    @staticmethod
    def initial_for(choice: TrialChoice) -> dict:
        (baseline_start, baseline_end), (treatment_start, treatment_end) = choice.baseline, choice.treatment
        return {
            "step": step_key(choice.step) if choice.step else "",
            "titration_days": choice.titration_days if choice.step else TITRATION_DAYS,
            "baseline_start": baseline_start,
            "baseline_end": baseline_end,
            "treatment_start": treatment_start,
            "treatment_end": treatment_end,
        }


class InvitationForm(forms.Form):
    invited_email = forms.EmailField(
        label="Clinician's e-mail (optional)",
        required=False,
        help_text="We e-mail them the link and code. Or leave empty and give them the code yourself.",
    )
    access_ends_on = DiaryDateField(
        label="Access ends on (optional)",
        required=False,
        help_text="Leave empty to share until you revoke access.",
    )


class AcceptInvitationForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text="The code your patient gave you, e.g. ABCDE-FGH23.",
    )

    def clean_code(self) -> str:
        code = "".join(char for char in self.cleaned_data["code"] if char.isalnum())
        if len(code) < 8:
            raise ValidationError("A code has 10 letters and digits. Check it with your patient.")
        return code


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=MAX_NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The patient can read this note, with your name.",
    )
    episode = forms.UUIDField(required=False, widget=forms.HiddenInput)


MAX_REPORT_DAYS = 2 * 366


class DateRangeForm(forms.Form):
    """A period in the patient's local dates, at most two years long."""

    start = DiaryDateField(label="From")
    end = DiaryDateField(label="To")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("start", "Choose a period of at most two years.")
        return cleaned


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label="I understand this cannot be undone",
        error_messages={"required": "Tick this box to confirm that you understand."},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That password is not right. Nothing has been deleted.", code="wrong_password")
        return password


class EpisodeImportForm(forms.Form):
    file = forms.FileField(
        label="File exported from CrampApp (a JSON backup or a CSV)",
        allow_empty_file=True,
        help_text=f"A JSON backup of at most {MAX_RECORD_BYTES // (1024 * 1024)} MB and {MAX_RECORD_EPISODES:,} "
        f"entries, or a CSV of at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB and {MAX_IMPORT_ROWS:,} cramps.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    record_is_mine = forms.BooleanField(
        label="This backup is my own record, from my account with another e-mail address",
        required=False,
    )
