"""People who use CrampApp: patients (the default), clinicians, and caregivers who log for a patient."""

import datetime as dt
import zoneinfo
from functools import cache

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.names import refuse_direction_controls, refuse_invisible_names


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows, e.g. "Europe/London"."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name: str) -> None:
    if name not in time_zone_names():
        raise ValidationError("Choose a time zone from the list, such as Europe/London.", code="invalid_time_zone")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", User.Role.STAFF)
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account, logged in by e-mail address."""

    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        CLINICIAN = "clinician", "Clinician"
        # Someone who helps a patient keep their log (family, a carer); needs no verification.
        CAREGIVER = "caregiver", "Caregiver"
        # Runs the site (the admin): keeps no diary and reviews no one; `createsuperuser` makes one.
        STAFF = "staff", "Staff"

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(
        "name",
        max_length=150,
        help_text="How you would like to be addressed.",
        validators=[refuse_direction_controls, refuse_invisible_names],
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    professional_details = models.CharField(
        max_length=300,
        blank=True,
        help_text="Clinicians: profession, registration or licence number and workplace, for verification.",
    )
    clinician_verified_at = models.DateTimeField(null=True, blank=True)
    clinician_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Times are entered and shown in this zone.",
    )
    is_staff = models.BooleanField(default=False, help_text="May log in to the admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            # Log-in looks addresses up case-insensitively (allauth uses iexact):
            # this index serves that lookup and stops two spellings of one address.
            models.UniqueConstraint(Upper("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["patient", "clinician", "caregiver", "staff"]),
                name="accounts_user_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(clinician_verified_at__isnull=True) | models.Q(role="clinician"),
                name="accounts_user_only_clinicians_verified",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The calendar date of `moment` in the user's own zone."""
        return moment.astimezone(self.zone).date()

    def today(self) -> dt.date:
        """Today's date in the user's own zone."""
        return self.local_day(timezone.now())

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_caregiver(self) -> bool:
        return self.role == self.Role.CAREGIVER

    @property
    def is_verified_clinician(self) -> bool:
        return self.is_clinician and self.clinician_verified_at is not None

    @property
    def is_pending_clinician(self) -> bool:
        return self.is_clinician and self.clinician_verified_at is None


class SignedInSession(models.Model):
    """A session key a user signed in under, so that closing their account can end every session they have.

    Session stores cannot be searched by user (the user id sits inside encoded session data, and the cache
    and cookie stores have no table at all), so the keys are written down here as they are issued.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The user foreign key's index serves "every session of this user"; this one stops duplicates.
            models.UniqueConstraint(fields=["user", "session_key"], name="accounts_signedinsession_unique"),
        ]

    def __str__(self) -> str:
        return f"Signed-in session #{self.pk}"
