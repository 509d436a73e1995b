"""The answer form, built by the engine from an instrument's items, and the schedule form."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from .engine import OUT_OF_RANGE, check_answers, options_of
from .models import EVERY_WEEKS_MAX, EVERY_WEEKS_MIN, Item

# Radios drawn as large toggle buttons; still real inputs for keyboards and screen readers.
CHOICE = {"class": "btn-check"}
FORM_EXPIRED = "This form could not be read. Please answer again."
WEEKS_RANGE = f"Choose from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX} weeks."


def field_name(link_id: str) -> str:
    """Form field names carry a prefix, so that no item's link id can clash with another field."""
    return f"answer_{link_id}"


@dataclass(frozen=True)
class Question:
    number: int
    item: Item
    field: forms.BoundField
    # The field whose answer decides whether this question is asked, for the page's script.
    depends_on: str = ""


class AnswerForm(forms.Form):
    client_id = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": FORM_EXPIRED, "invalid": FORM_EXPIRED}
    )

    def __init__(self, *args, items: Sequence[Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())
        for item in self.items:
            # Not required here: whether an item must be answered depends on earlier answers (the engine decides).
            self.fields[field_name(item.link_id)] = forms.TypedChoiceField(
                label=item.text,
                help_text=item.help_text,
                choices=[(option.value, option.label) for option in options_of(item)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs=CHOICE),
                error_messages={"invalid_choice": OUT_OF_RANGE},
            )

    def questions(self) -> list[Question]:
        return [
            Question(
                number=number,
                item=item,
                field=self[field_name(item.link_id)],
                depends_on=field_name(item.enable_when_link_id) if item.enable_when_link_id else "",
            )
            for number, item in enumerate(self.items, start=1)
        ]

    def values(self) -> dict[str, int | None]:
        """The answers by item link id (None where nothing valid was chosen)."""
        return {item.link_id: self.cleaned_data.get(field_name(item.link_id)) for item in self.items}

    def clean(self):
        cleaned = super().clean()
        try:
            check_answers(self.items, self.values())
        except ValidationError as error:
            self.add_engine_errors(error)
        return cleaned

    def add_engine_errors(self, error: ValidationError) -> None:
        """Show the engine's (or the service's) errors next to the questions they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for link_id, messages in error.message_dict.items():
            name = field_name(link_id)
            if name not in self.fields:
                self.add_error(None, messages)
            elif name not in self.errors:
                self.add_error(name, messages)


class ScheduleForm(forms.Form):
    every_weeks = forms.IntegerField(
        label="Ask every how many weeks?",
        min_value=EVERY_WEEKS_MIN,
        max_value=EVERY_WEEKS_MAX,
        help_text=f"A whole number of weeks, from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"Enter a number of weeks, from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX}.",
            "invalid": f"Enter a whole number of weeks, from {EVERY_WEEKS_MIN} to {EVERY_WEEKS_MAX}.",
            "min_value": WEEKS_RANGE,
            "max_value": WEEKS_RANGE,
        },
    )
