import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from notifications.vapid import generate_vapid_keys

from .factories import ClinicianFactory, PatientFactory, StaffFactory, UnverifiedClinicianFactory
from .push_service import LOCAL_PUSH_ORIGINS, FakePushService

# The suite runs with production settings (DEBUG off), served over plain HTTP by
# the test client and the live server, with static files read from the source tree
# and a fast password hash.
TEST_SETTINGS = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    SECURE_SSL_REDIRECT=False,
    SESSION_COOKIE_SECURE=False,
    CSRF_COOKIE_SECURE=False,
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    TEST_SETTINGS.enable()
    yield
    TEST_SETTINGS.disable()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL the suite also has the read replica's database alias, as a deployment with
    DATABASE_REPLICA_URL has it: a second connection to the test database. Reads go to it only in tests that
    turn READ_REPLICA on (tests/test_replica_routing.py)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.postgresql":
        settings.DATABASES.setdefault("replica", {**default, "TEST": {**default["TEST"], "MIRROR": "default"}})


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def patient(db):
    return PatientFactory(email="pat@example.org", full_name="Pat Patient")


@pytest.fixture
def other_patient(db):
    return PatientFactory(email="other@example.org", full_name="Olive Other")


@pytest.fixture
def clinician(db):
    return ClinicianFactory(email="dr.nerve@example.org", full_name="Dr Nora Nerve")


@pytest.fixture
def unverified_clinician(db):
    return UnverifiedClinicianFactory(email="dr.new@example.org", full_name="Dr Nat New")


@pytest.fixture
def staff(db):
    return StaffFactory(email="staff@example.org", full_name="Sam Staff")


@pytest.fixture
def vapid(settings):
    """Notifications set up, with a fresh VAPID key pair, sending to push services on this machine only
    (tests/push_service.py)."""
    keys = generate_vapid_keys()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = keys.public_key, keys.private_key
    settings.VAPID_SUBJECT = "mailto:reminders@crampapp.example"
    settings.PUSH_SERVICE_ORIGINS = LOCAL_PUSH_ORIGINS
    return keys


@pytest.fixture
def push_service():
    service = FakePushService()
    yield service
    service.close()
