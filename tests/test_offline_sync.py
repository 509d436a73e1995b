"""Installable app and offline quick log: the root files, the offline page, the sync endpoint, and
the client id as an idempotency key on every way a cramp is logged."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracker.diary.services import ClientIdReused, EpisodeDetails, LocationChoice, episode_create
from tracker.models import CheckIn, Episode, EpisodeLocation, Side

from .factories import EpisodeFactory, PatientFactory, term

SYNC_URL = reverse("tracker:episode_sync")
QUICK_URL = reverse("tracker:episode_new") + "?mode=quick"
NEW_URL = reverse("tracker:episode_new")

pytestmark = pytest.mark.django_db


def exact(moment: dt.datetime) -> str:
    """The moment as the offline log sends it: ISO 8601 in UTC, to the millisecond."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def offline_entry(owner, **changes) -> dict:
    """One quick log as static/js/offline-log.js sends it, kept on the device by `owner`."""
    entry = {
        "client_id": str(uuid.uuid4()),
        "patient": owner.pk,
        "started_at": exact(timezone.now() - dt.timedelta(hours=2)),
        "severity": 6,
        "location": f"{term('location', 'calf').pk}:left",
    }
    entry.update(changes)
    return entry


def send(client, entry, **headers):
    body = entry if isinstance(entry, str) else json.dumps(entry)
    return client.post(SYNC_URL, body, content_type="application/json", **headers)


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


class TestRootFiles:
    def test_the_service_worker_is_served_from_the_root_as_javascript(self, client):
        response = client.get("/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        body = b"".join(response.streaming_content).decode()
        assert 'const CACHE = "crampapp-v' in body
        assert 'const OFFLINE_URL = "/offline/"' in body

    def test_the_manifest_names_icons_a_quick_log_shortcut_and_the_theme_colour(self, client):
        response = client.get("/manifest.webmanifest")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/manifest+json"
        manifest = json.loads(b"".join(response.streaming_content))
        assert manifest["start_url"] == "/"
        assert manifest["display"] == "standalone"
        assert manifest["theme_color"] == "#0a3d7a"
        icons = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons
        [shortcut] = manifest["shortcuts"]
        assert shortcut["name"] == "Log a cramp"
        assert shortcut["url"] == QUICK_URL

    def test_every_icon_in_the_manifest_is_a_png_of_its_size(self, client):
        manifest = json.loads(b"".join(client.get("/manifest.webmanifest").streaming_content))
        for icon in manifest["icons"]:
            response = client.get(icon["src"])
            assert response["Content-Type"] == "image/png", icon["src"]
            png = b"".join(response.streaming_content)
            width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
            assert f"{width}x{height}" == icon["sizes"]

    def test_every_page_links_the_manifest_and_the_theme_colour(self, client):
        html = client.get("/").content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#0a3d7a">' in html
        assert "js/offline-log.js" in html

    def test_the_security_policy_allows_the_worker_and_the_manifest_from_this_site_only(self, client):
        policy = client.get("/")["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["worker-src"] == "'self'"
        assert directives["manifest-src"] == "'self'"


class TestOfflinePage:
    def test_the_offline_page_says_so_and_carries_a_hidden_quick_log(self, client):
        response = client.get(reverse("offline"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "You are offline" in html
        assert "data-offline-log-section hidden" in html
        assert 'name="severity" value="10"' in html
        assert "csrfmiddlewaretoken" not in html

    def test_the_offline_page_holds_nobodys_data_even_when_fetched_signed_in(self, signed_in, patient):
        html = signed_in.get(reverse("offline")).content.decode()
        assert patient.email not in html
        assert patient.full_name not in html
        assert "crampapp-patient" not in html
        assert "Log out" not in html

    def test_a_patients_pages_name_the_account_for_the_offline_log(self, signed_in, patient):
        html = signed_in.get(reverse("tracker:dashboard")).content.decode()
        assert f'<meta name="crampapp-patient" content="{patient.pk}" data-sync-url="{SYNC_URL}">' in html
        assert "data-offline-log" in html
        assert "Waiting to send" in html


class TestSync:
    def test_an_offline_entry_is_stored_with_its_own_start_time_and_place(self, signed_in, patient):
        started = timezone.now() - dt.timedelta(hours=2, seconds=17)
        entry = offline_entry(patient, started_at=exact(started))
        response = send(signed_in, entry)
        episode = Episode.objects.get(patient=patient)
        assert response.status_code == 201
        assert response.json() == {
            "status": "created",
            "client_id": entry["client_id"],
            "message": "Cramp saved.",
            "errors": {},
            "episode_url": reverse("tracker:episode_detail", args=[episode.uuid]),
        }
        assert episode.started_at == started.replace(microsecond=started.microsecond // 1000 * 1000)
        assert str(episode.client_id) == entry["client_id"]
        assert episode.severity == 6
        assert episode.created_by == patient
        place = EpisodeLocation.objects.get(episode=episode)
        assert (place.location.slug, place.side) == ("calf", Side.LEFT)
        assert CheckIn.objects.get(patient=patient).status == CheckIn.Status.HAD_CRAMPS

    def test_an_entry_without_a_place_is_a_quick_log(self, signed_in, patient):
        response = send(signed_in, offline_entry(patient, location=None))
        assert response.status_code == 201
        assert Episode.objects.get(patient=patient).needs_details

    def test_the_same_entry_sent_again_is_already_saved_not_stored_twice(self, signed_in, patient):
        entry = offline_entry(patient)
        first = send(signed_in, entry)
        again = send(signed_in, entry)
        assert again.status_code == 200
        assert again.json()["status"] == "already_saved"
        assert again.json()["episode_url"] == first.json()["episode_url"]
        assert Episode.objects.count() == 1

    def test_the_same_moment_written_in_another_offset_is_the_same_entry(self, signed_in, patient):
        started = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
        entry = offline_entry(patient, started_at=exact(started))
        send(signed_in, entry)
        paris = started.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
        assert send(signed_in, {**entry, "started_at": paris}).status_code == 200
        assert Episode.objects.count() == 1

    @pytest.mark.parametrize(
        "change",
        [
            {"severity": 9},
            {"started_at": exact(timezone.now() - dt.timedelta(hours=5))},
            {"location": None},
            {"location": "calf:right"},
        ],
        ids=["severity", "time", "no place", "other side"],
    )
    def test_a_reused_id_with_different_content_is_refused_and_changes_nothing(self, signed_in, patient, change):
        entry = offline_entry(patient)
        first = send(signed_in, entry).json()
        if change.get("location") == "calf:right":
            change = {"location": f"{term('location', 'calf').pk}:right"}
        response = send(signed_in, {**entry, **change})
        episode = Episode.objects.get()
        assert response.status_code == 409
        assert response.json()["status"] == "refused"
        assert "already used for a cramp with different details" in response.json()["message"]
        assert response.json()["episode_url"] == first["episode_url"]
        assert episode.severity == 6
        assert exact(episode.started_at) == entry["started_at"]
        assert [(p.location.slug, p.side) for p in episode.locations.all()] == [("calf", Side.LEFT)]

    def test_a_start_in_the_future_is_refused_with_the_reason(self, signed_in, patient):
        response = send(signed_in, offline_entry(patient, started_at=exact(timezone.now() + dt.timedelta(hours=1))))
        assert response.status_code == 422
        assert response.json()["errors"] == {
            "started_at": ["This time is in the future. Enter when the cramp started."]
        }
        assert not Episode.objects.exists()

    def test_a_clock_a_few_minutes_fast_is_allowed_for(self, signed_in, patient):
        response = send(signed_in, offline_entry(patient, started_at=exact(timezone.now() + dt.timedelta(minutes=3))))
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("started_at", "message"),
        [
            ("2001-01-01T00:00:00Z", "more than five years before you joined"),
            ("9999-12-31T23:59:59+14:00", "between 1900 and 2100"),
            ("2026-07-01T10:00", "with its UTC offset"),
            ("yesterday Z", "Enter a valid date/time"),
            ("2026-02-30T10:00:00Z", "Enter a valid date/time"),
        ],
    )
    def test_an_implausible_or_ambiguous_start_is_refused(self, signed_in, patient, started_at, message):
        response = send(signed_in, offline_entry(patient, started_at=started_at))
        assert response.status_code == 422
        assert message in response.json()["errors"]["started_at"][0]
        assert not Episode.objects.exists()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"severity": 11}, "severity"),
            ({"severity": -1}, "severity"),
            ({"client_id": "not-a-uuid"}, "client_id"),
            ({"location": "999999:left"}, "location"),
            ({"location": "99999999999999999999999:left"}, "location"),
            ({"location": "calf"}, "location"),
        ],
    )
    def test_values_the_quick_log_refuses_are_refused_here_too(self, signed_in, patient, change, field):
        response = send(signed_in, offline_entry(patient, **change))
        assert response.status_code == 422
        assert field in response.json()["errors"]
        assert not Episode.objects.exists()

    def test_a_place_from_another_vocabulary_or_an_unknown_side_is_refused(self, signed_in, patient):
        for location in [f"{term('trigger', 'cold').pk}:left", f"{term('location', 'calf').pk}:middle"]:
            response = send(signed_in, offline_entry(patient, location=location))
            assert response.status_code == 422
            assert response.json()["errors"] == {"location": ["Choose a place from the list."]}
        assert not Episode.objects.exists()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"severity": "6"}, "severity"),
            ({"severity": True}, "severity"),
            ({"severity": 6.5}, "severity"),
            ({"severity": None}, "severity"),
            ({"client_id": 12345}, "client_id"),
            ({"started_at": 1_700_000_000}, "started_at"),
            ({"location": ["calf"]}, "location"),
            ({"patient": "1"}, "patient"),
        ],
    )
    def test_a_field_of_the_wrong_json_type_is_refused_by_name(self, signed_in, patient, change, field):
        response = send(signed_in, offline_entry(patient, **change))
        assert response.status_code == 422
        assert list(response.json()["errors"]) == [field]
        assert not Episode.objects.exists()

    @pytest.mark.parametrize("missing", ["client_id", "started_at", "severity"])
    def test_an_entry_without_its_id_time_or_severity_is_refused(self, signed_in, patient, missing):
        entry = offline_entry(patient)
        del entry[missing]
        response = send(signed_in, entry)
        assert response.status_code == 422
        assert missing in response.json()["errors"]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("{not json", "This is not valid JSON."),
            ('"a string"', "Send one entry, as a JSON object."),
            ("[1, 2]", "Send one entry, as a JSON object."),
            ('{"severity": 5, "notes": "x", "patient_id": 1}', "Unexpected fields: notes, patient_id."),
        ],
    )
    def test_a_body_that_is_not_one_entry_is_a_bad_request(self, signed_in, body, message):
        response = send(signed_in, body)
        assert response.status_code == 400
        assert response.json()["status"] == "refused"
        assert response.json()["message"] == message

    def test_an_oversized_entry_is_refused_unread(self, signed_in, patient):
        response = send(signed_in, offline_entry(patient, location="1:left" + " " * 3000))
        assert response.status_code == 413
        assert not Episode.objects.exists()

    def test_only_json_is_accepted(self, signed_in, patient):
        response = signed_in.post(SYNC_URL, {"client_id": str(uuid.uuid4()), "severity": "5"})
        assert response.status_code == 415
        assert not Episode.objects.exists()

    def test_a_failed_entry_echoes_its_id_so_the_device_can_show_why(self, signed_in, patient):
        entry = offline_entry(patient, severity=12)
        assert send(signed_in, entry).json()["client_id"] == entry["client_id"]


class TestWhoMaySync:
    def test_a_visitor_is_told_to_sign_in(self, client, patient):
        response = send(client, offline_entry(patient))
        assert response.status_code == 401
        assert "Sign in" in response.json()["message"]
        assert not Episode.objects.exists()

    def test_a_clinician_cannot_log_cramps(self, client, clinician, patient):
        client.force_login(clinician)
        response = send(client, offline_entry(patient))
        assert response.status_code == 403
        assert not Episode.objects.exists()

    def test_only_post_is_allowed(self, signed_in):
        assert signed_in.get(SYNC_URL).status_code == 405

    def test_csrf_is_enforced(self, patient):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(patient)
        refused = send(strict, offline_entry(patient))
        assert refused.status_code == 403
        assert not Episode.objects.exists()
        strict.get(reverse("tracker:dashboard"))
        token = strict.cookies["csrftoken"].value
        assert send(strict, offline_entry(patient), headers={"X-CSRFToken": token}).status_code == 201

    def test_an_entry_kept_for_another_account_is_refused(self, client, patient, other_patient):
        client.force_login(other_patient)
        response = send(client, offline_entry(patient))
        assert response.status_code == 403
        assert "another account" in response.json()["message"]
        assert not Episode.objects.exists()

    def test_another_patients_id_neither_reveals_nor_touches_their_cramp(self, client, patient, other_patient):
        theirs = EpisodeFactory(patient=patient, severity=3)
        client.force_login(other_patient)
        entry = offline_entry(other_patient, client_id=str(theirs.client_id), severity=9)
        response = send(client, entry)
        mine = Episode.objects.get(patient=other_patient)
        theirs.refresh_from_db()
        assert response.status_code == 201
        assert response.json()["episode_url"] == reverse("tracker:episode_detail", args=[mine.uuid])
        assert str(theirs.uuid) not in response.content.decode()
        assert (theirs.severity, mine.severity) == (3, 9)
        assert mine.client_id == theirs.client_id

    @pytest.mark.parametrize("history", [0, 60])
    def test_the_query_count_does_not_grow_with_history(self, signed_in, patient, django_assert_num_queries, history):
        EpisodeFactory.create_batch(history, patient=patient)
        entry = offline_entry(patient)
        # session, user, the place; in a transaction (a savepoint in the test): is the id used, a tally
        # of that night, the insert (in its own savepoint), the place, the day's check-in (a "no cramps" answer
        # turned, then marked if not answered), the log's new version for the clinic summary (one upsert)
        with django_assert_num_queries(14):
            assert send(signed_in, entry).status_code == 201
        # session, user, the place; in a transaction: is the id used, its stored places and tags
        with django_assert_num_queries(8):
            assert send(signed_in, entry).status_code == 200


class TestIdempotentForms:
    def test_a_double_tap_on_the_quick_log_stores_one_cramp(self, signed_in, patient):
        data = {"client_id": str(uuid.uuid4()), "severity": "7"}
        first = signed_in.post(QUICK_URL, data)
        again = signed_in.post(QUICK_URL, data, follow=True)
        assert Episode.objects.count() == 1
        assert again.redirect_chain[0][0] == first["Location"]
        assert "already saved" in again.content.decode()

    def test_the_quick_log_stores_its_optional_place(self, signed_in, patient):
        foot = term("location", "foot-toes")
        signed_in.post(QUICK_URL, {"client_id": str(uuid.uuid4()), "severity": "4", "location": f"{foot.pk}:both"})
        place = Episode.objects.get().locations.get()
        assert (place.location, place.side) == (foot, Side.BOTH)

    def test_the_dashboard_offers_the_places_with_their_sides(self, signed_in):
        html = signed_in.get(reverse("tracker:dashboard")).content.decode()
        calf = term("location", "calf")
        assert f'<option value="{calf.pk}:left">Calf, left</option>' in html
        assert f'<option value="{calf.pk}:both">Calf, both sides</option>' in html

    def test_the_quick_log_resent_with_another_answer_shows_the_saved_cramp_unchanged(self, signed_in, patient):
        data = {"client_id": str(uuid.uuid4()), "severity": "7"}
        signed_in.post(QUICK_URL, data)
        episode = Episode.objects.get()
        response = signed_in.post(QUICK_URL, {**data, "severity": "2"}, follow=True)
        episode.refresh_from_db()
        assert response.redirect_chain[0][0] == reverse("tracker:episode_detail", args=[episode.uuid])
        assert "already been saved, with other answers" in response.content.decode()
        assert episode.severity == 7
        assert Episode.objects.count() == 1

    def test_the_full_form_resent_with_other_notes_changes_nothing(self, signed_in, patient):
        data = {
            "client_id": str(uuid.uuid4()),
            "started_at": (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "severity": "5",
            "locations": [f"{term('location', 'calf').pk}:left"],
            "notes": "first",
        }
        signed_in.post(NEW_URL, data)
        signed_in.post(NEW_URL, {**data, "notes": "second"})
        assert Episode.objects.get().notes == "first"

    def test_the_quick_log_accepts_an_exact_moment_with_its_offset(self, signed_in, patient):
        started = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=42)
        data = {"client_id": str(uuid.uuid4()), "severity": "3", "started_at": started.isoformat()}
        signed_in.post(QUICK_URL, data)
        assert Episode.objects.get().started_at == started


class TestService:
    def details(self, **changes) -> EpisodeDetails:
        fields = {
            "started_at": timezone.now() - dt.timedelta(hours=1),
            "severity": 5,
            "locations": [LocationChoice(location=term("location", "calf"), side=Side.LEFT)],
            "triggers": [term("trigger", "cold")],
        }
        fields.update(changes)
        return EpisodeDetails(**fields)

    def test_the_same_details_under_the_same_id_return_the_first_episode(self, patient):
        client_id, details = uuid.uuid4(), self.details()
        first, created = episode_create(patient=patient, created_by=patient, client_id=client_id, details=details)
        again, created_again = episode_create(patient=patient, created_by=patient, client_id=client_id, details=details)
        assert (created, created_again) == (True, False)
        assert again == first

    @pytest.mark.parametrize("change", [{"severity": 6}, {"triggers": []}, {"notes": "more"}, {"locations": []}])
    def test_other_details_under_the_same_id_raise_and_change_nothing(self, patient, change):
        client_id = uuid.uuid4()
        first, _ = episode_create(patient=patient, created_by=patient, client_id=client_id, details=self.details())
        with pytest.raises(ClientIdReused) as raised:
            episode_create(patient=patient, created_by=patient, client_id=client_id, details=self.details(**change))
        assert raised.value.episode == first
        first.refresh_from_db()
        assert (first.severity, first.notes, len(first.triggers)) == (5, "", 1)

    def test_a_quick_log_without_a_time_starts_when_it_is_stored_and_matches_any_time_when_resent(self, patient):
        client_id = uuid.uuid4()
        before = timezone.now()
        episode, _ = episode_create(
            patient=patient,
            created_by=patient,
            client_id=client_id,
            details=EpisodeDetails(started_at=None, severity=4),
        )
        assert before <= episode.started_at <= timezone.now()
        again, created = episode_create(
            patient=patient,
            created_by=patient,
            client_id=client_id,
            details=EpisodeDetails(started_at=None, severity=4),
        )
        assert (again, created) == (episode, False)

    def test_the_same_id_for_two_patients_is_two_cramps(self, patient, other_patient):
        client_id = uuid.uuid4()
        episode_create(patient=patient, created_by=patient, client_id=client_id, details=self.details())
        theirs, created = episode_create(
            patient=other_patient, created_by=other_patient, client_id=client_id, details=self.details(severity=1)
        )
        assert created
        assert Episode.objects.get(patient=patient).severity == 5
        assert theirs.severity == 1


def test_a_new_patient_can_sync_from_a_fresh_account(client):
    """A patient who joined a minute ago can still send a cramp logged just before the connection came back."""
    patient = PatientFactory()
    client.force_login(patient)
    assert (
        send(client, offline_entry(patient, started_at=exact(timezone.now() - dt.timedelta(minutes=1)))).status_code
        == 201
    )
