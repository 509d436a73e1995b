"""Staff run the admin without seeing patients' health data, and sign in to it with two factors."""

import datetime as dt
import re
import uuid

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from questionnaires.models import Instrument, QuestionnaireResponse, Schedule
from tracker.diary.services import (
    EpisodeDetails,
    LocationChoice,
    checkin_record,
    episode_create,
    medication_add,
    profile_update,
)
from tracker.diary.services.own_words import own_word_add
from tracker.models import (
    AccessLog,
    CareGrant,
    CheckIn,
    ClinicianNote,
    ClinicSummary,
    Episode,
    EpisodeLocation,
    EpisodeTerm,
    Medication,
    MedicationStep,
    PatientCondition,
    PatientProfile,
)
from tracker.sharing.services import invitation_create, note_add

from .factories import TEST_PASSWORD, CaregiverFactory, StaffFactory, grant_access, term

pytestmark = pytest.mark.django_db

DOSE = "10 mg at night"
INVITED = "dr.later@example.org"
NOTE = "Calf cramps mostly at night."
DETAIL = "night tally 2026-03-02: 6 cramps"


@pytest.fixture
def record(patient, clinician):
    """A patient with three cramps, a medicine, a check-in, a clinician, an open invitation and a note."""
    profile_update(
        patient=patient,
        time_zone="Europe/London",
        conditions=[term("condition", "multiple-sclerosis")],
        other_conditions="Hypothyroidism",
        reminder_time=dt.time(20, 0),
    )
    medication_add(patient=patient, name="Baclofen", dose=DOSE, started_on=patient.today())
    for hours_ago in (30, 20, 2):
        episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=timezone.now() - dt.timedelta(hours=hours_ago),
                severity=7,
                locations=[LocationChoice(location=term("location", "calf"), side="left")],
                triggers=[term("trigger", "cold")],
            ),
        )
    checkin_record(patient=patient, created_by=patient, day=patient.today() - dt.timedelta(days=5), status="none")
    grant_access(patient, clinician)
    invitation_create(patient=patient, invited_email=INVITED)
    note_add(author=clinician, patient=patient, text=NOTE)
    return patient


def assert_shows_no_health_data(html: str) -> None:
    for private in (DOSE, "Baclofen", "7/10", "out of 10", "Calf (left)", INVITED, NOTE, "Multiple sclerosis"):
        assert private not in html


class TestDeletingAPatient:
    def test_the_delete_page_counts_the_rows_by_kind_and_shows_none_of_them(self, client, staff, record):
        client.force_login(staff)
        response = client.get(reverse("admin:accounts_user_delete", args=[record.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        for count in ("3 episodes", "1 medication", "1 medication step", "2 care grants", "1 clinician note"):
            assert f"<li>{count}</li>" in html
        assert re.search(r"<li>\d+ check ins?</li>", html)
        assert_shows_no_health_data(html)

    def test_the_delete_selected_action_counts_them_too(self, client, staff, record):
        client.force_login(staff)
        response = client.post(
            reverse("admin:accounts_user_changelist"), {"action": "delete_selected", "_selected_action": [record.pk]}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "<li>3 episodes</li>" in html
        assert_shows_no_health_data(html)

    def test_an_account_without_health_data_is_still_deleted(self, client, staff):
        departed = StaffFactory(email="departed@example.org")
        client.force_login(staff)
        url = reverse("admin:accounts_user_delete", args=[departed.pk])
        page = client.get(url).content.decode()
        assert "<li>1 user</li>" in page
        assert "<li>1 authenticator</li>" in page
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not User.objects.filter(pk=departed.pk).exists()

    def test_an_account_deleted_by_staff_is_signed_out_everywhere(self, client, staff):
        departed = CaregiverFactory(email="carer@example.org")
        elsewhere = Client()
        response = elsewhere.post(reverse("account_login"), {"login": departed.email, "password": TEST_PASSWORD})
        assert response.status_code == 302
        key = elsewhere.session.session_key
        assert Session.objects.filter(session_key=key).exists()
        client.force_login(staff)
        client.post(reverse("admin:accounts_user_delete", args=[departed.pk]), {"post": "yes"})
        assert not User.objects.filter(pk=departed.pk).exists()
        assert not Session.objects.filter(session_key=key).exists()


def test_health_rows_name_only_their_kind_and_id(record, clinician):
    instrument = Instrument.objects.first()
    Schedule.objects.create(patient=record, instrument=instrument, every_weeks=4, next_due=record.today())
    QuestionnaireResponse.objects.create(
        patient=record,
        instrument=instrument,
        instrument_version=instrument.version,
        answers={},
        score=3,
        answered_at=timezone.now(),
        answered_by=record,
    )
    AccessLog.objects.create(patient=record, clinician=clinician, action="view_log", detail=DETAIL)
    ClinicSummary.objects.get_or_create(patient=record)
    models = [
        PatientProfile,
        PatientCondition,
        Medication,
        MedicationStep,
        Episode,
        EpisodeLocation,
        EpisodeTerm,
        CheckIn,
        ClinicSummary,
        CareGrant,
        ClinicianNote,
        AccessLog,
        Schedule,
        QuestionnaireResponse,
    ]
    for model in models:
        row = model.objects.first()
        assert row is not None, model
        assert re.fullmatch(rf"[A-Z][a-z -]+ #{row.pk}", str(row)), (model, str(row))


class TestAccessLogAdmin:
    def test_the_list_and_the_entry_leave_out_what_was_looked_at(self, client, staff, patient, clinician):
        entry = AccessLog.objects.create(patient=patient, clinician=clinician, action="view_log", detail=DETAIL)
        client.force_login(staff)
        listing = client.get(reverse("admin:tracker_accesslog_changelist"))
        page = client.get(reverse("admin:tracker_accesslog_change", args=[entry.pk]))
        assert listing.status_code == page.status_code == 200
        for response in (listing, page):
            html = response.content.decode()
            assert "Opened the log" in html
            assert DETAIL not in html
            assert "6 cramps" not in html


class TestAuthenticatorAdmin:
    def test_staff_see_which_factors_a_clinician_has_but_not_their_secrets(self, client, staff, clinician):
        RecoveryCodes.activate(clinician)
        client.force_login(staff)
        listing = client.get(reverse("admin:mfa_authenticator_changelist")).content.decode()
        assert clinician.full_name in listing
        for authenticator in Authenticator.objects.filter(user=clinician):
            html = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk])).content.decode()
            assert authenticator.get_type_display() in html
            # A TOTP authenticator keeps its secret, recovery codes the seed they are derived from.
            secret = authenticator.data.get("secret") or authenticator.data["seed"]
            assert secret not in html
            assert secret not in listing
        assert clinician.totp_secret not in listing

    def test_staff_cannot_add_or_change_an_authenticator(self, client, staff, clinician):
        totp = Authenticator.objects.get(user=clinician, type=Authenticator.Type.TOTP)
        client.force_login(staff)
        assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
        response = client.post(reverse("admin:mfa_authenticator_change", args=[totp.pk]), {"data": "{}"})
        assert response.status_code == 403
        assert Authenticator.objects.get(pk=totp.pk).data == totp.data

    def test_removing_a_lost_authenticator_shows_no_secret(self, client, staff, clinician):
        totp = Authenticator.objects.get(user=clinician, type=Authenticator.Type.TOTP)
        client.force_login(staff)
        html = client.get(reverse("admin:mfa_authenticator_delete", args=[totp.pk])).content.decode()
        assert "TOTP Authenticator" in html
        assert clinician.totp_secret not in html
        assert str(totp.data["secret"]) not in html


class TestStaffSignIn:
    def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(self, client):
        staff = StaffFactory(authenticator_app=False)
        client.force_login(staff)
        for url in [reverse("admin:index"), reverse("admin:accounts_user_changelist"), "/admin/tracker/"]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == reverse("mfa_activate_totp")

    def test_staff_with_an_authenticator_app_get_in(self, client, staff):
        client.force_login(staff)
        assert client.get(reverse("admin:index")).status_code == 200

    def test_staff_are_signed_out_after_the_clinicians_idle_time(self, client, staff, settings):
        client.force_login(staff)
        client.get(reverse("admin:index"))
        assert client.session.get_expiry_age() == settings.CLINICIAN_IDLE_TIMEOUT_SECONDS
        Session.objects.filter(session_key=client.session.session_key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert not response.wsgi_request.user.is_authenticated


class TestVocabularyAdmin:
    def test_staff_edit_the_shared_words_but_never_see_a_patients_own(self, client, staff, patient):
        own = own_word_add(patient=patient, kind="trigger", label="Ironing marathon")
        shared = term("trigger", "cold")
        client.force_login(staff)
        listing = client.get(reverse("admin:tracker_term_changelist"), {"q": ""})
        assert listing.status_code == 200
        html = listing.content.decode()
        assert shared.label in html
        assert "Ironing marathon" not in html
        assert client.get(reverse("admin:tracker_term_change", args=[own.pk])).status_code == 302
        assert client.get(reverse("admin:tracker_term_change", args=[shared.pk])).status_code == 200
