from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


@pytest.mark.django_db
def test_healthz_refuses_a_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_database_outage_is_a_503_that_says_nothing_was_saved(client, patient):
    client.raise_request_exception = False
    client.force_login(patient)
    with mock.patch("tracker.diary.views.dashboard.trend_from_days", side_effect=OperationalError("restarting")):
        response = client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "not saved" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_are_a_500_page(client, patient):
    client.raise_request_exception = False
    client.force_login(patient)
    with mock.patch("tracker.diary.views.dashboard.trend_from_days", side_effect=RuntimeError("bug")):
        response = client.get("/dashboard/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
