import factory
from django.utils import timezone

from accounts.models import User

TEST_PASSWORD = "cramp-diary-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.django.Password(TEST_PASSWORD)


class PatientFactory(UserFactory):
    role = User.Role.PATIENT


class ClinicianFactory(UserFactory):
    role = User.Role.CLINICIAN
    full_name = factory.Faker("name")
    professional_details = "Neurologist, GMC 1234567, City Hospital"
    clinician_verified_at = factory.LazyFunction(timezone.now)


class UnverifiedClinicianFactory(ClinicianFactory):
    clinician_verified_at = None


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
