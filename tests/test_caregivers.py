"""Caregivers: invited like clinicians, they read a patient's log and log cramps and check-ins for them.

Who may open which caregiver page is in test_access.py; this module covers the invitations, the
entries and their provenance, the patient's zone, the audit trail and the exports.
"""

import datetime as dt
import json
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.bundle import Bundle

from accounts.models import User
from accounts.names import isolated
from crampapp.dates import when
from tracker.diary.forms.tallies import TallyForm
from tracker.diary.services import EpisodeDetails, episode_create
from tracker.models import AccessLog, CareGrant, CheckIn, ClinicianNote, EntryType, Episode
from tracker.sharing.services import caregiver_invitation_accept, grant_end, invitation_accept, invitation_create

from .factories import CaregiverFactory, ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, grant_care
from .test_accounts import sign_up_and_confirm

pytestmark = pytest.mark.django_db

SHARING_URL = reverse("tracker:sharing")
CARE_ACCEPT_URL = reverse("tracker:care_accept")
CLINIC_ACCEPT_URL = reverse("tracker:accept")
ENTERED_BY = "entered by <bdi>Cara Giver</bdi> (caregiver)"


@pytest.fixture
def caregiver(db):
    return CaregiverFactory(email="cara@example.org", full_name="Cara Giver")


@pytest.fixture
def helping(patient, caregiver):
    """The caregiver helps the patient."""
    return grant_care(patient, caregiver)


def log_url(patient) -> str:
    return reverse("tracker:care_log", args=[patient.pk])


def new_url(patient, **query) -> str:
    url = reverse("tracker:care_episode_new", args=[patient.pk])
    return f"{url}?{'&'.join(f'{key}={value}' for key, value in query.items())}" if query else url


def tally_url(patient) -> str:
    return reverse("tracker:care_tally_new", args=[patient.pk])


def checkin_url(patient) -> str:
    return reverse("tracker:care_checkin", args=[patient.pk])


def caregiver_invitation(client, patient, **data):
    """The patient creates a caregiver invitation on the sharing page; returns (response, the new invitation)."""
    client.force_login(patient)
    fields = {f"caregiver-{name}": value for name, value in data.items()}
    response = client.post(SHARING_URL, {"role": "caregiver", **fields}, follow=True)
    return response, response.context["new_invitation"]


def code_errors(response) -> list[str]:
    return response.context["form"].errors.get("code", [])


def log_cramp(patient, by, started_at=None, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=by,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at or timezone.now() - dt.timedelta(hours=1), severity=6, **details),
    )
    return episode


class TestSignUp:
    def test_a_caregiver_signs_up_without_verification_and_can_accept_at_once(self, client, patient):
        data = {
            "full_name": "Cara Giver",
            "email": "cara@example.org",
            "role": "caregiver",
            "professional_details": "Smuggled details",
            "password1": "long-enough-passphrase-9",
            "password2": "long-enough-passphrase-9",
        }
        html = client.get(reverse("account_signup")).content.decode()
        assert 'value="caregiver"' in html
        sign_up_and_confirm(client, data)
        user = User.objects.get(email="cara@example.org")
        assert user.is_caregiver
        assert (user.professional_details, user.clinician_verified_at) == ("", None)
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        response = client.post(CARE_ACCEPT_URL, {"code": new.code})
        assert response["Location"] == log_url(patient)

    def test_the_database_refuses_an_unknown_role(self, caregiver):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.filter(pk=caregiver.pk).update(role="helper")


class TestInviting:
    def test_patient_creates_a_caregiver_invitation_with_its_own_link(self, client, patient):
        response, new = caregiver_invitation(client, patient)
        grant = CareGrant.objects.get(patient=patient)
        assert (grant.role, grant.status, grant.caregiver, grant.clinician) == ("caregiver", "invited", None, None)
        assert urlparse(new["link"]).path == CARE_ACCEPT_URL
        assert parse_qs(urlparse(new["link"]).query)["code"] == [new["code"]]
        html = response.content.decode()
        assert "Give your caregiver this code" in html
        assert new["code"] in html
        assert "Caregiver invitation, created" in html

    def test_a_caregiver_invitation_can_be_emailed(self, client, patient, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # it goes once the invitation is stored
            _, new = caregiver_invitation(client, patient, invited_email="cara@example.org")
        message = mail.outbox[0]
        assert message.to == ["cara@example.org"]
        assert "help keep their cramp log" in message.subject
        assert "caregiver account" in message.body
        assert new["link"] in message.body
        assert new["code"] in message.body

    @pytest.mark.parametrize(
        ("data", "field"),
        [({"invited_email": "not-an-address"}, "invited_email"), ({"access_ends_on": "2001-01-01"}, "access_ends_on")],
    )
    def test_bad_caregiver_invitation_input_is_shown_next_to_its_field(self, client, patient, data, field):
        client.force_login(patient)
        fields = {f"caregiver-{name}": value for name, value in data.items()}
        response = client.post(SHARING_URL, {"role": "caregiver", **fields})
        assert response.status_code == 200
        assert response.context["caregiver_form"].errors[field]
        assert not response.context["form"].is_bound
        assert f'id="div_id_caregiver-{field}"' in response.content.decode()
        assert not CareGrant.objects.exists()

    def test_a_clinician_invitation_is_still_the_default(self, client, patient):
        client.force_login(patient)
        response = client.post(SHARING_URL, {}, follow=True)
        assert CareGrant.objects.get().role == CareGrant.Role.CLINICIAN
        assert urlparse(response.context["new_invitation"]["link"]).path == CLINIC_ACCEPT_URL


class TestAccepting:
    def test_a_caregiver_accepts_and_lands_on_the_log(self, client, patient, caregiver):
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        client.force_login(caregiver)
        assert client.get(CARE_ACCEPT_URL, {"code": new.code}).context["form"].initial["code"] == new.code
        response = client.post(CARE_ACCEPT_URL, {"code": new.code.lower()}, follow=True)
        assert response.redirect_chain[0][0] == log_url(patient)
        assert (
            f"You can now log cramps for \N{FIRST STRONG ISOLATE}{patient.full_name}\N{POP DIRECTIONAL ISOLATE}."
            in response.content.decode()
        )
        grant = CareGrant.objects.get()
        assert (grant.status, grant.caregiver, grant.clinician) == ("active", caregiver, None)
        assert grant.accepted_at is not None

    @pytest.mark.parametrize(
        ("who", "message"),
        [
            ("clinician", "this is a clinician account"),
            ("unverified_clinician", "this is a clinician account"),
            ("patient", "This is your own invitation"),
            ("other_patient", "this is a patient account"),
        ],
    )
    def test_another_kind_of_account_is_told_why_next_to_the_field(self, client, request, patient, who, message):
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        client.force_login(request.getfixturevalue(who))
        response = client.post(CARE_ACCEPT_URL, {"code": new.code})
        assert response.status_code == 200
        assert any(message in error for error in code_errors(response))
        assert 'id="div_id_code"' in response.content.decode()
        grant = CareGrant.objects.get()
        assert (grant.status, grant.caregiver, grant.clinician, grant.accepted_at) == ("invited", None, None, None)

    def test_a_caregiver_code_is_refused_on_the_clinician_page(self, client, patient, clinician):
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        client.force_login(clinician)
        response = client.post(CLINIC_ACCEPT_URL, {"code": new.code})
        assert any("invites a caregiver, not a clinician" in error for error in code_errors(response))
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED

    def test_a_clinician_code_is_refused_on_the_caregiver_page(self, client, patient, caregiver):
        new = invitation_create(patient=patient)
        client.force_login(caregiver)
        response = client.post(CARE_ACCEPT_URL, {"code": new.code})
        assert any("invites a clinician, not a caregiver" in error for error in code_errors(response))
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED

    def test_a_caregiver_cannot_accept_on_the_clinician_page(self, patient, caregiver):
        new = invitation_create(patient=patient)
        with pytest.raises(ValidationError, match="This is a caregiver account"):
            invitation_accept(clinician=caregiver, code=new.code)
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED

    @pytest.mark.parametrize(
        ("setup", "message"),
        [
            ("wrong", "No invitation has this code"),
            ("expired", "This code has expired"),
            ("used", "already been used"),
            ("cancelled", "already been used or was cancelled"),
            ("malformed", "A code has 10 letters and digits"),
        ],
    )
    def test_a_bad_code_is_refused_with_a_clear_message(self, client, patient, caregiver, setup, message):
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        code = new.code
        if setup == "wrong":
            code = "ZZZZZ-ZZZZZ"
        elif setup == "expired":
            CareGrant.objects.update(invitation_expires_at=timezone.now() - dt.timedelta(seconds=1))
        elif setup == "used":
            caregiver_invitation_accept(caregiver=CaregiverFactory(), code=code)
        elif setup == "cancelled":
            CareGrant.objects.update(status=CareGrant.Status.CANCELLED)
        else:
            code = "<script>"
        client.force_login(caregiver)
        response = client.post(CARE_ACCEPT_URL, {"code": code})
        assert response.status_code == 200
        assert any(message in error for error in code_errors(response))
        assert "<script>" not in response.content.decode()
        assert not CareGrant.objects.filter(caregiver=caregiver).exists()

    def test_a_caregiver_already_helping_is_told_so(self, patient, caregiver, helping):
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        with pytest.raises(ValidationError, match="You already help"):
            caregiver_invitation_accept(caregiver=caregiver, code=new.code)
        assert CareGrant.objects.get(pk=new.grant.pk).status == CareGrant.Status.INVITED

    def test_guessing_codes_is_slowed_down(self, client, patient, caregiver):
        client.force_login(caregiver)
        for _ in range(10):
            client.post(CARE_ACCEPT_URL, {"code": "ZZZZZ-ZZZZZ"})
        new = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
        response = client.post(CARE_ACCEPT_URL, {"code": new.code})
        assert "Too many tries" in code_errors(response)[0]
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED


class TestGrantConstraints:
    def test_one_active_grant_per_patient_and_caregiver(self, patient, caregiver, helping):
        with pytest.raises(IntegrityError), transaction.atomic():
            grant_care(patient, caregiver)

    def test_a_caregiver_grant_never_names_a_clinician(self, patient, clinician):
        grant = CareGrant(
            patient=patient,
            role=CareGrant.Role.CAREGIVER,
            clinician=clinician,
            code_hash="x" * 64,
            invitation_expires_at=timezone.now(),
        )
        with pytest.raises(ValidationError):
            grant.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            grant.save()

    def test_an_active_caregiver_grant_names_its_caregiver(self, patient):
        grant = CareGrant(
            patient=patient,
            role=CareGrant.Role.CAREGIVER,
            status=CareGrant.Status.ACTIVE,
            accepted_at=timezone.now(),
            code_hash="y" * 64,
            invitation_expires_at=timezone.now(),
        )
        with pytest.raises(ValidationError):
            grant.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            grant.save()

    def test_a_patient_cannot_be_their_own_caregiver(self, patient):
        with pytest.raises(IntegrityError), transaction.atomic():
            grant_care(patient, patient)


class TestRevoking:
    def test_revoking_closes_every_caregiver_page_at_once(self, client, patient, caregiver, helping):
        entry = log_cramp(patient, caregiver)
        pages = [
            log_url(patient),
            new_url(patient),
            tally_url(patient),
            checkin_url(patient),
            reverse("tracker:care_episode_edit", args=[patient.pk, entry.uuid]),
            reverse("tracker:care_episode_delete", args=[patient.pk, entry.uuid]),
        ]
        client.force_login(caregiver)
        assert all(client.get(url).status_code == 200 for url in pages)
        client.force_login(patient)
        response = client.post(reverse("tracker:grant_end", args=[helping.uuid]), follow=True)
        assert "Cara Giver can no longer see your log or log cramps for you." in response.content.decode()
        assert "No caregiver logs for you." in response.content.decode()
        client.force_login(caregiver)
        # Told that the access ended (403), not shown a bare 404.
        assert [client.get(url).status_code for url in pages] == [403] * len(pages)
        assert client.post(new_url(patient), {"severity": "3"}).status_code == 403
        assert patient.full_name not in client.get(reverse("tracker:care_home")).content.decode()
        assert Episode.objects.filter(pk=entry.pk).exists()

    def test_an_end_date_closes_the_pages_after_that_day(self, client, patient, caregiver):
        grant = grant_care(patient, caregiver, access_ends_on=patient.today())
        client.force_login(caregiver)
        assert client.get(log_url(patient)).status_code == 200
        grant.access_ends_on = patient.today() - dt.timedelta(days=1)
        grant.save()
        assert client.get(log_url(patient)).status_code == 403
        assert client.get(checkin_url(patient)).status_code == 403

    def test_the_sharing_page_lists_caregivers_apart_from_clinicians(self, client, patient, caregiver, clinician):
        grant_care(patient, caregiver)
        grant_access(patient, clinician)
        client.force_login(patient)
        response = client.get(SHARING_URL)
        assert [grant.clinician for grant in response.context["active"]] == [clinician]
        assert [grant.caregiver for grant in response.context["caregivers"]] == [caregiver]
        assert (
            'Revoke access<span class="visually-hidden"> for <bdi>Cara Giver</bdi></span>' in response.content.decode()
        )


class TestChoosingWhom:
    def test_a_caregiver_for_two_patients_picks_one_and_sees_only_that_log(self, client, patient, other_patient):
        caregiver = CaregiverFactory(full_name="Cara Giver")
        grant_care(patient, caregiver)
        grant_care(other_patient, caregiver)
        EpisodeFactory(patient=patient, notes="Pat's cramp")
        EpisodeFactory(patient=other_patient, notes="Olive's cramp", severity=9)
        client.force_login(caregiver)
        html = client.get(reverse("tracker:care_home")).content.decode()
        assert f'href="{log_url(patient)}"' in html
        assert f'href="{log_url(other_patient)}"' in html
        assert html.index("Olive Other") < html.index("Pat Patient")
        pat_log = client.get(log_url(patient))
        assert [episode.patient for episode in pat_log.context["page"].object_list] == [patient]
        olive_log = client.get(log_url(other_patient))
        assert [episode.severity for episode in olive_log.context["page"].object_list] == [9]

    def test_a_caregiver_who_helps_no_one_is_told_how_to_start(self, client, caregiver):
        client.force_login(caregiver)
        html = client.get(reverse("tracker:care_home")).content.decode()
        assert "No one has invited you yet" in html
        assert f'href="{CARE_ACCEPT_URL}"' in html


class TestLogging:
    def test_a_quick_log_is_stored_for_the_patient_as_entered_by_the_caregiver(
        self, client, patient, caregiver, helping
    ):
        client.force_login(caregiver)
        form = client.get(new_url(patient, mode="quick")).context["form"]
        response = client.post(
            new_url(patient, mode="quick"), {"client_id": form.initial["client_id"], "severity": "7"}, follow=True
        )
        episode = Episode.objects.get()
        assert (episode.patient, episode.created_by, episode.severity) == (patient, caregiver, 7)
        assert response.redirect_chain[-1][0] == log_url(patient)
        assert (
            "Cramp logged for \N{FIRST STRONG ISOLATE}Pat Patient\N{POP DIRECTIONAL ISOLATE}."
            in response.content.decode()
        )
        assert CheckIn.objects.get(patient=patient).status == CheckIn.Status.HAD_CRAMPS
        logged = AccessLog.objects.get(action=AccessLog.Action.LOG_EPISODE)
        assert (logged.patient, logged.clinician, logged.viewer_role) == (patient, caregiver, "caregiver")

    def test_sending_the_same_form_twice_logs_one_cramp(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        data = {"client_id": str(uuid.uuid4()), "severity": "4"}
        client.post(new_url(patient, mode="quick"), data)
        response = client.post(new_url(patient, mode="quick"), data, follow=True)
        assert Episode.objects.count() == 1
        assert "it was not logged twice" in response.content.decode()

    def test_the_full_entry_reads_and_shows_times_in_the_patients_zone(self, client, caregiver):
        patient = PatientFactory(full_name="Pat Tokyo", time_zone="Asia/Tokyo")
        grant_care(patient, caregiver)
        local_start = (
            (timezone.now() - dt.timedelta(days=1))
            .astimezone(patient.zone)
            .replace(hour=3, minute=10, second=0, microsecond=0)
        )
        client.force_login(caregiver)
        form = client.get(new_url(patient)).context["form"]
        response = client.post(
            new_url(patient),
            {
                "client_id": form.initial["client_id"],
                "started_at": local_start.strftime("%Y-%m-%dT%H:%M"),
                "severity": "5",
                "locations": [form.fields["locations"].choices[0][0]],
                "notes": "Woke at 3",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        episode = Episode.objects.get()
        assert episode.started_at == local_start
        html = client.get(log_url(patient)).content.decode()
        assert local_start.strftime("%H:%M") in html
        assert "Asia/Tokyo" in html

    def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        form = client.get(new_url(patient)).context["form"]
        future = (timezone.now() + dt.timedelta(days=2)).astimezone(patient.zone)
        response = client.post(
            new_url(patient),
            {"client_id": form.initial["client_id"], "started_at": future.strftime("%Y-%m-%dT%H:%M"), "severity": "11"},
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "severity" in errors
        assert "started_at" in errors
        assert "locations" in errors
        assert not Episode.objects.exists()
        assert not AccessLog.objects.filter(action=AccessLog.Action.LOG_EPISODE).exists()

    def test_a_caregiver_changes_and_deletes_only_the_cramps_they_logged(self, client, patient, caregiver, helping):
        own = log_cramp(patient, caregiver)
        patients = log_cramp(patient, patient)
        client.force_login(caregiver)
        for url in (
            reverse("tracker:care_episode_edit", args=[patient.pk, patients.uuid]),
            reverse("tracker:care_episode_delete", args=[patient.pk, patients.uuid]),
        ):
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404
        html = client.get(log_url(patient)).content.decode()
        assert reverse("tracker:care_episode_edit", args=[patient.pk, own.uuid]) in html
        assert reverse("tracker:care_episode_edit", args=[patient.pk, patients.uuid]) not in html

        edit = reverse("tracker:care_episode_edit", args=[patient.pk, own.uuid])
        form = client.get(edit).context["form"]
        data = {**form.initial, "severity": "2", "locations": [form.fields["locations"].choices[0][0]]}
        data["started_at"] = timezone.localtime(own.started_at, patient.zone).strftime("%Y-%m-%dT%H:%M")
        data = {key: value for key, value in data.items() if value is not None}
        assert client.post(edit, data).status_code == 302
        own.refresh_from_db()
        assert own.severity == 2
        assert own.created_by == caregiver

        assert client.post(reverse("tracker:care_episode_delete", args=[patient.pk, own.uuid])).status_code == 302
        assert list(Episode.objects.all()) == [patients]
        actions = set(AccessLog.objects.values_list("action", flat=True))
        assert {AccessLog.Action.EDIT_EPISODE, AccessLog.Action.DELETE_EPISODE} <= actions

    def test_another_caregivers_entry_is_not_theirs_to_change(self, client, patient, caregiver, helping):
        second = CaregiverFactory()
        grant_care(patient, second)
        entry = log_cramp(patient, second)
        client.force_login(caregiver)
        assert client.get(reverse("tracker:care_episode_edit", args=[patient.pk, entry.uuid])).status_code == 404

    def test_the_patient_can_edit_and_delete_an_entry_a_caregiver_made(self, client, patient, caregiver, helping):
        entry = log_cramp(patient, caregiver)
        client.force_login(patient)
        assert client.get(reverse("tracker:episode_edit", args=[entry.uuid])).status_code == 200
        assert client.post(reverse("tracker:episode_delete", args=[entry.uuid])).status_code == 302
        assert not Episode.objects.exists()


class TestTallies:
    @staticmethod
    def last_night(client, patient, **fields) -> dict:
        """The caregiver's tally form as offered, filled in for last night: 4 cramps, the worst 7."""
        form = client.get(tally_url(patient)).context["form"]
        data = {
            "client_id": form.initial["client_id"],
            "entry_type": form.initial["entry_type"],
            "tally_date": form.initial["tally_date"].isoformat(),
            "cramp_count": "4",
            "severity": "7",
        }
        return {**data, **fields}

    def test_a_caregiver_logs_last_night_in_the_patients_zone_as_entered_by_them(self, client, caregiver):
        patient = PatientFactory(full_name="Pat Kiritimati", time_zone="Pacific/Kiritimati")
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        data = self.last_night(client, patient, times_woken="2")
        last_night = patient.today() - dt.timedelta(days=1)
        assert data["tally_date"] == last_night.isoformat()

        response = client.post(tally_url(patient), data, follow=True)

        assert response.redirect_chain[-1][0] == log_url(patient)
        tally = Episode.objects.get()
        assert (tally.patient, tally.created_by, tally.entry_type) == (patient, caregiver, EntryType.NIGHT)
        assert (tally.tally_date, tally.cramp_count, tally.severity, tally.times_woken) == (last_night, 4, 7, 2)
        assert CheckIn.objects.get(patient=patient).day == last_night
        html = response.content.decode()
        assert "Night tally logged for \N{FIRST STRONG ISOLATE}Pat Kiritimati\N{POP DIRECTIONAL ISOLATE}." in html
        assert "4 cramps (night tally)" in html
        assert "4 cramps logged, in 1 entry" in html
        assert ENTERED_BY in html
        logged = AccessLog.objects.get(action=AccessLog.Action.LOG_EPISODE)
        assert (logged.patient, logged.clinician, logged.viewer_role) == (patient, caregiver, "caregiver")
        assert logged.detail == f"night tally {when(last_night, 'day')}: 4 cramps"

    def test_the_log_offers_the_tally_form_which_needs_no_link_to_the_patients_pages(
        self, client, patient, caregiver, helping
    ):
        client.force_login(caregiver)
        assert f'href="{tally_url(patient)}"' in client.get(log_url(patient)).content.decode()
        response = client.get(tally_url(patient))
        assert isinstance(response.context["form"], TallyForm)
        html = response.content.decode()
        assert "Log a night of cramps for Pat Patient" in html
        assert 'href="/episodes/' not in html

    def test_sending_the_same_tally_twice_logs_it_once(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        data = self.last_night(client, patient)
        client.post(tally_url(patient), data)
        response = client.post(tally_url(patient), data, follow=True)
        assert Episode.objects.count() == 1
        assert "it was not logged twice" in response.content.decode()
        assert AccessLog.objects.filter(action=AccessLog.Action.LOG_EPISODE).count() == 1

    def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        response = client.post(tally_url(patient), self.last_night(client, patient, cramp_count="0", severity=""))
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"cramp_count", "severity"}
        assert not Episode.objects.exists()

    def test_a_night_with_a_tally_already_is_refused_without_a_link_to_change_the_patients(
        self, client, patient, caregiver, helping
    ):
        night = patient.today() - dt.timedelta(days=1)
        episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=None, severity=5, entry_type=EntryType.NIGHT, cramp_count=3, tally_date=night
            ),
        )
        client.force_login(caregiver)
        response = client.post(tally_url(patient), self.last_night(client, patient))
        assert response.status_code == 200
        assert "tally_date" in response.context["form"].errors
        html = response.content.decode()
        assert "Pat Patient's log already has a tally for the night of" in html
        assert "Change the tally you logged" not in html
        assert Episode.objects.count() == 1

    def test_cramps_logged_one_by_one_that_night_are_asked_about_then_counted_in_it(
        self, client, patient, caregiver, helping
    ):
        night = patient.today() - dt.timedelta(days=1)
        single = log_cramp(
            patient, patient, started_at=dt.datetime.combine(night, dt.time(23, 30), tzinfo=patient.zone)
        )
        client.force_login(caregiver)
        data = self.last_night(client, patient)
        response = client.post(tally_url(patient), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Are they among the 4 cramps of this tally?" in html
        assert f"/episodes/{single.uuid}/" not in html
        assert Episode.objects.count() == 1

        overlap_key = response.context["overlap"].key
        response = client.post(tally_url(patient), {**data, "overlap": "part", "overlap_key": overlap_key})
        assert response.status_code == 302
        tally = Episode.objects.get(entry_type=EntryType.NIGHT)
        single.refresh_from_db()
        assert single.tally == tally
        assert Episode.objects.for_patient(patient).cramp_total() == 4

    def test_a_caregiver_changes_and_deletes_their_tally_with_the_tally_form_but_not_the_patients(
        self, client, patient, caregiver, helping
    ):
        client.force_login(caregiver)
        client.post(tally_url(patient), self.last_night(client, patient))
        tally = Episode.objects.get()
        patients_day = patient.today() - dt.timedelta(days=1)
        patients_tally, _ = episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=None, severity=3, entry_type=EntryType.DAY, cramp_count=2, tally_date=patients_day
            ),
        )
        for url in (
            reverse("tracker:care_episode_edit", args=[patient.pk, patients_tally.uuid]),
            reverse("tracker:care_episode_delete", args=[patient.pk, patients_tally.uuid]),
        ):
            assert client.get(url).status_code == 404

        edit = reverse("tracker:care_episode_edit", args=[patient.pk, tally.uuid])
        response = client.get(edit)
        form = response.context["form"]
        assert isinstance(form, TallyForm)
        assert "Edit the tally you logged for Pat Patient" in response.content.decode()
        data = {**form.initial, "tally_date": tally.tally_date.isoformat(), "cramp_count": "5"}
        data = {key: value for key, value in data.items() if value is not None}
        assert client.post(edit, data).status_code == 302
        tally.refresh_from_db()
        assert (tally.cramp_count, tally.created_by) == (5, caregiver)

        delete = reverse("tracker:care_episode_delete", args=[patient.pk, tally.uuid])
        assert "Delete this tally?" in client.get(delete).content.decode()
        assert client.post(delete).status_code == 302
        assert list(Episode.objects.all()) == [patients_tally]
        night = f"night tally {when(tally.tally_date, 'day')}"
        assert list(AccessLog.objects.order_by("at", "pk").values_list("action", "detail")) == [
            (AccessLog.Action.LOG_EPISODE, f"{night}: 4 cramps"),
            (AccessLog.Action.EDIT_EPISODE, f"{night}: 5 cramps"),
            (AccessLog.Action.DELETE_EPISODE, f"{night}: 5 cramps"),
        ]

    def test_the_tally_page_is_404_for_a_patient_the_caregiver_does_not_help(
        self, client, patient, other_patient, caregiver, helping
    ):
        client.force_login(caregiver)
        data = self.last_night(client, patient)
        assert client.get(tally_url(other_patient)).status_code == 404
        assert client.post(tally_url(other_patient), data).status_code == 404
        assert not Episode.objects.exists()
        assert not AccessLog.objects.filter(patient=other_patient).exists()

    def test_the_tally_page_is_refused_once_the_patient_revokes(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        data = self.last_night(client, patient)
        grant_end(grant=helping)
        assert client.get(tally_url(patient)).status_code == 403
        assert client.post(tally_url(patient), data).status_code == 403
        assert not Episode.objects.exists()

    def test_the_patient_and_the_clinician_see_who_entered_the_tally(
        self, client, patient, caregiver, helping, clinician
    ):
        grant_access(patient, clinician)
        client.force_login(caregiver)
        client.post(tally_url(patient), self.last_night(client, patient))
        tally = Episode.objects.get()
        client.force_login(patient)
        for url in (reverse("tracker:episode_list"), reverse("tracker:episode_detail", args=[tally.uuid])):
            assert client.get(url).content.decode().count(ENTERED_BY) == 1, url
        client.force_login(clinician)
        html = client.get(reverse("tracker:patient_entries", args=[patient.pk])).content.decode()
        assert html.count(ENTERED_BY) == 1
        assert "4 cramps (night tally)" in html


class TestCheckIns:
    def test_a_caregiver_records_no_cramps_today_and_it_says_who(self, client, patient, caregiver, helping):
        today = timezone.localdate(timezone.now(), patient.zone)
        client.force_login(caregiver)
        response = client.post(checkin_url(patient), {"day": today.isoformat(), "status": "none"}, follow=True)
        checkin = CheckIn.objects.get()
        assert (checkin.patient, checkin.day, checkin.status, checkin.created_by) == (patient, today, "none", caregiver)
        html = response.content.decode()
        assert "Recorded: no cramps for \N{FIRST STRONG ISOLATE}Pat Patient\N{POP DIRECTIONAL ISOLATE}" in html
        assert f"No cramps</strong>, {ENTERED_BY}" in html
        assert AccessLog.objects.filter(action=AccessLog.Action.RECORD_CHECKIN, viewer_role="caregiver").exists()

    def test_had_cramps_leads_to_the_quick_log(self, client, patient, caregiver, helping):
        today = timezone.localdate(timezone.now(), patient.zone)
        client.force_login(caregiver)
        response = client.post(checkin_url(patient), {"day": today.isoformat(), "status": "cramps"})
        assert response["Location"] == new_url(patient, mode="quick")

    def test_the_patients_own_answer_sent_again_stays_theirs(self, client, patient, caregiver, helping):
        today = timezone.localdate(timezone.now(), patient.zone)
        CheckIn.objects.create(patient=patient, day=today, status=CheckIn.Status.NO_CRAMPS)
        client.force_login(caregiver)
        client.post(checkin_url(patient), {"day": today.isoformat(), "status": "none"})
        assert CheckIn.objects.get().created_by is None

    def test_the_patient_changing_a_caregivers_answer_shows_as_entered_by_the_patient(
        self, client, patient, caregiver, helping
    ):
        today = timezone.localdate(timezone.now(), patient.zone)
        client.force_login(caregiver)
        client.post(checkin_url(patient), {"day": today.isoformat(), "status": "none"})
        assert CheckIn.objects.get().created_by == caregiver

        client.force_login(patient)
        client.post(reverse("tracker:checkin"), {"day": today.isoformat(), "status": "cramps"})
        checkin = CheckIn.objects.get()
        assert (checkin.status, checkin.created_by) == (CheckIn.Status.HAD_CRAMPS, patient)
        record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
        assert [item["entered_by"] for item in record["checkins"]] == [{"name": "Pat Patient", "role": "patient"}]

        client.force_login(caregiver)
        html = client.get(checkin_url(patient)).content.decode()
        assert "Cramps (none logged)</strong>, answered by <bdi>Pat Patient</bdi>." in html
        assert "entered by" not in html
        # The patient's own answer is theirs to change: no buttons for it, and a try is refused.
        today_card = html.split('aria-labelledby="today-heading"')[1].split("</section>")[0]
        assert "<button" not in today_card
        response = client.post(checkin_url(patient), {"day": today.isoformat(), "status": "none"}, follow=True)
        assert f"{isolated('Pat Patient')} answered this day themselves: only they can change it." in [
            str(message) for message in response.context["messages"]
        ]
        assert CheckIn.objects.get().status == CheckIn.Status.HAD_CRAMPS

    @pytest.mark.parametrize(
        "data", [{"day": "tomorrow", "status": "none"}, {"status": "maybe"}, {"day": "2999-01-01", "status": "none"}]
    )
    def test_a_bad_check_in_is_refused_with_a_message(self, client, patient, caregiver, helping, data):
        client.force_login(caregiver)
        response = client.post(checkin_url(patient), data, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"])
        assert not CheckIn.objects.exists()

    def test_no_cramps_is_refused_on_a_day_with_a_cramp(self, client, patient, caregiver, helping):
        now = timezone.now()
        midnight = dt.datetime.combine(timezone.localdate(now, patient.zone), dt.time.min, tzinfo=patient.zone)
        entry = log_cramp(patient, patient, started_at=midnight + (now - midnight) / 2)  # today, whatever the hour
        day = timezone.localdate(entry.started_at, patient.zone)
        client.force_login(caregiver)
        response = client.post(checkin_url(patient), {"day": day.isoformat(), "status": "none"}, follow=True)
        assert "logged cramps on this day" in response.content.decode()
        assert CheckIn.objects.get().status == CheckIn.Status.HAD_CRAMPS


class TestProvenance:
    @pytest.fixture
    def entries(self, patient, caregiver, helping, clinician):
        grant_access(patient, clinician)
        by_caregiver = log_cramp(patient, caregiver, notes="Logged by Cara")
        by_patient = log_cramp(patient, patient, started_at=timezone.now() - dt.timedelta(hours=3))
        return {"caregiver": by_caregiver, "patient": by_patient}

    def test_the_patient_sees_who_entered_it(self, client, patient, entries):
        client.force_login(patient)
        for url in (reverse("tracker:episode_list"), reverse("tracker:dashboard")):
            assert client.get(url).content.decode().count(ENTERED_BY) == 1, url
        detail = client.get(reverse("tracker:episode_detail", args=[entries["caregiver"].uuid])).content.decode()
        assert ENTERED_BY in detail
        own = client.get(reverse("tracker:episode_detail", args=[entries["patient"].uuid])).content.decode()
        assert "entered by" not in own

    def test_the_clinician_sees_who_entered_it(self, client, patient, clinician, entries):
        client.force_login(clinician)
        html = client.get(reverse("tracker:patient_entries", args=[patient.pk])).content.decode()
        assert html.count(ENTERED_BY) == 1

    def test_the_caregiver_sees_who_entered_it_and_no_clinician_notes(self, client, patient, caregiver, entries):
        client.force_login(caregiver)
        ClinicianNote.objects.create(
            patient=patient, author=ClinicianFactory(), episode=entries["caregiver"], text="Private clinical note"
        )
        ClinicianNote.objects.create(patient=patient, author=ClinicianFactory(), text="General clinical note")
        html = client.get(log_url(patient)).content.decode()
        assert html.count(ENTERED_BY) == 1
        assert "clinical note" not in html
        for page in (new_url(patient), checkin_url(patient), reverse("tracker:care_home")):
            assert "clinical note" not in client.get(page).content.decode()
        assert f'href="{SHARING_URL}"' not in html
        assert 'href="/export/' not in html


class TestAuditTrail:
    def test_the_caregivers_looks_and_entries_are_in_the_patients_trail(self, client, patient, caregiver, helping):
        client.force_login(caregiver)
        client.get(log_url(patient))
        client.get(checkin_url(patient))
        form = client.get(new_url(patient, mode="quick")).context["form"]
        client.post(new_url(patient, mode="quick"), {"client_id": form.initial["client_id"], "severity": "3"})
        rows = list(AccessLog.objects.order_by("at", "pk").values_list("action", "detail", "viewer_role"))
        assert [(action, role) for action, _, role in rows] == [
            ("view_log", "caregiver"),
            ("view_log", "caregiver"),
            ("log_episode", "caregiver"),
        ]
        assert rows[1][1] == "check-ins"
        client.force_login(patient)
        html = client.get(SHARING_URL).content.decode()
        assert "<bdi>Cara Giver</bdi> (caregiver)" in html
        assert "Opened the log" in html
        assert "Logged a cramp" in html

    def test_a_caregiver_gets_the_same_404_on_the_clinicians_entries_page_as_on_the_review(
        self, client, patient, caregiver, helping
    ):
        client.force_login(caregiver)
        for name in ("tracker:patient_review", "tracker:patient_entries"):
            assert client.get(reverse(name, args=[patient.pk])).status_code == 404, name
        assert not AccessLog.objects.exists()

    def test_a_clinicians_look_is_still_marked_as_a_clinicians(self, client, patient, clinician):
        grant_access(patient, clinician)
        client.force_login(clinician)
        client.get(reverse("tracker:patient_review", args=[patient.pk]))
        assert AccessLog.objects.get().viewer_role == AccessLog.ViewerRole.CLINICIAN


class TestExports:
    @pytest.fixture
    def diary(self, patient, caregiver, helping):
        today = timezone.localdate(timezone.now(), patient.zone)
        CheckIn.objects.create(
            patient=patient, day=today - dt.timedelta(days=9), status=CheckIn.Status.NO_CRAMPS, created_by=caregiver
        )
        return {
            "by_caregiver": log_cramp(patient, caregiver, started_at=timezone.now() - dt.timedelta(days=2)),
            "by_patient": log_cramp(patient, patient),
        }

    def test_the_fhir_bundle_names_the_caregiver_as_a_related_person_performer(self, client, patient, diary):
        client.force_login(patient)
        response = client.get(reverse("tracker:export_download", args=["fhir"]))
        bundle = Bundle.parse_raw(response.getvalue())
        resources = {entry.fullUrl: entry.resource for entry in bundle.entry}
        patient_url = bundle.entry[0].fullUrl
        assert bundle.entry[0].resource.resource_type == "Patient"
        related = [(url, r) for url, r in resources.items() if r.resource_type == "RelatedPerson"]
        assert len(related) == 1
        related_url, person = related[0]
        assert person.patient.reference == patient_url
        assert person.name[0].text == "Cara Giver"
        assert person.relationship[0].text == "caregiver"
        by_caregiver = resources[f"urn:uuid:{diary['by_caregiver'].uuid}"]
        assert [performer.reference for performer in by_caregiver.performer] == [related_url]
        assert by_caregiver.performer[0].display == "Cara Giver"
        assert by_caregiver.subject.reference == patient_url
        by_patient = resources[f"urn:uuid:{diary['by_patient'].uuid}"]
        assert [performer.reference for performer in by_patient.performer] == [patient_url]

    def test_the_fhir_bundle_has_one_related_person_per_caregiver(self, client, patient, caregiver, diary):
        log_cramp(patient, caregiver)
        client.force_login(patient)
        bundle = Bundle.parse_raw(client.get(reverse("tracker:export_download", args=["fhir"])).getvalue())
        assert [entry.resource.resource_type for entry in bundle.entry].count("RelatedPerson") == 1

    def test_the_json_record_says_who_entered_each_entry(self, client, patient, diary):
        client.force_login(patient)
        record = json.loads(client.get(reverse("tracker:export_download", args=["json"])).getvalue())
        entered = {episode["id"]: episode["entered_by"] for episode in record["episodes"]}
        assert entered[str(diary["by_caregiver"].uuid)] == {"name": "Cara Giver", "role": "caregiver"}
        assert entered[str(diary["by_patient"].uuid)] == {"name": "Pat Patient", "role": "patient"}
        by_day = {checkin["status"]: checkin["entered_by"] for checkin in record["checkins"]}
        assert by_day == {"none": {"name": "Cara Giver", "role": "caregiver"}, "cramps": None}
        assert [(grant["role"], grant["caregiver"], grant["clinician"]) for grant in record["sharing"]] == [
            ("caregiver", "Cara Giver", None)
        ]


@pytest.mark.parametrize("size", [3, 40])
def test_the_log_reads_in_a_fixed_number_of_queries(
    client, patient, caregiver, helping, django_assert_num_queries, size
):
    for hours in range(size):
        log_cramp(
            patient, caregiver if hours % 2 else patient, started_at=timezone.now() - dt.timedelta(hours=hours + 1)
        )
    client.force_login(caregiver)
    # session, user, grant with its patient (gate), the count with the cramps it holds, a page of episodes
    # (with activity and who entered them), their locations, their tags, the access log insert
    with django_assert_num_queries(8):
        response = client.get(log_url(patient))
    assert len(response.context["page"].object_list) == min(size, 20)


def test_every_caregiver_form_needs_its_csrf_token(patient, caregiver, helping):
    entry = log_cramp(patient, caregiver)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(caregiver)
    day = timezone.localdate(timezone.now(), patient.zone).isoformat()
    posts = [
        (CARE_ACCEPT_URL, {"code": "ABCDE-FGH23"}),
        (new_url(patient, mode="quick"), {"client_id": str(uuid.uuid4()), "severity": "3"}),
        (new_url(patient), {"client_id": str(uuid.uuid4()), "severity": "3"}),
        (checkin_url(patient), {"day": day, "status": "none"}),
        (reverse("tracker:care_episode_edit", args=[patient.pk, entry.uuid]), {"severity": "1"}),
        (reverse("tracker:care_episode_delete", args=[patient.pk, entry.uuid]), {}),
    ]
    for url, data in posts:
        assert strict.post(url, data).status_code == 403, url
    strict.force_login(patient)
    assert strict.post(SHARING_URL, {"role": "caregiver"}).status_code == 403
    assert strict.post(reverse("tracker:grant_end", args=[helping.uuid])).status_code == 403
    assert Episode.objects.get() == entry
    assert not CheckIn.objects.filter(created_by=caregiver).exists()
    assert CareGrant.objects.get().status == CareGrant.Status.ACTIVE


class TestTheirOwnAccount:
    def test_a_signed_in_caregiver_starts_on_the_people_they_help(self, client, caregiver):
        client.force_login(caregiver)
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("tracker:care_home")

    def test_the_clinician_accept_page_sends_a_caregiver_to_their_own(self, client, caregiver):
        client.force_login(caregiver)
        response = client.get(CLINIC_ACCEPT_URL)
        assert response.status_code == 403
        assert "logged in as a caregiver" in response.content.decode()
        assert f'href="{CARE_ACCEPT_URL}"' in response.content.decode()

    def test_deleting_a_caregiver_account_is_refused_with_a_reason_and_nothing_changes(
        self, client, patient, caregiver, helping
    ):
        client.force_login(caregiver)
        url = reverse("tracker:account_delete")
        response = client.post(url, {"confirm": "DELETE", "password": "x"})
        assert response.status_code == 403
        assert "Caregiver accounts are closed by our staff" in response.content.decode()
        assert User.objects.filter(pk=caregiver.pk).exists()
        assert CareGrant.objects.filter(pk=helping.pk).exists()
