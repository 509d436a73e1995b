import datetime as dt
import re
import zoneinfo
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.models import AccessLog, CareGrant
from tracker.sharing.services import hash_code, invitation_accept, invitation_create

from .factories import ClinicianFactory, EpisodeFactory, grant_access

SHARING_URL = reverse("tracker:sharing")
ACCEPT_URL = reverse("tracker:accept")

pytestmark = pytest.mark.django_db


def invite(client, patient, **data):
    client.force_login(patient)
    response = client.post(SHARING_URL, data, follow=True)
    return response, response.context["new_invitation"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestInviting:
    def test_patient_creates_an_invitation_and_sees_the_code_and_link_once(self, client, patient):
        response, new = invite(client, patient)
        assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", new["code"])
        assert f"?code={new['code']}" in new["link"]
        assert new["code"] in response.content.decode()
        grant = CareGrant.objects.get(patient=patient)
        assert grant.status == CareGrant.Status.INVITED
        assert grant.code_hash == hash_code(new["code"])
        assert new["code"].replace("-", "") not in grant.code_hash
        assert grant.invitation_expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
        assert new["code"] not in client.get(SHARING_URL).content.decode()

    def test_an_invitation_can_be_emailed_to_the_clinician(self, client, patient, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # it goes once the invitation is stored
            _, new = invite(client, patient, invited_email="dr@example.org")
        assert mail.outbox[0].to == ["dr@example.org"]
        assert new["code"] in mail.outbox[0].body
        assert new["link"] in mail.outbox[0].body

    def test_inviting_the_same_address_again_cancels_the_earlier_code(self, client, patient):
        _, first = invite(client, patient, invited_email="dr@example.org")
        response, second = invite(client, patient, invited_email="DR@example.org")
        assert second["replaced"] == 1
        assert "Your earlier invitation to <bdi>DR@example.org</bdi> is cancelled" in response.content.decode()
        earlier, newer = CareGrant.objects.filter(patient=patient).order_by("pk")
        assert (earlier.status, newer.status) == (CareGrant.Status.CANCELLED, CareGrant.Status.INVITED)
        assert list(response.context["pending"]) == [newer]
        with pytest.raises(ValidationError):
            invitation_accept(clinician=ClinicianFactory(), code=first["code"])
        assert invitation_accept(clinician=ClinicianFactory(), code=second["code"]) == newer

    def test_invitations_to_other_addresses_or_roles_or_without_one_are_kept(self, client, patient):
        invite(client, patient, invited_email="dr@example.org")
        invite(client, patient, invited_email="other@example.org")
        invite(client, patient)
        response, new = invite(client, patient, role="caregiver", **{"caregiver-invited_email": "dr@example.org"})
        assert new["replaced"] == 0
        assert "is cancelled" not in response.content.decode()
        assert len(response.context["pending"]) == 4

    def test_the_invitation_tells_a_new_clinician_how_to_sign_up_and_that_staff_verify_them(
        self, client, patient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            _, new = invite(client, patient, invited_email="dr@example.org")
        body = mail.outbox[0].body
        signup = new["link"].split("/clinic/")[0] + reverse("account_signup")
        assert f'Sign up here, choosing "Clinician":\n{signup}\n' in body
        assert "profession and registration number. Our staff check them before any patient's log" in body
        assert "expires in 7 days" in body
        assert mail.outbox[0].subject == f"[CrampApp] {patient.full_name} invites you to see their cramp log"

    @pytest.mark.parametrize(
        ("data", "field"),
        [({"invited_email": "not-an-address"}, "invited_email"), ({"access_ends_on": "2001-01-01"}, "access_ends_on")],
    )
    def test_bad_invitation_input_is_shown_next_to_the_field(self, client, patient, data, field):
        client.force_login(patient)
        response = client.post(SHARING_URL, data)
        assert response.context["form"].errors[field]
        assert not CareGrant.objects.exists()

    def test_every_mistake_of_an_invitation_is_named_at_once(self, client, patient):
        client.force_login(patient)
        response = client.post(
            SHARING_URL,
            {
                "role": "caregiver",
                "caregiver-invited_email": "not-an-address",
                "caregiver-access_ends_on": "2001-01-01",
            },
        )
        errors = response.context["caregiver_form"].errors
        assert errors["invited_email"] == ["Enter a valid email address."]
        assert errors["access_ends_on"] == ["The end date is in the past."]
        assert not CareGrant.objects.exists()

    def test_an_invitation_to_ones_own_address_is_refused_next_to_the_field(self, client, patient):
        client.force_login(patient)
        response = client.post(SHARING_URL, {"invited_email": patient.email.upper()})
        assert response.context["form"].errors["invited_email"] == [
            "This is your own address: enter theirs, or leave it empty and give them the code."
        ]
        response = client.post(SHARING_URL, {"role": "caregiver", "caregiver-invited_email": patient.email})
        assert response.context["caregiver_form"].errors["invited_email"]
        assert not CareGrant.objects.exists()

    def test_ending_a_grant_a_second_time_says_it_had_ended_already(self, client, patient, clinician):
        grant = grant_access(patient, clinician)
        client.force_login(patient)
        end = reverse("tracker:grant_end", args=[grant.uuid])
        assert messages_of(client.post(end, follow=True)) == [f"{clinician} can no longer see your log."]
        assert messages_of(client.post(end, follow=True)) == ["This access had already ended."]
        grant.refresh_from_db()
        assert grant.status == CareGrant.Status.REVOKED

    def test_a_pending_invitation_can_be_cancelled_and_its_code_stops_working(self, client, patient, clinician):
        _, new = invite(client, patient)
        grant = CareGrant.objects.get()
        client.post(reverse("tracker:grant_end", args=[grant.uuid]))
        grant.refresh_from_db()
        assert grant.status == CareGrant.Status.CANCELLED
        with pytest.raises(ValidationError, match="already been used or was cancelled"):
            invitation_accept(clinician=clinician, code=new["code"])


class TestAccepting:
    def test_a_verified_clinician_accepts_with_the_code(self, client, patient, clinician):
        new = invitation_create(patient=patient)
        client.force_login(clinician)
        response = client.post(ACCEPT_URL, {"code": new.code.lower().replace("-", " ")})
        grant = CareGrant.objects.get()
        assert response["Location"] == reverse("tracker:patient_review", args=[patient.pk])
        assert grant.status == CareGrant.Status.ACTIVE
        assert grant.clinician == clinician

    def test_the_link_fills_in_the_code(self, client, clinician):
        client.force_login(clinician)
        response = client.get(ACCEPT_URL, {"code": "ABCDE-FGH23"})
        assert response.context["form"].initial["code"] == "ABCDE-FGH23"

    @pytest.mark.parametrize(
        ("setup", "message"),
        [
            ("wrong", "No invitation has this code"),
            ("expired", "This code has expired"),
            ("used", "already been used"),
            ("malformed", "A code has 10 letters and digits"),
        ],
    )
    def test_a_bad_code_is_refused_with_a_clear_message(self, client, patient, clinician, setup, message):
        new = invitation_create(patient=patient)
        code = new.code
        if setup == "wrong":
            code = "ZZZZZ-ZZZZZ"
        elif setup == "expired":
            CareGrant.objects.update(invitation_expires_at=timezone.now() - dt.timedelta(seconds=1))
        elif setup == "used":
            invitation_accept(clinician=ClinicianFactory(), code=code)
        else:
            code = "<script>"
        client.force_login(clinician)
        response = client.post(ACCEPT_URL, {"code": code})
        assert response.status_code == 200
        assert any(message in error for error in response.context["form"].errors["code"])
        assert not CareGrant.objects.filter(clinician=clinician).exists()

    def test_an_unverified_clinician_is_told_to_wait(self, client, patient, unverified_clinician):
        new = invitation_create(patient=patient)
        client.force_login(unverified_clinician)
        response = client.post(ACCEPT_URL, {"code": new.code})
        assert "waiting for verification" in response.context["form"].errors["code"][0]
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED

    def test_a_patient_cannot_accept_even_their_own_invitation(self, client, patient, other_patient):
        new = invitation_create(patient=patient)
        for user in (patient, other_patient):
            client.force_login(user)
            response = client.post(ACCEPT_URL, {"code": new.code})
            assert response.status_code == 403
            assert "Invitations are for clinician accounts" in response.content.decode()
        assert CareGrant.objects.get().status == CareGrant.Status.INVITED

    def test_a_second_invitation_for_the_same_pair_is_refused(self, client, patient, clinician):
        grant_access(patient, clinician)
        new = invitation_create(patient=patient)
        with pytest.raises(ValidationError, match="already have access"):
            invitation_accept(clinician=clinician, code=new.code)

    def test_the_database_keeps_one_active_grant_per_pair(self, patient, clinician):
        grant_access(patient, clinician)
        with pytest.raises(IntegrityError), transaction.atomic():
            grant_access(patient, clinician)

    def test_guessing_codes_is_slowed_down(self, client, patient, clinician):
        client.force_login(clinician)
        for _ in range(10):
            client.post(ACCEPT_URL, {"code": "ZZZZZ-ZZZZZ"})
        new = invitation_create(patient=patient)
        response = client.post(ACCEPT_URL, {"code": new.code})
        assert "Too many tries" in response.context["form"].errors["code"][0]


class TestRevoking:
    def test_revoking_ends_access_at_once(self, client, patient, clinician):
        grant = grant_access(patient, clinician)
        review = reverse("tracker:patient_review", args=[patient.pk])
        client.force_login(clinician)
        assert client.get(review).status_code == 200
        client.force_login(patient)
        response = client.post(reverse("tracker:grant_end", args=[grant.uuid]), follow=True)
        assert f"{clinician.full_name} can no longer see your log." in response.content.decode()
        client.force_login(clinician)
        response = client.get(review)
        assert response.status_code == 403
        assert "record has ended" in response.content.decode()

    def test_an_access_end_date_ends_access_after_that_day(self, client, patient, clinician):
        grant = grant_access(patient, clinician, access_ends_on=patient.today())
        client.force_login(clinician)
        review = reverse("tracker:patient_review", args=[patient.pk])
        assert client.get(review).status_code == 200
        grant.access_ends_on = patient.today() - dt.timedelta(days=1)
        grant.save()
        assert client.get(review).status_code == 403

    @pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland", "UTC"])
    def test_access_ends_at_the_midnight_after_its_last_day_in_the_patients_zone(self, patient, clinician, zone):
        """Not at midnight UTC: in Los Angeles that cut access 8 hours early, in Auckland it ran 13 hours late."""
        patient.time_zone = zone
        patient.save(update_fields=["time_zone"])
        grant = grant_access(patient, clinician, access_ends_on=dt.date(2026, 12, 7))
        midnight = dt.datetime(2026, 12, 8, tzinfo=zoneinfo.ZoneInfo(zone))
        in_force = CareGrant.objects.active
        assert in_force(midnight - dt.timedelta(seconds=1)).filter(pk=grant.pk).exists()
        assert not in_force(midnight).filter(pk=grant.pk).exists()

    def test_a_patient_cannot_end_another_patients_grant(self, client, patient, other_patient, clinician):
        grant = grant_access(patient, clinician)
        client.force_login(other_patient)
        assert client.post(reverse("tracker:grant_end", args=[grant.uuid])).status_code == 404
        grant.refresh_from_db()
        assert grant.status == CareGrant.Status.ACTIVE

    def test_ending_needs_a_post(self, client, patient, clinician):
        grant = grant_access(patient, clinician)
        client.force_login(patient)
        assert client.get(reverse("tracker:grant_end", args=[grant.uuid])).status_code == 405


class TestSharingPage:
    def test_the_page_lists_active_grants_pending_invitations_and_the_access_trail(self, client, patient, clinician):
        grant_access(patient, clinician)
        invitation_create(patient=patient, invited_email="next@example.org")
        client.force_login(clinician)
        client.get(reverse("tracker:patient_review", args=[patient.pk]))
        client.force_login(patient)
        html = client.get(SHARING_URL).content.decode()
        assert clinician.full_name in html
        assert "next@example.org" in html
        assert "Opened the review" in html

    def test_a_clinician_whose_verification_was_withdrawn_is_shown_as_unable_to_see_the_log(
        self, client, patient, clinician
    ):
        grant_access(patient, clinician)
        client.force_login(patient)
        notice = "Cannot see your log for now: our staff are checking this clinician's registration again."
        assert notice not in client.get(SHARING_URL).content.decode()
        clinician.clinician_verified_at = None
        clinician.save(update_fields=["clinician_verified_at"])
        assert notice in client.get(SHARING_URL).content.decode()
        client.force_login(clinician)
        assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code in (403, 404)

    def test_clinician_notes_reach_the_patient_with_the_authors_name(self, client, patient, clinician):
        episode = EpisodeFactory(patient=patient)
        grant_access(patient, clinician)
        client.force_login(clinician)
        notes_url = reverse("tracker:note_new", args=[patient.pk])
        client.post(notes_url, {"text": "Stretch before bed"})
        client.post(notes_url, {"text": "This one looks severe", "episode": str(episode.uuid)})
        client.force_login(patient)
        assert "Stretch before bed" in client.get(SHARING_URL).content.decode()
        detail = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "This one looks severe" in detail
        assert clinician.full_name in detail


class TestAccessTrailVisits:
    """Repeated looks at one page within half an hour are one visit in the patient's trail."""

    @staticmethod
    def look(patient, viewer, minutes_ago, action=None, role="clinician", detail=""):
        moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            AccessLog.objects.create(
                patient=patient,
                clinician=viewer,
                viewer_role=role,
                action=action or AccessLog.Action.VIEW_REVIEW,
                detail=detail,
            )

    def rows(self, client):
        html = client.get(SHARING_URL).content.decode()
        body = html.split('aria-labelledby="trail-heading"')[1].split("</tbody>")[0]
        return [" ".join(cell.split()) for cell in body.split("<tr>")[2:]]

    def test_looks_within_half_an_hour_are_one_visit_with_how_many_times(self, client, patient, clinician):
        for minutes_ago in (300, 290, 270):
            self.look(patient, clinician, minutes_ago)
        self.look(patient, clinician, 60)
        client.force_login(patient)
        rows = self.rows(client)
        assert len(rows) == 2
        assert "Opened the review" in rows[0]
        assert "times" not in rows[0]
        assert "Opened the review, 3 times" in rows[1]

    def test_another_action_or_person_in_between_starts_a_new_visit(self, client, patient, clinician):
        colleague = ClinicianFactory(full_name="Dr Second")
        self.look(patient, clinician, 50)
        self.look(patient, colleague, 45)
        self.look(patient, clinician, 40)
        self.look(patient, clinician, 35, action=AccessLog.Action.EXPORT_CSV)
        self.look(patient, clinician, 30, action=AccessLog.Action.EXPORT_CSV)
        client.force_login(patient)
        rows = self.rows(client)
        assert len(rows) == 4
        assert "Exported episodes (CSV), 2 times" in rows[0]
        assert "Dr Second" in rows[2]

    def test_the_page_reads_the_same_number_of_queries_however_long_the_trail(
        self, client, patient, clinician, django_assert_max_num_queries
    ):
        client.force_login(patient)
        for minutes_ago in range(0, 4000, 45):
            self.look(patient, clinician, minutes_ago)
        client.get(SHARING_URL)
        with CaptureQueriesContext(connection) as long_trail:
            client.get(SHARING_URL)
        for minutes_ago in range(4000, 8000, 45):
            self.look(patient, clinician, minutes_ago)
        with django_assert_max_num_queries(len(long_trail)):
            client.get(SHARING_URL)
