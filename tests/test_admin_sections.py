"""The admin lists its models in sections a staff member understands, not one per app ("Accounts", "Account",
"Mfa"...); every admin page keeps its address."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECTIONS = {
    "People and access": ["Users", "Groups", "Email addresses", "Authenticators"],
    "Sharing and audit": ["Access logs"],
    "Clinical content": ["Terms", "Pages", "Instruments"],
}


def listed_sections(html: str) -> dict[str, list[str]]:
    """Each section of the admin's app list, with the models it names, in order."""
    sections = {}
    for caption, table in re.findall(r"<caption>\s*(.*?)\s*</caption>(.*?)</table>", html, re.S):
        name = re.sub(r"<[^>]+>", "", caption).strip()
        sections[name] = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]*"[^>]*>([^<]+)</a>', table)
    return sections


def test_the_admin_index_lists_each_model_in_its_section(client, staff):
    client.force_login(staff)
    html = client.get(reverse("admin:index"), secure=True).content.decode()
    sections = listed_sections(html)
    for name, models in SECTIONS.items():
        assert sections[name] == models, name


def test_the_sidebar_of_a_models_page_lists_the_same_sections(client, staff):
    client.force_login(staff)
    html = client.get(reverse("admin:tracker_term_changelist"), secure=True).content.decode()
    sidebar = listed_sections(html.split('id="nav-sidebar"', 1)[1])
    assert list(sidebar)[: len(SECTIONS)] == list(SECTIONS)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:auth_group_changelist",
        "admin:account_emailaddress_changelist",
        "admin:mfa_authenticator_changelist",
        "admin:tracker_accesslog_changelist",
        "admin:tracker_term_changelist",
        "admin:education_page_changelist",
        "admin:questionnaires_instrument_changelist",
    ],
)
def test_every_models_page_keeps_its_address(client, staff, url_name):
    client.force_login(staff)
    assert client.get(reverse(url_name), secure=True).status_code == 200


def test_an_apps_own_page_still_lists_its_models(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:app_list", args=["tracker"]), secure=True)
    assert response.status_code == 200
    assert {model["object_name"] for model in response.context["app_list"][0]["models"]} >= {"AccessLog", "Term"}
