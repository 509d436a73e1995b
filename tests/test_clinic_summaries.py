"""The clinic list's stored summaries: what a clinician reads is always what a fresh count would give.

The figures are stored per patient (tracker.models.ClinicSummary) so that the list sorts hundreds of
patients without reading their episodes; these tests hold them to a live count after every kind of
write, as time slides the 30- and 14-day windows, and when a write commits between a count and its store.
"""

import datetime as dt
import random
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from education.warning_signs import Tier
from tracker.clinic.review import FIGURES, figures_now, summaries_refresh, summary_for
from tracker.diary.services import (
    EpisodeDetails,
    checkin_record,
    episode_create,
    episode_delete,
    episode_update,
    medication_add,
)
from tracker.models import ClinicSummary, Episode, EpisodeTerm

from .factories import EpisodeFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

CLINIC_URL = reverse("tracker:clinic")


def listed(client) -> dict[str, User]:
    return {patient.full_name: patient for patient in client.get(CLINIC_URL).context["page"].object_list}


def log_cramp(patient: User, hours_ago: float, severity: int = 5) -> Episode:
    started_at = timezone.now() - dt.timedelta(hours=hours_ago)
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, severity=severity),
    )
    return episode


def live(patients, now: dt.datetime) -> dict[int, dict]:
    """The figures counted now from the episodes and check-ins, as the list would show them without storing."""
    counted = figures_now(list(patients.values_list("pk", flat=True)), now)
    return {pk: {name: figures[name] for name in FIGURES} for pk, figures in counted.items()}


def stored(patients) -> dict[int, dict]:
    rows = ClinicSummary.objects.filter(patient__in=patients).values("patient_id", *FIGURES)
    return {row.pop("patient_id"): row for row in rows}


@pytest.fixture
def patient_in_clinic(client, clinician):
    patient = PatientFactory(full_name="Pat Logged")
    grant_access(patient, clinician)
    client.force_login(clinician)
    return patient


def test_a_cramp_logged_after_the_list_was_read_is_counted_on_the_next_read(client, patient_in_clinic):
    log_cramp(patient_in_clinic, hours_ago=3)
    assert listed(client)["Pat Logged"].recent == 1
    log_cramp(patient_in_clinic, hours_ago=2, severity=9)
    row = listed(client)["Pat Logged"]
    assert (row.recent, row.worst_severity) == (2, 9)


def test_a_check_in_an_edit_and_a_deletion_each_show_on_the_next_read(client, patient_in_clinic):
    assert listed(client)["Pat Logged"].last_checkin is None
    last_week = timezone.localdate() - dt.timedelta(days=5)
    checkin_record(patient=patient_in_clinic, created_by=patient_in_clinic, day=last_week, status="none")
    assert listed(client)["Pat Logged"].last_checkin == last_week
    episode = log_cramp(patient_in_clinic, hours_ago=3, severity=4)
    row = listed(client)["Pat Logged"]
    assert row.worst_severity == 4
    # The "had cramps" mark the cramp left on its day is no check-in the patient made.
    assert row.last_checkin == last_week
    episode_update(
        episode=episode,
        details=EpisodeDetails(started_at=episode.started_at, severity=6, symptoms=[term("symptom", "weakness")]),
    )
    row = listed(client)["Pat Logged"]
    assert (row.worst_severity, row.warning_entries, row.warning_tier) == (6, 1, Tier.SOON)
    episode_delete(episode=episode)
    row = listed(client)["Pat Logged"]
    assert (row.recent, row.worst_severity, row.warning_entries, row.warning_tier) == (0, None, 0, None)


def test_a_new_diagnosis_or_medicine_shows_in_the_warning_figures_on_the_next_read(client, patient_in_clinic):
    """Warnings depend on the patient's diagnoses and medicines, not only on the log: changing them recounts."""
    log_cramp(patient_in_clinic, hours_ago=30)
    episode = log_cramp(patient_in_clinic, hours_ago=3)
    episode_update(
        episode=episode,
        details=EpisodeDetails(started_at=episode.started_at, severity=5, symptoms=[term("symptom", "muscle-pain")]),
    )
    assert listed(client)["Pat Logged"].warning_entries == 0
    medication_add(patient=patient_in_clinic, name="Atorvastatin", dose="20 mg", started_on=None, stopped_on=None)
    assert listed(client)["Pat Logged"].warning_entries == 1


def test_the_review_reads_the_same_stored_figures_and_recounts_them_after_a_write(patient_in_clinic):
    log_cramp(patient_in_clinic, hours_ago=5)
    assert summary_for(patient_in_clinic).recent == 1
    log_cramp(patient_in_clinic, hours_ago=4)
    assert summary_for(patient_in_clinic).recent == 2
    assert ClinicSummary.objects.get(patient=patient_in_clinic).recent == 2


@pytest.mark.parametrize("seed", range(4))
def test_the_stored_figures_match_a_fresh_count_at_every_edge_of_the_sliding_windows(seed):
    """Entries leave the 30- and 60-day windows, and the trend's local days move on, as time passes, without
    any write: the stored figures must be recounted at each of those moments, never a second late."""
    rng = random.Random(seed)
    now = timezone.now()
    patients = PatientFactory.create_batch(3)
    for patient in patients:
        for _ in range(rng.randint(0, 12)):
            episode = EpisodeFactory(
                patient=patient,
                started_at=now - dt.timedelta(minutes=rng.randint(-5, 70 * 24 * 60)),
                severity=rng.randint(0, 10),
                duration_seconds=rng.choice([60, 900]),
                woke_from_sleep=rng.random() < 0.3,
            )
            if rng.random() < 0.1:
                EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("symptom", "weakness"))
    granted = User.objects.filter(pk__in=[patient.pk for patient in patients])
    edges = {
        started_at + dt.timedelta(days=days)
        for started_at in Episode.objects.filter(patient__in=patients).values_list("started_at", flat=True)
        for days in (0, 30, 60)
    }
    # The trend's 14-day windows of local days move at each local midnight of the patient.
    edges |= {
        dt.datetime.combine(now.astimezone(patient.zone).date() + dt.timedelta(days=days), dt.time.min, patient.zone)
        for patient in patients
        for days in range(1, 30)
    }
    moments = sorted(
        edge + dt.timedelta(seconds=offset)
        for edge in edges
        for offset in (-1, 1)
        if edge + dt.timedelta(seconds=offset) > now
    )
    checked = [now, *rng.sample(moments, min(len(moments), 40))]
    for moment in sorted(checked):
        summaries_refresh(granted, moment)
        assert stored(granted) == live(granted, moment), moment


def test_a_write_that_commits_between_a_count_and_its_store_leaves_the_summary_to_recount(
    client, patient_in_clinic, monkeypatch
):
    """Two clinicians' pages and a patient's phone run at once: a count read before the patient's write
    commits must not be kept as current once stored."""
    log_cramp(patient_in_clinic, hours_ago=3)
    real_store = ClinicSummary.objects.bulk_create

    def store_after_a_write(summaries, **options):
        log_cramp(patient_in_clinic, hours_ago=1)
        return real_store(summaries, **options)

    for first_read in (True, False):
        if first_read:
            ClinicSummary.objects.filter(patient=patient_in_clinic).delete()
        else:
            log_cramp(patient_in_clinic, hours_ago=2)
        monkeypatch.setattr(ClinicSummary.objects, "bulk_create", store_after_a_write)
        stale_count = listed(client)["Pat Logged"].recent
        monkeypatch.setattr(ClinicSummary.objects, "bulk_create", real_store)
        assert listed(client)["Pat Logged"].recent == stale_count + 1
        summary = ClinicSummary.objects.get(patient=patient_in_clinic)
        assert summary.computed_version == summary.log_version


def test_every_write_gives_the_log_a_new_version_in_one_query(patient_in_clinic, django_assert_num_queries):
    versions = set()
    for _ in range(2):
        with django_assert_num_queries(1):
            ClinicSummary.objects.log_changed(patient_in_clinic.pk)
        summary = ClinicSummary.objects.get(patient=patient_in_clinic)
        assert summary.computed_version != summary.log_version
        versions.add(summary.log_version)
    assert len(versions) == 2


def test_every_figure_of_the_row_counts_the_same_30_local_days():
    """The cramps, the times woken, the entries that do not say and the warning signs: all over the patient's last
    30 local days, so that the list, the review and the visit report of those days agree."""
    patient = PatientFactory(time_zone="Europe/London")
    zone = patient.zone
    now = dt.datetime.combine(timezone.now().astimezone(zone).date(), dt.time(20, 35), tzinfo=zone)
    first_day = now.date() - dt.timedelta(days=29)
    # Late on the day before the window (less than 30 times 24 hours ago), and early on its first day.
    before = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(23, 39), tzinfo=zone)
    inside = dt.datetime.combine(first_day, dt.time(0, 10), tzinfo=zone)
    for started_at, woke in ((before, True), (inside, True)):
        EpisodeFactory(patient=patient, started_at=started_at, woke_from_sleep=woke, duration_seconds=1800)
    EpisodeFactory(patient=patient, started_at=before + dt.timedelta(minutes=5), woke_from_sleep=None)
    figures = figures_now([patient.pk], now)[patient.pk]
    assert (figures["recent"], figures["recorded_days"]) == (1, 1)
    assert (figures["times_woken"], figures["woke_not_said"]) == (1, 0)
    # The 30-minute cramps that did not ease: one in the window.
    assert (figures["warning_entries"], figures["warning_tier"]) == (1, Tier.SAME_DAY)
