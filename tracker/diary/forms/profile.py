"""Forms of what a patient tells us once: their profile (time zone, conditions, reminder), their medicines, with
the steps of each one's history, and their own words."""

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User, time_zone_names, validate_time_zone
from accounts.names import refuse_direction_controls
from tracker.diary.reminders import reminder_time_choices
from tracker.diary.services import MAX_OWN_WORD_LENGTH, OWN_WORD_NAMES, check_own_word, check_room_for_own_words
from tracker.fields import CHIP, DiaryDateField, VocabularyChoiceField, add_service_error
from tracker.models import (
    MAX_DOSE_LENGTH,
    MAX_SIDE_EFFECT_LENGTH,
    Medication,
    MedicationStep,
    SideEffect,
    SpinalInjuryLevel,
    Term,
)

# Where most of our patients live (the UK and Ireland, Europe, North and South America, Australia and New
# Zealand, India): offered first, before the hundreds of zones of the whole list.
COMMON_TIME_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Athens",
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Asia/Kolkata",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Hobart",
    "Pacific/Auckland",
    "UTC",
)


def _zone_choice(name: str) -> tuple[str, str]:
    return name, name.replace("_", " ")


def time_zone_choices(current: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """For a select box: the common zones, led by the user's `current` one, then every zone in name order."""
    known = time_zone_names()
    common = [name for name in dict.fromkeys([current, *COMMON_TIME_ZONES]) if name in known]
    return [
        ("Common", [_zone_choice(name) for name in common]),
        ("All time zones", [_zone_choice(name) for name in sorted(known)]),
    ]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Your time zone",
        help_text="Times you enter and see are in this zone. Cramps you logged before keep the zone they happened in.",
    )
    conditions = VocabularyChoiceField("condition", label="Conditions you have been diagnosed with")
    other_conditions = forms.CharField(
        label="Other conditions",
        max_length=300,
        required=False,
        help_text="Anything not in the list, in your own words.",
        validators=[refuse_direction_controls],
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
    note_emails = forms.BooleanField(
        label="E-mail me when a clinician writes a note",
        required=False,
        help_text="The e-mail says who wrote and links to CrampApp; the note itself is not in the e-mail.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(self.initial.get("time_zone", ""))


class TimeZoneSwitchForm(forms.Form):
    """The phone's zone for the profile, from the notice that the two differ (static/js/zone-notice.js), and the
    page to go back to."""

    time_zone = forms.CharField(max_length=64, validators=[validate_time_zone])
    next = forms.CharField(required=False)


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
        elif any(step.dose for step in steps):
            # Without a start, the dose is the latest change's: a dose typed here would not be kept.
            self.fields["dose"].disabled = True
            self.fields["dose"].label = "Dose now, from the latest change"
            self.fields["dose"].help_text = (
                "For a new dose, add a dose change in the history below. With a start date, you can give the dose "
                "you started on here."
            )

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
        validators=[refuse_direction_controls],
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


class OwnWordForm(forms.Form):
    """A word of the patient's own: the list it joins and the word, checked as tracker.diary.services.own_words stores
    it. Renaming a `word` keeps its list."""

    kind = forms.ChoiceField(
        label="Which list is it for?",
        choices=[(kind, names[0].capitalize()) for kind, names in OWN_WORD_NAMES.items()],
        widget=forms.RadioSelect(attrs=CHIP),
        error_messages={
            "required": "Choose a trigger, a relief measure or a body place.",
            "invalid_choice": "Choose a trigger, a relief measure or a body place.",
        },
    )
    label = forms.CharField(
        label="Your word",
        help_text=f"Up to {MAX_OWN_WORD_LENGTH} characters, such as “Gardening” or “Warm bath”.",
        error_messages={"required": "Type the word you want to add."},
    )

    def __init__(self, *args, patient: User, word: Term | None = None, **kwargs):
        self.patient = patient
        self.word = word
        super().__init__(*args, **kwargs)
        if word is not None:
            del self.fields["kind"]
            self.fields["label"].label = "New wording"
            self.fields["label"].error_messages["required"] = "Type the new wording."

    def clean(self):
        cleaned = super().clean()
        kind = self.word.kind if self.word is not None else cleaned.get("kind")
        if kind is None or "label" not in cleaned:
            return cleaned
        try:
            cleaned["label"] = check_own_word(patient=self.patient, kind=kind, label=cleaned["label"], word=self.word)
            if self.word is None:
                check_room_for_own_words(self.patient)
        except ValidationError as error:
            add_service_error(self, error)
        return cleaned
