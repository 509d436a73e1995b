"""Sign-in throttling, session lifetimes, and the audit events around them."""

import json
import logging
import re
import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from .factories import TEST_PASSWORD

LOGIN_URL = reverse("account_login")

pytestmark = pytest.mark.django_db


def audit_events(caplog):
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "crampapp.audit"]


def log_in(client, user, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"login": user.email, "password": password, **extra})


class TestThrottling:
    def test_five_failures_lock_the_account_for_a_while_with_a_clear_message(self, client, patient, caplog):
        caplog.set_level(logging.INFO, logger="crampapp.audit")
        for _ in range(5):
            assert log_in(client, patient, "wrong-password").status_code == 200
        response = log_in(client, patient)
        assert "logging in to this account is paused for 15 minutes" in response.content.decode()
        assert not response.context["user"].is_authenticated
        assert "sign_in_locked_out" in [event["event"] for event in audit_events(caplog)]

    def test_another_account_is_not_locked_by_them(self, client, patient, other_patient):
        for _ in range(5):
            log_in(client, patient, "wrong-password")
        assert log_in(client, other_patient).status_code == 302

    def test_the_admin_log_in_goes_through_the_throttled_page(self, client):
        response = client.get("/admin/login/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


class TestSessions:
    def test_the_session_key_changes_at_sign_in(self, client, patient):
        client.get(LOGIN_URL)
        client.session.save()
        before = client.session.session_key
        log_in(client, patient)
        assert client.session.session_key != before

    def test_remember_me_keeps_a_patient_signed_in_for_14_days(self, client, patient):
        log_in(client, patient, remember="on")
        assert client.session.get_expiry_age() == 14 * 24 * 60 * 60
        assert not client.session.get_expire_at_browser_close()

    def test_unticking_keep_me_signed_in_ends_the_session_with_the_browser(self, client, patient):
        log_in(client, patient)
        assert client.session.get_expire_at_browser_close()

    def test_the_log_in_page_keeps_a_patient_signed_in_unless_they_untick_it(self, client):
        html = client.get(LOGIN_URL).content.decode()
        [checkbox] = re.findall(r'<input type="checkbox" name="remember"[^>]*>', html)
        assert " checked" in checkbox
        assert "Keep me signed in on this device" in html
        assert "Untick it on a shared or public computer" in html
        assert html.count("Forgot your password?") == 1

    def test_a_clinician_is_signed_out_after_15_idle_minutes(self, client, clinician):
        client.force_login(clinician)
        client.get(reverse("tracker:clinic"))
        assert client.session.get_expiry_age() == 15 * 60
        Session.objects.filter(session_key=client.session.session_key).update(
            expire_date=timezone.now() - timezone.timedelta(seconds=1)
        )
        response = client.get(reverse("tracker:clinic"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)

    def test_the_idle_expiry_moves_on_at_most_once_a_minute(self, client, clinician):
        client.force_login(clinician)
        start = time.time()
        with mock.patch("accounts.middleware.time.time", return_value=start):
            client.get(reverse("tracker:clinic"))
        expiry = Session.objects.get(session_key=client.session.session_key).expire_date
        with mock.patch("accounts.middleware.time.time", return_value=start + 59):
            client.get(reverse("tracker:clinic"))
        assert Session.objects.get(session_key=client.session.session_key).expire_date == expiry
        with mock.patch("accounts.middleware.time.time", return_value=start + 60):
            client.get(reverse("tracker:clinic"))
        assert Session.objects.get(session_key=client.session.session_key).expire_date > expiry

    def test_log_out_deletes_the_session_on_the_server(self, client, patient):
        client.force_login(patient)
        key = client.session.session_key
        client.post(reverse("account_logout"))
        assert not Session.objects.filter(session_key=key).exists()


class TestAuditEvents:
    def test_sign_in_and_failed_sign_in_are_logged_without_the_address(self, client, patient, caplog):
        caplog.set_level(logging.INFO, logger="crampapp.audit")
        log_in(client, patient, "wrong-password")
        log_in(client, patient)
        events = audit_events(caplog)
        names = [event["event"] for event in events]
        assert "sign_in_failed" in names
        assert "sign_in" in names
        assert patient.email not in json.dumps(events)
        assert next(event for event in events if event["event"] == "sign_in")["user_id"] == patient.pk
