"""Markup the HTML standard allows, on the pages with the most form fields: each id once, and no
`autocomplete` on a radio button or a checkbox (the Nu Html Checker refuses both)."""

import datetime as dt
import uuid
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tracker.diary.services import EpisodeDetails, episode_create

from .factories import grant_access

pytestmark = pytest.mark.django_db


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()
        self.autocomplete_on_choices = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        if tag == "input" and attributes.get("type") in ("radio", "checkbox") and "autocomplete" in attributes:
            self.autocomplete_on_choices.append(attributes.get("name"))


def read(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    return markup


def test_the_pages_with_forms_have_each_id_once_and_no_autocomplete_on_choices(client, patient, clinician):
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=timezone.now() - dt.timedelta(hours=2), severity=5),
    )
    grant_access(patient, clinician)
    pages = {
        patient: [
            "/dashboard/",
            "/episodes/new/",
            f"/episodes/{episode.uuid}/edit/",
            "/episodes/tally/",
            "/episodes/",
            "/checkin/",
            "/profile/",
            "/insights/",
            "/import/",
            "/questionnaires/psfs/",
        ],
        clinician: [f"/clinic/patients/{patient.pk}/"],
    }
    for user, paths in pages.items():
        client.force_login(user)
        for path in paths:
            response = client.get(path, secure=True)
            assert response.status_code == 200, path
            markup = read(response.content.decode())
            assert [name for name, count in markup.ids.items() if count > 1] == [], path
            assert markup.autocomplete_on_choices == [], path
