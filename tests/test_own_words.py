"""A patient's own words: triggers, relief measures and body places of their own, kept private to them and to
those they share their diary with, offered when they log, carried by their exports, and never read by the warning
signs."""

import datetime as dt
import io
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracker.diary.account_deletion import patient_account_delete
from tracker.diary.guidance import noted_in
from tracker.diary.services import MAX_OWN_WORDS, EpisodeDetails, LocationChoice, episode_create
from tracker.models import OWN_WORDS_SORT_ORDER, Episode, Side, Term
from tracker.warnings import contexts_for

from .factories import CaregiverFactory, grant_access, grant_care, own_word, term
from .test_portability import cramp_row, csv_upload, import_file

pytestmark = pytest.mark.django_db

WORDS_URL = reverse("tracker:own_words")
NEW_URL = reverse("tracker:episode_new")


def edit_url(word: Term) -> str:
    return reverse("tracker:own_word_edit", args=[word.pk])


def retire_url(word: Term) -> str:
    return reverse("tracker:own_word_retire", args=[word.pk])


def log(patient, **details) -> Episode:
    """A cramp logged through the service, two hours ago unless said otherwise."""
    values = {"started_at": timezone.now() - dt.timedelta(hours=2), "severity": 5, **details}
    episode, _ = episode_create(
        patient=patient, created_by=patient, client_id=uuid.uuid4(), details=EpisodeDetails(**values)
    )
    return episode


def full_entry(**overrides) -> dict:
    """The full form's answers: a cramp in the left calf, with a trigger and a relief measure of ours."""
    data = {
        "client_id": str(uuid.uuid4()),
        "started_at": (timezone.now() - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "severity": "6",
        "locations": [f"{term('location', 'calf').pk}:left"],
        "triggers": [str(term("trigger", "cold").pk)],
        "relief_measures": [str(term("relief", "stretching").pk)],
    }
    data.update(overrides)
    return data


@pytest.fixture
def words(patient):
    """The patient's own trigger, relief measure and body place."""
    return {
        "trigger": own_word(patient, "trigger", "Long drive"),
        "relief": own_word(patient, "relief", "Hot water bottle"),
        "location": own_word(patient, "location", "Jaw"),
    }


class TestTheModel:
    def test_an_own_word_may_be_a_trigger_relief_or_place_only(self, patient):
        word = Term(owner=patient, kind="symptom", slug="buzzing", label="Buzzing")
        with pytest.raises(ValidationError) as refused:
            word.full_clean()
        assert "Your own words can be triggers, relief measures or body places." in refused.value.messages
        with pytest.raises(IntegrityError), transaction.atomic():
            Term.objects.create(owner=patient, kind="symptom", slug="buzzing", label="Buzzing")

    def test_a_shared_item_may_be_of_any_kind(self):
        Term(kind="symptom", slug="buzzing", label="Buzzing").full_clean()

    def test_a_patient_has_each_word_once_per_list(self, patient):
        own_word(patient, "trigger", "Long drive")
        twice = Term(owner=patient, kind="trigger", slug="long-drive", label="Long drive")
        with pytest.raises(ValidationError) as refused:
            twice.full_clean()
        assert "You have this word already." in refused.value.messages
        with pytest.raises(IntegrityError), transaction.atomic():
            Term.objects.create(owner=patient, kind="trigger", slug="long-drive", label="Long drive")

    def test_the_same_word_may_be_in_another_list_or_another_patients(self, patient, other_patient):
        own_word(patient, "trigger", "Garden")
        own_word(patient, "location", "Garden")
        own_word(other_patient, "trigger", "Garden")
        assert Term.objects.filter(slug="garden").count() == 3

    def test_shared_items_keep_one_slug_per_list(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Term.objects.create(kind="location", slug="calf", label="Another calf")

    def test_an_own_word_may_share_a_slug_with_an_item_of_ours_in_the_database(self, patient):
        """The page refuses it (below); the database needs not to, and the warning signs are safe either way."""
        Term.objects.create(owner=patient, kind="location", slug="calf", label="calf!")

    def test_own_words_come_after_ours(self, words):
        assert {word.sort_order for word in words.values()} == {OWN_WORDS_SORT_ORDER}
        assert max(Term.objects.shared().values_list("sort_order", flat=True)) < OWN_WORDS_SORT_ORDER


class TestTheWordsPage:
    def test_the_profile_leads_to_it(self, client, patient):
        client.force_login(patient)
        assert f'href="{WORDS_URL}"' in client.get(reverse("tracker:profile")).content.decode()

    def test_a_patient_adds_a_word_and_sees_it_listed(self, client, patient):
        client.force_login(patient)
        response = client.post(WORDS_URL, {"kind": "trigger", "label": "  Long   drive "}, follow=True)
        word = Term.objects.get(owner=patient)
        assert (word.kind, word.label, word.slug, word.is_active) == ("trigger", "Long drive", "long-drive", True)
        html = response.content.decode()
        assert "“Long drive” is added to your triggers, after ours." in html
        assert "Long drive" in html.split("Your triggers")[1]
        assert "You have 1 of the 50 words you can keep" in html

    def test_a_word_in_another_script_is_kept_as_written(self, client, patient):
        client.force_login(patient)
        client.post(WORDS_URL, {"kind": "location", "label": "Икра"})
        word = Term.objects.get(owner=patient)
        assert (word.label, word.slug) == ("Икра", "икра")

    def test_words_that_differ_only_in_a_vowel_sign_are_two_words_with_two_keys(self, client, patient):
        client.force_login(patient)
        for label in ("काम", "कम", "किम"):  # work, less, and a third word
            response = client.post(WORDS_URL, {"kind": "trigger", "label": label})
            assert response.status_code == 302, response.context["form"].errors
        slugs = Term.objects.owned_by(patient).values_list("slug", flat=True)
        assert len(set(slugs)) == 3
        assert client.post(WORDS_URL, {"kind": "trigger", "label": "काम!"}).context["form"].errors["label"] == [
            "You have “काम” already."
        ]

    def test_invisible_characters_that_would_reorder_the_page_are_left_out(self, client, patient):
        client.force_login(patient)
        client.post(WORDS_URL, {"kind": "trigger", "label": "\u202eLong\tdrive\u2066"})
        assert Term.objects.get(owner=patient).label == "Long drive"

    def test_coming_from_the_cramp_form_it_goes_back_there(self, client, patient):
        client.force_login(patient)
        page = client.get(NEW_URL).content.decode()
        link = f"{WORDS_URL}?kind=trigger&amp;next=/episodes/new/"
        assert link in page
        html = client.get(f"{WORDS_URL}?kind=trigger&next=/episodes/new/").content.decode()
        assert 'value="trigger" class="btn-check" id="id_kind_0" required checked' in html
        assert 'href="/episodes/new/"' in html
        response = client.post(f"{WORDS_URL}?next=/episodes/new/", {"kind": "trigger", "label": "Long drive"})
        assert response["Location"] == NEW_URL

    @pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
    def test_it_goes_back_only_to_a_page_of_ours(self, client, patient, next_url):
        client.force_login(patient)
        response = client.post(f"{WORDS_URL}?next={next_url}", {"kind": "trigger", "label": "Long drive"})
        assert response["Location"] == WORDS_URL

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"kind": "trigger", "label": "   "}, "label", "Type the word you want to add."),
            ({"kind": "trigger", "label": "x" * 41}, "label", "Keep it to 40 characters or fewer (this has 41)."),
            ({"kind": "trigger", "label": "!?!"}, "label", "Use at least one letter or digit."),
            ({"kind": "location", "label": "calf"}, "label", "“Calf” is in the list of body places already"),
            ({"kind": "location", "label": "Calf!"}, "label", "“Calf” is in the list of body places already"),
            ({"kind": "trigger", "label": "COLD"}, "label", "“Cold” is in the list of triggers already"),
            ({"kind": "trigger", "label": "long DRIVE"}, "label", "You have “Long drive” already."),
            ({"kind": "trigger", "label": "Longdrive"}, "label", "You have “Long drive” already."),
            ({"kind": "trigger", "label": "long_drive"}, "label", "You have “Long drive” already."),
            ({"kind": "trigger", "label": "Long\u200bdrive"}, "label", "You have “Long drive” already."),
            ({"kind": "location", "label": "C.A.L.F."}, "label", "“Calf” is in the list of body places already"),
            ({"kind": "relief", "label": "Ice; then heat"}, "label", "Leave out “;”: it separates the words"),
            ({"kind": "symptom", "label": "Buzzing"}, "kind", "Choose a trigger, a relief measure or a body place."),
            ({"label": "Buzzing"}, "kind", "Choose a trigger, a relief measure or a body place."),
        ],
    )
    def test_a_mistake_is_named_next_to_its_field_and_the_typing_is_kept(self, client, patient, data, field, message):
        own_word(patient, "trigger", "Long drive")
        client.force_login(patient)
        response = client.post(WORDS_URL, data)
        assert response.status_code == 200
        assert response.context["form"].errors[field][0].startswith(message)
        html = response.content.decode()
        assert f'id="id_{field}_errors"' in html or f'id="error_1_id_{field}"' in html
        if data["label"].strip():
            assert f'value="{data["label"]}"' in html
        assert Term.objects.owned_by(patient).count() == 1

    def test_a_retired_word_is_named_as_such_when_added_again(self, client, patient):
        word = own_word(patient, "relief", "Hot water bottle")
        client.force_login(patient)
        client.post(retire_url(word), {"active": "no"})
        response = client.post(WORDS_URL, {"kind": "relief", "label": "hot water bottle"})
        assert response.context["form"].errors["label"] == [
            "You have “Hot water bottle” already, retired: bring it back below."
        ]

    def test_a_patient_keeps_at_most_fifty_words(self, client, patient):
        for number in range(MAX_OWN_WORDS):
            own_word(patient, "trigger", f"Trigger {number}")
        client.force_login(patient)
        response = client.post(WORDS_URL, {"kind": "relief", "label": "Hot water bottle"})
        assert response.context["form"].non_field_errors() == [
            "You have 50 words of your own, and can keep at most 50. Rename one you no longer use instead."
        ]
        assert 'value="Hot water bottle"' in response.content.decode()
        assert Term.objects.owned_by(patient).count() == MAX_OWN_WORDS

    def test_a_word_is_renamed_on_every_entry(self, client, patient, words):
        episode = log(patient, triggers=[words["trigger"]])
        client.force_login(patient)
        response = client.post(edit_url(words["trigger"]), {"label": "Long car drive"})
        assert response["Location"] == WORDS_URL
        detail = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Long car drive" in detail

    def test_a_rename_is_checked_as_an_addition_is(self, client, patient, words):
        client.force_login(patient)
        response = client.post(edit_url(words["trigger"]), {"label": "Hot water bottle"})
        assert response.status_code == 302  # another list: allowed
        response = client.post(edit_url(words["relief"]), {"label": "Massage"})
        assert response.context["form"].errors["label"][0].startswith("“Massage” is in the list of relief")
        assert 'value="Massage"' in response.content.decode()
        response = client.post(edit_url(words["relief"]), {"label": "hot water BOTTLE"})
        assert response.status_code == 302  # its own wording, recased
        assert Term.objects.get(pk=words["relief"].pk).label == "hot water BOTTLE"

    def test_a_retired_word_stays_on_its_entries_and_is_no_longer_offered(self, client, patient, words):
        episode = log(patient, triggers=[words["trigger"]])
        client.force_login(patient)
        client.post(retire_url(words["trigger"]), {"active": "no"})
        assert not Term.objects.get(pk=words["trigger"].pk).is_active
        assert words["trigger"] not in client.get(NEW_URL).context["form"].fields["triggers"].queryset
        assert "Long drive" in client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        # Changing the entry keeps it: it is offered there, ticked.
        edit = client.get(reverse("tracker:episode_edit", args=[episode.uuid]))
        assert words["trigger"] in edit.context["form"].fields["triggers"].queryset
        client.post(retire_url(words["trigger"]), {"active": "yes"})
        assert words["trigger"] in client.get(NEW_URL).context["form"].fields["triggers"].queryset


class TestWhoMayUseTheWordsPage:
    def test_anonymous_visitors_are_sent_to_log_in(self, client, words):
        for url in (WORDS_URL, edit_url(words["trigger"])):
            assert client.get(url)["Location"].startswith(reverse("account_login"))
        assert client.post(retire_url(words["trigger"]), {"active": "no"})["Location"].startswith(
            reverse("account_login")
        )

    @pytest.mark.parametrize("who", ["clinician", "staff", "caregiver"])
    def test_other_roles_are_refused(self, client, request, patient, words, who):
        user = CaregiverFactory() if who == "caregiver" else request.getfixturevalue(who)
        if who == "clinician":
            grant_access(patient, user)
        if who == "caregiver":
            grant_care(patient, user)
        client.force_login(user)
        assert client.get(WORDS_URL).status_code == 403
        assert client.post(WORDS_URL, {"kind": "trigger", "label": "Mine"}).status_code == 403
        assert client.get(edit_url(words["trigger"])).status_code == 403
        assert client.post(retire_url(words["trigger"]), {"active": "no"}).status_code == 403
        assert Term.objects.get(pk=words["trigger"].pk).is_active

    def test_another_patients_word_is_not_found(self, client, other_patient, words):
        client.force_login(other_patient)
        assert client.get(edit_url(words["trigger"])).status_code == 404
        assert client.post(edit_url(words["trigger"]), {"label": "Mine now"}).status_code == 404
        assert client.post(retire_url(words["trigger"]), {"active": "no"}).status_code == 404
        word = Term.objects.get(pk=words["trigger"].pk)
        assert (word.label, word.is_active) == ("Long drive", True)

    def test_an_item_of_ours_is_not_found(self, client, patient):
        client.force_login(patient)
        assert client.get(edit_url(term("trigger", "cold"))).status_code == 404
        assert client.get(reverse("tracker:own_word_edit", args=[10**12])).status_code == 404

    def test_a_post_without_the_csrf_token_is_refused(self, patient):
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient)
        assert client.post(WORDS_URL, {"kind": "trigger", "label": "Long drive"}).status_code == 403
        assert not Term.objects.owned_by(patient).exists()


class TestLogging:
    def test_the_full_form_offers_ours_then_the_patients_own(self, client, patient, words):
        client.force_login(patient)
        form = client.get(NEW_URL).context["form"]
        for name, kind in (("triggers", "trigger"), ("relief_measures", "relief")):
            offered = list(form.fields[name].queryset)
            assert offered[-1] == words[kind]
            assert all(not item.is_own for item in offered[:-1])
        places = list(form.fields["locations"].terms.values())
        assert places[-1] == words["location"]
        assert form.location_rows()[-1][0] == "Jaw"

    def test_a_cramp_is_logged_with_the_patients_own_words(self, client, patient, words):
        client.force_login(patient)
        entry = full_entry(
            locations=[f"{words['location'].pk}:left", f"{words['location'].pk}:right"],
            triggers=[str(words["trigger"].pk)],
            relief_measures=[str(words["relief"].pk), str(term("relief", "stretching").pk)],
        )
        response = client.post(NEW_URL, entry)
        episode = Episode.objects.get(patient=patient)
        assert [place.label for place in episode.places] == ["Jaw (both sides)"]
        assert episode.triggers == [words["trigger"]]
        assert {term.label for term in episode.relief_measures} == {"Hot water bottle", "Stretching"}
        detail = client.get(response["Location"]).content.decode()
        for label in ("Jaw (both sides)", "Long drive", "Hot water bottle"):
            assert label in detail

    def test_the_tally_offers_the_patients_own_places_and_keeps_a_retired_one(self, client, patient, words):
        client.force_login(patient)
        places = list(client.get(reverse("tracker:tally_new")).context["form"].fields["locations"].terms.values())
        assert places[-1] == words["location"]
        tally = log(
            patient,
            started_at=None,
            entry_type="night",
            cramp_count=3,
            tally_date=patient.today() - dt.timedelta(days=1),
            locations=[LocationChoice(location=words["location"], side=Side.LEFT)],
        )
        words["location"].is_active = False
        words["location"].save(update_fields=["is_active"])
        edit = client.get(reverse("tracker:episode_edit", args=[tally.uuid])).context["form"]
        assert words["location"] in edit.fields["locations"].terms.values()
        assert (
            words["location"]
            not in client.get(reverse("tracker:tally_new")).context["form"].fields["locations"].terms.values()
        )

    def test_an_own_place_is_a_checkbox_but_has_no_spot_on_the_body_map(self, client, patient, words):
        client.force_login(patient)
        response = client.get(NEW_URL)
        regions = [region.value for view in response.context["form"].body_pick() for region in view.regions]
        calf = term("location", "calf")
        assert f"{calf.pk}:left" in regions
        assert not any(value.startswith(f"{words['location'].pk}:") for value in regions)
        html = response.content.decode()
        assert f'value="{words["location"].pk}:left"' in html
        assert f'data-value="{calf.pk}:left"' in html

    def test_an_own_word_named_as_a_place_on_the_map_gets_no_spot(self, client, patient):
        calf_lookalike = Term.objects.create(owner=patient, kind="location", slug="calf", label="calf!")
        client.force_login(patient)
        regions = [region.value for view in client.get(NEW_URL).context["form"].body_pick() for region in view.regions]
        assert not any(value.startswith(f"{calf_lookalike.pk}:") for value in regions)

    def test_another_patients_words_cannot_be_posted(self, client, other_patient, words):
        client.force_login(other_patient)
        entry = full_entry(locations=[f"{words['location'].pk}:left"], triggers=[str(words["trigger"].pk)])
        response = client.post(NEW_URL, entry)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors["locations"] == ["Choose a place from the list."]
        assert "triggers" in errors
        response = client.post(NEW_URL, full_entry(relief_measures=[str(words["relief"].pk)]))
        assert "relief_measures" in response.context["form"].errors
        assert not Episode.objects.filter(patient=other_patient).exists()

    def test_the_service_refuses_another_patients_words(self, other_patient, words):
        for details in (
            {"triggers": [words["trigger"]]},
            {"relief_measures": [words["relief"]]},
            {"locations": [LocationChoice(location=words["location"], side=Side.LEFT)]},
        ):
            with pytest.raises(ValidationError) as refused:
                log(other_patient, **details)
            assert refused.value.messages == ["Choose from the list."]
        assert not Episode.objects.filter(patient=other_patient).exists()

    def test_a_caregiver_logging_for_the_patient_is_offered_their_words(self, client, patient, words):
        caregiver = CaregiverFactory()
        grant_care(patient, caregiver)
        client.force_login(caregiver)
        html = client.get(reverse("tracker:care_episode_new", args=[patient.pk])).content.decode()
        assert "Long drive" in html
        assert WORDS_URL not in html  # the page to add words is the patient's

    @pytest.mark.parametrize("own_words", [0, 12])
    def test_the_full_form_costs_the_same_queries_with_own_words(
        self, client, patient, django_assert_num_queries, own_words
    ):
        for number in range(own_words):
            own_word(patient, ("trigger", "relief", "location")[number % 3], f"Word {number}")
        client.force_login(patient)
        # session, user, the form's five vocabularies (ours and the patient's own words in one query each)
        with django_assert_num_queries(7):
            response = client.get(NEW_URL)
        assert response.status_code == 200

    def test_logging_with_own_words_costs_the_same_queries(self, client, patient, words, django_assert_num_queries):
        client.force_login(patient)
        entry = full_entry(
            locations=[f"{words['location'].pk}:left"],
            triggers=[str(words["trigger"].pk)],
            relief_measures=[str(words["relief"].pk)],
            activity=str(term("activity", "asleep").pk),
            symptoms=[str(term("symptom", "twitching").pk)],
        )
        # As tests/test_episodes.py counts a cramp logged with our words only: session, user, the form's five
        # vocabularies; is the id used, a tally of that night, the insert, its places, its tags, the day's
        # check-in (two statements), the clinic summary's new version, and the savepoints around them.
        with django_assert_num_queries(19):
            response = client.post(NEW_URL, entry)
        assert response.status_code == 302

    def test_the_quick_log_offers_the_patients_own_places_last_and_refuses_anothers(
        self, client, patient, other_patient, words
    ):
        client.force_login(patient)
        dashboard = client.get(reverse("tracker:dashboard")).content.decode()
        options = re.findall(r'<option value="(\d+:\w+)">([^<]*)</option>', dashboard.split('name="location"')[1])
        jaw = words["location"].pk
        assert options[-3:] == [
            (f"{jaw}:left", "Jaw, left"),
            (f"{jaw}:right", "Jaw, right"),
            (f"{jaw}:both", "Jaw, both sides"),
        ]
        quick = reverse("tracker:episode_new") + "?mode=quick"
        client.post(
            quick, {"client_id": str(uuid.uuid4()), "severity": "5", "location": f"{words['location'].pk}:left"}
        )
        assert [place.label for place in Episode.objects.get(patient=patient).places] == ["Jaw (left)"]
        theirs = own_word(other_patient, "location", "Elbow")
        response = client.post(
            quick, {"client_id": str(uuid.uuid4()), "severity": "5", "location": f"{theirs.pk}:left"}
        )
        assert response.status_code == 200
        assert "Choose a place from the list." in response.content.decode()
        assert Episode.objects.filter(patient=patient).count() == 1


class TestPrivacy:
    def test_another_patient_never_sees_the_words(self, client, patient, other_patient, words):
        log(other_patient)
        client.force_login(other_patient)
        pages = [
            NEW_URL,
            reverse("tracker:episode_list"),
            reverse("tracker:insights"),
            WORDS_URL,
            reverse("tracker:dashboard"),
            reverse("tracker:export_download", args=["csv"]),
            reverse("tracker:export_download", args=["json"]),
            reverse("tracker:export_download", args=["fhir"]),
        ]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for word in words.values():
                assert word.label.encode() not in body, url

    def test_the_patient_filters_their_log_by_their_own_place(self, client, patient, words):
        jaw = log(patient, locations=[LocationChoice(location=words["location"], side=Side.LEFT)])
        log(patient, locations=[LocationChoice(location=term("location", "calf"), side=Side.LEFT)])
        client.force_login(patient)
        response = client.get(reverse("tracker:episode_list"), {"location": words["location"].pk})
        assert [entry.pk for entry in response.context["page"].object_list] == [jaw.pk]

    def test_another_patient_cannot_filter_by_the_place(self, client, other_patient, words):
        client.force_login(other_patient)
        response = client.get(reverse("tracker:episode_list"), {"location": words["location"].pk})
        assert "location" in response.context["filter_form"].errors

    def test_a_clinician_with_access_reads_the_words_on_the_patients_entries(self, client, patient, clinician, words):
        log(
            patient,
            locations=[LocationChoice(location=words["location"], side=Side.RIGHT)],
            triggers=[words["trigger"]],
            relief_measures=[words["relief"]],
        )
        grant_access(patient, clinician)
        client.force_login(clinician)
        for url in (
            reverse("tracker:patient_entries", args=[patient.pk]),
            reverse("tracker:report", args=[patient.pk]),
        ):
            html = client.get(url).content.decode()
            for label in ("Jaw (right)", "Long drive", "Hot water bottle"):
                assert label in html, (url, label)

    def test_a_clinician_without_access_sees_nothing(self, client, patient, clinician, words):
        client.force_login(clinician)
        assert client.get(reverse("tracker:patient_review", args=[patient.pk])).status_code == 404

    def test_the_patients_insights_count_their_own_trigger(self, client, patient, words):
        for hours in (2, 30, 60):
            log(patient, started_at=timezone.now() - dt.timedelta(hours=hours), triggers=[words["trigger"]])
        client.force_login(patient)
        assert "Long drive" in client.get(reverse("tracker:insights")).content.decode()


class TestWarningSigns:
    """An own word never raises or silences a warning sign, whatever it is called: an entry warns as it would
    without it."""

    def warning_keys(self, client, patient, **details) -> set[str]:
        episode = log(patient, **details)
        response = client.get(reverse("tracker:episode_detail", args=[episode.uuid]))
        warning = response.context["warning"]
        return {sign.key for sign in warning.signs} if warning else set()

    def test_an_own_trigger_named_as_a_sign_raises_none(self, client, patient):
        wound = Term.objects.create(owner=patient, kind="trigger", slug="dirty-wound", label="Dirty wound!")
        client.force_login(patient)
        assert self.warning_keys(client, patient, triggers=[wound]) == set()
        assert self.warning_keys(client, patient, triggers=[term("trigger", "dirty-wound")]) == {"tetanus"}

    def test_an_own_place_named_as_the_leg_raises_none(self, client, patient):
        calf = Term.objects.create(owner=patient, kind="location", slug="calf", label="calf!")
        hand = LocationChoice(location=term("location", "hand-fingers"), side=Side.LEFT)
        swelling = [term("symptom", "swelling-redness")]
        client.force_login(patient)
        assert self.warning_keys(client, patient, symptoms=swelling, locations=[hand]) == set()
        with_own = [hand, LocationChoice(location=calf, side=Side.LEFT)]
        assert self.warning_keys(client, patient, symptoms=swelling, locations=with_own) == set()

    def test_an_own_place_silences_no_sign(self, client, patient, words):
        swelling = [term("symptom", "swelling-redness")]
        jaw = LocationChoice(location=words["location"], side=Side.LEFT)
        calf = LocationChoice(location=term("location", "calf"), side=Side.LEFT)
        client.force_login(patient)
        # A place in the patient's own words is a place not recorded, which may be the leg.
        assert self.warning_keys(client, patient, symptoms=swelling) == {"clot"}
        assert self.warning_keys(client, patient, symptoms=swelling, locations=[jaw]) == {"clot"}
        assert self.warning_keys(client, patient, symptoms=swelling, locations=[calf, jaw]) == {"clot"}

    def test_the_painless_check_of_the_form_ignores_own_words(self, client, patient):
        wound = Term.objects.create(owner=patient, kind="trigger", slug="dirty-wound", label="Dirty wound!")
        client.force_login(patient)
        response = client.post(NEW_URL, full_entry(severity="0", triggers=[str(wound.pk)]))
        assert response.status_code == 302
        response = client.post(NEW_URL, full_entry(severity="0", triggers=[str(term("trigger", "dirty-wound").pk)]))
        assert response.context["form"].errors["severity"][0].startswith("You rated this 0 (no pain)")

    def test_an_own_word_links_no_guidance(self, patient):
        lookalike = Term.objects.create(owner=patient, kind="trigger", slug="dehydration", label="dehydration!")
        context = contexts_for([patient])[patient.pk]
        shared = noted_in(log(patient, triggers=[term("trigger", "dehydration")]), context)
        own = noted_in(log(patient, triggers=[lookalike]), context)
        assert ("trigger", "dehydration") in {(noted.kind, noted.key) for noted in shared}
        assert "trigger" not in {noted.kind for noted in own}


class TestPortability:
    @pytest.fixture
    def diary(self, patient, words):
        return log(
            patient,
            locations=[
                LocationChoice(location=words["location"], side=Side.BOTH),
                LocationChoice(location=term("location", "calf"), side=Side.LEFT),
            ],
            triggers=[words["trigger"], term("trigger", "cold")],
            relief_measures=[words["relief"]],
        )

    def download(self, client, export_format: str) -> bytes:
        response = client.get(reverse("tracker:export_download", args=[export_format]))
        return b"".join(response.streaming_content) if response.streaming else response.content

    def test_the_csv_writes_own_words_as_worded(self, client, patient, diary):
        client.force_login(patient)
        text = self.download(client, "csv").decode()
        assert "Calf (left); Jaw (both sides)" in text
        assert "Cold; Long drive" in text
        assert "Hot water bottle" in text

    def test_the_backup_marks_own_words(self, client, patient, diary):
        client.force_login(patient)
        [episode] = json.loads(self.download(client, "json"))["episodes"]
        assert {"slug": "long-drive", "label": "Long drive", "own": True} in episode["triggers"]
        assert {"slug": "cold", "label": "Cold"} in episode["triggers"]
        assert {"slug": "jaw", "label": "Jaw", "own": True, "side": "both"} in episode["locations"]

    def test_fhir_sends_an_own_place_as_text_only(self, client, patient):
        calf = Term.objects.create(owner=patient, kind="location", slug="calf", label="calf!")
        log(
            patient,
            locations=[LocationChoice(location=calf, side=Side.LEFT)],
            triggers=[own_word(patient, "trigger", "Long drive")],
        )
        client.force_login(patient)
        bundle = json.loads(self.download(client, "fhir"))
        [observation] = [
            entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Observation"
        ]
        assert observation["bodySite"]["text"] == "calf! (left)"
        assert "coding" not in observation["bodySite"]
        assert {"text": "Long drive"} in [
            part["valueCodeableConcept"] for part in observation["component"] if "valueCodeableConcept" in part
        ]

    def restore(self, client, content: bytes, name: str, **data):
        upload = {"file": io.BytesIO(content), **data}
        upload["file"].name = name
        return client.post(reverse("tracker:import"), upload)

    def test_a_backup_restored_into_another_account_makes_the_words_its_own(
        self, client, patient, other_patient, diary
    ):
        client.force_login(patient)
        content = self.download(client, "json")
        client.force_login(other_patient)
        response = self.restore(client, content, "record.json", record_is_mine="on")
        assert response.status_code in (200, 302)
        restored = Episode.objects.for_patient(other_patient).with_details().get()
        assert {place.label for place in restored.places} == {"Jaw (both sides)", "Calf (left)"}
        assert {term.label for term in restored.triggers} == {"Long drive", "Cold"}
        assert all(term.owner_id in (None, other_patient.pk) for term in restored.terms.all())
        assert sorted(Term.objects.owned_by(other_patient).values_list("kind", "label")) == [
            ("location", "Jaw"),
            ("relief", "Hot water bottle"),
            ("trigger", "Long drive"),
        ]
        # The first account's words are untouched, and a second restore adds nothing.
        assert Term.objects.owned_by(patient).count() == 3
        self.restore(client, content, "record.json", record_is_mine="on")
        assert Term.objects.owned_by(other_patient).count() == 3
        assert Episode.objects.for_patient(other_patient).count() == 1

    def test_a_backup_restored_into_its_own_account_reuses_the_words(self, client, patient, diary):
        client.force_login(patient)
        content = json.loads(self.download(client, "json"))
        content["episodes"][0]["id"] = str(uuid.uuid4())
        self.restore(client, json.dumps(content).encode(), "record.json")
        assert Episode.objects.for_patient(patient).count() == 2
        assert Term.objects.owned_by(patient).count() == 3

    def test_a_csv_imported_into_another_account_makes_the_words_its_own(self, client, patient, other_patient, diary):
        client.force_login(patient)
        content = self.download(client, "csv")
        client.force_login(other_patient)
        self.restore(client, content, "cramps.csv")
        restored = Episode.objects.for_patient(other_patient).with_details().get()
        assert {place.label for place in restored.places} == {"Jaw (both sides)", "Calf (left)"}
        assert {term.label for term in restored.relief_measures} == {"Hot water bottle"}
        assert Term.objects.owned_by(other_patient).count() == 3

    def test_an_import_finds_the_word_the_form_would_call_the_same(self, client, patient, words):
        client.force_login(patient)
        rows = [cramp_row(triggers="Longdrive"), cramp_row(triggers="long_drive", severity_0_10="6")]
        response = import_file(client, csv_upload(rows))
        assert "Nothing was imported." not in response.content.decode()
        assert Term.objects.owned_by(patient).filter(kind="trigger").count() == 1
        for episode in Episode.objects.for_patient(patient).with_details():
            assert [term.label for term in episode.triggers] == ["Long drive"]

    def test_an_import_that_would_pass_the_limit_is_refused_whole(self, client, patient, other_patient, diary):
        for number in range(MAX_OWN_WORDS - 1):
            own_word(other_patient, "trigger", f"Trigger {number}")
        client.force_login(patient)
        content = self.download(client, "csv")
        client.force_login(other_patient)
        response = self.restore(client, content, "cramps.csv")
        assert "more than the 50 you can keep" in response.content.decode()
        assert not Episode.objects.for_patient(other_patient).exists()
        assert Term.objects.owned_by(other_patient).count() == MAX_OWN_WORDS - 1


def test_deleting_the_account_deletes_the_words(patient, words):
    log(patient, triggers=[words["trigger"]], locations=[LocationChoice(location=words["location"], side=Side.LEFT)])
    patient_id = patient.pk
    deleted = patient_account_delete(patient=patient)
    assert deleted.own_words == 3
    assert not Term.objects.filter(owner_id=patient_id).exists()
    assert Term.objects.filter(slug="cold", owner__isnull=True).exists()
