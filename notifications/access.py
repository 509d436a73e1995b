"""The gate to a patient's reminders: their own, and 404 for anyone else's (tracker.sharing.access guards medicines)."""

import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import MedicationReminder


def access_own_medication_reminder(user: User, reminder_uuid: uuid.UUID) -> MedicationReminder:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such reminder.")
    return get_object_or_404(
        MedicationReminder.objects.for_patient(user).select_related("medication"), uuid=reminder_uuid
    )
