"""The indexes behind the pages that grow with the data, read from PostgreSQL's query plans.

With 10,000 episodes in the table, the episode list must find one patient's newest episodes
through the (patient, started_at) index, and the clinic list must reach its patients' episodes of
the last 60 days through the same index when it counts their summaries, never by reading the whole
episode table, and page through the stored summaries without reading episodes at all.
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ClinicianFactory, PatientFactory, grant_access
from tracker.clinic.review import clinic_patients, figures_now
from tracker.clinic.views import PATIENTS_PER_PAGE
from tracker.counting import days_stats
from tracker.diary.selectors import episodes_filtered
from tracker.diary.views.episodes import EPISODES_PER_PAGE
from tracker.models import Episode

EPISODE_INDEX = "tracker_episode_patient_start"

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def plan_of(queryset) -> list[dict]:
    """Every node of the plan PostgreSQL picks for `queryset` (after fresh statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_episode, accounts_user, tracker_caregrant, tracker_checkin")
    return list(_nodes(json.loads(queryset.explain(format="json"))[0]["Plan"]))


def episode_scans(nodes: list[dict]) -> list[tuple[str, str | None]]:
    """How the plan reads the episodes the page lists (a joined episode, such as a cramp's tally, has another alias)."""
    return [(node["Node Type"], node.get("Index Name")) for node in nodes if node.get("Alias") == "tracker_episode"]


def no_full_reads_of_episodes(nodes: list[dict]) -> bool:
    return not any(node["Node Type"] == "Seq Scan" for node in nodes if node.get("Relation Name") == "tracker_episode")


def add_episodes(patients, per_patient: int, spread: dt.timedelta) -> None:
    now = timezone.now()
    step = spread / per_patient
    Episode.objects.bulk_create(
        (
            Episode(
                patient=patient,
                started_at=now - step * index,
                severity=index % 11,
                time_zone="UTC",
                utc_offset=dt.timedelta(0),
            )
            for patient in patients
            for index in range(per_patient)
        ),
        batch_size=2000,
    )


@pytest.mark.django_db
def test_the_episode_list_reads_one_page_through_the_patient_and_start_index():
    patient, neighbour = PatientFactory(), PatientFactory()
    add_episodes([patient], 10_000, dt.timedelta(days=5 * 365))
    add_episodes([neighbour], 2_000, dt.timedelta(days=365))
    nodes = plan_of(episodes_filtered(patient)[:EPISODES_PER_PAGE])
    scans = episode_scans(nodes)
    assert scans, "the plan does not read tracker_episode at all"
    assert all(index == EPISODE_INDEX for _, index in scans), scans
    assert no_full_reads_of_episodes(nodes)


@pytest.mark.django_db
def test_the_clinic_list_counts_recent_episodes_through_the_patient_and_start_index_and_pages_without_them():
    clinician = ClinicianFactory()
    patients = PatientFactory.create_batch(100)
    for patient in patients:
        grant_access(patient, clinician)
    # 100 patients with 100 episodes each over two years: 10,000 rows, a few hundred in the 30 days summarised.
    add_episodes(patients, 100, dt.timedelta(days=730))
    add_episodes(PatientFactory.create_batch(20), 100, dt.timedelta(days=60))
    with CaptureQueriesContext(connection) as captured:
        figures_now([patient.pk for patient in patients], timezone.now())
    scans = []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_episode")
        for query in captured:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
            nodes = _nodes(cursor.fetchone()[0][0]["Plan"])
            scans += [
                (node["Node Type"], node.get("Index Name"))
                for node in nodes
                if node.get("Relation Name") == "tracker_episode"
            ]
    assert scans, "the figures do not read the patients' recent episodes at all"
    assert all(index == EPISODE_INDEX for _, index in scans), scans
    page = clinic_patients(clinician).summarised[:PATIENTS_PER_PAGE]
    assert not [node for node in plan_of(page) if node.get("Relation Name") == "tracker_episode"]


@pytest.mark.django_db
def test_the_days_of_several_ranges_are_read_by_their_spans_of_the_index_not_the_whole_log():
    """Insights, the review and the report read the period's days with the medicines' and the trial's
    windows: each range is bounded in the index, however long the log."""
    patient = PatientFactory()
    add_episodes([patient], 10_000, dt.timedelta(days=5 * 365))
    today = timezone.localdate()
    ranges = [
        (today - dt.timedelta(days=27), today),
        (today - dt.timedelta(days=800), today - dt.timedelta(days=773)),
        (today - dt.timedelta(days=1500), today - dt.timedelta(days=1473)),
    ]
    with CaptureQueriesContext(connection) as captured:
        days_stats(patient, ranges)
    [days_sql] = [query["sql"] for query in captured if "tracker_episode" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_episode")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {days_sql}")
        nodes = list(_nodes(cursor.fetchone()[0][0]["Plan"]))
    scans = [node for node in nodes if node.get("Relation Name") == "tracker_episode"]
    assert len(scans) == len(ranges), [(node["Node Type"], node.get("Index Name")) for node in scans]
    assert all(node.get("Index Name") == EPISODE_INDEX and "started_at" in node["Index Cond"] for node in scans)
