"""window_pairs: the last N days against the N before, for several N in one query, edges included as a
filter on each window would include them."""

import datetime as dt

import pytest
from django.utils import timezone

from tracker.models import Episode, cramps_sum

from .factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db


def by_filters(episodes, now, days):
    near, far = now - dt.timedelta(days=days), now - dt.timedelta(days=2 * days)
    recent = episodes.filter(started_at__gte=near, started_at__lte=now).aggregate(n=cramps_sum())["n"]
    previous = episodes.filter(started_at__gte=far, started_at__lt=near).aggregate(n=cramps_sum())["n"]
    return recent, previous


def test_each_window_counts_what_its_own_filter_counts():
    patient = PatientFactory()
    now = timezone.now()
    second = dt.timedelta(seconds=1)
    for days in (0, 13, 14, 28, 29, 30, 45, 60, 61):
        for offset in (-second, dt.timedelta(0), second):
            moment = now - dt.timedelta(days=days) + offset
            if moment <= now:
                EpisodeFactory(patient=patient, started_at=moment)
    episodes = Episode.objects.for_patient(patient)
    pairs = episodes.window_pairs(now, 30, 14)
    assert pairs == {30: by_filters(episodes, now, 30), 14: by_filters(episodes, now, 14)}
    assert all(count > 0 for pair in pairs.values() for count in pair)
