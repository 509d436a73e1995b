"""The same questionnaire form sent again (its hidden id is the idempotency key): a double tap stores one
response and says "Saved" once; changed answers (back, change, save) replace the first ones and say so."""

import datetime as dt
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import Instrument, QuestionnaireResponse
from questionnaires.services import schedule_set

pytestmark = pytest.mark.django_db

LIST_URL = reverse("questionnaires:list")
ANSWER_URL = reverse("questionnaires:answer", args=["cramp-impact"])
SAVED = "Saved. Cramp impact:"
UPDATED = "Your answers were updated. Cramp impact:"


def impact(client_id, sleep, activities, work, mood) -> dict:
    """The cramp impact form as a browser posts it (the score is the mean of the four answers)."""
    return {
        "client_id": str(client_id),
        "answer_sleep": sleep,
        "answer_daily-activities": activities,
        "answer_work": work,
        "answer_mood": mood,
    }


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def stored_values(response: QuestionnaireResponse) -> list[int]:
    return [answer["value"] for answer in response.answers]


@pytest.fixture
def form_id(client, patient):
    client.force_login(patient)
    return client.get(ANSWER_URL).context["form"].initial["client_id"]


class TestTheSameAnswersSentTwice:
    def test_store_one_response_and_say_saved_once(self, client, form_id):
        data = impact(form_id, 2, 2, 3, 3)
        client.post(ANSWER_URL, data)
        response = client.post(ANSWER_URL, data, follow=True)
        text = text_of(response)
        assert text.count("Saved.") == 1
        assert f"{SAVED} 2.5 (on a scale from 0 to 10)." in text
        assert "updated" not in text
        stored = QuestionnaireResponse.objects.get()
        assert (stored_values(stored), stored.score) == ([2, 2, 3, 3], Decimal("2.5"))

    def test_leave_the_response_as_it_was(self, client, form_id):
        data = impact(form_id, 2, 2, 3, 3)
        client.post(ANSWER_URL, data)
        first = QuestionnaireResponse.objects.get()
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(minutes=5)):
            client.post(ANSWER_URL, data)
        assert QuestionnaireResponse.objects.get().answered_at == first.answered_at


class TestChangedAnswersSentWithTheSameForm:
    def test_replace_the_first_answers_and_say_so(self, client, form_id):
        client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
        response = client.post(ANSWER_URL, impact(form_id, 6, 6, 7, 7), follow=True)
        text = text_of(response)
        assert f"{UPDATED} 6.5 (on a scale from 0 to 10)." in text
        stored = QuestionnaireResponse.objects.get()
        assert (stored_values(stored), stored.score) == ([6, 6, 7, 7], Decimal("6.5"))
        assert "Latest cramp impact: <strong>6.5</strong>" in text

    def test_take_the_time_they_were_given_and_move_the_schedule_on_from_it(self, client, patient, form_id):
        schedule_set(
            patient=patient, instrument=Instrument.objects.get(slug="cramp-impact"), every_weeks=4, set_by=patient
        )
        client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
        later = timezone.now() + dt.timedelta(days=3)
        with mock.patch("django.utils.timezone.now", return_value=later):
            client.post(ANSWER_URL, impact(form_id, 6, 6, 7, 7))
        stored = QuestionnaireResponse.objects.get()
        assert stored.answered_at == later
        assert patient.questionnaire_schedules.get().next_due == patient.local_day(later) + dt.timedelta(weeks=4)

    def test_with_an_answer_missing_are_explained_and_change_nothing(self, client, form_id):
        client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
        data = impact(form_id, 6, 6, 7, 7)
        del data["answer_mood"]
        response = client.post(ANSWER_URL, data)
        assert response.status_code == 200
        assert 'id="error-summary"' in response.content.decode()
        assert stored_values(QuestionnaireResponse.objects.get()) == [2, 2, 3, 3]

    def test_sent_to_another_questionnaire_are_refused_and_change_nothing(self, client, form_id):
        client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
        other = reverse("questionnaires:answer", args=["psfs"])
        response = client.post(other, {"client_id": str(form_id), "answer_frequency": "0"})
        assert response.status_code == 200
        assert 'id="error-summary"' in response.content.decode()
        stored = QuestionnaireResponse.objects.get()
        assert (stored.instrument.slug, stored_values(stored)) == ("cramp-impact", [2, 2, 3, 3])

    def test_of_another_patient_are_a_new_response(self, client, patient, other_patient, form_id):
        client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
        client.force_login(other_patient)
        response = client.post(ANSWER_URL, impact(form_id, 6, 6, 7, 7), follow=True)
        assert f"{SAVED} 6.5" in text_of(response)
        assert stored_values(QuestionnaireResponse.objects.get(patient=patient)) == [2, 2, 3, 3]
        assert stored_values(QuestionnaireResponse.objects.get(patient=other_patient)) == [6, 6, 7, 7]


def test_a_new_form_is_a_new_response(client, form_id):
    client.post(ANSWER_URL, impact(form_id, 2, 2, 3, 3))
    client.post(ANSWER_URL, impact(uuid.uuid4(), 6, 6, 7, 7))
    assert QuestionnaireResponse.objects.count() == 2
