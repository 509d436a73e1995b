"""The gate to patient data: who may see which record. Strangers get 404, never a hint."""

import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Episode, Medication


def access_own_episode(user: User, episode_uuid: uuid.UUID) -> Episode:
    """The patient's own episode, with its details; 404 for anyone else's (or for a clinician)."""
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such episode.")
    return get_object_or_404(Episode.objects.for_patient(user).with_details(), uuid=episode_uuid)


def access_own_medication(user: User, medication_uuid: uuid.UUID) -> Medication:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such medication.")
    return get_object_or_404(Medication.objects.for_patient(user), uuid=medication_uuid)
