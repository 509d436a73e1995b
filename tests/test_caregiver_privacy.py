"""A caregiver changes the entries they logged, but never reads or erases what the patient wrote in them
in their own words: the notes and the medication text.

The story, through the real pages: a caregiver logs a cramp (or a night tally) for the patient; the
patient opens it and adds their notes and medication; the caregiver then opens and saves it again.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import Episode

from .factories import CaregiverFactory, grant_care

pytestmark = pytest.mark.django_db

PATIENTS_NOTES = "Low mood this week, did not tell Cara"
PATIENTS_MEDICATION = "Pregabalin 75 mg, an extra dose"
PATIENTS_TALLY_NOTES = "Two of them in the left calf while Cara was out"


@pytest.fixture
def caregiver(patient):
    caregiver = CaregiverFactory(email="cara@example.org", full_name="Cara Giver")
    grant_care(patient, caregiver)
    return caregiver


def care_url(name: str, patient, *args) -> str:
    return reverse(f"tracker:{name}", args=[patient.pk, *args])


def form_data(form, patient, **changes) -> dict:
    """What a browser posts back for `form` as it was offered, with `changes`; a field left out is not sent."""
    data = {**form.initial, **changes}
    if isinstance(data.get("started_at"), dt.datetime):
        data["started_at"] = timezone.localtime(data["started_at"], patient.zone).strftime("%Y-%m-%dT%H:%M")
    if isinstance(data.get("tally_date"), dt.date):
        data["tally_date"] = data["tally_date"].isoformat()
    return {name: value for name, value in data.items() if value is not None}


def caregiver_logs_a_cramp(client, patient, caregiver) -> Episode:
    """The caregiver's quick log, with the place: the patient fills in the rest later."""
    client.force_login(caregiver)
    new = f"{care_url('care_episode_new', patient)}?mode=quick"
    form = client.get(new).context["form"]
    place = form.fields["location"].choices[1][0]
    response = client.post(new, {"client_id": form.initial["client_id"], "severity": "6", "location": place})
    assert response.status_code == 302
    return Episode.objects.get(client_id=form.initial["client_id"])


def caregiver_logs_a_night(client, patient, caregiver) -> Episode:
    """A night tally, three nights ago: well clear of the cramp logged just now."""
    client.force_login(caregiver)
    new = care_url("care_tally_new", patient)
    form = client.get(new).context["form"]
    night = patient.today() - dt.timedelta(days=3)
    response = client.post(new, form_data(form, patient, tally_date=night, cramp_count="4", severity="7"))
    assert response.status_code == 302
    return Episode.objects.get(client_id=form.initial["client_id"])


def patient_adds_their_words(client, patient, episode, **words) -> None:
    """The patient opens the entry on their own edit page and writes in it."""
    client.force_login(patient)
    edit = reverse("tracker:episode_edit", args=[episode.uuid])
    form = client.get(edit).context["form"]
    response = client.post(edit, form_data(form, patient, **words))
    assert response.status_code == 302, response.context["form"].errors
    episode.refresh_from_db()
    for name, value in words.items():
        assert getattr(episode, name) == value


@pytest.fixture
def cramp(client, patient, caregiver) -> Episode:
    episode = caregiver_logs_a_cramp(client, patient, caregiver)
    patient_adds_their_words(client, patient, episode, notes=PATIENTS_NOTES, medication_taken=PATIENTS_MEDICATION)
    client.force_login(caregiver)
    return episode


@pytest.fixture
def tally(client, patient, caregiver) -> Episode:
    episode = caregiver_logs_a_night(client, patient, caregiver)
    patient_adds_their_words(client, patient, episode, notes=PATIENTS_TALLY_NOTES)
    client.force_login(caregiver)
    return episode


def assert_patients_words_kept(episode: Episode, notes: str = PATIENTS_NOTES, medication: str = PATIENTS_MEDICATION):
    episode.refresh_from_db()
    assert (episode.notes, episode.medication_taken) == (notes, medication)


class TestTheCaregiversEditPage:
    def test_shows_neither_the_patients_notes_nor_their_medication(self, client, patient, cramp):
        response = client.get(care_url("care_episode_edit", patient, cramp.uuid))
        html = response.content.decode()
        assert response.status_code == 200
        assert PATIENTS_NOTES not in html
        assert PATIENTS_MEDICATION not in html
        form = response.context["form"]
        assert not {"notes", "medication_taken"} & set(form.fields)
        assert not {"notes", "medication_taken"} & set(form.initial)

    def test_saving_it_changes_what_it_shows_and_keeps_the_patients_words(self, client, patient, cramp):
        edit = care_url("care_episode_edit", patient, cramp.uuid)
        form = client.get(edit).context["form"]
        response = client.post(edit, form_data(form, patient, severity="3"))
        assert response.status_code == 302, response.context["form"].errors
        assert_patients_words_kept(cramp)
        assert cramp.severity == 3

    @pytest.mark.parametrize("sent", [{"notes": "", "medication_taken": ""}, {"notes": "Overwritten by Cara"}])
    def test_words_posted_to_it_anyway_change_nothing(self, client, patient, cramp, sent):
        edit = care_url("care_episode_edit", patient, cramp.uuid)
        form = client.get(edit).context["form"]
        response = client.post(edit, form_data(form, patient, severity="3", **sent))
        assert response.status_code == 302, response.context["form"].errors
        assert_patients_words_kept(cramp)

    def test_says_the_patients_words_are_kept(self, client, patient, cramp):
        html = client.get(care_url("care_episode_edit", patient, cramp.uuid)).content.decode()
        assert "Pat Patient's notes and medication stay as they are" in html


class TestTheCaregiversTallyEditPage:
    def test_shows_no_notes_the_patient_wrote(self, client, patient, tally):
        response = client.get(care_url("care_episode_edit", patient, tally.uuid))
        assert response.status_code == 200
        assert PATIENTS_TALLY_NOTES not in response.content.decode()
        form = response.context["form"]
        assert "notes" not in form.fields
        assert "notes" not in form.initial

    @pytest.mark.parametrize("sent", [{}, {"notes": ""}])
    def test_saving_it_keeps_the_patients_notes(self, client, patient, tally, sent):
        edit = care_url("care_episode_edit", patient, tally.uuid)
        form = client.get(edit).context["form"]
        response = client.post(edit, form_data(form, patient, cramp_count="5", **sent))
        assert response.status_code == 302, response.context["form"].errors
        assert_patients_words_kept(tally, notes=PATIENTS_TALLY_NOTES, medication="")
        assert tally.cramp_count == 5


class TestTheOtherCaregiverPages:
    def test_the_log_and_the_delete_page_show_no_patients_words(self, client, patient, cramp, tally):
        for url in (
            care_url("care_log", patient),
            care_url("care_episode_delete", patient, cramp.uuid),
            care_url("care_episode_delete", patient, tally.uuid),
        ):
            html = client.get(url).content.decode()
            assert PATIENTS_NOTES not in html, url
            assert PATIENTS_MEDICATION not in html, url
            assert PATIENTS_TALLY_NOTES not in html, url

    def test_a_caregiver_still_writes_notes_and_medication_on_a_new_entry(self, client, patient, caregiver):
        client.force_login(caregiver)
        new = care_url("care_episode_new", patient)
        form = client.get(new).context["form"]
        data = {
            "client_id": form.initial["client_id"],
            "started_at": timezone.localtime(timezone.now() - dt.timedelta(hours=1), patient.zone).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "severity": "5",
            "locations": [form.fields["locations"].choices[0][0]],
            "notes": "Woke at 3, I massaged the calf",
            "medication_taken": "Magnesium",
        }
        assert client.post(new, data).status_code == 302
        assert_patients_words_kept(Episode.objects.get(), "Woke at 3, I massaged the calf", "Magnesium")

    def test_the_patient_still_reads_and_changes_their_words(self, client, patient, cramp):
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_detail", args=[cramp.uuid])).content.decode()
        assert PATIENTS_NOTES in html
        edit = reverse("tracker:episode_edit", args=[cramp.uuid])
        form = client.get(edit).context["form"]
        assert form.initial["notes"] == PATIENTS_NOTES
        assert client.post(edit, form_data(form, patient, notes="", medication_taken="")).status_code == 302
        assert_patients_words_kept(cramp, "", "")
