"""The gate to patient data: who may see which record. Strangers get 404, never a hint."""

import uuid

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User

from .models import MAX_ID, CareGrant, ClinicianNote, Episode, Medication


def access_own_episode(user: User, episode_uuid: uuid.UUID) -> Episode:
    """The patient's own episode, with its details; 404 for anyone else's (or for a clinician)."""
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such episode.")
    notes = Prefetch("clinician_notes", queryset=ClinicianNote.objects.select_related("author"))
    return get_object_or_404(
        Episode.objects.for_patient(user).with_details().prefetch_related(notes), uuid=episode_uuid
    )


def access_own_medication(user: User, medication_uuid: uuid.UUID) -> Medication:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such medication.")
    return get_object_or_404(Medication.objects.for_patient(user), uuid=medication_uuid)


def access_patient(user: User, patient_id: int | str) -> User:
    """The patient whose record `user` may see now: their own, or one who granted this verified
    clinician access that is still in force. 404 for everyone else, staff included."""
    if not user.is_authenticated:
        raise Http404("No such patient.")
    try:
        patient_id = int(patient_id)
    except (TypeError, ValueError):
        raise Http404("No such patient.") from None
    if not 0 < patient_id <= MAX_ID:
        raise Http404("No such patient.")
    if user.is_patient and user.pk == patient_id:
        return user
    if user.is_verified_clinician:
        grant = (
            CareGrant.objects.active(timezone.now().date())
            .filter(clinician=user, patient_id=patient_id, patient__is_active=True)
            .select_related("patient")
            .first()
        )
        if grant is not None:
            return grant.patient
    raise Http404("No such patient.")


def access_own_grant(user: User, grant_uuid: uuid.UUID) -> CareGrant:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such invitation.")
    return get_object_or_404(CareGrant.objects.for_patient(user).select_related("clinician"), uuid=grant_uuid)
