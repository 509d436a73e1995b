"""A patient learns when a clinician writes a note: on the dashboard until they mark it read, and by e-mail
when they asked for it on their profile (who wrote, and a link; never the note's words)."""

import pytest
from django.core import mail
from django.urls import reverse

from tracker.diary.services import profile_for
from tracker.models import PatientProfile
from tracker.sharing.services import note_add

from .factories import EpisodeFactory, grant_access

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("tracker:dashboard")


@pytest.fixture
def sharing(patient, clinician):
    profile_for(patient)
    grant_access(patient, clinician)
    return patient, clinician


def notice(client):
    html = client.get(DASHBOARD_URL).content.decode()
    if 'id="new-notes-heading"' not in html:
        return ""
    return html.split('id="new-notes-heading"')[1].split("</section>")[0]


def test_a_new_note_shows_on_the_dashboard_until_it_is_marked_read(client, sharing, django_capture_on_commit_callbacks):
    patient, clinician = sharing
    client.force_login(patient)
    assert notice(client) == ""
    episode = EpisodeFactory(patient=patient)
    with django_capture_on_commit_callbacks(execute=True):
        note_add(author=clinician, patient=patient, text="Stretch your calves before bed.")
        note_add(author=clinician, patient=patient, text="This one needs a look.", episode=episode)
    shown = notice(client)
    assert "Stretch your calves before bed." in shown
    assert clinician.full_name in shown
    assert reverse("tracker:episode_detail", args=[episode.uuid]) in shown
    assert reverse("tracker:sharing") in shown
    response = client.post(reverse("tracker:notes_read"))
    assert response["Location"] == DASHBOARD_URL
    assert notice(client) == ""
    # Nobody asked for e-mails: none went.
    assert mail.outbox == []


def test_a_patient_without_a_profile_yet_is_shown_new_notes_and_can_mark_them_read(client, patient, clinician):
    """A patient made without a profile (the demo's, or one who never opened it) has read no note yet."""
    grant_access(patient, clinician)
    note_add(author=clinician, patient=patient, text="Stretch your calves before bed.")
    assert not PatientProfile.objects.filter(patient=patient).exists()
    client.force_login(patient)
    assert "Stretch your calves before bed." in notice(client)
    client.post(reverse("tracker:notes_read"))
    assert notice(client) == ""


def test_marking_read_needs_a_post_by_the_patient(client, sharing):
    patient, clinician = sharing
    client.force_login(patient)
    assert client.get(reverse("tracker:notes_read")).status_code == 405
    client.force_login(clinician)
    assert client.post(reverse("tracker:notes_read")).status_code in (302, 403)
    assert PatientProfile.objects.get(patient=patient).notes_seen_at == profile_for(patient).notes_seen_at


def test_a_patient_who_asked_gets_an_email_naming_the_author_without_the_note(
    client, sharing, django_capture_on_commit_callbacks
):
    patient, clinician = sharing
    PatientProfile.objects.filter(patient=patient).update(note_emails=True)
    with django_capture_on_commit_callbacks(execute=True):
        note_add(author=clinician, patient=patient, text="Private words about your magnesium.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert message.subject == f"[CrampApp] {clinician.full_name} wrote a note on your cramp log"
    assert "Private words" not in message.body
    assert "/sharing/" in message.body


def test_the_note_email_subject_is_plain_text_not_html(sharing, django_capture_on_commit_callbacks):
    patient, clinician = sharing
    clinician.full_name = "Dr Niamh O'Neill & <Partners>"
    clinician.save()
    PatientProfile.objects.filter(patient=patient).update(note_emails=True)
    with django_capture_on_commit_callbacks(execute=True):
        note_add(author=clinician, patient=patient, text="A note.")
    assert mail.outbox[0].subject == "[CrampApp] Dr Niamh O'Neill & <Partners> wrote a note on your cramp log"


def test_the_profile_turns_the_emails_on_and_off(client, sharing):
    patient, _ = sharing
    client.force_login(patient)
    form = client.get(reverse("tracker:profile")).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data["note_emails"] = "on"
    response = client.post(reverse("tracker:profile"), data)
    assert response.status_code == 302
    assert PatientProfile.objects.get(patient=patient).note_emails is True
    data.pop("note_emails")
    client.post(reverse("tracker:profile"), data)
    assert PatientProfile.objects.get(patient=patient).note_emails is False


def test_a_mail_server_that_refuses_does_not_lose_the_note(
    client, sharing, settings, django_capture_on_commit_callbacks
):
    patient, clinician = sharing
    PatientProfile.objects.filter(patient=patient).update(note_emails=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    with django_capture_on_commit_callbacks(execute=True):
        note = note_add(author=clinician, patient=patient, text="Saved whatever the mail does.")
    assert note.pk is not None
    client.force_login(patient)
    assert "Saved whatever the mail does." in notice(client)


def test_every_note_can_be_read_page_by_page_on_the_review_and_the_sharing_page(client, sharing):
    """The newest 20 first, then the older ones: none is out of reach."""
    patient, clinician = sharing
    for number in range(1, 26):
        note_add(author=clinician, patient=patient, text=f"Note number {number}.")
    period = {"start": "2026-11-01", "end": "2026-11-30"}
    for who, url, params in [
        (clinician, reverse("tracker:patient_review", args=[patient.pk]), period),
        (patient, reverse("tracker:sharing"), {}),
    ]:
        client.force_login(who)
        first = client.get(url, params).content.decode()
        assert "Note number 25." in first
        assert "Note number 6." in first
        assert "Note number 5." not in first
        older = f"?{'start=2026-11-01&amp;end=2026-11-30&amp;' if params else ''}notes_page=2#notes-heading"
        assert f'<a class="page-link" href="{older}">Next page</a>' in first
        second = client.get(url, {**params, "notes_page": 2}).content.decode()
        assert "Note number 5." in second
        assert "Note number 1." in second
        assert "Note number 6." not in second
