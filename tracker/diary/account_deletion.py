"""A patient deletes their account: their whole record goes, the access trail stays without their name."""

from dataclasses import asdict, dataclass

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.audit import audit
from accounts.models import User
from accounts.services import user_sessions_end
from questionnaires.models import QuestionnaireResponse, Schedule
from tracker.models import (
    AccessLog,
    CareGrant,
    CheckIn,
    ClinicianNote,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Medication,
    PatientCondition,
    PatientProfile,
    Term,
)

# The module's old path, kept when it moved to tracker.diary: the references already stored were made with it.
REFERENCE_SALT = "tracker.account_deletion.access_log"


@dataclass(frozen=True)
class RecordCounts:
    """How much of a patient's record there is (before deletion) or was deleted (after)."""

    episodes: int
    episode_locations: int
    episode_terms: int
    own_words: int
    checkins: int
    medications: int
    conditions: int
    profiles: int
    grants: int
    clinician_notes: int
    questionnaire_responses: int
    questionnaire_schedules: int
    email_addresses: int
    # Not deleted: these rows stay, with the patient replaced by an anonymous reference.
    access_log_rows: int


def check_may_delete_own_account(user: User) -> None:
    """Only patients delete their own account; staff close clinician, caregiver and staff accounts."""
    if user.is_caregiver:
        raise PermissionDenied(
            "Caregiver accounts are closed by our staff, not here, so that the access trail of the people you "
            "help stays complete. Please contact CrampApp staff to delete your caregiver account."
        )
    if user.is_clinician:
        raise PermissionDenied(
            "Clinician accounts are closed by our staff, not here, so that your patients' access trail stays "
            "complete. Please contact CrampApp staff to delete your clinician account."
        )
    if user.is_staff:
        raise PermissionDenied("Staff accounts are removed by another administrator in the admin site.")


def access_log_reference(patient: User) -> str:
    """A stand-in for the patient in the access log: rows stay countable per patient but name no one.

    HMAC-SHA256 of the user id under a key derived from SECRET_KEY, so it cannot be reversed by trying ids.
    """
    return salted_hmac(REFERENCE_SALT, str(patient.pk), algorithm="sha256").hexdigest()


def record_counts(patient: User) -> RecordCounts:
    """What deleting this patient's account would delete (and which access-log rows it would keep)."""
    return RecordCounts(
        episodes=Episode.objects.for_patient(patient).count(),
        episode_locations=EpisodeLocation.objects.filter(patient=patient).count(),
        episode_terms=EpisodeTerm.objects.filter(patient=patient).count(),
        own_words=Term.objects.owned_by(patient).count(),
        checkins=CheckIn.objects.filter(patient=patient).count(),
        medications=Medication.objects.for_patient(patient).count(),
        conditions=PatientCondition.objects.filter(profile_id=patient.pk).count(),
        profiles=PatientProfile.objects.filter(patient=patient).count(),
        grants=CareGrant.objects.for_patient(patient).count(),
        clinician_notes=ClinicianNote.objects.filter(patient=patient).count(),
        questionnaire_responses=QuestionnaireResponse.objects.for_patient(patient).count(),
        questionnaire_schedules=Schedule.objects.for_patient(patient).count(),
        email_addresses=EmailAddress.objects.filter(user=patient).count(),
        access_log_rows=AccessLog.objects.filter(patient=patient).count(),
    )


def people_with_access(patient: User) -> dict[str, int]:
    """How many clinicians and how many caregivers lose access when the account goes (one query)."""
    return (
        CareGrant.objects.for_patient(patient)
        .active(timezone.now())
        .aggregate(
            clinicians=Count("pk", filter=Q(role=CareGrant.Role.CLINICIAN)),
            caregivers=Count("pk", filter=Q(role=CareGrant.Role.CAREGIVER)),
        )
    )


def admin_log_anonymise(*, user: User, reference: str) -> int:
    """Staff's admin history about this account keeps what was done and when, not whose account it was:
    the name was in `object_repr`, field values can be in `change_message`, and the id would undo the
    reference the access log keeps instead."""
    about_them = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    return about_them.update(object_id=None, object_repr=f"Deleted account {reference}", change_message="")


def _delete(queryset) -> int:
    """Delete and return how many rows of the queryset's own model went (not the cascaded ones)."""
    _, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


@transaction.atomic
def patient_account_delete(*, patient: User) -> RecordCounts:
    """Delete the patient's whole record and their account, in one transaction.

    The rows point at the user with PROTECT, so each table is emptied first, children before
    parents, and the user goes last. The access log is append-only: its rows lose the patient
    and keep an anonymous reference instead; so does the admin log. Every session the patient
    signed in under ends (their stored data names them).
    """
    check_may_delete_own_account(patient)
    reference = access_log_reference(patient)
    deleted = RecordCounts(
        clinician_notes=_delete(ClinicianNote.objects.filter(patient=patient)),
        questionnaire_responses=_delete(QuestionnaireResponse.objects.for_patient(patient)),
        questionnaire_schedules=_delete(Schedule.objects.for_patient(patient)),
        episode_locations=_delete(EpisodeLocation.objects.filter(patient=patient)),
        episode_terms=_delete(EpisodeTerm.objects.filter(patient=patient)),
        episodes=_delete(Episode.objects.for_patient(patient)),
        own_words=_delete(Term.objects.owned_by(patient)),
        checkins=_delete(CheckIn.objects.filter(patient=patient)),
        medications=_delete(Medication.objects.for_patient(patient)),
        conditions=_delete(PatientCondition.objects.filter(profile_id=patient.pk)),
        profiles=_delete(PatientProfile.objects.filter(patient=patient)),
        grants=_delete(CareGrant.objects.for_patient(patient)),
        access_log_rows=AccessLog.objects.anonymise_patient(patient, reference),
        email_addresses=_delete(EmailAddress.objects.filter(user=patient)),
    )
    admin_log_anonymise(user=patient, reference=reference)
    user_sessions_end(user=patient)
    patient.delete()
    # Counts only: the account is gone, and so is anything that could name it.
    audit("account_deleted", **asdict(deleted))
    return deleted
