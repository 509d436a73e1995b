"""What a caregiver does for the patients who invited them: whom they help, and the check-ins they answer.

Caregivers log cramps with services.episode_create (created_by is the caregiver), read the log with
selectors.episodes_filtered, and change or delete only the cramps they logged themselves.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import CareGrant, CheckIn
from .services import checkin_record


def patients_helped(caregiver: User):
    """The caregiver's grants in force, with their patients, by name."""
    return (
        CareGrant.objects.active(timezone.now().date())
        .for_caregivers()
        .filter(caregiver=caregiver, patient__is_active=True)
        .select_related("patient")
        .order_by("patient__full_name", "accepted_at")
    )


@transaction.atomic
def caregiver_checkin_record(*, patient: User, caregiver: User, day: dt.date, status: str) -> CheckIn:
    """Answer a check-in for the patient, under the patient's rules; the answer records who gave it.

    Sending the answer the day already has changes nothing, so it stays the patient's own.
    """
    before = CheckIn.objects.filter(patient=patient, day=day).values_list("status", flat=True).first()
    checkin = checkin_record(patient=patient, day=day, status=status)
    if before != checkin.status:
        checkin.created_by = caregiver
        checkin.save(update_fields=["created_by", "updated_at"])
    return checkin


def checkins_entered_by_caregivers(patient: User, days: Iterable[dt.date]) -> dict[dt.date, User]:
    """Of these local days, those whose check-in a caregiver answered, with the caregiver."""
    answered = CheckIn.objects.filter(
        patient=patient, day__in=list(days), created_by__role=User.Role.CAREGIVER
    ).select_related("created_by")
    return {checkin.day: checkin.created_by for checkin in answered}
