import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_landing_page_explains_the_app_and_offers_sign_up_and_log_in(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html
    assert "muscle cramps" in html
    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/login/"' in html


@pytest.mark.django_db
def test_base_layout_has_a_skip_link_a_main_landmark_and_a_disclaimer(client):
    html = client.get("/").content.decode()
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert "Not medical advice." in html


@pytest.mark.django_db
def test_every_stylesheet_and_script_is_served_locally(client):
    html = client.get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html)
    assert any("bootstrap.min.css" in source for source in sources)
    for source in sources:
        assert source.startswith("/static/"), source
        assert finders.find(source.removeprefix("/static/")), source


@pytest.mark.django_db
def test_no_inline_script_or_style_in_the_pages(client, patient):
    pages = ["/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]
    for url in pages:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html, url
        assert " style=" not in html, url


@pytest.mark.django_db
def test_navigation_shows_what_the_role_can_do(client, patient, clinician):
    client.force_login(patient)
    patient_nav = client.get("/dashboard/").content.decode()
    assert "Dashboard" in patient_nav
    assert "My patients" not in patient_nav
    client.force_login(clinician)
    clinician_nav = client.get("/clinic/").content.decode()
    assert "My patients" in clinician_nav
    assert ">Dashboard<" not in clinician_nav


@pytest.mark.django_db
def test_unknown_page_is_a_404_not_a_500(client):
    assert client.get("/no-such-page/").status_code == 404


@pytest.mark.django_db
def test_a_404_page_keeps_the_navigation_and_offers_a_way_back(client, patient):
    client.force_login(patient)
    response = client.get("/episodes/00000000-0000-0000-0000-000000000000/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in html
    assert 'href="/"' in html


@pytest.mark.django_db
def test_a_403_page_says_why(client, patient):
    client.force_login(patient)
    response = client.get("/clinic/")
    assert response.status_code == 403
    assert "This page is not available for your account type." in response.content.decode()


def test_no_template_has_a_multi_line_hash_comment():
    """{# ... #} spans one line only: a longer one is printed on the page."""
    for path in (Path(__file__).resolve().parent.parent / "templates").rglob("*.html"):
        for line in path.read_text().splitlines():
            assert "{#" not in line or "#}" in line, f"{path}: {line}"
