"""Writes on accounts."""

import logging
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import SignedInSession, User

logger = logging.getLogger(__name__)


@transaction.atomic
def clinician_verify(*, clinician: User, verified_by: User) -> User:
    """Mark a clinician as checked by staff, so that patients can grant them access."""
    if not clinician.is_clinician:
        raise ValidationError(f"{clinician.email} is not a clinician account.")
    if not verified_by.is_staff:
        raise ValidationError("Only staff can verify clinicians.")
    # Patients trust a verified clinician with their log: the address must be shown to be theirs first.
    if not EmailAddress.objects.filter(
        user=clinician, email__iexact=clinician.email, primary=True, verified=True
    ).exists():
        raise ValidationError(f"Cannot verify {clinician.email} yet: they have not confirmed their e-mail address.")
    if clinician.clinician_verified_at is None:
        clinician.clinician_verified_at = timezone.now()
        clinician.clinician_verified_by = verified_by
        clinician.full_clean()
        clinician.save(update_fields=["clinician_verified_at", "clinician_verified_by"])
        logger.info("clinician verified", extra={"clinician_id": clinician.pk, "staff_id": verified_by.pk})
    return clinician


@transaction.atomic
def clinician_unverify(*, clinician: User) -> User:
    """Withdraw a clinician's verification."""
    clinician.clinician_verified_at = None
    clinician.clinician_verified_by = None
    clinician.save(update_fields=["clinician_verified_at", "clinician_verified_by"])
    logger.info("clinician verification withdrawn", extra={"clinician_id": clinician.pk})
    return clinician


def signed_in_session_record(*, request: HttpRequest, user: User) -> None:
    """Note the session key this user is now signed in under (it is issued anew at sign-in and at a
    password change)."""
    session_key = request.session.session_key
    if session_key:
        SignedInSession.objects.get_or_create(user=user, session_key=session_key)


@transaction.atomic
def user_sessions_end(*, user: User) -> int:
    """End every session the user signed in under, in whichever session store the settings name, and
    return how many keys were ended (some may have expired already)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    for session_key in keys:
        store(session_key=session_key).delete()
    SignedInSession.objects.filter(user=user).delete()
    return len(keys)
