"""What a caregiver does for the patients who invited them: whom they help, and the check-ins they answered.

Caregivers log cramps and tallies with services.episode_create and answer check-ins with
services.checkin_record (created_by is the caregiver), read the log with selectors.episodes_filtered,
and change or delete only the entries they logged themselves.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from accounts.models import User
from tracker.models import CareGrant, CheckIn


def patients_helped(caregiver: User):
    """The caregiver's grants in force, with their patients, by name."""
    return (
        CareGrant.objects.active(timezone.now())
        .for_caregivers()
        .filter(caregiver=caregiver, patient__is_active=True)
        .select_related("patient")
        .order_by("patient__full_name", "accepted_at")
    )


def checkin_answerers(patient: User, days: Iterable[dt.date]) -> dict[dt.date, User]:
    """Of these local days, those whose check-in someone answered (the patient or a caregiver), with who did (a
    day marked by a logged cramp has no one)."""
    answered = CheckIn.objects.filter(patient=patient, day__in=list(days), created_by__isnull=False)
    return {checkin.day: checkin.created_by for checkin in answered.select_related("created_by")}
