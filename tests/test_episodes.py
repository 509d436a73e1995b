import datetime as dt
import uuid
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create
from tracker.models import CheckIn, Episode, EpisodeLocation, Side

from .factories import EpisodeFactory, PatientFactory, term

NEW_URL = reverse("tracker:episode_new")
QUICK_URL = f"{NEW_URL}?mode=quick"
LONDON = zoneinfo.ZoneInfo("Europe/London")

pytestmark = pytest.mark.django_db


def local_input(moment: dt.datetime, zone=LONDON) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def full_entry(**overrides):
    calf = term("location", "calf")
    data = {
        "client_id": str(uuid.uuid4()),
        "started_at": local_input(timezone.now() - dt.timedelta(minutes=30)),
        "severity": "7",
        "duration_minutes": "2",
        "duration_seconds": "30",
        "locations": [f"{calf.pk}:left", f"{calf.pk}:right", f"{term('location', 'foot-toes').pk}:left"],
        "woke_from_sleep": "True",
        "activity": str(term("activity", "asleep").pk),
        "triggers": [str(term("trigger", "dehydration").pk), str(term("trigger", "cold").pk)],
        "symptoms": [str(term("symptom", "twitching").pk)],
        "relief_measures": [str(term("relief", "stretching").pk)],
        "relief_effect": "lot",
        "medication_taken": "none",
        "notes": "Left calf then both, at 3 a.m.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def london_patient(db):
    return PatientFactory(email="lon@example.org", time_zone="Europe/London")


@pytest.fixture
def signed_in(client, london_patient):
    client.force_login(london_patient)
    return client


def errors_of(response, field):
    return response.context["form"].errors.get(field, [])


class TestFullEntry:
    def test_form_offers_every_vocabulary_and_defaults_the_time_to_now(self, signed_in):
        response = signed_in.get(NEW_URL)
        html = response.content.decode()
        assert response.status_code == 200
        for label in ["Calf", "hamstring", "Asleep", "Dehydration", "Twitching", "Stretching", "A lot"]:
            assert label in html
        assert f'value="{local_input(timezone.now())[:13]}' in html

    def test_full_entry_is_stored_in_utc_with_every_detail(self, signed_in, london_patient):
        started = dt.datetime(2026, 7, 1, 3, 15, tzinfo=LONDON)
        response = signed_in.post(NEW_URL, full_entry(started_at="2026-07-01T03:15"))
        episode = Episode.objects.get(patient=london_patient)
        assert response.status_code == 302
        assert response["Location"] == reverse("tracker:episode_detail", args=[episode.uuid])
        assert episode.started_at == started
        assert episode.started_at.astimezone(dt.UTC).hour == 2
        assert episode.duration_seconds == 150
        assert episode.severity == 7
        assert episode.woke_from_sleep is True
        assert episode.activity.slug == "asleep"
        assert {(place.location.slug, place.side) for place in episode.locations.all()} == {
            ("calf", Side.BOTH),
            ("foot-toes", Side.LEFT),
        }
        assert sorted(t.slug for t in episode.triggers) == ["cold", "dehydration"]
        assert [t.slug for t in episode.symptoms] == ["twitching"]
        assert [t.slug for t in episode.relief_measures] == ["stretching"]
        assert episode.relief_effect == "lot"
        assert episode.created_by == london_patient

    def test_detail_page_shows_the_entry_in_the_patients_zone(self, signed_in):
        signed_in.post(NEW_URL, full_entry(started_at="2026-07-01T03:15"))
        episode = Episode.objects.get()
        html = signed_in.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Wed 1 Jul 2026, 03:15" in html
        assert "Calf (both sides)" in html
        assert "Foot or toes (left)" in html
        assert "Cold, Dehydration" in html or "Dehydration, Cold" in html
        assert "2 min 30 s" in html
        assert "helped: a lot" in html

    def test_logging_marks_the_local_day_as_a_day_with_cramps(self, client):
        patient = PatientFactory(time_zone="America/Los_Angeles")
        client.force_login(patient)
        # 23:30 on 1 July in Los Angeles is already 2 July in UTC.
        client.post(NEW_URL, full_entry(started_at="2026-07-01T23:30"))
        checkin = CheckIn.objects.get(patient=patient)
        assert checkin.day == dt.date(2026, 7, 1)
        assert checkin.status == CheckIn.Status.HAD_CRAMPS

    def test_a_day_checked_in_as_cramp_free_turns_into_a_cramp_day_when_a_cramp_is_logged(
        self, signed_in, london_patient
    ):
        day = dt.date(2026, 7, 1)
        CheckIn.objects.create(patient=london_patient, day=day, status=CheckIn.Status.NO_CRAMPS)
        signed_in.post(NEW_URL, full_entry(started_at="2026-07-01T10:00"))
        assert CheckIn.objects.get(patient=london_patient, day=day).status == CheckIn.Status.HAD_CRAMPS

    def test_the_same_form_submitted_twice_creates_one_episode(self, signed_in):
        data = full_entry()
        first = signed_in.post(NEW_URL, data)
        second = signed_in.post(NEW_URL, data, follow=True)
        assert Episode.objects.count() == 1
        assert second.redirect_chain[0][0] == first["Location"]
        assert "already saved" in second.content.decode()

    def test_a_location_is_required_for_a_full_entry(self, signed_in):
        response = signed_in.post(NEW_URL, full_entry(locations=[]))
        assert errors_of(response, "locations") == ["Choose at least one place, and the side."]
        assert not Episode.objects.exists()


class TestQuickLog:
    def test_quick_log_needs_only_severity_and_defaults_the_time_to_now(self, signed_in, london_patient):
        before = timezone.now()
        response = signed_in.post(QUICK_URL, {"client_id": str(uuid.uuid4()), "severity": "6"})
        episode = Episode.objects.get(patient=london_patient)
        assert response.status_code == 302
        assert episode.severity == 6
        assert before - dt.timedelta(seconds=1) <= episode.started_at <= timezone.now()
        assert episode.needs_details

    def test_quick_log_can_be_completed_later_on_the_edit_page(self, signed_in, london_patient):
        signed_in.post(QUICK_URL, {"client_id": str(uuid.uuid4()), "severity": "6"})
        episode = Episode.objects.get()
        detail = signed_in.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Add details" in detail
        edit_url = reverse("tracker:episode_edit", args=[episode.uuid])
        form = signed_in.get(edit_url).context["form"]
        assert form.initial["severity"] == 6
        signed_in.post(edit_url, full_entry(client_id=str(episode.client_id), severity="6"))
        episode.refresh_from_db()
        assert not episode.needs_details
        assert Episode.objects.count() == 1

    def test_a_place_no_longer_offered_is_named_next_to_the_place_and_the_rating_is_kept(self, signed_in):
        retired = term("location", "calf")
        retired.is_active = False
        retired.save(update_fields=["is_active"])
        data = {"client_id": str(uuid.uuid4()), "severity": "6", "location": f"{retired.pk}:left"}
        html = signed_in.post(QUICK_URL, data).content.decode()
        assert '<a class="alert-link" href="#div_id_location">' in html
        place = html[html.index('<div id="div_id_location"') :].split("</select>")[1]
        assert "Choose a place from the list." in place
        assert (
            '<input type="radio" name="severity" value="6" class="btn-check" id="id_severity_6" required checked>'
            in html
        )
        assert not Episode.objects.exists()

    def test_quick_log_from_the_dashboard_buttons(self, signed_in):
        dashboard = signed_in.get(reverse("tracker:dashboard")).content.decode()
        assert f'action="{QUICK_URL}"' in dashboard
        assert 'name="severity" value="10"' in dashboard


class TestBadInput:
    def test_start_more_than_five_minutes_ahead_is_refused(self, signed_in):
        response = signed_in.post(
            NEW_URL, full_entry(started_at=local_input(timezone.now() + dt.timedelta(minutes=20)))
        )
        assert errors_of(response, "started_at") == ["This time is in the future. Enter when the cramp started."]
        assert not Episode.objects.exists()

    def test_start_a_few_minutes_ahead_is_accepted_for_clock_drift(self, signed_in):
        ahead = local_input(timezone.now() + dt.timedelta(minutes=3))
        signed_in.post(NEW_URL, full_entry(started_at=ahead, duration_minutes="", duration_seconds=""))
        assert Episode.objects.count() == 1

    def test_start_more_than_five_years_before_joining_is_refused(self, signed_in, london_patient):
        too_early = london_patient.date_joined - dt.timedelta(days=5 * 365 + 2)
        response = signed_in.post(NEW_URL, full_entry(started_at=local_input(too_early)))
        assert "more than five years before you joined" in errors_of(response, "started_at")[0]

    @pytest.mark.parametrize(
        "value", ["yesterday", "2026-13-45T99:99", "", "<script>", "0001-01-01T00:00", "9999-12-31T23:59"]
    )
    def test_unreadable_start_is_refused(self, signed_in, value):
        response = signed_in.post(NEW_URL, full_entry(started_at=value))
        assert errors_of(response, "started_at")
        assert not Episode.objects.exists()

    @pytest.mark.parametrize("value", ["11", "-1", "7.5", "seven", "", "10; DROP TABLE tracker_episode"])
    def test_severity_outside_0_to_10_is_refused(self, signed_in, value):
        response = signed_in.post(NEW_URL, full_entry(severity=value))
        assert errors_of(response, "severity") == ["Choose how bad the cramp was, from 0 to 10."]
        assert not Episode.objects.exists()

    @pytest.mark.parametrize(
        ("minutes", "seconds", "field", "message"),
        [
            ("two", "", "duration_minutes", "Enter whole minutes, from 0 to 1,440."),
            ("-1", "", "duration_minutes", "Enter whole minutes, from 0 to 1,440."),
            ("", "75", "duration_seconds", "Enter whole seconds, from 0 to 59."),
            ("", "1.5", "duration_seconds", "Enter whole seconds, from 0 to 59."),
            ("1441", "", "duration_minutes", "Enter whole minutes, from 0 to 1,440."),
            ("1440", "1", "duration_minutes", "That is longer than 24 hours. Check the minutes."),
            ("0", "0", "duration_seconds", "A cramp lasts at least one second. Leave both empty if you do not know."),
        ],
    )
    def test_bad_duration_is_reported_next_to_the_field(self, signed_in, minutes, seconds, field, message):
        response = signed_in.post(NEW_URL, full_entry(duration_minutes=minutes, duration_seconds=seconds))
        assert errors_of(response, field) == [message]
        assert not Episode.objects.exists()

    def test_the_error_summary_lists_the_mistakes_in_the_order_the_page_asks(self, signed_in):
        response = signed_in.post(NEW_URL, full_entry(severity="", started_at="yesterday"))
        assert list(response.context["form"].errors)[:2] == ["severity", "started_at"]

    def test_unknown_duration_is_allowed(self, signed_in):
        signed_in.post(NEW_URL, full_entry(duration_minutes="", duration_seconds=""))
        assert Episode.objects.get().duration_seconds is None

    def test_notes_over_the_limit_are_refused_and_kept_for_correction(self, signed_in):
        notes = "cramp." * 400
        response = signed_in.post(NEW_URL, full_entry(notes=notes))
        assert errors_of(response, "notes") == [
            "Notes can be at most 2,000 characters; these have 2400. Shorten them, then save again."
        ]
        assert notes.strip() in response.content.decode()
        assert not Episode.objects.exists()

    def test_notes_of_2000_characters_with_line_breaks_fit_as_the_page_counts_them(self, signed_in):
        """A browser sends a text box's line breaks as CR LF; the page's counter counts each as one."""
        typed = "\n".join(["x" * 49] * 40)
        assert len(typed) == 1999
        response = signed_in.post(NEW_URL, full_entry(notes=typed.replace("\n", "\r\n")))
        assert response.status_code == 302
        assert Episode.objects.get().notes == typed

    def test_a_trigger_posted_as_a_location_is_refused(self, signed_in):
        dehydration = term("trigger", "dehydration")
        response = signed_in.post(NEW_URL, full_entry(locations=[f"{dehydration.pk}:left"]))
        assert errors_of(response, "locations")
        assert not Episode.objects.exists()

    @pytest.mark.parametrize("value", ["{calf}:up", "{calf}", "{calf}:left:right", "999999:left"])
    def test_a_forged_location_value_is_refused(self, signed_in, value):
        value = value.format(calf=term("location", "calf").pk)
        response = signed_in.post(NEW_URL, full_entry(locations=[value]))
        assert errors_of(response, "locations")

    @pytest.mark.parametrize(
        ("field", "kind", "slug"),
        [("activity", "trigger", "cold"), ("triggers", "symptom", "weakness"), ("relief_measures", "trigger", "heat")],
    )
    def test_an_item_from_another_vocabulary_is_refused(self, signed_in, field, kind, slug):
        response = signed_in.post(NEW_URL, full_entry(**{field: str(term(kind, slug).pk)}))
        assert errors_of(response, field)
        assert not Episode.objects.exists()

    def test_what_the_patient_typed_survives_a_validation_error(self, signed_in):
        data = full_entry(severity="12", notes="left calf <b>again</b>", medication_taken="magnesium")
        html = signed_in.post(NEW_URL, data).content.decode()
        assert "left calf &lt;b&gt;again&lt;/b&gt;" in html
        assert 'value="magnesium"' in html
        assert 'value="2026' in html or 'value="20' in html
        assert f'value="{data["client_id"]}"' in html
        assert "Please check the answers marked below" in html

    @pytest.mark.parametrize("url", [NEW_URL, QUICK_URL])
    def test_an_empty_submission_is_explained(self, signed_in, url):
        response = signed_in.post(url, {})
        assert response.status_code == 200
        assert errors_of(response, "severity") == ["Choose how bad the cramp was, from 0 to 10."]
        assert not Episode.objects.exists()

    def test_the_service_refuses_a_location_of_another_kind(self, london_patient):
        details = EpisodeDetails(
            started_at=timezone.now(),
            severity=3,
            locations=[LocationChoice(location=term("trigger", "cold"), side=Side.LEFT)],
        )
        with pytest.raises(ValidationError):
            episode_create(patient=london_patient, created_by=london_patient, client_id=uuid.uuid4(), details=details)


class TestDaylightSaving:
    def test_a_time_skipped_by_the_clocks_going_forward_is_refused(self, signed_in):
        response = signed_in.post(NEW_URL, full_entry(started_at="2026-03-29T01:30"))
        assert "the clocks went forward" in errors_of(response, "started_at")[0]

    def test_a_repeated_hour_when_the_clocks_go_back_is_read_as_the_first_one(self, signed_in):
        signed_in.post(NEW_URL, full_entry(started_at="2026-10-25T01:30"))
        assert Episode.objects.get().started_at == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)

    def test_times_either_side_of_the_change_show_in_local_time(self, signed_in, london_patient):
        before = EpisodeFactory(patient=london_patient, started_at=dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC))
        after = EpisodeFactory(patient=london_patient, started_at=dt.datetime(2026, 3, 29, 12, 0, tzinfo=dt.UTC))
        html_before = signed_in.get(reverse("tracker:episode_detail", args=[before.uuid])).content.decode()
        html_after = signed_in.get(reverse("tracker:episode_detail", args=[after.uuid])).content.decode()
        assert "Sat 28 Mar 2026, 23:30" in html_before
        assert "Sun 29 Mar 2026, 13:00" in html_after

    def test_the_same_instant_shows_in_each_patients_own_zone(self, client):
        instant = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
        for zone, shown in [("Pacific/Auckland", "Fri 16 Jan 2026, 01:00"), ("UTC", "12:00")]:
            patient = PatientFactory(time_zone=zone)
            episode = EpisodeFactory(patient=patient, started_at=instant)
            client.force_login(patient)
            assert shown in client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()


class TestEditAndDelete:
    def test_edit_changes_the_entry_and_keeps_its_identity(self, signed_in, london_patient):
        episode = EpisodeFactory(patient=london_patient, severity=3)
        url = reverse("tracker:episode_edit", args=[episode.uuid])
        response = signed_in.post(url, full_entry(client_id=str(episode.client_id), severity="9"))
        episode.refresh_from_db()
        assert response["Location"] == reverse("tracker:episode_detail", args=[episode.uuid])
        assert episode.severity == 9
        assert Episode.objects.count() == 1

    def test_edit_with_bad_input_changes_nothing(self, signed_in, london_patient):
        episode = EpisodeFactory(patient=london_patient, severity=3)
        url = reverse("tracker:episode_edit", args=[episode.uuid])
        response = signed_in.post(url, full_entry(severity="3", duration_minutes="-5"))
        episode.refresh_from_db()
        assert response.status_code == 200
        assert episode.duration_seconds == 90

    def test_delete_asks_first_and_deletes_on_confirmation(self, signed_in, london_patient):
        episode = EpisodeFactory(patient=london_patient)
        url = reverse("tracker:episode_delete", args=[episode.uuid])
        confirm = signed_in.get(url)
        assert "Delete this cramp?" in confirm.content.decode()
        assert Episode.objects.filter(pk=episode.pk).exists()
        response = signed_in.post(url)
        assert response["Location"] == reverse("tracker:episode_list")
        assert not Episode.objects.filter(pk=episode.pk).exists()
        assert not EpisodeLocation.objects.filter(episode_id=episode.pk).exists()


# What an episode stored directly needs besides its patient and start.
POSSIBLE = {"severity": 5, "time_zone": "Europe/London"}


class TestDatabaseConstraints:
    def test_a_possible_episode_passes_full_clean(self, london_patient):
        episode = Episode(patient=london_patient, started_at=timezone.now(), **POSSIBLE)
        episode.set_utc_offset()
        episode.full_clean()

    @pytest.mark.parametrize(
        "fields",
        [{"severity": 11}, {"duration_seconds": 0}, {"duration_seconds": 86_401}, {"notes": "x" * 2001}],
    )
    def test_full_clean_refuses_an_impossible_episode(self, london_patient, fields):
        episode = Episode(patient=london_patient, started_at=timezone.now(), **{**POSSIBLE, **fields})
        episode.set_utc_offset()
        with pytest.raises(ValidationError):
            episode.full_clean()

    @pytest.mark.parametrize(
        "fields",
        [
            {"severity": 11},
            {"duration_seconds": 0},
            {"duration_seconds": 86_401},
            {"notes": "x" * 2001},
            {"relief_effect": "miracle"},
        ],
    )
    def test_the_database_refuses_an_impossible_episode(self, london_patient, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            Episode.objects.create(patient=london_patient, started_at=timezone.now(), **{**POSSIBLE, **fields})

    def test_the_database_refuses_a_second_episode_from_the_same_form(self, london_patient):
        first = EpisodeFactory(patient=london_patient)
        with pytest.raises(IntegrityError), transaction.atomic():
            EpisodeFactory(patient=london_patient, client_id=first.client_id)

    def test_the_database_refuses_the_same_location_twice_on_one_episode(self, london_patient):
        episode = EpisodeFactory(patient=london_patient)
        calf = term("location", "calf")
        EpisodeLocation.objects.create(patient=london_patient, episode=episode, location=calf, side=Side.LEFT)
        with pytest.raises(IntegrityError), transaction.atomic():
            EpisodeLocation.objects.create(patient=london_patient, episode=episode, location=calf, side=Side.RIGHT)


class TestQueryCounts:
    @pytest.mark.parametrize("history", [0, 200])
    def test_logging_a_full_entry_costs_the_same_queries_however_long_the_log(
        self, signed_in, london_patient, django_assert_num_queries, history
    ):
        EpisodeFactory.create_batch(history, patient=london_patient)
        entry = full_entry()
        term("location", "calf")  # the vocabulary is read before counting starts
        # session, user, the form's five vocabularies; in a transaction (a savepoint in the test): is the
        # id used, a tally of that night (to ask how to count it), the insert (in its own savepoint), its
        # places, its tags, the day's check-in (a "no cramps" answer turned, then marked if not answered), the log's
        # new version for the clinic summary (one upsert)
        with django_assert_num_queries(19):
            response = signed_in.post(NEW_URL, entry)
        assert response.status_code == 302
        assert Episode.objects.filter(patient=london_patient).count() == history + 1

    def test_a_value_outside_a_check_constraint_is_refused_by_the_model_before_the_database(self, london_patient):
        details = EpisodeDetails(started_at=timezone.now(), severity=11)
        with pytest.raises(ValidationError) as refused:
            episode_create(patient=london_patient, created_by=london_patient, client_id=uuid.uuid4(), details=details)
        assert refused.value.message_dict == {"severity": ["Severity must be between 0 and 10."]}
        assert not Episode.objects.filter(patient=london_patient).exists()


class TestLongNotes:
    def test_notes_have_no_browser_limit_but_a_counted_one(self, signed_in):
        html = signed_in.get(reverse("tracker:episode_new")).content.decode()
        textarea = html[html.index('<textarea name="notes"') :].split(">")[0]
        assert 'data-limit="2000"' in textarea
        assert "maxlength" not in textarea


def test_the_body_place_is_marked_required_where_it_is(signed_in):
    """The full form needs a place, and says so as its other required fields do; a tally's places are optional."""
    legend = '<legend class="form-label fw-semibold fs-6">Where was it?<span class="asteriskField">*</span>'
    assert legend in signed_in.get(NEW_URL).content.decode()
    tally = signed_in.get(reverse("tracker:tally_new")).content.decode()
    assert "locations_help" in tally
    assert "(required)" not in tally[tally.index("locations_help") - 400 : tally.index("locations_help")]
