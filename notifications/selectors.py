"""Reads about reminders: whom notifications reach, and what the Reminders page shows a patient."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from tracker.models import Medication, PatientProfile

from .models import MAX_FAILURES, MedicationReminder, PushSettings, PushSubscription
from .vapid import push_available


def patients_with_checkin_push() -> QuerySet:
    """Ids of the patients whose daily check-in reminder goes as a notification, not by e-mail: notifications
    are set up on this server, the patient wants the check-in that way, and a device of theirs receives them."""
    if not push_available():
        return PushSubscription.objects.none().values("user_id")
    return PushSubscription.objects.working().filter(user__push_settings__checkin_push=True).values("user_id")


def push_settings_of(patient: User) -> PushSettings:
    """The patient's choices, or the defaults (unsaved) before they make any."""
    return PushSettings.objects.filter(patient=patient).first() or PushSettings(patient=patient)


@dataclass(frozen=True)
class RemindersPage:
    """What the Reminders page shows: the patient's choices, devices and current medicines with their times."""

    push_settings: PushSettings
    checkin_time: dt.time | None
    devices: int
    working_devices: int
    medications: list[Medication]

    @property
    def has_medication_reminders(self) -> bool:
        return any(medication.push_reminders.all() for medication in self.medications)


def reminders_page_for(patient: User) -> RemindersPage:
    """The page's data in five queries: settings, profile, devices, medicines and their reminders."""
    devices = list(PushSubscription.objects.for_patient(patient).values_list("failures", flat=True))
    working = sum(1 for failures in devices if failures < MAX_FAILURES)
    reminders = Prefetch("push_reminders", queryset=MedicationReminder.objects.for_patient(patient))
    medications = list(
        Medication.objects.for_patient(patient)
        .taken_on(patient.local_day(timezone.now()))
        .order_by("name")
        .prefetch_related(reminders)
    )
    choices = push_settings_of(patient)
    for medication in medications:
        for reminder in medication.push_reminders.all():
            reminder.in_quiet_hours = choices.is_quiet_at(reminder.time_of_day)
    return RemindersPage(
        push_settings=choices,
        checkin_time=PatientProfile.objects.filter(patient=patient).values_list("reminder_time", flat=True).first(),
        devices=len(devices),
        working_devices=working,
        medications=medications,
    )
