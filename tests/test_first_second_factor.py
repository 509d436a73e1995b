"""A clinician who has just signed up sets up their authenticator app without typing their password again;
any later change to second factors still asks for it (allauth's reauthentication)."""

import time
from unittest import mock

import pytest
from django.urls import reverse

from accounts.adapter import FIRST_FACTOR_GRACE_SECONDS

from .factories import TEST_PASSWORD, ClinicianFactory, totp_code
from .test_accounts import sign_up_and_confirm, signup_data

pytestmark = pytest.mark.django_db

ACTIVATE_URL = reverse("mfa_activate_totp")
REAUTHENTICATE_URL = reverse("account_reauthenticate")


def new_clinician(client):
    data = signup_data(email="dr.new@example.org", role="clinician", professional_details="Neurologist, GMC 7654321")
    return sign_up_and_confirm(client, data)


def test_right_after_sign_up_the_app_is_set_up_without_the_password_again(client):
    response = new_clinician(client)
    assert response.redirect_chain[-1][0] == ACTIVATE_URL
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE_URL, {"code": totp_code(secret)})
    assert response.status_code == 302
    # The recovery codes made with the app are shown without the password either.
    codes = client.get(response["Location"])
    assert codes.status_code == 200, codes.get("Location")
    # The page leads on: not a dead end once the codes are kept.
    assert f'href="{reverse("home")}">Done: go on to my patients</a>' in codes.content.decode()
    assert client.get(reverse("mfa_download_recovery_codes")).status_code == 200
    assert client.get("/clinic/").status_code == 200
    # Changing the factor that now exists asks for it.
    assert client.get(reverse("mfa_deactivate_totp"))["Location"].startswith(REAUTHENTICATE_URL)


def test_right_after_signing_in_a_first_app_needs_no_password_again(client):
    clinician = ClinicianFactory(authenticator_app=False)
    client.post(reverse("account_login"), {"login": clinician.email, "password": TEST_PASSWORD})
    assert client.get(ACTIVATE_URL).status_code == 200


def test_later_the_password_is_asked_again(client):
    clinician = ClinicianFactory(authenticator_app=False)
    client.post(reverse("account_login"), {"login": clinician.email, "password": TEST_PASSWORD})
    later = time.time() + FIRST_FACTOR_GRACE_SECONDS + 1
    with mock.patch("time.time", return_value=later):
        assert client.get(ACTIVATE_URL)["Location"].startswith(REAUTHENTICATE_URL)


def test_changing_second_factors_that_exist_always_asks_for_the_password(client, clinician):
    client.post(reverse("account_login"), {"login": clinician.email, "password": TEST_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(clinician.totp_secret)})
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(REAUTHENTICATE_URL)


@pytest.mark.parametrize(
    ("page", "field", "answer"),
    [("account_reauthenticate", "password", None), ("mfa_reauthenticate", "code", "totp")],
)
def test_each_way_to_confirm_it_is_you_sends_its_form_to_its_own_page(client, page, field, answer):
    clinician = ClinicianFactory()
    client.force_login(clinician)
    url = reverse(page)
    html = client.get(url).content.decode()
    assert f'<form method="post" action="{url}" novalidate>' in html
    assert f'name="{field}"' in html
    value = totp_code(clinician.totp_secret) if answer else TEST_PASSWORD
    assert client.post(url, {field: value}).status_code == 302
