import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tracker.clinic.review import figures_now
from tracker.management.commands.seed_demo import DEMO_PASSWORD
from tracker.models import CareGrant, CheckIn, ClinicSummary, Episode, EpisodeLocation

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_demo", **{"patients": 2, "episodes": 40, "clinicians": 1, "force": True, **options})


def test_seed_demo_creates_patients_diaries_and_granted_clinicians(capsys):
    seed()
    patients = User.objects.filter(role="patient", email__startswith="demo-")
    assert patients.count() == 2
    assert Episode.objects.filter(patient__in=patients).count() == 80
    assert EpisodeLocation.objects.count() == 80
    assert CheckIn.objects.filter(status="none").exists()
    assert CareGrant.objects.filter(status="active").count() == 2
    assert DEMO_PASSWORD in capsys.readouterr().out


def test_the_seeded_patients_clinic_summaries_are_counted_and_current():
    seed()
    now = timezone.now()
    patients = User.objects.filter(role="patient", email__startswith="demo-")
    summaries = ClinicSummary.objects.filter(patient__in=patients)
    assert summaries.count() == 2
    assert all(summary.is_current(now) for summary in summaries)
    live = figures_now(list(patients.values_list("pk", flat=True)), now)
    assert sorted((pk, row["recent"], row["trend"], row["warning_entries"]) for pk, row in live.items()) == sorted(
        summaries.values_list("patient_id", "recent", "trend", "warning_entries")
    )


def test_the_same_seed_gives_the_same_diary():
    seed(prefix="one", patients=1)
    seed(prefix="two", patients=1)
    first = list(
        Episode.objects.filter(patient__email__startswith="one-")
        .order_by("started_at")
        .values_list("severity", flat=True)
    )
    second = list(
        Episode.objects.filter(patient__email__startswith="two-")
        .order_by("started_at")
        .values_list("severity", flat=True)
    )
    assert first == second


def test_running_it_again_creates_nothing_more(capsys):
    seed()
    seed()
    assert User.objects.filter(email__startswith="demo-").count() == 3
    assert "exist already" in capsys.readouterr().out


def test_the_demo_patient_can_log_in_and_sees_their_diary(client):
    seed(patients=1)
    response = client.post(
        reverse("account_login"), {"login": "demo-patient-1@example.org", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.context["user"].is_authenticated
    assert "Recent entries" in response.content.decode()


def test_it_refuses_to_run_in_production_without_force():
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not User.objects.exists()
