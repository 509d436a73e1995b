"""The Reminders page's forms, and the subscription a browser sends as JSON (static/js/push.js)."""

import datetime as dt
import json

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tracker.diary.reminders import reminder_time_choices
from tracker.models import Medication

from .models import MAX_ENDPOINT_LENGTH, PushSettings, check_auth_secret, check_p256dh_key, check_push_endpoint


def time_choices(empty_label: str) -> list[tuple[dt.time | str, str]]:
    """Every quarter of an hour (as cron sends reminders), after an empty choice saying what it means."""
    return [("", empty_label), *reminder_time_choices()[1:]]


def time_field(label: str, empty_label: str, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=time_choices(empty_label),
        coerce=dt.time.fromisoformat,
        empty_value=None,
        required=required,
        error_messages={"invalid_choice": "Choose a time from the list.", "required": "Choose a time."},
    )


class PushSettingsForm(forms.Form):
    # Its explanation is a paragraph of the page (templates/notifications/reminders.html): beside a checkbox,
    # help text would squeeze the label.
    checkin_push = forms.BooleanField(
        label="Send my daily check-in reminder as a notification",
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "checkin-push-help"}),
    )
    quiet_start = time_field("Quiet from", "No quiet hours", required=False)
    quiet_end = time_field("Quiet until", "No quiet hours", required=False)

    @classmethod
    def initial_from(cls, choices: PushSettings) -> dict:
        return {
            "checkin_push": choices.checkin_push,
            "quiet_start": choices.quiet_start,
            "quiet_end": choices.quiet_end,
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if self.has_error("quiet_start") or self.has_error("quiet_end"):
            return cleaned
        if start is not None and end is None:
            self.add_error("quiet_end", "Choose when quiet hours end, or set both to “No quiet hours”.")
        elif end is not None and start is None:
            self.add_error("quiet_start", "Choose when quiet hours start, or set both to “No quiet hours”.")
        elif start is not None and start == end:
            self.add_error("quiet_end", "Choose an end different from the start.")
        return cleaned


class MedicationReminderForm(forms.Form):
    """A new reminder time for one medicine; its fields carry the medicine's id, so the page can hold one each."""

    time_of_day = time_field("Add a reminder time", "Choose a time", required=True)

    def __init__(self, *args, medication: Medication, **kwargs):
        super().__init__(*args, prefix=f"medicine-{medication.uuid}", **kwargs)
        self.medication = medication
        self.fields["time_of_day"].label = f"Add a reminder time for {medication.name}"


class MedicationReminderChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("pause", "Pause"), ("resume", "Resume"), ("remove", "Remove")])


class PushSubscriptionForm(forms.Form):
    """A browser's PushSubscription.toJSON(): its push service's address and its two keys."""

    # Kept as the browser wrote it (not a URLField, which would tidy it): the push service knows it that way.
    endpoint = forms.CharField(
        max_length=MAX_ENDPOINT_LENGTH, validators=[URLValidator(schemes=["https", "http"]), check_push_endpoint]
    )
    p256dh = forms.CharField(max_length=100, validators=[check_p256dh_key])
    auth = forms.CharField(max_length=40, validators=[check_auth_secret])

    @classmethod
    def from_json(cls, body: bytes) -> "PushSubscriptionForm":
        """The form bound to a JSON body shaped {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}};
        ValidationError when the body is not such an object."""
        try:
            subscription = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            # A JSON error, or a number longer than Python reads.
            raise ValidationError("Send the subscription as JSON.") from None
        except RecursionError:
            raise ValidationError("Send the subscription as the browser gives it, not nested that deep.") from None
        keys = subscription.get("keys") if isinstance(subscription, dict) else None
        if not isinstance(keys, dict):
            raise ValidationError("Send the subscription as the browser gives it: an endpoint and its keys.")
        fields = {"endpoint": subscription.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
        return cls({name: value for name, value in fields.items() if isinstance(value, str)})
