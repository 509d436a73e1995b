import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from accounts.services import clinician_verify
from tracker.models import PatientProfile

from .factories import TEST_PASSWORD, PatientFactory

SIGNUP_URL = reverse("account_signup")
LOGIN_URL = reverse("account_login")


def signup_data(**overrides):
    data = {
        "full_name": "Ada Cramp",
        "email": "ada@example.org",
        "role": "patient",
        "professional_details": "",
        "password1": "long-enough-passphrase-9",
        "password2": "long-enough-passphrase-9",
    }
    data.update(overrides)
    return data


def sign_up_and_confirm(client, data):
    """Sign up, then open the link the confirmation e-mail carries; returns the last page."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(SIGNUP_URL, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert not response.context["user"].is_authenticated
    link = next(word for word in mail.outbox[-1].body.split() if "/confirm-email/" in word)
    return client.post(link, follow=True)


def confirm_address(user):
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


@pytest.mark.django_db
class TestSignup:
    def test_signup_page_offers_both_roles_with_patient_chosen(self, client):
        response = client.get(SIGNUP_URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'value="patient"' in html
        assert 'value="clinician"' in html
        assert response.context["form"]["role"].value() == "patient"

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("\u200b\u200b", "Type a name that can be seen"),
            ("\u3164", "Type a name that can be seen"),
            ("\u2800\u0301", "Type a name that can be seen"),
            ("Ann\u2028Lee", "A name is one line"),
            ("Bob\r\nBcc: someone@example.net", "A name is one line"),
            ("Ann\tLee", "A name is one line"),
        ],
    )
    def test_a_name_that_cannot_be_seen_or_is_not_one_line_is_refused(self, client, name, message):
        response = client.post(SIGNUP_URL, signup_data(full_name=name))
        assert response.status_code == 200
        assert field_errors(response, "full_name")[0].startswith(message)
        assert not User.objects.exists()

    def test_patient_signs_up_confirms_the_address_and_lands_on_the_dashboard(self, client):
        response = sign_up_and_confirm(client, signup_data())
        user = User.objects.get(email="ada@example.org")
        assert user.role == User.Role.PATIENT
        assert user.full_name == "Ada Cramp"
        assert response.redirect_chain[-1][0] == reverse("tracker:dashboard")
        assert response.context["user"] == user
        assert PatientProfile.objects.filter(patient=user).exists()

    def test_clinician_signs_up_unverified_and_is_told_what_is_pending(self, client):
        data = signup_data(
            email="dr.who@example.org", role="clinician", professional_details="Neurologist, GMC 7654321"
        )
        response = sign_up_and_confirm(client, data)
        user = User.objects.get(email="dr.who@example.org")
        assert user.is_clinician
        assert user.is_pending_clinician
        assert user.professional_details == "Neurologist, GMC 7654321"
        # /clinic/ sends a clinician without an authenticator app to set one up first.
        assert reverse("mfa_activate_totp") in [url for url, _ in response.redirect_chain]
        assert "waiting for verification" in response.content.decode()

    def test_clinician_without_professional_details_is_asked_for_them(self, client):
        response = client.post(SIGNUP_URL, signup_data(role="clinician"))
        assert response.status_code == 200
        assert "registration number" in field_errors(response, "professional_details")[0]
        assert not User.objects.exists()

    def test_patient_cannot_smuggle_professional_details(self, client):
        client.post(SIGNUP_URL, signup_data(professional_details="Neurologist"))
        assert User.objects.get().professional_details == ""

    def test_missing_role_is_reported_next_to_the_field(self, client):
        data = signup_data()
        del data["role"]
        response = client.post(SIGNUP_URL, data)
        assert field_errors(response, "role") == ["This field is required."]
        assert not User.objects.exists()

    @pytest.mark.parametrize("role", ["admin", "staff", "", "patient' OR 1=1 --"])
    def test_forged_role_is_refused(self, client, role):
        response = client.post(SIGNUP_URL, signup_data(role=role))
        assert response.status_code == 200
        assert field_errors(response, "role")
        assert not User.objects.exists()

    def test_taken_email_is_not_revealed_and_makes_no_second_account(self, client, patient):
        # tests/test_mail_failures.py compares the whole answer with a new address's.
        response = client.post(SIGNUP_URL, signup_data(email="PAT@example.org", full_name="Second Pat"))
        assert response["Location"] == reverse("account_email_verification_sent")
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short1!", "too short"),
            ("password123", "too common"),
            ("5839201746", "entirely numeric"),
        ],
    )
    def test_weak_password_is_refused_with_the_reason(self, client, password, message):
        response = client.post(SIGNUP_URL, signup_data(password1=password, password2=password))
        assert any(message in error for error in field_errors(response, "password1"))
        assert not User.objects.exists()

    def test_mismatched_passwords_are_reported(self, client):
        response = client.post(SIGNUP_URL, signup_data(password2="another-passphrase-9"))
        assert field_errors(response, "password2") == ["You must type the same password each time."]
        assert not User.objects.exists()

    @pytest.mark.parametrize("name", ["", "   ", "x" * 151, "Pat \u202eevil"])
    def test_bad_name_is_reported(self, client, name):
        response = client.post(SIGNUP_URL, signup_data(full_name=name))
        assert field_errors(response, "full_name")
        assert not User.objects.exists()

    def test_hostile_input_is_shown_escaped_never_a_500(self, client):
        payload = "<script>alert(1)</script>\x00\u202e" + "é" * 5000
        response = client.post(SIGNUP_URL, signup_data(full_name=payload, email=payload))
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.django_db
class TestLogin:
    def test_patient_logs_in_with_email_in_any_case(self, client, patient):
        confirm_address(patient)
        response = client.post(LOGIN_URL, {"login": "PAT@Example.org", "password": TEST_PASSWORD}, follow=True)
        assert response.context["user"] == patient
        assert response.redirect_chain[-1][0] == reverse("tracker:dashboard")

    def test_wrong_password_is_refused(self, client, patient):
        response = client.post(LOGIN_URL, {"login": patient.email, "password": "not-the-password"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "not correct" in html
        # Said once, in the summary above the form, which says what happened rather than point at a field.
        assert html.count("not correct") == 1
        assert "You are not logged in yet." in html
        assert not response.context["user"].is_authenticated

    def test_logout_needs_a_post_and_ends_the_session(self, client, patient):
        client.force_login(patient)
        assert client.get(reverse("account_logout")).status_code == 200
        assert client.get(reverse("tracker:dashboard")).status_code == 200
        client.post(reverse("account_logout"))
        assert client.get(reverse("tracker:dashboard")).status_code == 302

    def test_password_reset_sends_a_link_that_sets_a_new_password(
        self, client, patient, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_reset_password"), {"email": patient.email})
        assert len(mail.outbox) == 1
        link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
        form_page = client.get(link, follow=True)
        set_url = form_page.redirect_chain[-1][0]
        client.post(set_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"})
        patient.refresh_from_db()
        assert patient.check_password("a-brand-new-passphrase")
        # The owner is told, in case it was not them.
        assert mail.outbox[-1].to == [patient.email]
        assert "password" in mail.outbox[-1].subject.lower()

    def test_no_reset_link_goes_to_an_address_added_to_an_account_and_never_confirmed(
        self, client, patient, django_capture_on_commit_callbacks
    ):
        """A mistyped or hostile address added to an account is not the account's: a link for the account sent
        there would let its reader take the account over."""
        EmailAddress.objects.create(user=patient, email="someone-else@example.net", verified=False, primary=False)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_reset_password"), {"email": "someone-else@example.net"})
        assert response.status_code == 302
        assert not [message for message in mail.outbox if "/password/reset/key/" in message.body]
        patient.refresh_from_db()
        assert patient.check_password(TEST_PASSWORD)

    def test_a_changed_password_is_announced_to_the_account_s_address(
        self, client, patient, django_capture_on_commit_callbacks
    ):
        client.force_login(patient)
        new = "another-long-passphrase"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("account_change_password"),
                {"oldpassword": TEST_PASSWORD, "password1": new, "password2": new},
            )
        [notice] = mail.outbox
        assert notice.to == [patient.email]
        assert "password" in notice.subject.lower()


@pytest.mark.django_db
class TestEmailUniqueness:
    def test_database_refuses_the_same_address_in_another_case(self, patient):
        with pytest.raises(IntegrityError):
            User.objects.create(email="Pat@Example.ORG", full_name="Copy")

    def test_full_clean_refuses_the_same_address_in_another_case(self, patient):
        with pytest.raises(ValidationError):
            User(email="pat@EXAMPLE.org", full_name="Copy", password="x").full_clean()

    def test_create_user_normalises_the_domain(self, db):
        user = get_user_model().objects.create_user("Someone@EXAMPLE.org", "long-enough-pass", full_name="S")
        assert user.email == "Someone@example.org"


@pytest.mark.django_db
class TestClinicianVerification:
    def test_staff_verify_a_clinician(self, unverified_clinician, staff):
        confirm_address(unverified_clinician)
        clinician_verify(clinician=unverified_clinician, verified_by=staff)
        unverified_clinician.refresh_from_db()
        assert unverified_clinician.is_verified_clinician
        assert unverified_clinician.clinician_verified_by == staff

    def test_a_patient_cannot_be_verified(self, patient, staff):
        with pytest.raises(ValidationError):
            clinician_verify(clinician=patient, verified_by=staff)

    def test_database_refuses_a_verified_patient(self, db):
        from django.utils import timezone

        with pytest.raises(IntegrityError):
            User.objects.create(email="p@example.org", full_name="P", clinician_verified_at=timezone.now())

    def test_admin_action_verifies_the_selected_clinicians(self, client, staff, unverified_clinician):
        confirm_address(unverified_clinician)
        client.force_login(staff)
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "verify_clinicians", "_selected_action": [unverified_clinician.pk]},
            follow=True,
        )
        unverified_clinician.refresh_from_db()
        assert unverified_clinician.is_verified_clinician
        assert "1 clinician(s) verified." in response.content.decode()

    def test_admin_lists_pending_clinicians(self, client, staff, unverified_clinician, clinician):
        client.force_login(staff)
        response = client.get(reverse("admin:accounts_user_changelist"), {"verification": "pending"})
        html = response.content.decode()
        assert unverified_clinician.email in html
        assert clinician.email not in html
        # What they gave at sign-up, which staff check, is in the list itself.
        assert f'<td class="field-professional_details">{unverified_clinician.professional_details}</td>' in html
        everyone = client.get(reverse("admin:accounts_user_changelist")).content.decode()
        assert "field-professional_details" not in everyone

    def test_verified_clinician_sees_no_pending_notice(self, client, clinician):
        client.force_login(clinician)
        response = client.get(reverse("tracker:clinic"))
        assert "waiting for verification" not in response.content.decode()


@pytest.mark.django_db
class TestRoleGates:
    @pytest.mark.parametrize("url_name", ["tracker:dashboard", "tracker:clinic"])
    def test_anonymous_visitor_is_sent_to_login(self, client, url_name):
        url = reverse(url_name)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN_URL}?next={url}"

    def test_patient_cannot_open_the_clinic(self, client, patient):
        client.force_login(patient)
        assert client.get(reverse("tracker:clinic")).status_code == 403

    def test_clinician_cannot_open_the_patient_dashboard(self, client, clinician):
        client.force_login(clinician)
        assert client.get(reverse("tracker:dashboard")).status_code == 403

    def test_signed_in_users_are_taken_from_the_landing_page_to_their_start_page(self, client, patient, clinician):
        client.force_login(patient)
        assert client.get("/")["Location"] == reverse("tracker:dashboard")
        client.force_login(clinician)
        assert client.get("/")["Location"] == reverse("tracker:clinic")

    def test_staff_without_a_patient_role_still_reach_a_page(self, client):
        admin = PatientFactory(is_staff=True)
        client.force_login(admin)
        assert client.get("/", follow=True).status_code == 200


@pytest.mark.django_db
class TestStaffRole:
    def test_createsuperuser_makes_staff_not_a_patient(self):
        admin = User.objects.create_superuser("admin@example.org", "a-long-admin-password", full_name="Ada Admin")
        assert admin.role == User.Role.STAFF
        assert not admin.is_patient
        assert not admin.is_clinician
        assert not admin.is_caregiver

    def test_staff_start_in_the_admin_and_keep_no_diary(self, client):
        admin = User.objects.create_superuser("admin@example.org", "a-long-admin-password", full_name="Ada Admin")
        client.force_login(admin)
        assert client.get("/", secure=True)["Location"] == "/admin/"
        assert client.get("/dashboard/", secure=True).status_code == 403
