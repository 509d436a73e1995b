"""A mail server that refuses, errs or never answers: what was saved stays saved, the user is told the
e-mail did not go and can send it again, and no page answers 500. Sign-up does not tell who is registered.

These tests commit for real (transaction=True), so e-mail goes out after commit as it does in production.
"""

import smtplib
import socket
import time

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse

from accounts.adapter import RESET_UNSENT, SIGN_UP_UNSENT
from accounts.models import User
from crampapp.mail import subject_line
from tracker.models import CareGrant

from .factories import PatientFactory, UnverifiedClinicianFactory
from .test_settings import load_settings

pytestmark = pytest.mark.django_db(transaction=True)

SIGNUP_URL = reverse("account_signup")
RESET_URL = reverse("account_reset_password")
SHARING_URL = reverse("tracker:sharing")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses connections."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class FailingBackend(BaseEmailBackend):
    """A mail server that answers with an error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("451 try again later")


FAILING_BACKENDS = ["tests.test_mail_failures.RefusingBackend", "tests.test_mail_failures.FailingBackend"]


def messages_shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def signup_data(email: str) -> dict:
    return {
        "full_name": "Ada Cramp",
        "email": email,
        "role": "patient",
        "password1": "long-enough-passphrase-9",
        "password2": "long-enough-passphrase-9",
    }


def invite(client, patient, **data):
    client.force_login(patient)
    return client.post(SHARING_URL, {"invited_email": "dr@example.org", **data}, follow=True)


@pytest.fixture
def silent_smtp_server():
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("backend", FAILING_BACKENDS)
class TestTheMailServerFails:
    def test_sign_up_keeps_the_account_and_says_the_confirmation_was_not_sent(self, client, backend):
        with override_settings(EMAIL_BACKEND=backend):
            response = client.post(SIGNUP_URL, signup_data("ada@example.org"), follow=True)
        assert response.status_code == 200
        assert User.objects.filter(email="ada@example.org").exists()
        assert messages_shown(response) == [SIGN_UP_UNSENT]

    def test_sign_up_with_a_taken_address_reads_the_same(self, client, backend):
        PatientFactory(email="pat@example.org")
        with override_settings(EMAIL_BACKEND=backend):
            response = client.post(SIGNUP_URL, signup_data("pat@example.org"), follow=True)
        assert response.status_code == 200
        assert messages_shown(response) == [SIGN_UP_UNSENT]
        assert User.objects.filter(email="pat@example.org").count() == 1

    @pytest.mark.parametrize("email", ["pat@example.org", "nobody@example.org"])
    def test_password_reset_says_the_link_was_not_sent_for_known_and_unknown_addresses(self, client, backend, email):
        patient = PatientFactory(email="pat@example.org")
        with override_settings(EMAIL_BACKEND=backend):
            response = client.post(RESET_URL, {"email": email}, follow=True)
        assert response.status_code == 200
        assert messages_shown(response) == [RESET_UNSENT]
        patient.refresh_from_db()
        assert patient.check_password("cramp-diary-2026!")

    def test_an_emailed_invitation_is_kept_and_its_code_shown(self, client, backend):
        patient = PatientFactory()
        with override_settings(EMAIL_BACKEND=backend):
            response = invite(client, patient)
        assert response.status_code == 200
        grant = CareGrant.objects.get(patient=patient)
        assert grant.status == CareGrant.Status.INVITED
        html = response.content.decode()
        code = response.context["new_invitation"]["code"]
        assert code in html
        assert "the e-mail to dr@example.org could not be sent" in messages_shown(response)[0]
        assert reverse("tracker:invitation_resend", args=[grant.uuid]) in html
        assert "Send the e-mail again" in html


def test_the_invitation_email_can_be_sent_again_with_the_same_code(client):
    patient = PatientFactory()
    with override_settings(EMAIL_BACKEND="tests.test_mail_failures.RefusingBackend"):
        code = invite(client, patient).context["new_invitation"]["code"]
    grant = CareGrant.objects.get(patient=patient)
    # Later visits still offer to send it, with the code the patient can read out meanwhile.
    assert code in client.get(SHARING_URL).content.decode()

    with override_settings(EMAIL_BACKEND=LOCMEM):
        response = client.post(reverse("tracker:invitation_resend", args=[grant.uuid]), follow=True)
    assert [message.to for message in mail.outbox] == [["dr@example.org"]]
    assert code in mail.outbox[0].body
    assert messages_shown(response) == ["The invitation was e-mailed to dr@example.org."]
    assert "Send the e-mail again" not in response.content.decode()


def test_a_cancelled_invitation_is_not_sent_again(client):
    patient = PatientFactory()
    with override_settings(EMAIL_BACKEND="tests.test_mail_failures.RefusingBackend"):
        invite(client, patient)
    grant = CareGrant.objects.get(patient=patient)
    client.post(reverse("tracker:grant_end", args=[grant.uuid]))
    with override_settings(EMAIL_BACKEND=LOCMEM):
        response = client.post(reverse("tracker:invitation_resend", args=[grant.uuid]), follow=True)
    assert mail.outbox == []
    assert "can no longer be e-mailed" in messages_shown(response)[-1]


def test_another_patients_invitation_cannot_be_resent(client):
    patient, stranger = PatientFactory(), PatientFactory()
    with override_settings(EMAIL_BACKEND="tests.test_mail_failures.RefusingBackend"):
        invite(client, patient)
    grant = CareGrant.objects.get(patient=patient)
    client.force_login(stranger)
    assert client.post(reverse("tracker:invitation_resend", args=[grant.uuid])).status_code == 404


def test_a_silent_mail_server_holds_the_page_no_longer_than_email_timeout(client, silent_smtp_server):
    patient = PatientFactory()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": silent_smtp_server,
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 1,
    }
    started = time.monotonic()
    with override_settings(**smtp):
        response = invite(client, patient)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "could not be sent" in messages_shown(response)[0]
    assert CareGrant.objects.filter(patient=patient).exists()


def test_smtp_connections_give_up_after_email_timeout():
    assert settings.EMAIL_TIMEOUT == 10
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 10


def invite_by_email(client, patient, role: str):
    """`patient` invites dr@example.org as their clinician or caregiver, the e-mail kept in mail.outbox."""
    data = (
        {"invited_email": "dr@example.org"}
        if role == "clinician"
        else {"role": role, "caregiver-invited_email": "dr@example.org"}
    )
    client.force_login(patient)
    with override_settings(EMAIL_BACKEND=LOCMEM):
        return client.post(SHARING_URL, data, follow=True)


@pytest.mark.parametrize("role", ["clinician", "caregiver"])
def test_a_newline_in_the_patients_name_cannot_break_the_invitation_subject(client, role):
    response = invite_by_email(client, PatientFactory(full_name="Pat\r\nBcc: someone@example.net\u202e"), role)
    assert response.status_code == 200
    subject = mail.outbox[0].subject
    assert subject.startswith("[CrampApp] Pat Bcc: someone@example.net ")
    assert not any(char in subject for char in "\r\n\u202e")
    assert mail.outbox[0].to == ["dr@example.org"]


@pytest.mark.parametrize("role", ["clinician", "caregiver"])
def test_the_invitation_subject_is_plain_text_not_html(client, role):
    invite_by_email(client, PatientFactory(full_name="Seán O'Brien & <Ann>"), role)
    assert mail.outbox[0].subject.startswith("[CrampApp] Seán O'Brien & <Ann> ")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Pat\nPatient", "Pat Patient"),
        ("Pat\r\n\tPatient\x00\x1b", "Pat Patient"),
        ("\u202eevil\u2028name ", "evil name"),
        ("Zoë Ünal", "Zoë Ünal"),
    ],
)
def test_subject_line_keeps_one_line_of_visible_characters(text, line):
    assert subject_line(text) == line


class TestSignUpDoesNotRevealRegisteredAddresses:
    def test_a_taken_address_gets_the_same_page_as_a_new_one_and_its_owner_an_email(self, client):
        PatientFactory(email="pat@example.org", full_name="Pat Patient")
        new = client.post(SIGNUP_URL, signup_data("ada@example.org"), follow=True)
        client.logout()
        taken = client.post(SIGNUP_URL, signup_data("pat@example.org"), follow=True)
        assert [url for url, _ in taken.redirect_chain] == [url for url, _ in new.redirect_chain]
        assert [url for url, _ in new.redirect_chain] == [reverse("account_email_verification_sent")]
        assert taken.status_code == new.status_code == 200
        assert messages_shown(taken) == [message.replace("ada@", "pat@") for message in messages_shown(new)]
        assert "already registered" not in taken.content.decode()
        assert User.objects.filter(email__iexact="pat@example.org").count() == 1
        owner_mail = [message for message in mail.outbox if message.to == ["pat@example.org"]]
        assert len(owner_mail) == 1
        assert "already" in owner_mail[0].body

    def test_production_refuses_to_start_with_optional_email_verification(self):
        result = load_settings(SECRET_KEY="k" * 50, EMAIL_VERIFICATION="optional")
        assert result.returncode != 0
        assert "EMAIL_VERIFICATION must be mandatory" in result.stderr


class TestVerifyingClinicians:
    def verify(self, client, staff, clinician):
        client.force_login(staff)
        return client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "verify_clinicians", "_selected_action": [clinician.pk]},
            follow=True,
        )

    def test_staff_cannot_verify_a_clinician_whose_address_is_unconfirmed(self, client, staff):
        clinician = UnverifiedClinicianFactory(email="dr.new@example.org", email_confirmed=False)
        EmailAddress.objects.create(user=clinician, email=clinician.email, primary=True, verified=False)
        response = self.verify(client, staff, clinician)
        clinician.refresh_from_db()
        assert not clinician.is_verified_clinician
        assert (
            "Cannot verify dr.new@example.org yet: they have not confirmed their e-mail address."
            in response.content.decode()
        )

    def test_staff_cannot_verify_a_clinician_with_no_address_record(self, client, staff):
        clinician = UnverifiedClinicianFactory(email_confirmed=False)
        self.verify(client, staff, clinician)
        clinician.refresh_from_db()
        assert not clinician.is_verified_clinician

    def test_staff_verify_a_clinician_whose_address_is_confirmed(self, client, staff):
        clinician = UnverifiedClinicianFactory()
        assert EmailAddress.objects.get(user=clinician).verified
        response = self.verify(client, staff, clinician)
        clinician.refresh_from_db()
        assert clinician.is_verified_clinician
        assert "1 clinician(s) verified." in response.content.decode()
