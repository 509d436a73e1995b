"""`__any_of` finds the same rows as `__in`, on SQLite (an IN list) and PostgreSQL (one array parameter)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.models import EpisodeTerm

from .factories import EpisodeFactory, PatientFactory, term

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_and_nothing_for_no_ids():
    patient = PatientFactory()
    cold, dehydration = term("trigger", "cold"), term("trigger", "dehydration")
    episodes = [EpisodeFactory(patient=patient) for _ in range(4)]
    for episode in episodes:
        EpisodeTerm.objects.create(patient=patient, episode=episode, term=cold)
    EpisodeTerm.objects.create(patient=patient, episode=episodes[0], term=dehydration)
    chosen = [episodes[0].pk, episodes[2].pk]
    found = set(EpisodeTerm.objects.filter(episode__any_of=chosen).values_list("pk", flat=True))
    assert found == set(EpisodeTerm.objects.filter(episode__in=chosen).values_list("pk", flat=True))
    assert len(found) == 3
    assert not EpisodeTerm.objects.filter(episode__any_of=[]).exists()


def test_the_ids_go_as_one_parameter_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the array parameter is PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        list(EpisodeTerm.objects.filter(episode__any_of=list(range(1, 500))))
    [query] = captured
    assert "= ANY(" in query["sql"]
    assert " IN (" not in query["sql"]
