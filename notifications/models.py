"""Reminders that reach a patient's devices as Web Push notifications: the devices that receive them (push
subscriptions), the patient's choices (the check-in by notification, quiet hours), and a reminder for each time
of day they take a medicine.

These are settings, not the diary: they go with their medicine or with the account (CASCADE).
"""

import base64
import binascii
import datetime as dt
import fnmatch
from urllib.parse import urlsplit
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# A device whose push service refused this many sends in a row no longer counts as one that receives reminders:
# the check-in reminder goes by e-mail again until the patient turns notifications on there again.
MAX_FAILURES = 5
MAX_ENDPOINT_LENGTH = 2048
P256_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16


def _base64url(value: str) -> bytes:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("This is not a key the browser makes.", code="invalid_key") from None


def check_push_endpoint(value: str) -> None:
    """The address of a push service this server sends through (settings.PUSH_SERVICE_ORIGINS): the sender
    posts to it, and a browser names it, so it must not lead anywhere else."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    origin = f"{parts.scheme}://{parts.netloc}".lower() if parts else ""
    allowed = parts and parts.hostname and not (parts.username or parts.password)
    if not (allowed and any(fnmatch.fnmatchcase(origin, pattern.lower()) for pattern in settings.PUSH_SERVICE_ORIGINS)):
        raise ValidationError(
            "This browser's push service is not one CrampApp sends reminders through.", code="unknown_push_service"
        )


def check_p256dh_key(value: str) -> None:
    """The browser's public key for this subscription: a point on the P-256 curve, base64url-encoded."""
    raw = _base64url(value)
    try:
        if len(raw) != P256_POINT_BYTES:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ValidationError("This is not a key the browser makes.", code="invalid_key") from None


def check_auth_secret(value: str) -> None:
    if len(_base64url(value)) != AUTH_SECRET_BYTES:
        raise ValidationError("This is not a key the browser makes.", code="invalid_key")


class PushSubscriptionQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "PushSubscriptionQuerySet":
        return self.filter(user=patient)

    def working(self) -> "PushSubscriptionQuerySet":
        """Devices whose push service has not refused MAX_FAILURES sends in a row."""
        return self.filter(failures__lt=MAX_FAILURES)


class PushSubscription(models.Model):
    """A browser on one of the patient's devices that shows their reminders: its Push API subscription."""

    # The foreign key's index serves "this patient's devices".
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=MAX_ENDPOINT_LENGTH, validators=[check_push_endpoint])
    p256dh = models.CharField("public key", max_length=100, validators=[check_p256dh_key])
    auth = models.CharField("authentication secret", max_length=40, validators=[check_auth_secret])
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Sends refused in a row; a send accepted starts again from 0.
    failures = models.PositiveSmallIntegerField(default=0)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            # One browser, one row: turning notifications on again there updates it, whoever is signed in.
            models.UniqueConstraint(fields=["endpoint"], name="notifications_pushsubscription_unique_endpoint"),
        ]

    def __str__(self) -> str:
        return f"Push subscription #{self.pk}"

    def as_subscription_info(self) -> dict:
        """The subscription as the browser's PushSubscription.toJSON() gives it, which pywebpush reads."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushSettings(models.Model):
    """A patient's choices about notifications: the daily check-in reminder by notification, and quiet hours."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="push_settings"
    )
    checkin_push = models.BooleanField("send the daily check-in reminder as a notification", default=True)
    quiet_start = models.TimeField("quiet from", null=True, blank=True)
    quiet_end = models.TimeField("quiet until", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "push settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | (
                    models.Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~models.Q(quiet_start=models.F("quiet_end"))
                ),
                name="notifications_pushsettings_quiet_hours_whole",
                violation_error_message="Choose when quiet hours start and when they end, at two different times.",
            ),
        ]

    def __str__(self) -> str:
        return f"Push settings #{self.pk}"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None

    def is_quiet_at(self, moment: dt.time) -> bool:
        """Whether the patient's local time `moment` falls in their quiet hours, which may run past midnight."""
        if not self.has_quiet_hours:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


class MedicationReminderQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "MedicationReminderQuerySet":
        return self.filter(patient=patient)


class MedicationReminder(models.Model):
    """A notification at one time of day, in the patient's own zone, to take one of their medicines. It names
    the medicine and its dose as the patient wrote it (tracker.Medication): CrampApp never suggests a dose."""

    uuid = models.UUIDField(default=uuid4, editable=False)
    # Indexed by the unique constraints, which lead with it.
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Its index serves the page's prefetch of each medicine's reminders (and deleting a medicine with them).
    medication = models.ForeignKey("tracker.Medication", on_delete=models.CASCADE, related_name="push_reminders")
    time_of_day = models.TimeField("time", help_text="In your own time zone.")
    enabled = models.BooleanField(default=True)
    # The patient's local date of the last notification sent, so that each day gets at most one.
    sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MedicationReminderQuerySet.as_manager()

    class Meta:
        ordering = ["time_of_day"]
        constraints = [
            # The page's buttons look a reminder up by patient and uuid.
            models.UniqueConstraint(fields=["patient", "uuid"], name="notifications_medicationreminder_unique_uuid"),
            models.UniqueConstraint(
                fields=["patient", "medication", "time_of_day"],
                name="notifications_medicationreminder_one_per_time",
                violation_error_message="This medicine already has a reminder at that time.",
            ),
        ]
        indexes = [
            # The sender's scan: reminders switched on whose time has come (a range of time_of_day).
            models.Index(fields=["time_of_day"], condition=models.Q(enabled=True), name="notifications_medrem_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Medication reminder #{self.pk}"

    def clean(self) -> None:
        if self.medication_id and self.patient_id and self.medication.patient_id != self.patient_id:
            raise ValidationError({"medication": "Choose one of your own medicines."})
