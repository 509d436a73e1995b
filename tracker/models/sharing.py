"""Sharing a record: a patient's grants to a clinician or a caregiver, and the append-only log of what they
looked at or entered."""

import datetime as dt
import zoneinfo
from uuid import uuid4

from django.conf import settings
from django.db import models


class CareGrantQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "CareGrantQuerySet":
        return self.filter(patient=patient)

    def pending(self, now) -> "CareGrantQuerySet":
        return self.filter(status=CareGrant.Status.INVITED, invitation_expires_at__gt=now)

    def active(self, now: dt.datetime) -> "CareGrantQuerySet":
        """Grants in force at `now`: accepted, not revoked, not past the end of their last day in the patient's
        time zone (access_ends_at)."""
        return self.filter(status=CareGrant.Status.ACTIVE).filter(
            models.Q(access_ends_at__isnull=True) | models.Q(access_ends_at__gt=now)
        )

    def for_clinicians(self) -> "CareGrantQuerySet":
        return self.filter(role=CareGrant.Role.CLINICIAN)

    def for_caregivers(self) -> "CareGrantQuerySet":
        return self.filter(role=CareGrant.Role.CAREGIVER)


def access_end_moment(last_day: dt.date | None, time_zone: str) -> dt.datetime | None:
    """The moment a grant whose last day is `last_day` ends: the next midnight in `time_zone`, in UTC."""
    if last_day is None:
        return None
    midnight = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zoneinfo.ZoneInfo(time_zone))
    return midnight.astimezone(dt.UTC)


class CareGrant(models.Model):
    """A patient's permission for one clinician to review their record, or for one caregiver to keep
    their log with them: the only way anyone but the patient sees it."""

    class Role(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        CAREGIVER = "caregiver", "Caregiver"

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"
        CANCELLED = "cancelled", "Invitation cancelled"

    uuid = models.UUIDField(default=uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given")
    # Whom the invitation is for; it decides which of the two accounts below may accept it.
    role = models.CharField(max_length=16, choices=Role, default=Role.CLINICIAN)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_received"
    )
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="care_grants_received"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.INVITED)
    # Only a hash of the one-time code is kept; the patient sees the code once, when it is made.
    code_hash = models.CharField(max_length=64)
    invited_email = models.EmailField("clinician's e-mail", blank=True)
    invitation_expires_at = models.DateTimeField()
    access_ends_on = models.DateField("access ends on", null=True, blank=True)
    # The moment access ends: the end of `access_ends_on` in the patient's time zone when the grant was made
    # (access_end_moment), so that every reader, whatever its own zone, ends it at the same instant.
    access_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CareGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A clinician accepting looks the invitation up by its code.
            models.Index(fields=["code_hash"], name="tracker_caregrant_code"),
            # The gate and the clinic list: a clinician's active grants.
            models.Index(fields=["clinician", "status"], name="tracker_caregrant_clinician"),
            # The caregiver's gate and their list of patients: a caregiver's active grants.
            models.Index(fields=["caregiver", "status"], name="tracker_caregrant_caregiver"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "uuid"], name="tracker_caregrant_unique_uuid"),
            models.UniqueConstraint(fields=["patient", "code_hash"], name="tracker_caregrant_unique_code"),
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=models.Q(status="active"),
                name="tracker_caregrant_one_active_per_pair",
                violation_error_message="This clinician already has access.",
            ),
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=models.Q(status="active"),
                name="tracker_caregrant_one_active_per_caregiver",
                violation_error_message="This caregiver already helps with this log.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["invited", "active", "revoked", "cancelled"]),
                name="tracker_caregrant_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["clinician", "caregiver"]), name="tracker_caregrant_role_valid"
            ),
            # A clinician's grant never names a caregiver and the other way round, so a query for
            # one kind of grantee cannot pick up the other.
            models.CheckConstraint(
                condition=models.Q(role="clinician", caregiver__isnull=True)
                | models.Q(role="caregiver", clinician__isnull=True),
                name="tracker_caregrant_grantee_matches_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active")
                | models.Q(accepted_at__isnull=False)
                & (models.Q(clinician__isnull=False) | models.Q(caregiver__isnull=False)),
                name="tracker_caregrant_active_has_grantee",
            ),
            models.CheckConstraint(
                condition=~models.Q(clinician=models.F("patient")), name="tracker_caregrant_not_self"
            ),
            models.CheckConstraint(
                condition=~models.Q(caregiver=models.F("patient")), name="tracker_caregrant_caregiver_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Care grant #{self.pk}"

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is None or "access_ends_on" in fields:
            zone = self.patient.time_zone if self.access_ends_on is not None else "UTC"
            self.access_ends_at = access_end_moment(self.access_ends_on, zone)
            if fields is not None:
                kwargs["update_fields"] = {*fields, "access_ends_at"}
        super().save(*args, **kwargs)

    @property
    def grantee(self):
        """The clinician or caregiver who accepted, if anyone has."""
        return self.clinician if self.role == self.Role.CLINICIAN else self.caregiver

    @property
    def is_for_caregiver(self) -> bool:
        return self.role == self.Role.CAREGIVER


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def anonymise_patient(self, patient, reference: str) -> int:
        """The one change allowed: when a patient deletes their account, their rows keep only `reference`.

        The detail (dates, times and counts from their record) and the viewer's address go too: beside
        the viewer's id they would still describe the patient.
        """
        return models.QuerySet.update(
            self.filter(patient=patient), patient=None, patient_reference=reference, detail="", ip_address=None
        )

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """One look by a clinician or caregiver at a patient's data, or one entry a caregiver made in it.
    Append-only: never edited, never deleted."""

    class Action(models.TextChoices):
        VIEW_REVIEW = "view_review", "Opened the review"
        VIEW_REPORT = "view_report", "Opened the visit report"
        EXPORT_CSV = "export_csv", "Exported episodes (CSV)"
        EXPORT_JSON = "export_json", "Exported the whole record (JSON)"
        EXPORT_FHIR = "export_fhir", "Exported episodes (FHIR)"
        ADD_NOTE = "add_note", "Wrote a note"
        SCHEDULE_QUESTIONNAIRE = "schedule_questionnaire", "Set a questionnaire schedule"
        VIEW_LOG = "view_log", "Opened the log"
        LOG_EPISODE = "log_episode", "Logged a cramp"
        EDIT_EPISODE = "edit_episode", "Changed a cramp they logged"
        DELETE_EPISODE = "delete_episode", "Deleted a cramp they logged"
        RECORD_CHECKIN = "record_checkin", "Answered a check-in"
        VIEW_LIST = "view_list", "Saw your 30-day figures in their list of patients"

    class ViewerRole(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        CAREGIVER = "caregiver", "Caregiver"

    # Emptied when the patient deletes their account; patient_reference then still groups the rows.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    patient_reference = models.CharField(max_length=64, blank=True, help_text="An anonymous reference.")
    # Who looked: a clinician, or a caregiver (viewer_role says which, as it was at the time).
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer_role = models.CharField(max_length=16, choices=ViewerRole, default=ViewerRole.CLINICIAN)
    action = models.CharField(max_length=24, choices=Action)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            # The patient's access trail, newest first.
            models.Index(fields=["patient", "-at"], name="tracker_accesslog_patient_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(viewer_role__in=["clinician", "caregiver"]),
                name="tracker_accesslog_viewer_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Access log entry #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
