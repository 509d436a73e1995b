"""Writes about reminders: a device's subscription, the patient's choices, and their medicine reminders."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from crampapp.dates import when
from tracker.models import Medication

from .models import MedicationReminder, PushSettings, PushSubscription

# Devices per patient: a phone, a tablet, a computer or two. Beyond it the oldest goes, so that one account
# cannot make the sender post to more push services than a person has devices.
MAX_DEVICES = 10
# Three doses a day is common, four or more happens (baclofen, pyridostigmine); beyond this a list would help
# nobody.
MAX_REMINDERS_PER_MEDICINE = 6


@transaction.atomic
def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep this browser's subscription for `user`: a new one, new keys for a known one, or a browser another
    account used before (it now shows this patient's reminders only). Failures start again from 0; past
    MAX_DEVICES, the patient's oldest device is forgotten."""
    # Its fields checked here; the browser's row, when there is one, is updated below.
    PushSubscription(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth).full_clean(
        validate_unique=False, validate_constraints=False
    )
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth, "failures": 0}
    )
    newest = PushSubscription.objects.for_patient(user).order_by("-created_at", "-pk").values("pk")[:MAX_DEVICES]
    PushSubscription.objects.for_patient(user).exclude(pk__in=newest).delete()
    PushSettings.objects.get_or_create(patient=user)
    return subscription


def push_subscription_delete(*, user: User, endpoint: str) -> int:
    """Forget this browser's subscription, if it is the user's; returns how many were forgotten (0 or 1)."""
    deleted, _ = PushSubscription.objects.for_patient(user).filter(endpoint=endpoint).delete()
    return deleted


@transaction.atomic
def push_settings_update(
    *, patient: User, checkin_push: bool, quiet_start: dt.time | None, quiet_end: dt.time | None
) -> PushSettings:
    """Save the patient's choices: the check-in as a notification, and quiet hours (both times, or neither)."""
    choices = PushSettings.objects.select_for_update().filter(patient=patient).first() or PushSettings(patient=patient)
    choices.checkin_push, choices.quiet_start, choices.quiet_end = checkin_push, quiet_start, quiet_end
    choices.full_clean()
    choices.save()
    return choices


@transaction.atomic
def medication_reminder_add(*, patient: User, medication: Medication, time_of_day: dt.time) -> MedicationReminder:
    """Remind the patient to take `medication`, one of the medicines they take now, at `time_of_day` in their zone."""
    # Locking the medicine makes two adds at once count each other.
    medication = Medication.objects.select_for_update().get(pk=medication.pk, patient=patient)
    if not Medication.objects.filter(pk=medication.pk).taken_on(patient.today()).exists():
        raise ValidationError(
            {"time_of_day": f"You do not take {medication.name} now, by the dates on your profile."}, code="not_taken"
        )
    reminders = MedicationReminder.objects.for_patient(patient).filter(medication=medication)
    if reminders.filter(time_of_day=time_of_day).exists():
        raise ValidationError(
            {"time_of_day": f"{medication.name} already has a reminder at {when(time_of_day, 'time')}."},
            code="repeated_time",
        )
    if reminders.count() >= MAX_REMINDERS_PER_MEDICINE:
        raise ValidationError(
            {"time_of_day": f"{medication.name} has {MAX_REMINDERS_PER_MEDICINE} reminder times: remove one first."},
            code="too_many_times",
        )
    reminder = MedicationReminder(patient=patient, medication=medication, time_of_day=time_of_day)
    reminder.full_clean()
    reminder.save()
    return reminder


def medication_reminder_switch(*, reminder: MedicationReminder, enabled: bool) -> MedicationReminder:
    """Pause a reminder, or start it again."""
    reminder.enabled = enabled
    reminder.save(update_fields=["enabled"])
    return reminder


def medication_reminder_delete(*, reminder: MedicationReminder) -> None:
    reminder.delete()
