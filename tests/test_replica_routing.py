"""Reads that go to the read replica (crampapp.replica): which database each page reads, read-your-writes
after a POST, the access gate on the primary, a lagging or absent replica, and no replica configured.

The replica is a second connection to the test database (tests/conftest.py), so what is asked of each
connection tells where a page read its rows. Tests commit (transaction=True): the replica's connection sees
only committed rows, as a real replica would.
"""

import uuid
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crampapp import replica
from crampapp.replica import PIN_COOKIE, ReplicaRouter, Routing
from tracker.models import AccessLog, CareGrant, ClinicSummary, Episode

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access

DATABASES = ["default", "replica"]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the replica's alias is set up on PostgreSQL (tests/conftest.py)"
)


@pytest.fixture
def routed(settings):
    """A deployment with a read replica configured and answering."""
    settings.READ_REPLICA = "replica"
    replica._replica_down_until = 0.0
    yield
    replica._replica_down_until = 0.0


@pytest.fixture
def record(transactional_db):
    patient = PatientFactory(full_name="Rita Replica")
    clinician = ClinicianFactory()
    grant_access(patient, clinician)
    EpisodeFactory.create_batch(3, patient=patient)
    return patient, clinician


@contextmanager
def reads():
    """The SQL each database was asked during the block, as two lists of statements."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as copy,
    ):
        asked = {"primary": [], "replica": []}
        yield asked
    asked["primary"] = [query["sql"] for query in primary.captured_queries]
    asked["replica"] = [query["sql"] for query in copy.captured_queries]


def mentioning(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if f'"{table}"' in sql]


def failing_episode_reads(message: str):
    """An execute wrapper under which every statement reading episodes fails as PostgreSQL fails it."""

    def wrapper(execute, sql, params, many, context):
        if "tracker_episode" in sql:
            raise OperationalError(message)
        return execute(sql, params, many, context)

    return wrapper


def fetched(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def clinician_pages(patient):
    return [
        reverse("tracker:clinic"),
        reverse("tracker:patient_review", args=[patient.pk]),
        reverse("tracker:report", args=[patient.pk]),
        reverse("tracker:export_csv", args=[patient.pk]),
        reverse("tracker:clinician_export_download", args=[patient.pk, "json"]),
    ]


def patient_pages():
    return [
        reverse("tracker:insights"),
        reverse("tracker:export_download", args=["csv"]),
        reverse("tracker:export_download", args=["json"]),
        reverse("tracker:export_download", args=["fhir"]),
    ]


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=DATABASES)
class TestWhichDatabaseEachPageReads:
    def test_the_clinicians_heavy_pages_read_the_record_from_the_replica(self, client, routed, record):
        patient, clinician = record
        client.force_login(clinician)
        for url in clinician_pages(patient):
            with reads() as asked:
                response = client.get(url)
                assert response.status_code == 200, url
                fetched(response)
            assert mentioning(asked["replica"], "tracker_episode"), url
            assert not mentioning(asked["primary"], "tracker_episode"), url

    def test_the_patients_insights_and_exports_read_from_the_replica(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        for url in patient_pages():
            with reads() as asked:
                response = client.get(url)
                assert response.status_code == 200, url
                fetched(response)
            assert mentioning(asked["replica"], "tracker_episode"), url
            assert not mentioning(asked["primary"], "tracker_episode"), url

    def test_a_streamed_export_reads_from_the_replica_until_its_last_row(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        response = client.get(reverse("tracker:export_download", args=["json"]))
        with reads() as asked:
            body = fetched(response)
        assert body.count(b'"severity_0_10"') == 3
        assert mentioning(asked["replica"], "tracker_episode")
        assert not mentioning(asked["primary"], "tracker_episode")

    def test_the_access_gate_reads_grants_from_the_primary(self, client, routed, record):
        patient, clinician = record
        client.force_login(clinician)
        with reads() as asked:
            assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == 200
        assert mentioning(asked["primary"], "tracker_caregrant")
        assert not mentioning(asked["replica"], "tracker_caregrant")
        # The audit of the visit is written to the primary, and the page still read the record from the replica.
        assert AccessLog.objects.filter(clinician=clinician, patient=patient).exists()
        assert mentioning(asked["replica"], "tracker_episode")

    def test_everyday_pages_and_forms_use_the_primary_only(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        for name in ["tracker:dashboard", "tracker:episode_list", "tracker:episode_new", "tracker:profile"]:
            with reads() as asked:
                assert client.get(reverse(name)).status_code == 200
            assert asked["replica"] == [], name


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=DATABASES)
class TestReadYourWrites:
    def test_after_logging_a_cramp_the_patient_reads_from_the_primary_and_sees_it(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        response = client.post(
            reverse("tracker:episode_new") + "?mode=quick", {"client_id": str(uuid.uuid4()), "severity": "7"}
        )
        assert response.status_code == 302
        assert response.cookies[PIN_COOKIE]["max-age"] == 15
        with reads() as asked:
            page = client.get(reverse("tracker:insights"))
        assert page.status_code == 200
        assert asked["replica"] == []
        assert Episode.objects.filter(patient=patient).count() == 4

    def test_once_the_pin_has_passed_the_replica_serves_again(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        client.post(reverse("tracker:episode_new") + "?mode=quick", {"client_id": str(uuid.uuid4()), "severity": "7"})
        del client.cookies[PIN_COOKIE]
        with reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert mentioning(asked["replica"], "tracker_episode")

    def test_a_clinicians_note_pins_the_clinician_to_the_primary(self, client, routed, record):
        patient, clinician = record
        client.force_login(clinician)
        client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "Reviewed the log."})
        with reads() as asked:
            assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == 200
        assert asked["replica"] == []

    def test_the_clinic_list_stores_recounted_summaries_on_the_primary_and_reads_them_there(
        self, client, routed, record
    ):
        patient, clinician = record
        ClinicSummary.objects.filter(patient=patient).delete()
        client.force_login(clinician)
        with reads() as asked:
            page = client.get(reverse("tracker:clinic"))
        assert page.status_code == 200
        assert "Rita Replica" in page.content.decode()
        assert mentioning(asked["replica"], "tracker_episode")
        # The recount is stored on the primary, and the list is then read back from there.
        summary_sql = mentioning(asked["primary"], "tracker_clinicsummary")
        assert summary_sql[0].startswith("INSERT")
        assert summary_sql[-1].startswith("SELECT")
        assert ClinicSummary.objects.get(patient=patient).recent == 3


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=DATABASES)
class TestAReplicaThatCannotServe:
    def test_a_lagging_replica_is_skipped(self, client, routed, record, caplog):
        patient, _ = record
        client.force_login(patient)
        with mock.patch.object(replica, "replica_lag_seconds", return_value=60.0), reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert mentioning(asked["primary"], "tracker_episode")
        assert asked["replica"] == []
        assert "60.0 s behind" in caplog.text

    def test_a_replica_that_does_not_answer_is_skipped_and_left_alone_for_a_while(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        refused = mock.patch.object(replica, "replica_lag_seconds", side_effect=OperationalError("refused"))
        with refused as probe:
            for _ in range(3):
                with reads() as asked:
                    assert client.get(reverse("tracker:insights")).status_code == 200
                assert mentioning(asked["primary"], "tracker_episode")
        assert probe.call_count == 1

    def test_a_replica_that_stops_during_a_page_is_left_and_the_page_read_from_the_primary(
        self, client, routed, record
    ):
        patient, _ = record
        client.force_login(patient)

        def stopped(execute, sql, params, many, context):
            raise OperationalError("terminating connection due to administrator command")

        copy = connections["replica"]
        unusable = mock.patch.object(copy, "is_usable", return_value=False)
        with copy.execute_wrapper(stopped), unusable, reads() as asked:
            page = client.get(reverse("tracker:insights"))
        assert page.status_code == 200
        assert mentioning(asked["primary"], "tracker_episode")
        with reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert asked["replica"] == []

    def test_a_query_the_replica_cancels_is_asked_again_of_the_primary(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)

        cancelled = failing_episode_reads("canceling statement due to conflict with recovery")

        with connections["replica"].execute_wrapper(cancelled), reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert mentioning(asked["primary"], "tracker_episode")
        # The replica still answers: the next page reads from it again.
        with reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert mentioning(asked["replica"], "tracker_episode")

    def test_a_review_read_again_from_the_primary_is_logged_once(self, client, routed, record):
        patient, clinician = record
        client.force_login(clinician)

        cancelled = failing_episode_reads("canceling statement due to conflict with recovery")

        with connections["replica"].execute_wrapper(cancelled), reads() as asked:
            assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == 200
        assert mentioning(asked["primary"], "tracker_episode")
        assert AccessLog.objects.filter(patient=patient, clinician=clinician).count() == 1

    def test_when_the_primary_fails_too_the_page_says_nothing_was_saved(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        client.raise_request_exception = False

        down = failing_episode_reads("the database system is shutting down")

        with connections["replica"].execute_wrapper(down), connections["default"].execute_wrapper(down):
            response = client.get(reverse("tracker:insights"))
        assert response.status_code == 503
        assert response["Retry-After"] == "5"

    def test_a_replica_in_step_serves(self, client, routed, record):
        patient, _ = record
        client.force_login(patient)
        assert replica.replica_lag_seconds("replica") == 0.0
        with reads() as asked:
            assert client.get(reverse("tracker:insights")).status_code == 200
        assert mentioning(asked["replica"], "tracker_episode")


@on_postgresql
@pytest.mark.django_db(transaction=True, databases=DATABASES)
def test_without_a_replica_configured_every_page_reads_the_primary(client, settings, record):
    settings.READ_REPLICA = None
    patient, clinician = record
    client.force_login(clinician)
    for url in clinician_pages(patient):
        with reads() as asked:
            response = client.get(url)
            fetched(response)
        assert response.status_code == 200
        assert asked["replica"] == [], url
    response = client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "Seen."})
    assert PIN_COOKIE not in response.cookies


class TestTheRouter:
    """The router's rule on its own (no database): within a routed request, reads go to the replica until the
    request writes; grants and sessions always come from the primary; writes always go to the primary."""

    @pytest.fixture
    def router(self):
        token = replica._routing.set(Routing("replica"))
        yield ReplicaRouter()
        replica._routing.reset(token)

    def test_reads_of_a_routed_request_go_to_the_replica(self, router):
        assert router.db_for_read(Episode) == "replica"
        assert router.db_for_read(ClinicSummary) == "replica"

    def test_grants_are_read_from_the_primary(self, router):
        assert router.db_for_read(CareGrant) == "default"

    def test_a_write_sends_the_rest_of_the_request_to_the_primary(self, router):
        assert router.db_for_write(ClinicSummary) == "default"
        assert router.db_for_read(Episode) == "default"

    def test_writing_the_access_audit_keeps_the_reads_on_the_replica(self, router):
        assert router.db_for_write(AccessLog) == "default"
        assert router.db_for_read(Episode) == "replica"

    def test_outside_a_routed_request_everything_is_the_primary(self):
        router = ReplicaRouter()
        assert router.db_for_read(Episode) == "default"
        assert router.db_for_write(Episode) == "default"

    def test_only_the_primary_is_migrated(self):
        router = ReplicaRouter()
        assert router.allow_migrate("default", "tracker")
        assert not router.allow_migrate("replica", "tracker")
