"""The patient's profile: their time zone, conditions, reminder time and spinal injury level."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from accounts.models import User, validate_time_zone
from tracker.diary.services.episode_details import check_kinds
from tracker.models import ClinicSummary, PatientProfile, Term


def profile_for(patient: User) -> PatientProfile:
    """The patient's profile, created the first time it is needed."""
    profile, _ = PatientProfile.objects.get_or_create(patient=patient)
    return profile


@transaction.atomic
def profile_update(
    *,
    patient: User,
    time_zone: str,
    conditions: Iterable[Term],
    other_conditions: str,
    reminder_time: dt.time | None,
    spinal_injury_level: str = "",
    note_emails: bool = False,
) -> PatientProfile:
    check_kinds(conditions, Term.Kind.CONDITION, "conditions")
    patient.time_zone = time_zone
    patient.full_clean(exclude=["password"])
    patient.save(update_fields=["time_zone"])
    profile = profile_for(patient)
    profile.other_conditions = other_conditions
    profile.reminder_time = reminder_time
    profile.spinal_injury_level = spinal_injury_level
    profile.note_emails = note_emails
    profile.full_clean()
    profile.save(
        update_fields=["other_conditions", "reminder_time", "spinal_injury_level", "note_emails", "updated_at"]
    )
    profile.conditions.set(conditions)
    # Diagnoses and the injury level decide which signs warn (education.warning_signs), and the zone the days.
    ClinicSummary.objects.log_changed(patient.pk)
    return profile


@transaction.atomic
def time_zone_update(*, patient: User, time_zone: str) -> None:
    """Move the patient to another zone: entries logged from now on are in it, and so are their days (today,
    check-ins, the windows of summaries); entries logged before keep the zones they happened in."""
    validate_time_zone(time_zone)
    patient.time_zone = time_zone
    patient.save(update_fields=["time_zone"])
    ClinicSummary.objects.log_changed(patient.pk)
