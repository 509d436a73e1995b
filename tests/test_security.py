"""Production headers, CSP, cookies, and the absence of inline code in every template."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from .factories import TEST_PASSWORD, grant_access

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDERS = [PROJECT / "templates", PROJECT / "templates_jinja2"]
PRODUCTION = override_settings(SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
MAIN_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/learn/", "/healthz"]

pytestmark = pytest.mark.django_db


@PRODUCTION
@pytest.mark.parametrize("url", MAIN_PAGES)
def test_main_pages_send_the_security_headers(client, url):
    response = client.get(url, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@PRODUCTION
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/learn/"])
def test_the_content_security_policy_allows_no_inline_or_eval(client, url):
    policy = client.get(url, secure=True)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize(
    "url", ["tracker:dashboard", "tracker:episode_list", "tracker:insights", "tracker:export", "tracker:sharing"]
)
def test_a_signed_in_persons_pages_are_kept_by_no_cache(client, patient, url):
    client.force_login(patient)
    cache_control = client.get(reverse(url))["Cache-Control"]
    assert {"no-store", "private", "no-cache", "must-revalidate"} <= set(re.split(r",\s*", cache_control))


def test_the_clinicians_pages_and_exports_are_kept_by_no_cache(client, patient, clinician):
    grant_access(patient, clinician)
    client.force_login(clinician)
    for name in ("tracker:patient_review", "tracker:export_csv"):
        response = client.get(reverse(name, args=[patient.pk]))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_public_pages_for_visitors_may_be_cached(client):
    response = client.get(reverse("education:index"))
    assert "no-store" not in response.get("Cache-Control", "")


@PRODUCTION
def test_plain_http_is_redirected_to_https_except_the_health_check(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


@PRODUCTION
def test_session_and_csrf_cookies_are_secure_httponly_and_lax(client, patient):
    client.get("/accounts/login/", secure=True)
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"login": patient.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    session = response.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def template_files():
    return sorted(path for folder in TEMPLATE_FOLDERS for path in folder.rglob("*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda path: str(path.relative_to(PROJECT)))
def test_no_template_has_inline_script_style_or_event_handlers(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "event handler attribute"
    assert "javascript:" not in text


def test_csrf_is_enforced_on_forms(patient):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient)
    response = strict.post(reverse("tracker:checkin"), {"day": "2026-01-01", "status": "none"})
    assert response.status_code == 403
