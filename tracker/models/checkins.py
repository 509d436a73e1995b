"""Daily check-ins: the patient's answer for one day in their own zone, cramps or none."""

from django.conf import settings
from django.db import models


class CheckIn(models.Model):
    """The patient's answer for one day in their own zone: cramps or none."""

    class Status(models.TextChoices):
        NO_CRAMPS = "none", "No cramps"
        HAD_CRAMPS = "cramps", "Had cramps"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField(help_text="The patient's local date.")
    status = models.CharField(max_length=8, choices=Status)
    # Who gave the answer: the patient or a caregiver. Empty for days marked by a cramp, and for the patient's
    # answers from before this was recorded.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            # One per patient per local day; also serves the dashboard's "last 14 days" range scan.
            models.UniqueConstraint(fields=["patient", "day"], name="tracker_checkin_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(status__in=["none", "cramps"]), name="tracker_checkin_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in #{self.pk}"
