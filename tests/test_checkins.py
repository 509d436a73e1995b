import datetime as dt
import uuid
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crampapp.dates import when
from tracker.diary.selectors import recent_days
from tracker.diary.services import EpisodeDetails, checkin_record, episode_create, episode_delete, episode_update
from tracker.models import CheckIn, EventKind

from .factories import CaregiverFactory, EpisodeFactory, PatientFactory, grant_care

CHECKIN_URL = reverse("tracker:checkin")

pytestmark = pytest.mark.django_db


def answer(client, day, status, **extra):
    return client.post(CHECKIN_URL, {"day": day.isoformat(), "status": status, **extra}, follow=True)


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def test_no_cramps_today_is_recorded_for_the_patients_local_day(client):
    # 22:00 UTC on 1 March is already 2 March in Auckland.
    patient = PatientFactory(time_zone="Pacific/Auckland")
    client.force_login(patient)
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC)):
        response = answer(client, dt.date(2026, 3, 2), "none")
    assert CheckIn.objects.get(patient=patient).day == dt.date(2026, 3, 2)
    assert "Recorded: no cramps on Mon 2 Mar 2026." in page_messages(response)


def test_one_check_in_per_patient_per_local_day(client, patient):
    client.force_login(patient)
    today = patient.today()
    answer(client, today, "none")
    answer(client, today, "cramps")
    checkin = CheckIn.objects.get(patient=patient)
    assert checkin.status == CheckIn.Status.HAD_CRAMPS
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(patient=patient, day=today, status=CheckIn.Status.NO_CRAMPS)


def test_another_patient_may_check_in_on_the_same_day(patient, other_patient):
    today = patient.today()
    checkin_record(patient=patient, created_by=patient, day=today, status="none")
    checkin_record(patient=other_patient, created_by=other_patient, day=today, status="none")
    assert CheckIn.objects.filter(day=today).count() == 2


def test_the_patients_own_answer_records_them_as_who_gave_it(client, patient):
    client.force_login(patient)
    answer(client, patient.today(), "none")
    assert CheckIn.objects.get().created_by == patient


def test_a_changed_answer_records_who_changed_it_and_the_same_answer_again_changes_nothing(patient):
    caregiver = CaregiverFactory()
    grant_care(patient, caregiver)
    today = patient.today()
    checkin_record(patient=patient, created_by=caregiver, day=today, status="none")
    checkin_record(patient=patient, created_by=patient, day=today, status="none")
    assert CheckIn.objects.get().created_by == caregiver
    checkin_record(patient=patient, created_by=patient, day=today, status="cramps")
    checkin = CheckIn.objects.get()
    assert (checkin.status, checkin.created_by) == (CheckIn.Status.HAD_CRAMPS, patient)


def test_the_patient_sees_which_days_a_caregiver_answered(client, patient):
    caregiver = CaregiverFactory(full_name="Cara Giver")
    grant_care(patient, caregiver)
    today = patient.today()
    checkin_record(patient=patient, created_by=caregiver, day=today - dt.timedelta(days=2), status="none")
    checkin_record(patient=patient, created_by=patient, day=today - dt.timedelta(days=1), status="none")
    client.force_login(patient)
    html = " ".join(client.get(CHECKIN_URL).content.decode().split())
    earlier = f"<strong>{when(today - dt.timedelta(days=2), 'weekday')}</strong>: No cramps, "
    assert f'{earlier}<span class="entered-by">entered by <bdi>Cara Giver</bdi> (caregiver)</span>' in html
    assert f"<strong>{when(today - dt.timedelta(days=1), 'weekday')}</strong>: No cramps</span>" in html


def test_i_had_cramps_today_leads_to_the_quick_log(client, patient):
    client.force_login(patient)
    response = client.post(CHECKIN_URL, {"day": patient.today().isoformat(), "status": "cramps"})
    assert response["Location"] == reverse("tracker:episode_new") + "?mode=quick"


def test_i_had_cramps_on_an_earlier_day_leads_to_the_full_form_on_that_day(client, patient):
    client.force_login(patient)
    day = patient.today() - dt.timedelta(days=2)
    response = client.post(CHECKIN_URL, {"day": day.isoformat(), "status": "cramps"})
    assert response["Location"] == f"{reverse('tracker:episode_new')}?day={day.isoformat()}"
    form = client.get(response["Location"]).context["form"]
    assert timezone.localtime(form.initial["started_at"], patient.zone).date() == day


def test_an_earlier_days_answer_can_be_corrected_both_ways(client, patient):
    client.force_login(patient)
    day = patient.today() - dt.timedelta(days=3)
    answer(client, day, "cramps")  # a mis-tap: the patient leaves the form without logging
    html = client.get(CHECKIN_URL).content.decode()
    row = html.split(when(day, "weekday"))[1].split("</li>")[0]
    assert 'value="none"' in row
    assert 'value="cramps" class="btn btn-lg btn-primary" aria-pressed="true"' in row
    answer(client, day, "none")
    assert CheckIn.objects.get(patient=patient, day=day).status == CheckIn.Status.NO_CRAMPS
    answer(client, day, "cramps")
    assert CheckIn.objects.get(patient=patient, day=day).status == CheckIn.Status.HAD_CRAMPS


def test_an_earlier_day_with_cramps_logged_offers_no_answer(client, patient):
    day = patient.today() - dt.timedelta(days=3)
    EpisodeFactory(patient=patient, started_at=dt.datetime.combine(day, dt.time(12), tzinfo=patient.zone))
    client.force_login(patient)
    row = client.get(CHECKIN_URL).content.decode().split(when(day, "weekday"))[1].split("</li>")[0]
    assert "1 cramp" in row
    assert "<button" not in row
    response = answer(client, day, "none")
    assert any("You logged cramps on this day" in message for message in page_messages(response))


def test_a_future_day_is_refused(client, patient):
    client.force_login(patient)
    response = answer(client, patient.today() + dt.timedelta(days=1), "none")
    assert not CheckIn.objects.exists()
    assert "You can only check in for today or earlier days." in page_messages(response)


def test_no_cramps_is_refused_on_a_day_with_cramps_logged(client, patient):
    EpisodeFactory(patient=patient, started_at=timezone.now())
    client.force_login(patient)
    response = answer(client, patient.today(), "none")
    assert not CheckIn.objects.filter(status="none").exists()
    assert any("You logged cramps on this day" in message for message in page_messages(response))


@pytest.mark.parametrize(
    "data",
    [{"day": "tomorrow", "status": "none"}, {"day": "2026-01-01", "status": "maybe"}, {}, {"status": "none"}],
)
def test_a_tampered_check_in_is_explained_never_a_500(client, patient, data):
    client.force_login(patient)
    response = client.post(CHECKIN_URL, data, follow=True)
    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    assert "That check-in could not be read. Please use the buttons." in page_messages(response)


def test_the_service_refuses_an_unknown_status(patient):
    with pytest.raises(ValidationError):
        checkin_record(patient=patient, created_by=patient, day=patient.today(), status="maybe")


def test_checking_in_from_the_dashboard_returns_to_the_dashboard(client, patient):
    client.force_login(patient)
    response = client.post(CHECKIN_URL, {"day": patient.today().isoformat(), "status": "none", "from": "dashboard"})
    assert response["Location"] == reverse("tracker:dashboard")


def test_a_cramp_free_day_is_distinguishable_from_an_unrecorded_day(client, patient):
    today = patient.today()
    checkin_record(patient=patient, created_by=patient, day=today - dt.timedelta(days=1), status="none")
    EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=2))
    states = {record.day: record.state for record in recent_days(patient)}
    assert states[today - dt.timedelta(days=1)] == "none"
    assert states[today - dt.timedelta(days=2)] == "cramps"
    assert states[today - dt.timedelta(days=3)] == "unrecorded"
    client.force_login(patient)
    html = client.get(CHECKIN_URL).content.decode()
    assert "No cramps" in html
    assert "1 cramp" in html
    assert "Not recorded" in html


class TestDaysMarkedByCramps:
    """A logged cramp marks its day "had cramps"; the mark goes when the day's cramps do, the patient's own answer
    stays."""

    @pytest.fixture
    def cramp(self, patient):
        day = patient.today() - dt.timedelta(days=3)
        moment = dt.datetime.combine(day, dt.time(10), tzinfo=patient.zone)
        episode, _ = episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(started_at=moment, severity=5),
        )
        return episode

    def status_of(self, patient, day):
        return CheckIn.objects.filter(patient=patient, day=day).values_list("status", "created_by").first()

    def test_a_cramp_marks_its_day_and_deleting_it_leaves_the_day_to_answer(self, client, patient, cramp):
        day = cramp.local_day
        assert self.status_of(patient, day) == (CheckIn.Status.HAD_CRAMPS, None)
        episode_delete(episode=cramp)
        assert self.status_of(patient, day) is None
        client.force_login(patient)
        response = answer(client, day, "none")
        assert page_messages(response) == [f"Recorded: no cramps on {when(day, 'weekday')}."]
        assert self.status_of(patient, day) == (CheckIn.Status.NO_CRAMPS, patient.pk)

    def test_a_cramp_moved_to_another_day_takes_its_mark_along(self, patient, cramp):
        day = cramp.local_day
        episode_update(
            episode=cramp, details=EpisodeDetails(started_at=cramp.started_at - dt.timedelta(days=1), severity=5)
        )
        assert self.status_of(patient, day) is None
        assert self.status_of(patient, day - dt.timedelta(days=1)) == (CheckIn.Status.HAD_CRAMPS, None)

    def test_a_cramp_said_to_be_a_spasm_takes_its_mark_back(self, patient, cramp):
        episode_update(
            episode=cramp,
            details=EpisodeDetails(started_at=cramp.started_at, severity=5, event_kind=EventKind.SPASM),
        )
        assert self.status_of(patient, cramp.local_day) is None

    def test_another_cramp_of_the_day_keeps_the_mark(self, patient, cramp):
        EpisodeFactory(patient=patient, started_at=cramp.started_at + dt.timedelta(hours=2))
        episode_delete(episode=cramp)
        assert self.status_of(patient, cramp.local_day)[0] == CheckIn.Status.HAD_CRAMPS

    def test_the_patients_own_answer_stays_when_the_cramp_goes(self, patient):
        today = patient.today()
        checkin_record(patient=patient, created_by=patient, day=today, status=CheckIn.Status.HAD_CRAMPS)
        episode, _ = episode_create(
            patient=patient, created_by=patient, client_id=uuid.uuid4(), details=EpisodeDetails(None, severity=5)
        )
        episode_delete(episode=episode)
        assert self.status_of(patient, today)[0] == CheckIn.Status.HAD_CRAMPS

    def test_a_cramp_counted_into_a_tally_later_takes_back_the_mark_of_its_own_day(self, patient):
        """A cramp at 02:00 marks its day; once a night tally of the evening before counts it, that day has no
        cramp of its own, and is not recorded again (not stuck on "had cramps" with none logged)."""
        night = patient.today() - dt.timedelta(days=4)
        morning = night + dt.timedelta(days=1)
        moment = dt.datetime.combine(morning, dt.time(2), tzinfo=patient.zone)
        episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(started_at=moment, severity=5),
        )
        assert self.status_of(patient, morning) == (CheckIn.Status.HAD_CRAMPS, None)
        episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(started_at=None, severity=6, entry_type="night", cramp_count=3, tally_date=night),
            overlap="part",
        )
        assert self.status_of(patient, morning) is None
        checkin_record(patient=patient, created_by=patient, day=morning, status=CheckIn.Status.NO_CRAMPS)
        assert self.status_of(patient, morning) == (CheckIn.Status.NO_CRAMPS, patient.pk)


def test_no_cramps_is_refused_for_a_day_a_cramp_fell_on_by_the_patients_new_clock(client, patient):
    """A cramp logged in Tokyo at 06:10 on 8 Dec is 21:10 on 7 Dec in London: after the patient switches their
    profile to London, "no cramps" for 7 Dec would contradict it."""
    london = ZoneInfo("Europe/London")
    london_day = timezone.now().astimezone(london).date() - dt.timedelta(days=1)
    # 20:00 in London is the next morning in Tokyo, where the cramp was logged.
    moment = dt.datetime.combine(london_day, dt.time(20), tzinfo=london)
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    episode, _ = episode_create(
        patient=patient, created_by=patient, client_id=uuid.uuid4(), details=EpisodeDetails(moment, 5)
    )
    assert episode.local_day == london_day + dt.timedelta(days=1)
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    with pytest.raises(ValidationError):
        checkin_record(patient=patient, created_by=patient, day=london_day, status=CheckIn.Status.NO_CRAMPS)
