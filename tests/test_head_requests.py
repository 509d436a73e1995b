"""HEAD is answered wherever GET is: link checkers, uptime monitors and some browsers send it first."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from .factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db


def plain_paths(resolver=None, prefix="") -> list[str]:
    """Every URL of the site without a parameter, as a browser would request it."""
    paths = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or "^" in route or "(" in route:
            continue
        if isinstance(entry, URLResolver):
            paths += plain_paths(entry, route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + route)
    return paths


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_every_page_that_answers_get_answers_head_too(client, role):
    client.force_login(PatientFactory() if role == "patient" else ClinicianFactory())
    refused = []
    for path in plain_paths():
        got, head = client.get(path, secure=True), client.head(path, secure=True)
        if got.status_code != 405 and head.status_code == 405:
            refused.append(path)
        if got.status_code == 200:
            assert head.status_code == 200, path
            assert not head.content, path
    assert refused == []
