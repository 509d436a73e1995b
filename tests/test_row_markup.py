"""Log rows and table cells drawn by template tags escape every text they show."""

import pytest
from django.utils import timezone

from tracker.models import Episode, EpisodeLocation, EpisodeTerm
from tracker.templatetags.tracker_tags import episode_cells, episode_rows

from .factories import CaregiverFactory, EpisodeFactory, PatientFactory, term

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def hostile_entry():
    """An entry whose place and trigger labels (staff may edit the vocabulary) and whose caregiver's
    name are markup."""
    patient = PatientFactory()
    calf, cold = term("location", "calf"), term("trigger", "cold")
    calf.label = cold.label = HOSTILE
    calf.save()
    cold.save()
    episode = EpisodeFactory(patient=patient, created_by=CaregiverFactory(full_name=HOSTILE))
    EpisodeLocation.objects.create(patient=patient, episode=episode, location=calf, side="left")
    EpisodeTerm.objects.create(patient=patient, episode=episode, term=cold)
    return Episode.objects.with_details().get(pk=episode.pk)


@pytest.mark.parametrize("table", ["review", "report"])
def test_table_cells_escape_labels_and_names(hostile_entry, table):
    with timezone.override(hostile_entry.patient.zone):
        html = str(episode_cells(hostile_entry, table))
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 3  # place, trigger, caregiver


def test_log_rows_escape_labels_and_names(hostile_entry):
    html = str(episode_rows([hostile_entry]))
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 2  # place, caregiver
    assert f'href="/episodes/{hostile_entry.uuid}/"' in html
