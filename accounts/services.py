"""Writes on accounts."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def clinician_verify(*, clinician: User, verified_by: User) -> User:
    """Mark a clinician as checked by staff, so that patients can grant them access."""
    if not clinician.is_clinician:
        raise ValidationError(f"{clinician.email} is not a clinician account.")
    if not verified_by.is_staff:
        raise ValidationError("Only staff can verify clinicians.")
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
