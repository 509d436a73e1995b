import datetime as dt
import time
import uuid

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from accounts.models import User
from tracker.diary.services import own_word_add
from tracker.insights.figures import insights_for
from tracker.models import CareGrant, CheckIn, Episode, Term
from tracker.sharing.services import hash_code

TEST_PASSWORD = "cramp-diary-2026!"


def confirm_email_address(user, create, extracted, **kwargs):
    """The account's e-mail address confirmed, as signing in requires, unless the factory is given
    `email_confirmed=False`."""
    if create and extracted is not False:
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.django.Password(TEST_PASSWORD)
    email_confirmed = factory.PostGeneration(confirm_email_address)


class PatientFactory(UserFactory):
    role = User.Role.PATIENT


def set_up_authenticator_app(user, create, extracted, **kwargs):
    """An authenticator app set up (its secret on `.totp_secret`), unless the factory is given
    `authenticator_app=False`."""
    if create and extracted is not False:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)


class ClinicianFactory(UserFactory):
    """A verified clinician who has set up an authenticator app (its secret is on `.totp_secret`)."""

    class Meta:
        skip_postgeneration_save = True

    role = User.Role.CLINICIAN
    full_name = factory.Faker("name")
    professional_details = "Neurologist, GMC 1234567, City Hospital"
    clinician_verified_at = factory.LazyFunction(timezone.now)
    authenticator_app = factory.PostGeneration(set_up_authenticator_app)


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now. In the last two seconds of a 30-second step it waits
    for the next one: the server checks the code against its own clock, a moment later, and a slow run
    would otherwise send the code of a step that has just ended."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class UnverifiedClinicianFactory(ClinicianFactory):
    clinician_verified_at = None


class CaregiverFactory(UserFactory):
    """Someone who helps a patient log; caregivers need no verification."""

    role = User.Role.CAREGIVER


class StaffFactory(UserFactory):
    """A staff member (superuser) who has set up an authenticator app (its secret is on `.totp_secret`)."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True
    is_superuser = True
    role = User.Role.STAFF
    authenticator_app = factory.PostGeneration(set_up_authenticator_app)


class EpisodeFactory(factory.django.DjangoModelFactory):
    """A cramp stored directly, without the rules of the service (for lists and counts)."""

    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    created_by = factory.SelfAttribute("patient")
    time_zone = factory.SelfAttribute("patient.time_zone")
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    severity = 5
    duration_seconds = 90


def checked_in_cramp_free(patient: User, days_ago) -> None:
    """A "no cramps" check-in for each of the patient's local days that many days before today."""
    today = timezone.now().astimezone(patient.zone).date()
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=today - dt.timedelta(days=days), status=CheckIn.Status.NO_CRAMPS)
        for days in days_ago
    )


def term(kind: str, slug: str) -> Term:
    """A seeded vocabulary item."""
    return Term.objects.shared().get(kind=kind, slug=slug)


def own_word(patient: User, kind: str, label: str) -> Term:
    """A word of the patient's own, added as on their words page."""
    return own_word_add(patient=patient, kind=kind, label=label)


def grant_access(patient: User, clinician: User, **fields) -> CareGrant:
    """An accepted grant from `patient` to `clinician` (fields override, e.g. status or access_ends_on)."""
    now = timezone.now()
    values = {
        "status": CareGrant.Status.ACTIVE,
        "accepted_at": now,
        "code_hash": hash_code(str(uuid.uuid4())),
        "invitation_expires_at": now + dt.timedelta(days=7),
        **fields,
    }
    return CareGrant.objects.create(patient=patient, clinician=clinician, **values)


def grant_care(patient: User, caregiver: User, **fields) -> CareGrant:
    """An accepted caregiver grant from `patient` to `caregiver` (fields override, e.g. status or access_ends_on)."""
    now = timezone.now()
    values = {
        "status": CareGrant.Status.ACTIVE,
        "accepted_at": now,
        "code_hash": hash_code(str(uuid.uuid4())),
        "invitation_expires_at": now + dt.timedelta(days=7),
        **fields,
    }
    return CareGrant.objects.create(patient=patient, caregiver=caregiver, role=CareGrant.Role.CAREGIVER, **values)


def medication_effects(patient: User, today: dt.date) -> list:
    """The "did it help" comparisons of the patient's medicines, as the insights page computes them (they
    do not depend on the page's period)."""
    return insights_for(patient, today, today, today).medications
