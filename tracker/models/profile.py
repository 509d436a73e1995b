"""What a patient tells us about themselves once, not per entry: their profile and diagnosed conditions."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.names import refuse_direction_controls

from .vocabulary import Term


class SpinalInjuryLevel(models.TextChoices):
    T6_OR_ABOVE = "t6_or_above", "At T6 or above (upper back or neck)"
    BELOW_T6 = "below_t6", "Below T6"


class PatientProfile(models.Model):
    """What a patient tells us about themselves once, not per entry."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True, related_name="patient_profile"
    )
    conditions = models.ManyToManyField(Term, through="PatientCondition", blank=True, related_name="+")
    other_conditions = models.CharField(
        "other conditions",
        max_length=300,
        blank=True,
        help_text="Anything not in the list, in your own words.",
        validators=[refuse_direction_controls],
    )
    spinal_injury_level = models.CharField(
        "level of the spinal cord injury",
        max_length=12,
        choices=SpinalInjuryLevel,
        blank=True,
        help_text="Only for a spinal cord injury: an injury at T6 or above can cause autonomic dysreflexia.",
    )
    reminder_time = models.TimeField(
        "daily reminder", null=True, blank=True, help_text="A check-in reminder by e-mail at this time in your zone."
    )
    # The patient's local date of the last reminder sent, so that each day gets at most one.
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    note_emails = models.BooleanField(
        "e-mail me when a clinician writes a note",
        default=False,
        help_text="The e-mail says who wrote and links here; the note itself stays in CrampApp.",
    )
    # Notes written after this are new to the patient: the dashboard lists them until they are marked read.
    notes_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Patient profile #{self.pk}"


class PatientCondition(models.Model):
    # The profile's primary key is the patient's id, so this table carries it too.
    profile = models.ForeignKey(PatientProfile, on_delete=models.CASCADE)
    condition = models.ForeignKey(Term, on_delete=models.PROTECT, limit_choices_to={"kind": Term.Kind.CONDITION})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "condition"], name="tracker_patientcondition_unique"),
        ]

    def __str__(self) -> str:
        return f"Patient condition #{self.pk}"
