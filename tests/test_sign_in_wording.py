"""The sign-in pages (allauth's, drawn by our templates) speak in the app's sentence case: "Log in", "Forgot your
password?", never allauth's "Sign In" or "Forgot Your Password?"; and the log-in page asks "Forgot your
password?" once."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.urls import reverse

from .factories import TEST_PASSWORD, ClinicianFactory, PatientFactory, totp_code

pytestmark = pytest.mark.django_db

# Two capitalised words in a row, as in "Sign In" or "Reset My Password"; a name of a product or a standard is not
# one of those.
TITLE_CASE = re.compile(r"\b[A-Z][a-z]+\s+[A-Z][a-z]+\b")
PROPER_NAMES = ("CrampApp",)


class _Wording(HTMLParser):
    """The text of each heading, button, link and the page title, and each submit button's value."""

    TAGS = {"title", "h1", "h2", "h3", "h4", "button", "a", "legend", "label"}

    def __init__(self):
        super().__init__()
        self.phrases: list[str] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("type") == "submit" and values.get("value"):
            self.phrases.append(values["value"])
        if tag in self.TAGS:
            self._open.append([])

    def handle_endtag(self, tag):
        if tag in self.TAGS and self._open:
            self.phrases.append(" ".join("".join(self._open.pop()).split()))

    def handle_data(self, data):
        for parts in self._open:
            parts.append(data)


def wording(html: str) -> list[str]:
    parser = _Wording()
    parser.feed(html)
    parser.close()
    return [phrase for phrase in parser.phrases if phrase]


def title_case_phrases(html: str, names: tuple[str, ...] = ()) -> list[str]:
    found = []
    for phrase in wording(html):
        for name in (*PROPER_NAMES, *names):
            phrase = phrase.replace(name, "")
        found += [match.group() for match in TITLE_CASE.finditer(phrase)]
    return found


def reset_link(client, email: str, on_commit) -> str:
    """The link of the password-reset e-mail sent to `email`, as a path."""
    with on_commit(execute=True):
        client.post(reverse("account_reset_password"), {"email": email}, secure=True)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    return link.group(1)


def anonymous_pages(client, patient, on_commit) -> dict[str, str]:
    pages = {
        name: reverse(name)
        for name in [
            "account_login",
            "account_signup",
            "account_reset_password",
            "account_reset_password_done",
            "account_reset_password_from_key_done",
            "account_email_verification_sent",
            "account_inactive",
        ]
    }
    pages["account_confirm_email (unknown key)"] = reverse("account_confirm_email", args=["no-such-key"])
    pages["account_reset_password_from_key (bad key)"] = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": "0", "key": "bad-key"}
    )
    unconfirmed = EmailAddress.objects.create(user=patient, email="pat.new@example.org")
    pages["account_confirm_email"] = reverse("account_confirm_email", args=[EmailConfirmationHMAC(unconfirmed).key])
    # After the address above: the reset link is made for the account's addresses as they are.
    pages["account_reset_password_from_key"] = reset_link(client, patient.email, on_commit)
    return pages


def signed_in_pages() -> list[str]:
    return [
        "account_logout",
        "account_reauthenticate",
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_reauthenticate",
        "mfa_activate_totp",
    ]


def second_factor_pages() -> list[str]:
    return [
        "mfa_index",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
    ]


def log_in(client, user) -> None:
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}, secure=True)


def page_of(client, url: str):
    response = client.get(url, secure=True, follow=True)
    assert response.status_code == 200, url
    return response


def every_page(client, patient, on_commit) -> dict[str, str]:
    """Each allauth page the app serves, by what it is, with the HTML it shows."""
    pages = {}
    for label, url in anonymous_pages(client, patient, on_commit).items():
        pages[label] = page_of(client, url).content.decode()
    clinician = ClinicianFactory()
    RecoveryCodes.activate(clinician)
    log_in(client, clinician)
    pages["mfa_authenticate"] = page_of(client, reverse("mfa_authenticate")).content.decode()
    client.logout()
    log_in(client, patient)
    for name in signed_in_pages():
        pages[f"{name} (patient)"] = page_of(client, reverse(name)).content.decode()
    client.logout()
    without_password = PatientFactory()
    without_password.set_unusable_password()
    without_password.save(update_fields=["password"])
    client.force_login(without_password)
    pages["account_set_password"] = page_of(client, reverse("account_set_password")).content.decode()
    client.logout()
    log_in(client, clinician)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(clinician.totp_secret)}, secure=True)
    # Changing the second factor asks for the password again, however recent the log-in.
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD}, secure=True)
    for name in second_factor_pages():
        pages[f"{name} (with an app)"] = page_of(client, reverse(name)).content.decode()
    return pages


def test_every_sign_in_page_is_in_sentence_case(client, patient, django_capture_on_commit_callbacks):
    found = {}
    for label, html in every_page(client, patient, django_capture_on_commit_callbacks).items():
        phrases = title_case_phrases(html, names=(patient.full_name,))
        if phrases:
            found[label] = phrases
    assert found == {}, "\n".join(f"{label}: {phrases}" for label, phrases in found.items())


def test_the_log_in_page_asks_forgot_your_password_once(client):
    html = page_of(client, reverse("account_login")).content.decode()
    assert html.count("Forgot your password?") == 1
    assert "Forgot Your Password?" not in html
