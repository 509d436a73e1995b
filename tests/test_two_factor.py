"""Clinicians need an authenticator app (TOTP, with recovery codes) before the clinic opens."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from .factories import TEST_PASSWORD, ClinicianFactory, grant_access, totp_code

pytestmark = pytest.mark.django_db


def test_a_clinician_without_an_authenticator_app_is_sent_to_set_one_up(client, patient):
    clinician = ClinicianFactory(authenticator_app=False)
    grant_access(patient, clinician)
    client.force_login(clinician)
    for url in ["/clinic/", "/clinic/accept/", reverse("tracker:patient_review", args=[patient.pk])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_a_clinician_with_an_authenticator_app_gets_in(client, clinician):
    client.force_login(clinician)
    assert client.get("/clinic/").status_code == 200


def test_setting_up_the_app_also_creates_recovery_codes(client):
    clinician = ClinicianFactory(authenticator_app=False)
    client.post(reverse("account_login"), {"login": clinician.email, "password": TEST_PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    kinds = set(Authenticator.objects.filter(user=clinician).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get("/clinic/").status_code == 200


def test_signing_in_asks_for_the_code_and_refuses_a_wrong_one(client, clinician):
    response = client.post(reverse("account_login"), {"login": clinician.email, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get("/clinic/").wsgi_request.user.is_authenticated
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    client.post(reverse("mfa_authenticate"), {"code": totp_code(clinician.totp_secret)})
    assert client.get("/clinic/").status_code == 200


def test_patients_may_turn_on_two_factors(client, patient):
    client.force_login(patient)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert "Authenticator app" in response.content.decode()
    assert client.get(reverse("tracker:dashboard")).status_code == 200
