"""The gate to patient data: who may see which record. Strangers get 404, never a hint.

A patient sees their own record; a verified clinician with a grant reviews, reports on and exports
it (access_patient); a caregiver with a grant reads the log and adds entries and check-ins, and
nothing else (access_patient_as_caregiver).
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from tracker.models import MAX_ID, TALLY_TYPES, CareGrant, ClinicianNote, Episode, Medication, Term


def access_own_episode(user: User, episode_uuid: uuid.UUID) -> Episode:
    """The patient's own episode, with its details; 404 for anyone else's (or for a clinician)."""
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such episode.")
    notes = Prefetch("clinician_notes", queryset=ClinicianNote.objects.select_related("author"))
    return get_object_or_404(
        Episode.objects.for_patient(user).with_details().prefetch_related(notes), uuid=episode_uuid
    )


def access_own_tally(user: User, tally_uuid: uuid.UUID | str) -> Episode:
    """The patient's own night or day tally; 404 for anything else (a malformed id included)."""
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such tally.")
    try:
        tally_uuid = uuid.UUID(str(tally_uuid))
    except ValueError:
        raise Http404("No such tally.") from None
    return get_object_or_404(Episode.objects.for_patient(user).filter(entry_type__in=TALLY_TYPES), uuid=tally_uuid)


def access_own_medication(user: User, medication_uuid: uuid.UUID) -> Medication:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such medication.")
    return get_object_or_404(Medication.objects.for_patient(user), uuid=medication_uuid)


def access_own_word(user: User, word_id: int) -> Term:
    """One of the patient's own words; 404 for anyone else's (or for a word of the shared vocabularies)."""
    if not (user.is_authenticated and user.is_patient) or not 0 < word_id <= MAX_ID:
        raise Http404("No such word.")
    return get_object_or_404(Term.objects.owned_by(user), pk=word_id)


def _patient_id(patient_id: int | str) -> int:
    try:
        patient_id = int(patient_id)
    except (TypeError, ValueError):
        raise Http404("No such patient.") from None
    if not 0 < patient_id <= MAX_ID:
        raise Http404("No such patient.")
    return patient_id


def access_patient(user: User, patient_id: int | str) -> User:
    """The patient whose record `user` may see now: their own, or one who granted this verified
    clinician access that is still in force (read with their stored clinic summary, which every clinic page
    about them shows). 404 for everyone else, staff and caregivers included."""
    if not user.is_authenticated:
        raise Http404("No such patient.")
    patient_id = _patient_id(patient_id)
    if user.is_patient and user.pk == patient_id:
        return user
    if user.is_verified_clinician:
        # At most one grant is active per patient and clinician (a constraint): no order to sort them in.
        grants = (
            CareGrant.objects.active(timezone.now())
            .for_clinicians()
            .filter(clinician=user, patient_id=patient_id, patient__is_active=True)
            .select_related("patient__clinic_summary")
            .order_by()
        )
        grant = next(iter(grants[:1]), None)
        if grant is not None:
            # The last day the patient shares their record with this clinician (None: until they revoke it).
            grant.patient.shared_until = grant.access_ends_on
            return grant.patient
        _refuse_if_access_ended(CareGrant.objects.for_clinicians().filter(clinician=user, patient_id=patient_id))
    raise Http404("No such patient.")


ACCESS_ENDED = (
    "Your access to this patient's record has ended: they stopped sharing it with you, or the date they chose "
    "has passed. If you still care for them, ask them to invite you again."
)


def _refuse_if_access_ended(grants) -> None:
    """Someone whose access to this record was accepted once and has ended is told so (403), not shown a
    bare 404: they know the patient, and nothing else is revealed. Read only when access is refused."""
    if grants.filter(accepted_at__isnull=False, patient__is_active=True).exists():
        raise PermissionDenied(ACCESS_ENDED)


def access_patient_as_caregiver(user: User, patient_id: int | str) -> User:
    """The patient this caregiver helps now (a grant accepted, not revoked, not past its end date),
    whose log they may read and add cramps and check-ins to. 404 for everyone else, the patient included."""
    if not (user.is_authenticated and user.is_caregiver):
        raise Http404("No such patient.")
    grant = (
        CareGrant.objects.active(timezone.now())
        .for_caregivers()
        .filter(caregiver=user, patient_id=_patient_id(patient_id), patient__is_active=True)
        .select_related("patient")
        .first()
    )
    if grant is None:
        _refuse_if_access_ended(
            CareGrant.objects.for_caregivers().filter(caregiver=user, patient_id=_patient_id(patient_id))
        )
        raise Http404("No such patient.")
    return grant.patient


def access_caregiver_episode(user: User, patient: User, episode_uuid: uuid.UUID) -> Episode:
    """An entry in `patient`'s log that this caregiver made: caregivers change only their own entries.
    `patient` must come from access_patient_as_caregiver."""
    return get_object_or_404(
        Episode.objects.for_patient(patient).with_details().filter(created_by=user), uuid=episode_uuid
    )


def access_own_grant(user: User, grant_uuid: uuid.UUID) -> CareGrant:
    if not (user.is_authenticated and user.is_patient):
        raise Http404("No such invitation.")
    return get_object_or_404(
        CareGrant.objects.for_patient(user).select_related("clinician", "caregiver"), uuid=grant_uuid
    )
