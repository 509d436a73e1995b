"""Pages and exports travel compressed when the browser accepts gzip, and plain when it does not."""

import gzip

import pytest
from django.urls import reverse

from .factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def test_a_page_is_sent_gzipped_to_a_browser_that_accepts_it(client, patient):
    EpisodeFactory.create_batch(20, patient=patient)
    client.force_login(patient)
    plain = client.get(reverse("tracker:insights"))
    packed = client.get(reverse("tracker:insights"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    page = gzip.decompress(packed.content).decode()
    assert "Insights" in page
    assert page.count('name="csrfmiddlewaretoken"') == plain.content.decode().count('name="csrfmiddlewaretoken"')


def test_a_streamed_export_stays_streamed_and_is_gzipped(client, patient):
    EpisodeFactory.create_batch(30, patient=patient)
    client.force_login(patient)
    response = client.get(reverse("tracker:export_download", args=["csv"]), HTTP_ACCEPT_ENCODING="gzip")
    assert response.streaming
    assert response["Content-Encoding"] == "gzip"
    rows = gzip.decompress(b"".join(response.streaming_content)).decode().splitlines()
    assert len(rows) == 31
