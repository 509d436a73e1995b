"""Unknown is not no: "did it wake you from sleep?" left unanswered is stored, shown, exported and counted as
unknown (None), never as "no"."""

import csv
import datetime as dt
import importlib
import io
import json
import re
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from fhir.resources.bundle import Bundle

from tracker.counting import daily_stats, window_of
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create
from tracker.models import CheckIn, EntryType, Episode, EpisodeLocation

from .factories import CaregiverFactory, EpisodeFactory, PatientFactory, grant_access, grant_care, term
from .test_tally import tally_form

pytestmark = pytest.mark.django_db

NEW_URL = reverse("tracker:episode_new")
QUICK_URL = f"{NEW_URL}?mode=quick"
TALLY_URL = reverse("tracker:tally_new")
SYNC_URL = reverse("tracker:episode_sync")
MIGRATION = importlib.import_module("tracker.migrations.0013_woke_from_sleep_unknown")


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def local_input(patient, moment: dt.datetime) -> str:
    return moment.astimezone(patient.zone).strftime("%Y-%m-%dT%H:%M")


def full_entry(patient, **changes) -> dict:
    """The full form filled in with the least it needs: when, how bad, where; `changes` override fields."""
    data = {
        "client_id": str(uuid.uuid4()),
        "started_at": local_input(patient, timezone.now() - dt.timedelta(hours=1)),
        "severity": "6",
        "locations": [f"{term('location', 'calf').pk}:left"],
    }
    data.update(changes)
    return data


def chosen_answer(html: str) -> str:
    """The label of the checked "did it wake you" radio button, as the page draws it."""
    checked = re.search(r'<input type="radio" name="woke_from_sleep"[^>]*\bid="([^"]+)"[^>]*\bchecked\b', html)
    label = re.search(rf'<label[^>]*for="{checked[1]}"[^>]*>([^<]*)</label>', html)
    return label[1]


def log(patient, started_at, **details) -> Episode:
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=started_at, **{"severity": 5, **details}),
    )
    return episode


def calf() -> list[LocationChoice]:
    return [LocationChoice(location=term("location", "calf"), side="left")]


class TestStoredAsUnknown:
    def test_a_quick_log_stores_unknown(self, signed_in, patient):
        signed_in.post(QUICK_URL, {"client_id": str(uuid.uuid4()), "severity": "6"})
        assert Episode.objects.get(patient=patient).woke_from_sleep is None

    def test_a_cramp_kept_offline_and_synced_stores_unknown(self, signed_in, patient):
        entry = {
            "client_id": str(uuid.uuid4()),
            "patient": patient.pk,
            "started_at": (timezone.now() - dt.timedelta(hours=2)).astimezone(dt.UTC).isoformat(),
            "severity": 6,
            "location": None,
        }
        response = signed_in.post(SYNC_URL, json.dumps(entry), content_type="application/json")
        assert response.status_code == 201
        assert Episode.objects.get(patient=patient).woke_from_sleep is None

    def test_a_caregivers_quick_log_stores_unknown(self, client, patient):
        caregiver = CaregiverFactory()
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        url = reverse("tracker:care_episode_new", args=[patient.pk]) + "?mode=quick"
        client.post(url, {"client_id": str(uuid.uuid4()), "severity": "7"})
        episode = Episode.objects.get(patient=patient)
        assert (episode.created_by, episode.woke_from_sleep) == (caregiver, None)

    @pytest.mark.parametrize(("times_woken", "stored"), [("", None), ("0", False), ("3", True)])
    def test_a_night_tally_answers_by_its_wakings_and_is_unknown_without_them(
        self, signed_in, patient, times_woken, stored
    ):
        data = tally_form(patient.today() - dt.timedelta(days=1), times_woken=times_woken)
        assert signed_in.post(TALLY_URL, data).status_code == 302
        tally = Episode.objects.get(patient=patient)
        assert (tally.times_woken, tally.woke_from_sleep) == (int(times_woken) if times_woken else None, stored)

    def test_a_day_tally_stores_unknown(self, patient):
        day = patient.today() - dt.timedelta(days=1)
        episode, _ = episode_create(
            patient=patient,
            created_by=patient,
            client_id=uuid.uuid4(),
            details=EpisodeDetails(
                started_at=None, severity=4, entry_type=EntryType.DAY, cramp_count=2, tally_date=day
            ),
        )
        assert episode.woke_from_sleep is None


class TestFullForm:
    def test_a_new_entry_offers_yes_no_and_not_said_in_a_labelled_group_with_not_said_chosen(self, signed_in):
        html = signed_in.get(NEW_URL).content.decode()
        group = re.search(r'<fieldset id="div_id_woke_from_sleep".*?</fieldset>', html, re.DOTALL)[0]
        assert '<legend class="form-label fw-semibold fs-6">Did it wake you from sleep?</legend>' in group
        assert re.findall(r"<label[^>]*>([^<]*)</label>", group) == ["Yes", "No", "Not said"]
        assert chosen_answer(html) == "Not said"

    @pytest.mark.parametrize(("answer", "stored"), [("True", True), ("False", False), ("", None)])
    def test_each_answer_is_stored_as_given_and_not_said_as_unknown(self, signed_in, patient, answer, stored):
        response = signed_in.post(NEW_URL, full_entry(patient, woke_from_sleep=answer))
        assert response.status_code == 302
        assert Episode.objects.get(patient=patient).woke_from_sleep is stored

    def test_leaving_the_question_out_stores_unknown(self, signed_in, patient):
        signed_in.post(NEW_URL, full_entry(patient))
        assert Episode.objects.get(patient=patient).woke_from_sleep is None

    @pytest.mark.parametrize(("stored", "shown"), [(True, "Yes"), (False, "No"), (None, "Not said")])
    def test_editing_shows_the_stored_answer(self, signed_in, patient, stored, shown):
        episode = log(patient, timezone.now() - dt.timedelta(hours=3), locations=calf(), woke_from_sleep=stored)
        html = signed_in.get(reverse("tracker:episode_edit", args=[episode.uuid])).content.decode()
        assert chosen_answer(html) == shown

    def test_editing_a_quick_log_can_leave_it_unknown_or_answer_no(self, signed_in, patient):
        signed_in.post(QUICK_URL, {"client_id": str(uuid.uuid4()), "severity": "6"})
        episode = Episode.objects.get(patient=patient)
        url = reverse("tracker:episode_edit", args=[episode.uuid])
        signed_in.post(url, full_entry(patient, client_id=str(episode.client_id), woke_from_sleep=""))
        episode.refresh_from_db()
        assert episode.woke_from_sleep is None
        signed_in.post(url, full_entry(patient, client_id=str(episode.client_id), woke_from_sleep="False"))
        episode.refresh_from_db()
        assert episode.woke_from_sleep is False

    def test_the_answer_survives_a_validation_error(self, signed_in, patient):
        response = signed_in.post(NEW_URL, full_entry(patient, severity="11", woke_from_sleep="False"))
        assert response.status_code == 200
        assert chosen_answer(response.content.decode()) == "No"
        assert not Episode.objects.exists()


class TestShownAsUnknown:
    def test_the_detail_page_says_not_recorded_for_unknown(self, signed_in, patient):
        episode = log(patient, timezone.now() - dt.timedelta(hours=3))
        html = signed_in.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert re.search(r"<dt[^>]*>Woke me from sleep</dt>\s*<dd[^>]*>Not recorded</dd>", html)

    @pytest.mark.parametrize(("stored", "shown"), [(True, "Yes"), (False, "No")])
    def test_the_detail_page_shows_an_answer(self, signed_in, patient, stored, shown):
        episode = log(patient, timezone.now() - dt.timedelta(hours=3), locations=calf(), woke_from_sleep=stored)
        html = signed_in.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert re.search(rf"<dt[^>]*>Woke me from sleep</dt>\s*<dd[^>]*>{shown}</dd>", html)

    @pytest.mark.parametrize("page", ["tracker:patient_entries", "tracker:report"])
    def test_the_clinicians_table_says_not_recorded_for_unknown_and_no_for_no(self, client, clinician, patient, page):
        grant_access(patient, clinician)
        log(patient, timezone.now() - dt.timedelta(days=2), notes="Unanswered one")
        log(patient, timezone.now() - dt.timedelta(days=3), locations=calf(), woke_from_sleep=False, notes="Said no")
        client.force_login(clinician)
        html = client.get(reverse(page, args=[patient.pk])).content.decode()
        rows = [row for row in re.split(r"<tr[ >]", html) if "Unanswered one" in row or "Said no" in row]
        unanswered = next(row for row in rows if "Unanswered one" in row)
        said_no = next(row for row in rows if "Said no" in row)
        # The seventh cell of a row: whether it woke the patient.
        assert re.findall(r"<td>(.*?)</td>", unanswered)[6] == "Not recorded"
        assert re.findall(r"<td>(.*?)</td>", said_no)[6] == "no"


class TestExports:
    def test_the_csv_writes_an_empty_cell_for_unknown_and_reads_it_back_as_unknown(self, client, patient):
        log(patient, timezone.now() - dt.timedelta(days=1))
        log(patient, timezone.now() - dt.timedelta(days=2), locations=calf(), woke_from_sleep=False)
        log(patient, timezone.now() - dt.timedelta(days=3), locations=calf(), woke_from_sleep=True)
        client.force_login(patient)
        exported = b"".join(client.get(reverse("tracker:export_download", args=["csv"])).streaming_content)
        rows = list(csv.DictReader(io.StringIO(exported.decode())))
        assert [row["woke_from_sleep"] for row in rows] == ["yes", "no", ""]

        fresh = PatientFactory(time_zone=patient.time_zone)
        client.force_login(fresh)
        client.post(reverse("tracker:import"), {"file": SimpleUploadedFile("mine.csv", exported)})
        stored = Episode.objects.for_patient(fresh).order_by("started_at").values_list("woke_from_sleep", flat=True)
        assert list(stored) == [True, False, None]

    def test_the_export_page_says_an_empty_cell_is_not_recorded(self, client, patient):
        client.force_login(patient)
        html = client.get(reverse("tracker:export")).content.decode()
        assert "Whether it woke you: yes or no; empty when not recorded." in html

    def test_the_json_record_has_null_for_unknown(self, client, patient):
        log(patient, timezone.now() - dt.timedelta(days=1))
        client.force_login(patient)
        response = client.get(reverse("tracker:export_download", args=["json"]))
        content = b"".join(response.streaming_content) if response.streaming else response.content
        [episode] = json.loads(content)["episodes"]
        assert episode["woke_from_sleep"] is None

    def test_fhir_gives_unknown_as_an_absent_value_with_its_reason_not_as_false(self, client, patient):
        log(patient, timezone.now() - dt.timedelta(days=1))
        log(patient, timezone.now() - dt.timedelta(days=2), locations=calf(), woke_from_sleep=False)
        client.force_login(patient)
        response = client.get(reverse("tracker:export_download", args=["fhir"]))
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bundle = Bundle.parse_raw(content)
        answers = [
            (component.valueBoolean, component.valueBoolean__ext)
            for entry in bundle.entry
            if entry.resource.resource_type == "Observation"
            for component in entry.resource.component or []
            if component.code.text == "Woke from sleep"
        ]
        assert len(answers) == 2
        assert (False, None) in answers
        # The Symptoms guide forbids component.dataAbsentReason: the reason sits on the value itself.
        [absent] = [extension for value, extension in answers if value is None]
        assert [(reason.url, reason.valueCode) for reason in absent.extension] == [
            ("http://hl7.org/fhir/StructureDefinition/data-absent-reason", "unknown")
        ]


def tally(patient, entry_type: str, day: dt.date, **fields):
    """A night tally of 3 cramps from 20:00 on `day`, or a day tally from 08:00, in the patient's zone."""
    starts = dt.time(20) if entry_type == EntryType.NIGHT else dt.time(8)
    return EpisodeFactory(
        patient=patient,
        entry_type=entry_type,
        tally_date=day,
        cramp_count=3,
        started_at=dt.datetime.combine(day, starts, tzinfo=patient.zone),
        **fields,
    )


class TestNights:
    @pytest.fixture
    def three_nights(self, patient):
        """Cramps at 02:00 on three mornings: one woke the patient, one did not, one does not say."""
        first = patient.today() - dt.timedelta(days=10)
        for offset, woke in enumerate([True, False, None]):
            moment = dt.datetime.combine(first + dt.timedelta(days=offset), dt.time(2), tzinfo=patient.zone)
            EpisodeFactory(patient=patient, started_at=moment, woke_from_sleep=woke)
        return first, first + dt.timedelta(days=2)

    def test_nights_disturbed_count_only_answered_nights(self, patient, three_nights):
        first, last = three_nights
        window = window_of("Three nights", daily_stats(patient, first, last), first, last)
        assert (window.nights_disturbed, window.nights_answered, window.night_share) == (1, 2, 50)

    def test_the_visit_report_says_how_many_answered_nights_were_disturbed(
        self, client, clinician, patient, three_nights
    ):
        first, last = three_nights
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(reverse("tracker:report", args=[patient.pk]), {"start": first, "end": last})
        figures = response.context["figures"]
        assert (figures["nights_disturbed"], figures["nights_answered"], figures["times_woken"]) == (1, 2, 1)
        html = response.content.decode()
        assert "<td>1 of 2 answered nights</td>" in html
        assert "<td>1 (1 entry does not say)</td>" in html

    def test_the_clinic_list_the_review_and_the_report_say_how_many_entries_do_not_say_they_woke(
        self, client, clinician, patient
    ):
        """Three quick logs (not asked) and one cramp that woke the patient: 1 time woken, and 3 entries do not
        say, on every page; never a bare 0 for quick logs that were not asked."""
        grant_access(patient, clinician)
        now = timezone.now()
        for days in (1, 2, 3):
            log(patient, now - dt.timedelta(days=days, hours=1))
        log(patient, now - dt.timedelta(days=4), woke_from_sleep=True)
        client.force_login(clinician)
        shown = "1 (3 entries do not say)"
        assert shown in client.get(reverse("tracker:clinic")).content.decode()
        assert shown in client.get(reverse("tracker:patient_review", args=[patient.pk])).content.decode()
        assert shown in client.get(reverse("tracker:report", args=[patient.pk])).content.decode()

    def test_a_night_tally_with_its_wakings_counted_answers_its_night(self, patient):
        night = patient.today() - dt.timedelta(days=3)
        morning = night + dt.timedelta(days=1)
        tally(patient, EntryType.NIGHT, night, times_woken=0, woke_from_sleep=False)
        days = daily_stats(patient, morning, morning)
        assert (days[morning].night_answered, days[morning].night_disturbed) == (True, False)

    def test_a_night_with_nothing_logged_before_a_cramp_free_day_is_answered_undisturbed(self, patient):
        day = patient.today() - dt.timedelta(days=3)
        CheckIn.objects.create(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS)
        days = daily_stats(patient, day, day)
        assert (days[day].night_answered, days[day].night_disturbed) == (True, False)

    def test_a_cramp_that_does_not_say_leaves_its_night_unknown_even_before_a_cramp_free_day(self, patient):
        day = patient.today() - dt.timedelta(days=3)
        evening = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(23), tzinfo=patient.zone)
        EpisodeFactory(patient=patient, started_at=evening, woke_from_sleep=None)
        CheckIn.objects.create(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS)
        days = daily_stats(patient, day, day)
        assert days[day].night_answered is False

    def test_a_day_with_cramps_but_nothing_logged_in_its_night_leaves_that_night_unknown(self, patient):
        day = patient.today() - dt.timedelta(days=3)
        EpisodeFactory(
            patient=patient,
            started_at=dt.datetime.combine(day, dt.time(15), tzinfo=patient.zone),
            woke_from_sleep=False,
        )
        days = daily_stats(patient, day, day)
        assert days[day].night_answered is False


class TestMigration:
    def test_quick_logs_and_tallies_without_wakings_become_unknown_and_answers_stay(self, patient):
        when = timezone.now() - dt.timedelta(days=4)
        quick = EpisodeFactory(patient=patient, started_at=when, woke_from_sleep=False)
        placed = EpisodeFactory(patient=patient, started_at=when - dt.timedelta(hours=1), woke_from_sleep=False)
        EpisodeLocation.objects.create(patient=patient, episode=placed, location=term("location", "calf"), side="left")
        quick_yes = EpisodeFactory(patient=patient, started_at=when - dt.timedelta(hours=2), woke_from_sleep=True)
        night = when.date() - dt.timedelta(days=2)
        tally_fields = {"patient": patient, "entry_type": EntryType.NIGHT, "cramp_count": 3, "woke_from_sleep": False}
        uncounted = EpisodeFactory(tally_date=night, times_woken=None, **tally_fields)
        counted_none = EpisodeFactory(tally_date=night - dt.timedelta(days=1), times_woken=0, **tally_fields)

        MIGRATION.unasked_to_unknown(apps, None)

        stored = dict(Episode.objects.values_list("pk", "woke_from_sleep"))
        assert stored == {
            quick.pk: None,
            placed.pk: False,
            quick_yes.pk: True,
            uncounted.pk: None,
            counted_none.pk: False,
        }

    def test_going_back_stores_unknown_as_no(self, patient):
        unknown = EpisodeFactory(patient=patient, woke_from_sleep=None)
        MIGRATION.unknown_to_no(apps, None)
        unknown.refresh_from_db()
        assert unknown.woke_from_sleep is False

    @pytest.mark.parametrize(
        ("answers", "answered", "disturbed"),
        [((False, None), False, False), ((True, None), True, True), ((False, False), True, False)],
    )
    def test_a_night_is_known_undisturbed_only_when_every_entry_in_it_says_so(
        self, patient, answers, answered, disturbed
    ):
        """An afternoon cramp that did not wake the patient says nothing of the cramp at 02:00 that was not asked:
        the night is unknown, unless one of them woke the patient."""
        morning = patient.today() - dt.timedelta(days=3)
        afternoon = dt.datetime.combine(morning - dt.timedelta(days=1), dt.time(14), tzinfo=patient.zone)
        small_hours = dt.datetime.combine(morning, dt.time(2), tzinfo=patient.zone)
        for moment, woke in zip((afternoon, small_hours), answers, strict=True):
            EpisodeFactory(patient=patient, started_at=moment, woke_from_sleep=woke)
        days = daily_stats(patient, morning, morning)
        assert (days[morning].night_answered, days[morning].night_disturbed) == (answered, disturbed)

    def test_a_day_tally_leaves_the_night_before_it_as_answered(self, patient):
        """A day tally (08:00 to 20:00) does not ask about waking, and says nothing of the night that ended that
        morning: the night tally's answer stands."""
        night = patient.today() - dt.timedelta(days=4)
        morning = night + dt.timedelta(days=1)
        tally(patient, EntryType.NIGHT, night, times_woken=0)
        tally(patient, EntryType.DAY, morning)
        days = daily_stats(patient, morning, morning)
        assert (days[morning].night_answered, days[morning].night_disturbed) == (True, False)
