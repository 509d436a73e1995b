"""Failed sign-ins are counted per account and address: a stranger cannot lock the owner out, a brute force
from one address is refused, a password reset lifts the lock, and second-factor codes have their own budget."""

import pytest
from django.core import checks, mail
from django.core.cache import cache
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from tracker.sharing.services import invitation_create

from .factories import TEST_PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
MFA_URL = reverse("mfa_authenticate")
ACCEPT_URL = reverse("tracker:accept")
PAUSED = "logging in to this account is paused for 15 minutes"
STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"
NEW_PASSWORD = "a-brand-new-passphrase"


def from_address(address: str) -> Client:
    """A browser at this address (the test client sends it as REMOTE_ADDR)."""
    return Client(REMOTE_ADDR=address)


def log_in(browser: Client, email: str, password: str = TEST_PASSWORD):
    return browser.post(LOGIN_URL, {"login": email, "password": password})


def is_signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def reset_password(browser: Client, email: str, password: str = NEW_PASSWORD) -> None:
    """The whole reset: ask for the e-mail, follow its link, set the new password."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the e-mail goes once the request's writes commit
        browser.post(reverse("account_reset_password"), {"email": email})
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
    set_url = browser.get(link, follow=True).redirect_chain[-1][0]
    browser.post(set_url, {"password1": password, "password2": password})


class TestPasswords:
    def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(self, patient):
        stranger = from_address(STRANGER)
        for _ in range(10):
            log_in(stranger, patient.email, "wrong-password")
        owner = from_address(OWNER)
        assert log_in(owner, patient.email).status_code == 302
        assert is_signed_in(owner)

    def test_a_brute_force_from_one_address_is_refused_even_the_right_password(self, patient):
        stranger = from_address(STRANGER)
        for _ in range(5):
            log_in(stranger, patient.email, "wrong-password")
        response = log_in(stranger, patient.email)
        assert PAUSED in response.content.decode()
        assert not is_signed_in(stranger)

    def test_the_address_is_counted_however_the_login_is_typed(self, patient):
        stranger = from_address(STRANGER)
        for spelling in [
            "PAT@example.org",
            " pat@EXAMPLE.org",
            "Pat@Example.Org",
            "pat@example.org",
            "PAT@EXAMPLE.ORG",
        ]:
            log_in(stranger, spelling, "wrong-password")
        assert PAUSED in log_in(stranger, patient.email).content.decode()

    def test_a_stranger_at_one_address_does_not_lock_another_account_they_never_tried(self, patient, other_patient):
        stranger = from_address(STRANGER)
        for _ in range(5):
            log_in(stranger, patient.email, "wrong-password")
        assert log_in(from_address(STRANGER), other_patient.email).status_code == 302

    def test_a_password_reset_lifts_the_lock_at_every_address(self, patient):
        # allauth's own reset clears the count of the address the reset came from (192.0.2.1) only.
        for address in (STRANGER, OWNER):
            for _ in range(5):
                log_in(from_address(address), patient.email, "wrong-password")
        reset_password(from_address("192.0.2.1"), patient.email)
        for address in (STRANGER, OWNER):
            browser = from_address(address)
            assert log_in(browser, patient.email, NEW_PASSWORD).status_code == 302, address
            assert is_signed_in(browser)

    def test_the_counters_live_in_the_shared_cache(self, patient):
        stranger = from_address(STRANGER)
        for _ in range(5):
            log_in(stranger, patient.email, "wrong-password")
        # Every worker reads the default cache: emptying it (as its 15 minutes do) is what frees the account.
        cache.clear()
        assert log_in(stranger, patient.email).status_code == 302


class TestSecondFactor:
    def test_a_clinician_with_the_password_and_a_valid_code_gets_in_despite_a_stranger(self, clinician):
        for _ in range(10):
            log_in(from_address(STRANGER), clinician.email, "wrong-password")
        owner = from_address(OWNER)
        assert log_in(owner, clinician.email)["Location"] == MFA_URL
        owner.post(MFA_URL, {"code": totp_code(clinician.totp_secret)})
        assert owner.get("/clinic/").status_code == 200

    def test_five_wrong_codes_stop_the_code_step_even_for_the_right_code(self, clinician):
        browser = from_address(OWNER)
        log_in(browser, clinician.email)
        for _ in range(5):
            assert browser.post(MFA_URL, {"code": "000000"}).status_code == 200
        refused = browser.post(MFA_URL, {"code": totp_code(clinician.totp_secret)})
        assert "Too many failed attempts" in refused.context["form"].errors["code"][0]
        assert not is_signed_in(browser)

    def test_wrong_codes_do_not_spend_the_password_budget(self, clinician):
        browser = from_address(OWNER)
        log_in(browser, clinician.email)
        for _ in range(4):
            browser.post(MFA_URL, {"code": "000000"})
        for _ in range(4):
            log_in(from_address(OWNER), clinician.email, "wrong-password")
        fresh = from_address(OWNER)
        assert log_in(fresh, clinician.email)["Location"] == MFA_URL
        fresh.post(MFA_URL, {"code": totp_code(clinician.totp_secret)})
        assert fresh.get("/clinic/").status_code == 200

    def test_wrong_passwords_do_not_spend_the_code_budget(self, clinician):
        for _ in range(4):
            log_in(from_address(OWNER), clinician.email, "wrong-password")
        browser = from_address(OWNER)
        log_in(browser, clinician.email)
        for _ in range(4):
            browser.post(MFA_URL, {"code": "000000"})
        browser.post(MFA_URL, {"code": totp_code(clinician.totp_secret)})
        assert browser.get("/clinic/").status_code == 200


class TestInvitationCodes:
    def test_ten_wrong_codes_stop_an_eleventh_right_one_until_the_window_ends(self, patient, clinician):
        browser = from_address(OWNER)
        browser.force_login(clinician)
        for _ in range(10):
            browser.post(ACCEPT_URL, {"code": "ZZZZZ-ZZZZZ"})
        new = invitation_create(patient=patient)
        refused = browser.post(ACCEPT_URL, {"code": new.code})
        assert "Too many tries" in refused.context["form"].errors["code"][0]
        # The count is in the default cache that all workers share; it ending is what lets the code in.
        cache.clear()
        assert browser.post(ACCEPT_URL, {"code": new.code}).status_code == 302


class TestDeploymentCheck:
    def shared_cache_warnings(self):
        found = checks.run_checks(tags=[checks.Tags.caches], include_deployment_checks=True)
        return [message for message in found if message.id == "accounts.W001"]

    @override_settings(DEBUG=False, CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    def test_production_with_a_per_process_cache_is_warned(self):
        (warning,) = self.shared_cache_warnings()
        assert "Redis is required with more than one worker" in warning.hint

    @override_settings(
        DEBUG=False,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x:6379"}},
    )
    def test_production_with_redis_is_not_warned(self):
        assert self.shared_cache_warnings() == []

    @override_settings(DEBUG=True, CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    def test_development_is_not_warned(self):
        assert self.shared_cache_warnings() == []
