"""Property-based fuzzing (issue 7, point 6): random and hostile values posted to every form, upload and id.

Every test signs in the right member of the cast (and some the wrong one), sends values drawn by
hypothesis, and checks three things:

- never a server error: any status below 500 will do (a form with errors, a redirect, 400, 403, 404, 405);
- nothing stored breaks the model's rules (`full_clean()` on every row of the record, plus the app's
  own rules such as "a cramp is not in the future" and "only verified clinicians get access");
- stored text is shown escaped: no page ever contains a hostile payload raw, and a payload that was
  accepted into a name, medication or note is shown, escaped, on the page that displays it.

Hypothesis runs each test body many times in one database transaction, so each example runs inside
its own savepoint and is rolled back (`one_example()`): examples do not see each other's data, and a
failing example leaves the transaction usable for shrinking (on PostgreSQL too).
"""

import contextlib
import csv
import datetime as dt
import io
import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import markupsafe
import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import MAX_URL_LENGTH, url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from accounts.models import User, time_zone_names
from tracker.diary.services import (
    FUTURE_TOLERANCE,
    HISTORY_BEFORE_JOINING,
    EpisodeDetails,
    LocationChoice,
    episode_create,
    medication_add,
)
from tracker.models import (
    CareGrant,
    CheckIn,
    ClinicianNote,
    EntryType,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Medication,
    PatientProfile,
    Term,
)
from tracker.portability.csv_export import COLUMNS, FORMULA_STARTS, _cell, cell_text
from tracker.sharing.services import invitation_create

from .factories import TEST_PASSWORD, CaregiverFactory, ClinicianFactory, EpisodeFactory, grant_access, grant_care

pytestmark = pytest.mark.django_db

# Bounded so that the whole module runs well under 90 seconds on two cores. No example database:
# a run leaves no .hypothesis/ folder behind, and every failure prints its falsifying example.
fuzz = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

NULL_CHARACTER_ERROR = "Null characters are not allowed."
REDIRECTS = (301, 302, 303, 307, 308)

# ---------------------------------------------------------------------------------------------
# Hostile values
# ---------------------------------------------------------------------------------------------

# Surrogates cannot travel in an HTTP request (they are not valid UTF-8); everything else may,
# control characters and NUL included. (`exclude_categories` is hypothesis's current name for
# `blacklist_categories`.)
CHARACTERS = st.characters(exclude_categories=("Cs",))
TEXT = st.text(alphabet=CHARACTERS, max_size=60)
# The same without NUL, for values that must be storable (PostgreSQL refuses NUL in text).
CHARACTERS_NO_NUL = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEXT_NO_NUL = st.text(alphabet=CHARACTERS_NO_NUL, max_size=60)

XSS_PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "{{ request.user.password }}{% debug %}",
)
# The markup that must never reach a page unescaped; no template of ours contains it.
RAW_MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
)
SQL_PAYLOADS = (
    "' OR 1=1 --",
    "1; DROP TABLE tracker_episode",
    "'; DROP TABLE accounts_user; --",
    '" OR ""="',
    "1' UNION SELECT password FROM accounts_user --",
    "%",
    "_",
    "\\",
    "%00",
)
UNICODE_PAYLOADS = (
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # right-to-left and left-to-right marks
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "😀🧠🦵🏽👨‍👩‍👧",  # emoji, a skin tone, a ZWJ sequence
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "e\u0301",
    "İıßẞﬁ",
    "\U0010ffff\ufffd",
    "\r\n\t\x0b\x0c\x1c\x85\u2028",
    "١٢٣",  # Arabic-Indic digits
    "\uff12\uff10\uff12\uff16",  # full-width digits
)
NUMBERS_AS_TEXT = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.sampled_from(["-1", "0", "-0", "11", "1e309", "NaN", "inf", "-Infinity", "0x10", "1_000", "9" * 400]),
)
DATES_AS_TEXT = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "31/12/2025",
            "today",
            "2026-03-29T02:30",
        ]
    ),
)
XSS_TEXT = st.builds(
    lambda before, payload, after: before + payload + after,
    st.text(alphabet=CHARACTERS_NO_NUL, max_size=5),
    st.sampled_from(XSS_PAYLOADS),
    st.text(alphabet=CHARACTERS_NO_NUL, max_size=5),
)
LONG_TEXT = st.builds(
    lambda piece, length: (piece * length)[:length],
    st.sampled_from(["a", "<", "😀", "\u202e", "'", "x<script>alert(1)</script>", "\x00"]),
    st.integers(min_value=1_000, max_value=20_000),
)
SCALAR = st.one_of(
    TEXT,
    st.sampled_from(SQL_PAYLOADS + UNICODE_PAYLOADS),
    NUMBERS_AS_TEXT,
    DATES_AS_TEXT,
    XSS_TEXT,
    LONG_TEXT,
    st.just(""),
)
# A hostile value: a scalar, or a list where a scalar is expected (the test client posts each item).
HOSTILE = st.one_of(SCALAR, st.lists(SCALAR, min_size=2, max_size=3))
# Free text that a form should accept (stored and shown back), and text that often it should not.
STORABLE_TEXT = st.one_of(TEXT_NO_NUL, XSS_TEXT, st.sampled_from(SQL_PAYLOADS + UNICODE_PAYLOADS), st.just(""))
# Text a form must refuse with a message: a NUL somewhere, or far too long.
REFUSED_TEXT = st.one_of(
    st.builds(lambda before, after: f"{before}\x00{after}", TEXT, TEXT),
    st.builds(
        lambda piece, length: (piece * length)[:length],
        st.sampled_from(["a", "<", "😀"]),
        st.integers(min_value=2_001, max_value=20_000),
    ),
)


def non_blank(text: str, default: str) -> str:
    return text.strip() or default


NAME = STORABLE_TEXT.map(lambda text: non_blank(text, "Pat Patient"))
# Time zones with the widest offsets, half hours, and daylight saving.
ZONES = st.sampled_from(
    ["UTC", "Europe/London", "America/St_Johns", "Asia/Kathmandu", "Pacific/Kiritimati", "Etc/GMT-14", "Etc/GMT+12"]
)
# Valid addresses (a quoted local part may hold almost anything) that a page must show escaped.
XSS_EMAILS = ['"<script>alert(1)</script>"@example.org', '"\\"><img src=x onerror=alert(1)>"@example.org']
EMAILS = st.one_of(
    st.emails().map(str),
    st.sampled_from(
        [
            *XSS_EMAILS,
            "pat@example.org",
            "PAT@EXAMPLE.ORG",
            " pat@example.org ",
            '"><img src=x onerror=alert(1)>@example.org',
            "a@b@example.org",
            "victim@example.org\nBcc: everyone@example.org",
            "ünïcödé@exämple.org",
            "x" * 300 + "@example.org",
        ]
    ),
)
EXTRA_FIELDS = st.dictionaries(
    st.sampled_from(["patient", "patient_id", "created_by", "author", "uuid", "is_staff", "is_superuser", "role"]),
    st.one_of(st.integers(min_value=-1, max_value=10**12).map(str), st.sampled_from(["on", "1", "true", "clinician"])),
    max_size=2,
)


@dataclass(frozen=True)
class Ref:
    """A value known only when the test runs (a vocabulary item's id, an episode's uuid, an
    invitation code), drawn by the strategy and looked up in `resolve`."""

    name: str
    index: int = 0
    side: str = ""


VOCABULARY_KINDS = ("location", "activity", "trigger", "symptom", "relief", "condition")


def term_ref(kind: str) -> st.SearchStrategy:
    """An item of the vocabulary `kind`."""
    return st.builds(Ref, st.just(kind), st.integers(min_value=0, max_value=40))


def wrong_term_ref(kind: str) -> st.SearchStrategy:
    """An item of another vocabulary: a tampered choice."""
    others = [other for other in VOCABULARY_KINDS if other != kind]
    return st.builds(Ref, st.sampled_from(others), st.integers(min_value=0, max_value=40))


LOCATION_REF = st.builds(
    Ref, st.just("location"), st.integers(min_value=0, max_value=40), st.sampled_from(["left", "right"])
)
TAMPERED_LOCATION_REF = st.one_of(
    st.builds(
        Ref,
        st.just("location"),
        st.integers(min_value=0, max_value=40),
        st.sampled_from(["both", "", "LEFT", "left:right", "<b>", "left "]),
    ),
    st.builds(Ref, st.sampled_from(["trigger", "condition"]), st.integers(min_value=0, max_value=40), st.just("left")),
)


def resolve(value, known: dict):
    """The value to post: each Ref replaced by what it stands for."""
    if isinstance(value, list):
        return [resolve(item, known) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, known) for key, item in value.items()}
    if not isinstance(value, Ref):
        return value
    if value.name in VOCABULARY_KINDS:
        ids = known[value.name]
        term_id = ids[value.index % len(ids)]
        return f"{term_id}:{value.side}" if value.side else str(term_id)
    return str(known[value.name])


def field(plausible: st.SearchStrategy, tampered: st.SearchStrategy | None = None) -> tuple:
    """A form field's values: `plausible` ones a form should accept (hostile text included), and
    `tampered` ones aimed at this field; `form_data` adds generic hostile values to the latter."""
    return plausible, HOSTILE if tampered is None else st.one_of(tampered, HOSTILE)


@st.composite
def form_data(draw, fields: dict[str, tuple], extra: bool = True, hostile_percents=(0, 0, 10, 50, 100)) -> dict:
    """Values for a form: all plausible, or some or all replaced by hostile ones, some missing."""
    hostile_percent = draw(st.sampled_from(hostile_percents))
    data = {}
    for name, (plausible, hostile_values) in fields.items():
        if hostile_percent and draw(st.integers(min_value=0, max_value=9)) == 0:
            continue  # a missing field
        hostile = draw(st.integers(min_value=0, max_value=99)) < hostile_percent
        data[name] = draw(hostile_values if hostile else plausible)
    if extra:
        # Fields the form does not have (mass assignment): they must change nothing.
        data = {**draw(EXTRA_FIELDS), **data}
    return data


def minutes_ago(low: int, high: int) -> st.SearchStrategy:
    """A moment between `low` and `high` minutes ago, in UTC (computed when drawn)."""
    return st.integers(min_value=low, max_value=high).map(
        lambda minutes: timezone.now() - dt.timedelta(minutes=minutes)
    )


def days_from_today(low: int, high: int) -> st.SearchStrategy:
    """An ISO date `low` to `high` days from today in UTC (the patient's today may differ by one)."""
    return st.integers(min_value=low, max_value=high).map(
        lambda days: (timezone.localdate(timezone=dt.UTC) + dt.timedelta(days=days)).isoformat()
    )


def local_minutes(moments: st.SearchStrategy) -> st.SearchStrategy:
    return moments.map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))


# At least 15 hours ago: "now" in the patient's zone is up to 14 hours from UTC.
LOCAL_START = local_minutes(minutes_ago(15 * 60, 3 * 365 * 24 * 60))
# UTC offsets Python reads but PostgreSQL refuses (±16:00 to ±23:59), and ones nobody can read.
BAD_OFFSETS = st.one_of(
    st.builds(
        lambda sign, hours, minutes, colon: f"{sign}{hours:02}{colon}{minutes:02}",
        st.sampled_from("+-"),
        st.integers(min_value=16, max_value=23),
        st.integers(min_value=0, max_value=59),
        st.sampled_from([":", ""]),
    ),
    st.sampled_from(["+99:99", "+24:00", "-15:60"]),
)
BAD_OFFSET_START = st.builds(lambda start, offset: start + offset, LOCAL_START, BAD_OFFSETS)
OFFSET_MESSAGE = "A time zone offset must be between -15:59 and +15:59"
BAD_START = st.one_of(
    BAD_OFFSET_START,
    local_minutes(minutes_ago(-10 * 365 * 24 * 60, -15 * 60)),  # in the future
    local_minutes(minutes_ago(6 * 365 * 24 * 60, 50 * 365 * 24 * 60)),  # years before joining
    DATES_AS_TEXT,
)
SEVERITY = st.integers(min_value=0, max_value=10).map(str)
# Dates the diary forms accept (1900 to 2100).
DIARY_DATE = st.one_of(st.just(""), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat))
BAD_SEVERITY = st.sampled_from(["-1", "11", "5.0", " 7 ", "10 ", "\u0665", str(2**63)])
BAD_COUNT = st.sampled_from(["-1", "1441", "60", "1.5", "1e3", str(2**63), "9" * 400])
EPISODE_FIELDS = {
    "client_id": field(st.uuids().map(str), st.sampled_from(["", "not-a-uuid", "0" * 32])),
    "started_at": field(LOCAL_START, BAD_START),
    "severity": field(SEVERITY, BAD_SEVERITY),
    "duration_minutes": field(st.one_of(st.just(""), st.integers(min_value=0, max_value=1440).map(str)), BAD_COUNT),
    "duration_seconds": field(st.one_of(st.just(""), st.integers(min_value=1, max_value=59).map(str)), BAD_COUNT),
    "locations": field(
        st.lists(LOCATION_REF, min_size=1, max_size=3), st.lists(TAMPERED_LOCATION_REF, min_size=1, max_size=3)
    ),
    "woke_from_sleep": field(st.sampled_from(["True", "False", ""]), st.sampled_from(["on", "maybe", "2"])),
    "activity": field(st.one_of(st.just(""), term_ref("activity")), wrong_term_ref("activity")),
    "triggers": field(st.lists(term_ref("trigger"), max_size=3), st.lists(wrong_term_ref("trigger"), min_size=1)),
    "symptoms": field(st.lists(term_ref("symptom"), max_size=3), st.lists(wrong_term_ref("symptom"), min_size=1)),
    "relief_measures": field(st.lists(term_ref("relief"), max_size=3), st.lists(wrong_term_ref("relief"), min_size=1)),
    "relief_effect": field(
        st.sampled_from(["", "none", "little", "lot", "complete"]), st.sampled_from(["NONE", "lots", "<b>"])
    ),
    "medication_taken": field(STORABLE_TEXT, REFUSED_TEXT),
    "notes": field(STORABLE_TEXT, REFUSED_TEXT),
}
PAGE = field(st.integers(min_value=1, max_value=3).map(str), st.one_of(NUMBERS_AS_TEXT, st.just("last")))
QUICK_FIELDS = {
    "client_id": EPISODE_FIELDS["client_id"],
    "severity": EPISODE_FIELDS["severity"],
    "started_at": field(st.one_of(st.just(""), LOCAL_START), BAD_START),
}

# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def one_example():
    """Run one example in a savepoint that is always rolled back; also empty the rate-limit counters."""
    cache.clear()
    mail.outbox = []
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def on_site(location: str) -> bool:
    """A redirect that stays on this site. Django's check refuses anything longer than MAX_URL_LENGTH
    (a `next` of a thousand "<" comes back three times as long, percent-encoded); such a location is on
    this site when it names no scheme and no host, and does not start as browsers read a host ("//", "/\\")."""
    if len(location) <= MAX_URL_LENGTH:
        return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and not location.startswith(("//", "/\\", "\\"))


def checked(response):
    """`response`, once it is known not to be a server error, not to show hostile markup raw, and
    not to redirect off the site."""
    assert response.status_code < 500, response.status_code
    if response.status_code in REDIRECTS:
        location = response["Location"]
        assert on_site(location), location
    elif not response.streaming and response.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode()
        for markup in RAW_MARKUP:
            assert markup not in body, markup
    return response


def assert_shown_escaped(response, *texts: str) -> None:
    """Every hostile payload inside the stored `texts` is on the page, escaped (never raw: see `checked`)."""
    checked(response)
    assert response.status_code == 200
    body = response.content.decode()
    for text in texts:
        for payload in XSS_PAYLOADS:
            if payload in text:
                # Django's templates write a quote as &quot;, the Jinja2 widget templates as &#34;.
                assert escape(payload) in body or markupsafe.escape(payload) in body, payload


def has_payload(*texts: str) -> bool:
    return any(payload in text for text in texts for payload in XSS_PAYLOADS)


def assert_record_keeps_its_rules(patient: User) -> None:
    """Every row of the patient's record passes the model's own validation and constraints, and
    the rules the services enforce."""
    patient.refresh_from_db()
    patient.full_clean(exclude=["password"])
    now = timezone.now()
    for episode in Episode.objects.filter(patient=patient).select_related("activity"):
        episode.full_clean()
        assert patient.date_joined - HISTORY_BEFORE_JOINING <= episode.started_at <= now + FUTURE_TOLERANCE
        assert "\x00" not in episode.notes + episode.medication_taken
        assert episode.activity is None or episode.activity.kind == Term.Kind.ACTIVITY
        assert episode.created_by_id == patient.pk
    for place in EpisodeLocation.objects.filter(patient=patient).select_related("location", "episode"):
        place.full_clean()
        assert place.location.kind == Term.Kind.LOCATION
        assert place.episode.patient_id == patient.pk
    for tag in EpisodeTerm.objects.filter(patient=patient).select_related("term", "episode"):
        tag.full_clean()
        assert tag.term.kind in {Term.Kind.TRIGGER, Term.Kind.SYMPTOM, Term.Kind.RELIEF}
        assert tag.episode.patient_id == patient.pk
    for checkin in CheckIn.objects.filter(patient=patient):
        checkin.full_clean()
        assert checkin.day <= patient.today()
    for medication in Medication.objects.filter(patient=patient):
        medication.full_clean()
    for profile in PatientProfile.objects.filter(patient=patient):
        profile.full_clean()
        assert all(condition.kind == Term.Kind.CONDITION for condition in profile.conditions.all())
    for grant in CareGrant.objects.filter(patient=patient).select_related("clinician"):
        grant.full_clean()
        if grant.status == CareGrant.Status.ACTIVE:
            assert grant.clinician.is_verified_clinician
    for note in ClinicianNote.objects.filter(patient=patient).select_related("author", "episode"):
        note.full_clean()
        assert note.author.is_verified_clinician
        assert note.episode is None or note.episode.patient_id == patient.pk


def new_rows(model, before: set[int], **filters):
    return list(model.objects.filter(**filters).exclude(pk__in=before))


def pks(model, **filters) -> set[int]:
    return set(model.objects.filter(**filters).values_list("pk", flat=True))


def set_zone(user: User, zone: str) -> None:
    user.time_zone = zone
    user.save(update_fields=["time_zone"])


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# The cast's data
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def known(patient, other_patient):
    """What `Ref`s stand for: vocabulary ids, the patient's episode, another patient's episode."""
    values = {
        kind: list(Term.objects.filter(kind=kind).order_by("pk").values_list("pk", flat=True))
        for kind in VOCABULARY_KINDS
    }
    values["own_episode"] = EpisodeFactory(patient=patient).uuid
    values["other_episode"] = EpisodeFactory(patient=other_patient).uuid
    values["random_uuid"] = uuid.uuid4()
    return values


@pytest.fixture
def granted(patient, clinician):
    return grant_access(patient, clinician)


@pytest.fixture
def invitation(other_patient):
    return invitation_create(patient=other_patient)


@pytest.fixture
def guidance_pages(db):
    with contextlib.redirect_stdout(io.StringIO()):
        call_command("load_education")


@pytest.fixture
def clinician_without_grant(db):
    return ClinicianFactory(email="dr.nogrant@example.org", full_name="Dr Nick Nogrant")


# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------


@st.composite
def signups(draw) -> dict:
    data = draw(
        form_data(
            {
                "full_name": field(NAME, st.one_of(REFUSED_TEXT, st.just("   "))),
                "email": field(st.one_of(st.emails().map(str), st.sampled_from(XSS_EMAILS)), EMAILS),
                "role": field(st.sampled_from(["patient", "clinician"]), st.sampled_from(["staff", "admin", ""])),
                "professional_details": field(
                    STORABLE_TEXT.map(lambda text: non_blank(text, "GP, GMC 1234567")), REFUSED_TEXT
                ),
                "password1": field(
                    st.one_of(st.just(TEST_PASSWORD), st.text(alphabet=CHARACTERS_NO_NUL, min_size=12, max_size=40))
                ),
                "time_zone": field(st.one_of(st.just(""), st.sampled_from(sorted(time_zone_names())))),
            },
            extra=False,
        )
    )
    extra = draw(
        st.dictionaries(
            st.sampled_from(["is_staff", "is_superuser", "clinician_verified_at", "is_active"]),
            st.sampled_from(["on", "1", "2026-01-01T00:00"]),
            max_size=2,
        )
    )
    if "password1" in data:
        data["password2"] = data["password1"] if draw(st.integers(min_value=0, max_value=3)) else draw(HOSTILE)
    return {**extra, **data}


@fuzz
@given(data=signups())
@example(
    data={
        "full_name": "<script>alert(1)</script>",
        "email": '"<script>alert(1)</script>"@example.org',
        "role": "patient",
        "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD,
    }
)
@example(  # longer than the 254 characters the e-mail column holds
    data={
        "full_name": "Long Address",
        "email": "x" * 300 + "@example.org",
        "role": "patient",
        "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD,
    }
)
def test_signup_with_random_values_never_fails_and_stores_only_valid_unverified_accounts(patient, clinician, data):
    existing = set(User.objects.values_list("pk", flat=True))
    with one_example():
        client = Client()
        checked(client.post("/accounts/signup/", data))
        for user in new_rows(User, existing):
            user.full_clean(exclude=["password"])
            assert user.role in User.Role.values
            assert user.clinician_verified_at is None
            assert not user.is_staff
            assert not user.is_superuser
            assert user.time_zone in time_zone_names()
            if user.is_patient:
                assert user.professional_details == ""
                client.force_login(user)  # sign-up opens the account once the address is confirmed
                assert_shown_escaped(client.get("/dashboard/"), user.full_name, user.email)
            else:
                assert user.professional_details.strip()


@fuzz
@given(
    data=form_data(
        {
            "login": field(st.sampled_from(["pat@example.org", "PAT@Example.org", "dr.nerve@example.org"]), EMAILS),
            "password": field(st.just(TEST_PASSWORD), TEXT),
            "remember": field(st.sampled_from(["on", ""])),
            "next": field(
                st.sampled_from(["/dashboard/", "/episodes/?severity_min=3"]),
                st.sampled_from(
                    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "\r\n"]
                ),
            ),
        },
        extra=False,
    )
)
@example(data={"login": "pat@example.org", "password": TEST_PASSWORD, "next": "<" * 1000})  # found by this test
def test_logging_in_with_random_credentials_never_fails_or_redirects_off_site(patient, clinician, data):
    with one_example():
        # The failed-login rate limit counts in the cache, which one_example() empties.
        response = checked(Client().post("/accounts/login/", data))
        if response.status_code == 200:
            assert "_auth_user_id" not in response.wsgi_request.session


@fuzz
@given(email=st.one_of(EMAILS, HOSTILE))
def test_asking_for_a_password_reset_with_random_addresses_never_fails(patient, email):
    with one_example():
        checked(Client().post("/accounts/password/reset/", {"email": email}))
        for message in mail.outbox:
            assert len(message.recipients()) == 1
            assert "\n" not in message.recipients()[0]


# ---------------------------------------------------------------------------------------------
# Episodes
# ---------------------------------------------------------------------------------------------


def assert_pages_still_open(client: Client, *urls: str) -> None:
    """Pages that summarise the record still open with what was just stored."""
    for url in urls:
        assert checked(client.get(url)).status_code == 200, url


def strings_in(document) -> set[str]:
    """Every string value in a JSON document."""
    if isinstance(document, dict):
        return set().union(*map(strings_in, document.values()))
    if isinstance(document, list):
        return set().union(*map(strings_in, document))
    return {document} if isinstance(document, str) else set()


def assert_exports_keep_the_text_and_disarm_formulas(client: Client, episodes: list[Episode]) -> None:
    """The JSON and FHIR files hold each stored text exactly; no CSV cell starts like a spreadsheet formula."""
    for export_format in ("json", "fhir"):
        stored = strings_in(json.loads(checked(client.get(f"/export/{export_format}/")).getvalue()))
        for episode in episodes:
            assert not episode.notes or episode.notes in stored, export_format
    response = checked(client.get("/export/csv/"))
    text = b"".join(response.streaming_content).decode()
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def assert_new_episodes_are_shown_escaped(client: Client, patient: User, before: set[int], clinician=None):
    episodes = new_rows(Episode, before, patient=patient)
    if episodes:
        assert_pages_still_open(client, "/dashboard/", "/episodes/", "/insights/")
        assert_exports_keep_the_text_and_disarm_formulas(client, episodes)
    for episode in episodes:
        texts = (episode.notes, episode.medication_taken)
        assert_shown_escaped(client.get(f"/episodes/{episode.uuid}/"), *texts)
        if clinician is not None and has_payload(*texts):
            reviewer = signed_in(clinician)
            # The page of entries shows each cramp's notes (and the medication taken for it), for the day it was on.
            day = patient.local_day(episode.started_at).isoformat()
            entries = reviewer.get(f"/clinic/patients/{patient.pk}/entries/", {"start": day, "end": day})
            assert_shown_escaped(entries, *texts)
            assert (
                checked(reviewer.get(f"/clinic/patients/{patient.pk}/", {"start": day, "end": day})).status_code == 200
            )
            # The visit report lists cramps without their notes: it must only never show them raw.
            assert checked(reviewer.get(f"/clinic/patients/{patient.pk}/report/")).status_code == 200


@fuzz
@given(zone=ZONES, data=form_data(EPISODE_FIELDS))
# Edge values found by fuzzing: dates whose conversion to UTC overflows, ids beyond a 64-bit integer.
@example(zone="Etc/GMT+12", data={**dict.fromkeys(EPISODE_FIELDS, ""), "started_at": "9999-12-31T23:59"})
@example(zone="Etc/GMT-14", data={**dict.fromkeys(EPISODE_FIELDS, ""), "started_at": "0001-01-01T00:00"})
@example(zone="UTC", data={"relief_measures": str(2**63)})
@example(zone="UTC", data={"activity": "9" * 30})
def test_the_full_episode_form_never_fails_and_stores_only_valid_cramps(
    client, patient, clinician, granted, known, zone, data
):
    before = pks(Episode, patient=patient)
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        checked(client.post("/episodes/new/", resolve(data, known)))
        assert_record_keeps_its_rules(patient)
        assert_new_episodes_are_shown_escaped(client, patient, before, clinician)


@fuzz
@given(zone=ZONES, data=form_data(QUICK_FIELDS))
@example(
    zone="Etc/GMT+12", data={"client_id": str(uuid.UUID(int=1)), "severity": "5", "started_at": "9999-12-31T23:59"}
)
def test_the_quick_log_never_fails_and_stores_only_valid_cramps(client, patient, zone, data):
    before = pks(Episode, patient=patient)
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        checked(client.post("/episodes/new/?mode=quick", data))
        assert_record_keeps_its_rules(patient)
        assert len(new_rows(Episode, before, patient=patient)) <= 1


@fuzz
@given(zone=ZONES, data=form_data(EPISODE_FIELDS))
def test_editing_an_own_episode_with_random_values_never_fails_or_breaks_it(
    client, patient, clinician, granted, known, zone, data
):
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        response = checked(client.post(f"/episodes/{known['own_episode']}/edit/", resolve(data, known)))
        assert_record_keeps_its_rules(patient)
        episode = Episode.objects.get(uuid=known["own_episode"])
        assert episode.patient_id == patient.pk
        if response.status_code == 302:
            assert_shown_escaped(client.get(f"/episodes/{episode.uuid}/"), episode.notes, episode.medication_taken)


@fuzz
@given(
    member=st.sampled_from(["other_patient", "clinician", "staff"]),
    data=form_data(EPISODE_FIELDS),
)
def test_someone_else_editing_a_patients_episode_gets_404_and_changes_nothing(
    patient, other_patient, clinician, staff, known, member, data
):
    cast = {"other_patient": other_patient, "clinician": clinician, "staff": staff}
    with one_example():
        response = checked(
            signed_in(cast[member]).post(f"/episodes/{known['own_episode']}/edit/", resolve(data, known))
        )
        assert response.status_code == 404
        episode = Episode.objects.get(uuid=known["own_episode"])
        assert (episode.patient_id, episode.severity, episode.notes) == (patient.pk, 5, "")


@fuzz
@given(
    zone=ZONES,
    query=form_data(
        {
            "date_from": field(DIARY_DATE, DATES_AS_TEXT),
            "date_to": field(DIARY_DATE, DATES_AS_TEXT),
            "severity_min": field(SEVERITY, BAD_SEVERITY),
            "severity_max": field(SEVERITY, BAD_SEVERITY),
            "location": field(term_ref("location"), wrong_term_ref("location")),
            "page": PAGE,
        },
        extra=False,
    ),
)
# Edge values found by fuzzing: the last and first dates Python knows, an id beyond 64 bits.
@example(zone="UTC", query={"date_to": "9999-12-31"})
@example(zone="Etc/GMT-14", query={"date_from": "0001-01-01"})
@example(zone="UTC", query={"location": str(2**63)})
def test_the_episode_list_filters_never_fail(client, patient, known, zone, query):
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        assert checked(client.get("/episodes/", resolve(query, known))).status_code == 200


@fuzz
@given(
    zone=ZONES,
    data=form_data(
        {
            "day": field(days_from_today(-20, 0), st.one_of(days_from_today(1, 3), DATES_AS_TEXT)),
            "status": field(st.sampled_from(["none", "cramps"]), st.sampled_from(["None", "", "had_cramps"])),
            "from": field(
                st.sampled_from(["dashboard", "checkin", ""]),
                st.sampled_from(["https://evil.example/", "//evil.example/", "/\\evil.example"]),
            ),
        }
    ),
)
@example(zone="Etc/GMT+12", data={"day": "0001-01-01", "status": "none"})
@example(zone="Etc/GMT-14", data={"day": "9999-12-31", "status": "cramps"})
def test_checking_in_with_random_values_never_fails_and_keeps_one_valid_answer_per_day(
    client, patient, known, zone, data
):
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        response = checked(client.post("/checkin/", data))
        assert_record_keeps_its_rules(patient)
        if response.status_code == 302:
            assert_pages_still_open(client, "/dashboard/", "/checkin/")


# ---------------------------------------------------------------------------------------------
# Profile and medications
# ---------------------------------------------------------------------------------------------


@fuzz
@given(
    data=form_data(
        {
            "time_zone": field(ZONES, st.sampled_from(["utc", "Mars/Olympus_Mons", "../../etc/passwd", "+05:00"])),
            "conditions": field(
                st.lists(term_ref("condition"), max_size=3), st.lists(wrong_term_ref("condition"), min_size=1)
            ),
            "other_conditions": field(STORABLE_TEXT, REFUSED_TEXT),
            "reminder_time": field(
                st.sampled_from(["", "07:00", "21:45", "00:00", "23:45"]),
                st.sampled_from(["07:01", "24:00", "7am", "-01:00", "07:00:00"]),
            ),
        }
    )
)
@example(data={"time_zone": "UTC", "conditions": str(2**63)})
def test_the_profile_form_never_fails_and_stores_only_valid_values(client, patient, clinician, granted, known, data):
    with one_example():
        client.force_login(patient)
        response = checked(client.post("/profile/", resolve(data, known)))
        assert_record_keeps_its_rules(patient)
        if response.status_code == 302:
            assert_pages_still_open(client, "/dashboard/", "/insights/")  # now in the new time zone
            other_conditions = PatientProfile.objects.get(patient=patient).other_conditions
            assert_shown_escaped(client.get("/profile/"), other_conditions)
            if has_payload(other_conditions):
                assert_shown_escaped(signed_in(clinician).get(f"/clinic/patients/{patient.pk}/"), other_conditions)


MEDICATION_FIELDS = {
    "name": field(NAME.map(lambda name: name[:120]), st.one_of(REFUSED_TEXT, st.just(""))),
    "dose": field(STORABLE_TEXT, REFUSED_TEXT),
    "started_on": field(DIARY_DATE, DATES_AS_TEXT),
    "stopped_on": field(DIARY_DATE, DATES_AS_TEXT),
}


@fuzz
@given(data=form_data(MEDICATION_FIELDS))
@example(data={"name": '"><img src=x onerror=alert(1)>', "dose": "<script>alert(1)</script>"})
def test_adding_a_medication_never_fails_and_shows_its_name_escaped(client, patient, clinician, granted, data):
    before = pks(Medication, patient=patient)
    with one_example():
        client.force_login(patient)
        checked(client.post("/profile/medications/new/", data))
        assert_record_keeps_its_rules(patient)
        for medication in new_rows(Medication, before, patient=patient):
            assert_shown_escaped(client.get("/profile/"), medication.name, medication.dose)
            assert_shown_escaped(client.get(f"/profile/medications/{medication.uuid}/"), medication.name)
            assert_pages_still_open(client, "/insights/")  # compares the weeks before and after each start
            review = signed_in(clinician).get(f"/clinic/patients/{patient.pk}/")
            assert_shown_escaped(review, medication.name, medication.dose)


@fuzz
@given(data=form_data({**MEDICATION_FIELDS, "delete": field(st.sampled_from(["1", ""]))}))
def test_changing_a_medication_never_fails(client, patient, data):
    with one_example():
        medication = Medication.objects.create(patient=patient, name="Magnesium", dose="300 mg")
        client.force_login(patient)
        checked(client.post(f"/profile/medications/{medication.uuid}/", data))
        assert_record_keeps_its_rules(patient)


# ---------------------------------------------------------------------------------------------
# Sharing and the clinician's side
# ---------------------------------------------------------------------------------------------


@fuzz
@given(
    zone=ZONES,
    data=form_data(
        {
            "invited_email": field(
                st.one_of(st.just(""), st.emails().map(str), st.sampled_from(XSS_EMAILS)),
                st.one_of(EMAILS, st.just("a@example.org, b@example.org")),
            ),
            "access_ends_on": field(
                st.one_of(st.just(""), days_from_today(1, 400)), st.one_of(days_from_today(-400, -2), DATES_AS_TEXT)
            ),
        }
    ),
)
@example(zone="Etc/GMT-14", data={"invited_email": '"<script>alert(1)</script>"@example.org', "access_ends_on": ""})
def test_inviting_a_clinician_never_fails_and_mails_only_the_invited_address(client, patient, zone, data):
    before = pks(CareGrant, patient=patient)
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        with TestCase.captureOnCommitCallbacks(execute=True):  # invitations are e-mailed once stored
            checked(client.post("/sharing/", data))
        assert_record_keeps_its_rules(patient)
        grants = new_rows(CareGrant, before, patient=patient)
        assert len(grants) <= 1
        assert [message.recipients() for message in mail.outbox] == [
            [grant.invited_email] for grant in grants if grant.invited_email
        ]
        for grant in grants:
            assert grant.status == CareGrant.Status.INVITED
            assert_shown_escaped(client.get("/sharing/"), grant.invited_email)


@fuzz
@given(
    member=st.sampled_from(["clinician", "clinician", "unverified_clinician", "patient"]),
    code=st.one_of(
        st.sampled_from([Ref("code"), Ref("code_lower"), Ref("code_spaced"), Ref("code_wrapped")]),
        HOSTILE,
    ),
)
def test_accepting_an_invitation_with_random_codes_never_fails_or_grants_the_wrong_account(
    other_patient, clinician, unverified_clinician, patient, invitation, member, code
):
    known = {
        "code": invitation.code,
        "code_lower": invitation.code.lower(),
        "code_spaced": f"  {invitation.code.replace('-', ' ')}  ",
        "code_wrapped": f"<b>{invitation.code}</b>",
    }
    cast = {"clinician": clinician, "unverified_clinician": unverified_clinician, "patient": patient}
    with one_example():
        response = checked(signed_in(cast[member]).post("/clinic/accept/", {"code": resolve(code, known)}))
        assert_record_keeps_its_rules(other_patient)
        active = CareGrant.objects.filter(status=CareGrant.Status.ACTIVE, patient=other_patient)
        assert set(active.values_list("clinician_id", flat=True)) <= {clinician.pk}
        if member == "patient":
            assert response.status_code == 403


NOTE_FIELDS = {
    "text": field(
        STORABLE_TEXT.map(lambda text: non_blank(text, "Seen today.")), st.one_of(REFUSED_TEXT, st.just("   "))
    ),
    "episode": field(
        st.sampled_from(["", Ref("own_episode")]),
        st.sampled_from([Ref("other_episode"), Ref("random_uuid"), "not-a-uuid"]),
    ),
    # The page the note was written on: a note from the page of entries goes back there (never off the site).
    "next": field(
        st.sampled_from(["", "/clinic/", "/episodes/?page=2"]),
        st.sampled_from(["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]),
    ),
}


@fuzz
@given(data=form_data(NOTE_FIELDS))
@example(data={"text": "<script>alert(1)</script>", "episode": ""})
@example(data={"text": '"><img src=x onerror=alert(1)>', "episode": Ref("own_episode")})
def test_a_granted_clinicians_notes_never_fail_and_are_shown_escaped_to_both(
    client, patient, clinician, granted, known, data
):
    before = pks(ClinicianNote, patient=patient)
    with one_example():
        client.force_login(clinician)
        response = checked(client.post(f"/clinic/patients/{patient.pk}/notes/", resolve(data, known)))
        assert response.status_code == 302
        assert_record_keeps_its_rules(patient)
        for note in new_rows(ClinicianNote, before, patient=patient):
            assert note.author_id == clinician.pk
            # A note on an entry is shown in its row, on the page of entries; a note on the patient on the review.
            clinic_page = f"/clinic/patients/{patient.pk}/{'entries/' if note.episode else ''}"
            assert_shown_escaped(client.get(clinic_page), note.text)
            page = f"/episodes/{note.episode.uuid}/" if note.episode else "/sharing/"
            assert_shown_escaped(signed_in(patient).get(page), note.text)


@fuzz
@given(
    member=st.sampled_from(["patient", "other_patient", "unverified_clinician", "clinician_without_grant", "staff"]),
    data=form_data(NOTE_FIELDS),
)
def test_notes_from_anyone_but_a_granted_clinician_are_refused_and_not_stored(
    patient, other_patient, unverified_clinician, clinician_without_grant, staff, granted, known, member, data
):
    cast = {
        "patient": patient,
        "other_patient": other_patient,
        "unverified_clinician": unverified_clinician,
        "clinician_without_grant": clinician_without_grant,
        "staff": staff,
    }
    with one_example():
        response = checked(signed_in(cast[member]).post(f"/clinic/patients/{patient.pk}/notes/", resolve(data, known)))
        assert response.status_code in (403, 404)
        assert not ClinicianNote.objects.exists()


@fuzz
@given(
    name=NAME.map(lambda name: name[:150]),
    query=form_data(
        {
            "sort": field(
                st.sampled_from(
                    ["name", "-name", "recent", "-recent", "warnings", "-worst", "-warnings", "-last_checkin"]
                ),
                st.sampled_from(["-", "--name", "password", "full_name", "pk", "-id", "?"]),
            ),
            "page": PAGE,
        },
        extra=False,
    ),
)
@example(name="<script>alert(1)</script>", query={"sort": "<script>alert(1)</script>"})
def test_the_clinic_list_never_fails_and_shows_patient_names_escaped(client, patient, clinician, granted, name, query):
    with one_example():
        patient.full_name = name
        patient.save(update_fields=["full_name"])
        client.force_login(clinician)
        response = checked(client.get("/clinic/", query))
        assert response.status_code == 200
        assert_shown_escaped(response, name)  # one patient: every page number shows the first page


PERIOD_FIELDS = {"start": field(DIARY_DATE, DATES_AS_TEXT), "end": field(DIARY_DATE, DATES_AS_TEXT)}


@fuzz
@given(
    zone=ZONES,
    page=st.sampled_from(["", "report/", "export.csv", "export/json/", "export/fhir/"]),
    query=form_data(
        {
            **PERIOD_FIELDS,
            "severity_min": field(SEVERITY, BAD_SEVERITY),
            "location": field(term_ref("location"), wrong_term_ref("location")),
            "page": PAGE,
        },
        extra=False,
    ),
)
@example(zone="UTC", page="", query={"start": "9999-12-30", "end": "9999-12-31"})
@example(zone="UTC", page="report/", query={"start": "9999-12-30", "end": "9999-12-31"})
@example(zone="UTC", page="export.csv", query={"start": "9999-12-30", "end": "9999-12-31"})
def test_the_review_report_and_exports_never_fail_whatever_the_period(
    client, patient, clinician, granted, known, zone, page, query
):
    with one_example():
        set_zone(patient, zone)
        client.force_login(clinician)
        response = checked(client.get(f"/clinic/patients/{patient.pk}/{page}", resolve(query, known)))
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)  # the CSV is produced while it is sent


@fuzz
@given(zone=ZONES, query=form_data(PERIOD_FIELDS, extra=False))
@example(zone="UTC", query={"start": "9999-12-30", "end": "9999-12-31"})
@example(zone="Etc/GMT-14", query={"start": "0001-01-01", "end": "0001-01-02"})
def test_the_insights_period_never_fails(client, patient, zone, query):
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        assert checked(client.get("/insights/", query)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Importing a file
# ---------------------------------------------------------------------------------------------


def upload(content: bytes, name: str = "cramps.csv", content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


FILE_NAMES = st.sampled_from(
    ["cramps.csv", "../../etc/passwd", "<script>alert(1)</script>.csv", "é😀.csv", ".csv", "a"]
)
CONTENT_TYPES = st.sampled_from(["text/csv", "application/octet-stream", "image/png", "text/html", ""])
BYTE_PREFIXES = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n"])


@fuzz
@given(
    prefix=BYTE_PREFIXES,
    content=st.binary(max_size=2_000),
    name=FILE_NAMES,
    content_type=CONTENT_TYPES,
)
@example(prefix=b"\xef\xbb\xbf", content=b"", name="cramps.csv", content_type="text/csv")  # a byte-order mark only
def test_importing_random_bytes_never_fails_and_stores_nothing_invalid(
    client, patient, prefix, content, name, content_type
):
    before = pks(Episode, patient=patient)
    with one_example():
        client.force_login(patient)
        checked(client.post("/import/", {"file": upload(prefix + content, name, content_type)}))
        assert_record_keeps_its_rules(patient)
        assert_new_episodes_are_shown_escaped(client, patient, before)


def iso_moments(moments: st.SearchStrategy) -> st.SearchStrategy:
    return moments.map(lambda moment: moment.isoformat(timespec="minutes"))


CSV_CELLS = {
    "started_local": field(
        iso_moments(minutes_ago(60, 3 * 365 * 24 * 60)),
        st.one_of(
            iso_moments(minutes_ago(-10 * 365 * 24 * 60, -60)),  # in the future
            minutes_ago(60, 10_000).map(lambda moment: moment.replace(tzinfo=None).isoformat()),  # no offset
            BAD_OFFSET_START,
            DATES_AS_TEXT,
        ),
    ),
    "started_utc": field(st.just(""), TEXT),
    "severity_0_10": field(SEVERITY, BAD_SEVERITY),
    "duration_seconds": field(
        st.one_of(st.just(""), st.integers(min_value=1, max_value=86_400).map(str)),
        st.one_of(BAD_COUNT, st.sampled_from(["0", "86401"])),
    ),
    "locations": field(
        st.sampled_from(["Calf (left)", "Calf (right); Foot or toes (both sides)", "calf (BOTH)", ""]),
        st.sampled_from(["Calf", "Calf (middle)", "Nowhere (left)", "Calf (left", "(left)", "Calf ((left))"]),
    ),
    "woke_from_sleep": field(st.sampled_from(["yes", "no", "", "Y", "TRUE"]), st.just("maybe")),
    "activity": field(st.sampled_from(["", "Asleep", "walking", " lying-down "]), st.just("Flying")),
    "triggers": field(st.sampled_from(["", "Cold; Dehydration", "cold;;heat"]), st.just("Moonlight")),
    "symptoms": field(st.sampled_from(["", "Twitching"]), st.just("Calf")),
    "relief_tried": field(st.sampled_from(["", "Stretching; Massage"]), st.just("Prayer")),
    "relief_effect": field(st.sampled_from(["", "A lot", "none", "complete"]), st.just("very")),
    "medication_taken": field(STORABLE_TEXT, REFUSED_TEXT),
    "notes": field(
        st.one_of(STORABLE_TEXT, st.sampled_from(["=1+1", "'=1+1", "+SUM(A1)", "-2", "@cmd", "'plain"])),
        REFUSED_TEXT,
    ),
}


def joined(cell, delimiter: str) -> str:
    """A hostile list drawn for one cell becomes several cells."""
    return cell if isinstance(cell, str) else delimiter.join(cell)


@st.composite
def csv_files(draw) -> bytes:
    """Text that is, or nearly is, a CSV exported from CrampApp: the right header (mostly), then rows
    of plausible and hostile cells."""
    clean = draw(st.booleans())  # otherwise a broken header, delimiter, row shape or ending too
    delimiter = draw(st.sampled_from([",", ";", "\t"] if clean else [",", ";", "\t", "|", " "]))
    headers = [st.just(list(COLUMNS)), st.permutations(COLUMNS), st.just([f" {name.upper()} " for name in COLUMNS])]
    header = draw(st.one_of(*headers) if clean else st.one_of(*headers, st.lists(TEXT, max_size=14)))
    names = [name.strip().lower() for name in header]
    rows = [
        [joined(row.get(name, ""), delimiter) for name in names]
        for row in draw(
            st.lists(
                form_data(CSV_CELLS, extra=False, hostile_percents=(0,) if clean else (0, 10, 50, 100)),
                min_size=1 if clean else 0,
                max_size=4,
            )
        )
    ]
    if not clean:
        rows += draw(st.lists(st.lists(SCALAR, max_size=15), max_size=2))  # rows of the wrong shape
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue() + draw(st.sampled_from(["", "\n\n\n"] if clean else ['"unclosed', "\x00", "\n,,,"]))
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode()


@fuzz
@given(content=csv_files())
def test_importing_random_csv_text_never_fails_and_stores_only_valid_cramps(
    client, patient, clinician, granted, content
):
    before = pks(Episode, patient=patient)
    with one_example():
        client.force_login(patient)
        checked(client.post("/import/", {"file": upload(content)}))
        assert_record_keeps_its_rules(patient)
        assert_new_episodes_are_shown_escaped(client, patient, before, clinician)


@fuzz
@given(value=HOSTILE)
def test_an_import_without_a_file_is_a_form_error(client, patient, value):
    with one_example():
        client.force_login(patient)
        assert checked(client.post("/import/", {"file": value})).status_code == 200
        assert not Episode.objects.filter(patient=patient).exists()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet=CHARACTERS, max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def json_paths(document, prefix=()) -> list[tuple]:
    """Every place in a JSON document, as the keys and indexes that lead to it."""
    paths = [prefix]
    items = (
        document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else ()
    )
    for key, value in items:
        paths += json_paths(value, (*prefix, key))
    return paths


def replaced(document, path: tuple, value):
    if not path:
        return value
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = replaced(document[path[0]], path[1:], value)
    return copy


def backup_of(client: Client, patient: User) -> dict:
    """A backup of a small record: a full cramp, a night tally, a check-in, a medicine."""
    now = timezone.now()
    details = {
        "severity": 6,
        "notes": "=1+2 <b>",
        "locations": [LocationChoice(Term.objects.filter(kind=Term.Kind.LOCATION).first(), "left")],
    }
    episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=now - dt.timedelta(days=2), **details),
    )
    night = (now - dt.timedelta(days=4)).astimezone(patient.zone).date()
    tally = EpisodeDetails(started_at=None, severity=5, entry_type=EntryType.NIGHT, cramp_count=3, tally_date=night)
    episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=tally)
    medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=night)
    client.force_login(patient)
    return json.loads(checked(client.get("/export/json/")).getvalue())


@fuzz
@given(data=st.data(), value=JSON_VALUES)
def test_importing_an_edited_backup_never_fails_and_changes_all_or_nothing(client, patient, other_patient, data, value):
    with one_example():
        document = backup_of(client, patient)
        path = data.draw(st.sampled_from(json_paths(document)))
        content = json.dumps(replaced(document, path, value)).encode()
        client.force_login(other_patient)
        before = pks(Episode, patient=other_patient), pks(CheckIn, patient=other_patient)
        response = checked(client.post("/import/", {"file": upload(content, "backup.json"), "record_is_mine": "on"}))
        after = pks(Episode, patient=other_patient), pks(CheckIn, patient=other_patient)
        if response.status_code == 200:
            assert after == before, "a refused backup changed the account"
            assert response.context["form"].errors["file"]
        assert_record_keeps_its_rules(other_patient)


# Text that starts like a formula, or like one a quote disarmed ("'=1", "''+1"), or like neither.
FORMULA_LIKE_TEXT = st.builds(
    lambda quotes, start, rest: "'" * quotes + start + rest,
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["", "a", " ", *FORMULA_STARTS]),
    TEXT_NO_NUL,
)


@settings(max_examples=500, deadline=None, database=None)
@given(text=st.one_of(FORMULA_LIKE_TEXT, st.text(alphabet=CHARACTERS)))
def test_reading_a_cell_back_undoes_exactly_what_writing_it_did(text):
    written = _cell(text)
    assert not written.startswith(FORMULA_STARTS)
    assert cell_text(written) == text


@fuzz
@given(notes=st.lists(FORMULA_LIKE_TEXT, min_size=1, max_size=4, unique=True))
@example(notes=["'=1+1", "=1+1", "''=1+1", "'"])
def test_notes_come_back_exactly_from_a_csv_export_imported_into_another_diary(client, patient, other_patient, notes):
    with one_example():
        start = timezone.now() - dt.timedelta(days=1)
        for minutes, note in enumerate(notes):  # a minute apart: the same minute and place is the same cramp
            EpisodeFactory(patient=patient, started_at=start - dt.timedelta(minutes=minutes), notes=note)
        client.force_login(patient)
        exported = b"".join(checked(client.get("/export/csv/")).streaming_content)
        client.force_login(other_patient)
        checked(client.post("/import/", {"file": upload(exported)}))
        imported = Episode.objects.filter(patient=other_patient).values_list("notes", flat=True)
        assert sorted(imported) == sorted(notes)


# ---------------------------------------------------------------------------------------------
# Time zone offsets no zone has, deep JSON, and the offline sync
# ---------------------------------------------------------------------------------------------


@fuzz
@given(zone=ZONES, started_at=BAD_OFFSET_START, url=st.sampled_from(["/episodes/new/?mode=quick", "/episodes/new/"]))
@example(zone="UTC", started_at="2026-12-06T10:00+20:00", url="/episodes/new/?mode=quick")
@example(zone="UTC", started_at="2026-12-06T10:00+99:99", url="/episodes/new/")
def test_an_offset_beyond_15_59_is_a_message_next_to_the_time_on_both_forms(
    client, patient, known, zone, started_at, url
):
    data = {
        "client_id": str(uuid.uuid4()),
        "severity": "5",
        "started_at": started_at,
        "locations": [Ref("location", 0, "left")],
    }
    before = pks(Episode, patient=patient)
    with one_example():
        set_zone(patient, zone)
        client.force_login(patient)
        response = checked(client.post(url, resolve(data, known)))
        assert response.status_code == 200
        assert response.context["form"].errors["started_at"][0].startswith(OFFSET_MESSAGE)
        assert not new_rows(Episode, before, patient=patient)


@fuzz
@given(started_at=BAD_OFFSET_START)
@example(started_at="2026-03-01T03:10+16:00")
def test_a_csv_row_with_an_offset_beyond_15_59_is_refused_by_name(client, patient, started_at):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([{"started_local": started_at, "severity_0_10": "5"}.get(name, "") for name in COLUMNS])
    with one_example():
        client.force_login(patient)
        response = checked(client.post("/import/", {"file": upload(buffer.getvalue().encode())}))
        assert f"Row 2: started_local: {OFFSET_MESSAGE}" in response.content.decode()
        assert not Episode.objects.filter(patient=patient).exists()


def sync(client: Client, body: str):
    return client.post("/episodes/sync/", body, content_type="application/json")


def nested(depth: int, opening: str, closing: str, leaf: str) -> str:
    return opening * depth + leaf + closing * depth


# What a field of a synced entry may hold: JSON scalars, hostile text (bidi overrides included), an offset.
SYNC_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    SCALAR,
    BAD_OFFSET_START,
)


@fuzz
@given(
    started_at=st.one_of(BAD_OFFSET_START, local_minutes(minutes_ago(60, 10_000)).map(lambda text: text + "Z")),
    fields=st.dictionaries(st.sampled_from(["client_id", "severity", "location", "patient", "extra"]), SYNC_VALUE),
)
@example(started_at="2026-12-06T10:00:00+2359", fields={})
def test_the_offline_sync_never_fails_and_refuses_offsets_beyond_15_59_with_a_400(client, patient, started_at, fields):
    entry = {"client_id": str(uuid.uuid4()), "severity": 5, "patient": patient.pk, **fields, "started_at": started_at}
    with one_example():
        client.force_login(patient)
        response = checked(sync(client, json.dumps(entry)))
        if not started_at.endswith("Z"):
            assert not Episode.objects.filter(patient=patient).exists()
            if not fields:  # nothing else wrong with the entry: the offset is what it is refused for
                assert response.status_code == 400
                assert OFFSET_MESSAGE in response.json()["message"]
        assert_record_keeps_its_rules(patient)


@fuzz
@given(
    depth=st.integers(min_value=1, max_value=1_000),
    brackets=st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"b":', "}]")]),
    leaf=st.sampled_from(["", "1", '"\\"', '"[{"', "null"]),
    closed=st.booleans(),
    where=st.sampled_from(["body", "client_id", "started_at"]),
)
@example(depth=1_000, brackets=("[", "]"), leaf="", closed=True, where="body")
@example(depth=999, brackets=("[", "]"), leaf="1", closed=True, where="client_id")
def test_a_sync_body_nested_up_to_a_thousand_deep_never_fails(client, patient, depth, brackets, leaf, closed, where):
    opening, closing = brackets
    value = nested(depth, opening, closing if closed else "", leaf)
    body = value if where == "body" else json.dumps({"severity": 5, where: "x"}).replace('"x"', value)
    with one_example():
        client.force_login(patient)
        response = checked(sync(client, body))
        assert response.status_code in (400, 413, 422), response.status_code
        if depth >= 100 and response.status_code == 400:
            assert "nested too deeply" in response.json()["message"]
        assert not Episode.objects.filter(patient=patient).exists()


# ---------------------------------------------------------------------------------------------
# Names with bidirectional controls
# ---------------------------------------------------------------------------------------------

# Characters that reorder what follows them: overrides, embeddings, isolates and marks.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_AROUND = st.text(alphabet=st.sampled_from(BIDI_CONTROLS + "abc ()<>&"), max_size=6)


def bidi_name(core: str) -> st.SearchStrategy:
    """A name with bidi controls around `core`, which tells it apart from any other text on a page. Quotes are
    left out: Django's templates and Jinja2's escape them differently."""
    return st.builds(lambda before, after: f"{before}{core}{after}", BIDI_AROUND, BIDI_AROUND)


def assert_isolated(response, name: str) -> None:
    """The name is on the page and, outside its title, always inside its own <bdi>."""
    checked(response)
    assert response.status_code == 200
    body = re.sub(r"<title>.*?</title>", "", response.content.decode(), flags=re.S)
    shown = escape(name)
    assert shown in body
    assert body.count(shown) == body.count(f"<bdi>{shown}</bdi>"), name


@fuzz
@given(patient_name=bidi_name("Pat Zed"), caregiver_name=bidi_name("Cara Quux"), clinician_name=bidi_name("Dr Vex"))
@example(patient_name="\u202ePat Zed", caregiver_name="Cara Quux (\u202e", clinician_name="Dr Vex\u202e")
def test_names_with_bidi_controls_never_fail_and_are_isolated_from_our_words(
    client, patient, clinician, granted, patient_name, caregiver_name, clinician_name
):
    with one_example():
        patient.full_name = patient_name
        patient.save(update_fields=["full_name"])
        clinician.full_name = clinician_name
        clinician.save(update_fields=["full_name"])
        caregiver = CaregiverFactory(full_name=caregiver_name)
        grant_care(patient, caregiver)
        episode = EpisodeFactory(patient=patient, created_by=caregiver)
        ClinicianNote.objects.create(patient=patient, author=clinician, episode=episode, text="Stretch first.")
        client.force_login(patient)
        assert_isolated(client.get("/episodes/"), caregiver_name)
        assert_isolated(client.get("/sharing/"), caregiver_name)
        client.force_login(caregiver)
        assert_isolated(client.get(f"/care/patients/{patient.pk}/"), patient_name)
        client.force_login(clinician)
        assert_isolated(client.get("/clinic/"), patient_name)
        assert_isolated(client.get(f"/clinic/patients/{patient.pk}/"), patient_name)
        entries = client.get(f"/clinic/patients/{patient.pk}/entries/")
        for name in (patient_name, caregiver_name, clinician_name):
            assert_isolated(entries, name)


# ---------------------------------------------------------------------------------------------
# Guidance search
# ---------------------------------------------------------------------------------------------


@fuzz
@given(q=st.one_of(HOSTILE, st.sampled_from(["cramp", "CRAMP nerve", "magnésium", "%", "_"])))
@example(q="<script>alert(1)</script>")
def test_searching_the_guidance_never_fails_and_shows_the_query_escaped(client, guidance_pages, q):
    with one_example():
        assert checked(client.get("/learn/", {"q": q})).status_code == 200


# ---------------------------------------------------------------------------------------------
# Tampered ids in the URL
# ---------------------------------------------------------------------------------------------

# Random text for a path segment; "new" (and a "/", which splits the segment) name real pages.
SEGMENT = st.one_of(
    st.uuids().map(str),
    st.text(alphabet=CHARACTERS, max_size=40),
    st.sampled_from(SQL_PAYLOADS + XSS_PAYLOADS + ("..", ".", "%2e%2e", "0", "-1", "9" * 30)),
).filter(lambda segment: "/" not in segment and segment not in {"new"})


# Pages only one role may open at all; the others are gated by object access alone (404).
ROLE_GATES = {"/sharing/{}/end/": "patient", "/clinic/patients/{}/notes/": "clinician"}


@fuzz
@given(
    template=st.sampled_from(
        [
            "/episodes/{}/",
            "/episodes/{}/edit/",
            "/episodes/{}/delete/",
            "/profile/medications/{}/",
            "/sharing/{}/end/",
            "/clinic/patients/{}/",
            "/clinic/patients/{}/entries/",
            "/clinic/patients/{}/report/",
            "/clinic/patients/{}/notes/",
            "/clinic/patients/{}/export.csv",
        ]
    ),
    segment=st.one_of(
        SEGMENT,
        st.sampled_from([Ref("other_episode"), Ref("other_patient"), Ref("random_uuid")]),
        st.integers(min_value=-1, max_value=10**30).map(str),
    ),
    member=st.sampled_from(["patient", "clinician"]),
    method=st.sampled_from(["get", "post"]),
)
@example(template="/clinic/patients/{}/", segment=str(2**63), member="clinician", method="get")
@example(template="/clinic/patients/{}/report/", segment="9" * 30, member="patient", method="get")
def test_a_tampered_id_in_the_url_gives_404_or_405(
    patient, other_patient, clinician, granted, known, template, segment, member, method
):
    segment = resolve(segment, {**known, "other_patient": other_patient.pk})
    assume(segment.lstrip("0") != str(patient.pk))  # the patient's own id is a real page for both
    cast = {"patient": patient, "clinician": clinician}
    counts = (Episode.objects.count(), Medication.objects.count(), CareGrant.objects.filter(status="active").count())
    with one_example():
        url = template.format(quote(segment, safe=""))
        response = checked(getattr(signed_in(cast[member]), method)(url, {"text": "note", "delete": "1"}))
        # The role gate (403) comes before any lookup on pages for the other role only.
        allowed = (403, 404, 405) if ROLE_GATES.get(template, member) != member else (404, 405)
        assert response.status_code in allowed, (url, response.status_code)
        assert counts == (
            Episode.objects.count(),
            Medication.objects.count(),
            CareGrant.objects.filter(status="active").count(),
        )


@fuzz
@given(
    template=st.sampled_from(["/export/{}/", "/reminders/{}/", "/learn/{}/"]),
    segment=SEGMENT,
    method=st.sampled_from(["get", "post"]),
)
def test_random_export_formats_reminder_tokens_and_guidance_slugs_never_fail(
    client, patient, template, segment, method
):
    with one_example():
        client.force_login(patient)
        response = checked(getattr(client, method)(template.format(quote(segment, safe=""))))
        assert response.status_code in (400, 403, 404, 405, 410)
        assert not CheckIn.objects.exists()


# ---------------------------------------------------------------------------------------------
# CSRF
# ---------------------------------------------------------------------------------------------

CSRF_POSTS = {
    "/episodes/new/?mode=quick": {"client_id": str(uuid.UUID(int=7)), "severity": "5"},
    "/checkin/": {"day": "{today}", "status": "none"},
    "/profile/medications/new/": {"name": "Magnesium"},
    "/sharing/": {"invited_email": ""},
    "/accounts/logout/": {},
}


@fuzz
@given(
    url=st.sampled_from(sorted(CSRF_POSTS)),
    token=st.one_of(st.none(), TEXT_NO_NUL, st.just("a" * 64)),
    in_header=st.booleans(),
)
def test_a_post_with_a_missing_or_tampered_csrf_token_is_refused(patient, url, token, in_header):
    data = {key: value.format(today=patient.today()) for key, value in CSRF_POSTS[url].items()}
    headers = {}
    if token is not None:
        if in_header:
            headers["X-CSRFToken"] = token
        else:
            data["csrfmiddlewaretoken"] = token
    counts = (Episode.objects.count(), CheckIn.objects.count(), Medication.objects.count(), CareGrant.objects.count())
    with one_example():
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient)
        assert "csrftoken" in client.get("/dashboard/").cookies  # the cookie is set: only the token is wrong
        assert checked(client.post(url, data, headers=headers)).status_code == 403
        assert counts == (
            Episode.objects.count(),
            CheckIn.objects.count(),
            Medication.objects.count(),
            CareGrant.objects.count(),
        )
        assert client.get("/dashboard/").status_code == 200  # still signed in: the logout was refused too


# ---------------------------------------------------------------------------------------------
# NUL characters
# ---------------------------------------------------------------------------------------------

# (page, the other values it needs, the text field that gets a NUL). The test client posts NUL
# bytes without trouble (multipart bodies and query strings), so no field filters them out.
NUL_TARGETS = [
    ("/episodes/new/", {"severity": "5", "locations": "LOCATION"}, "notes"),
    ("/episodes/new/", {"severity": "5", "locations": "LOCATION"}, "medication_taken"),
    ("/profile/", {"time_zone": "UTC"}, "other_conditions"),
    ("/profile/medications/new/", {"dose": "1 tablet"}, "name"),
    ("/profile/medications/new/", {"name": "Magnesium"}, "dose"),
    (
        "/accounts/signup/",
        {"email": "nul@example.org", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
        "full_name",
    ),
    ("/accounts/login/", {"login": "pat@example.org"}, "password"),
    ("/accounts/login/", {"password": TEST_PASSWORD}, "login"),
    ("/accounts/password/reset/", {}, "email"),
    ("/sharing/", {}, "invited_email"),
    ("/clinic/patients/{patient}/notes/", {}, "text"),
    ("/clinic/accept/", {}, "code"),
]


@fuzz
@given(
    target=st.sampled_from(NUL_TARGETS),
    before=st.text(alphabet=CHARACTERS_NO_NUL, max_size=10),
    after=st.text(alphabet=CHARACTERS, max_size=10),
)
def test_a_nul_character_in_a_text_field_is_a_form_error_not_a_500(
    patient, clinician, granted, known, target, before, after
):
    url, values, name = target
    url = url.format(patient=patient.pk)
    member = clinician if url.startswith("/clinic/") else patient
    client = signed_in(member) if not url.startswith("/accounts/") else Client()
    data = {**values, name: f"{before}\x00{after}"}
    if data.get("locations") == "LOCATION":
        # Everything else valid, so the NUL is the only reason to refuse the cramp.
        two_hours_ago = (timezone.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        data.update(client_id=str(uuid.uuid4()), started_at=two_hours_ago, locations=f"{known['location'][0]}:left")
    with one_example():
        response = checked(client.post(url, data, follow=True))
        assert response.status_code == 200
        assert NULL_CHARACTER_ERROR in response.content.decode()
        assert_record_keeps_its_rules(patient)
        assert not Medication.objects.exists()
        assert not ClinicianNote.objects.exists()
        assert not CareGrant.objects.exclude(pk=granted.pk).exists()
        assert not User.objects.filter(email="nul@example.org").exists()
