"""A record out and back in the browser: the JSON backup downloaded from the export page, then restored from
the import page into another account of the same person, who confirms the backup is theirs."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_sharing_browser import log_in
from tests.factories import PatientFactory, term
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create, medication_add
from tracker.models import Episode

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_backup_downloaded_from_the_export_page_restores_into_a_new_account(page, tmp_path):
    patient = PatientFactory(full_name="Rita Restore")
    for days in (3, 2):
        episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=timezone.now() - dt.timedelta(days=days),
                severity=days + 4,
                locations=[LocationChoice(location=term("location", "calf"), side="left")],
            ),
        )
    medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=timezone.now().date())
    log_in(page, patient, "Hello, Rita Restore")
    page.goto("/export/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    backup = tmp_path / "backup.json"
    download.value.save_as(backup)

    page.get_by_role("button", name="Log out").click()
    fresh = PatientFactory(full_name="Rita Restore")
    log_in(page, fresh, "Hello, Rita Restore")
    page.goto("/import/")
    page.get_by_label("File exported from CrampApp").set_input_files(backup)
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.")
    expect(page.get_by_text("not of yours")).to_be_visible()

    page.get_by_label("This backup is my own record").check()
    page.get_by_label("File exported from CrampApp").set_input_files(backup)
    page.get_by_role("button", name="Check and import").click()
    # (A questionnaire schedule comes too when the medicine's start asked for one: it depends on the shipped
    # questionnaires, which transactional tests may have emptied.)
    expected = re.compile(r"Imported: \d+ restored \(2 entries, 2 check-in days, 1 medicine")
    expect(page.get_by_role("status")).to_contain_text(expected)
    assert sorted(Episode.objects.for_patient(fresh).values_list("severity", flat=True)) == [6, 7]
