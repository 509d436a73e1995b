import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from education.content import load_pages, shipped_pages
from education.guidance import MAX_PAGES, STANDING, Noted, guidance_for
from education.models import GuidanceLink, Page
from tracker.diary.guidance import guidance_for_episode
from tracker.diary.services import EpisodeDetails, LocationChoice, episode_create, profile_for
from tracker.models import Episode, Medication, PatientCondition

from .factories import PatientFactory, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(db):
    load_pages()


def page(slug, title=None, kind="topic", **links):
    created = Page.objects.create(
        slug=slug, title=title or slug.title(), kind=kind, summary="s", body="b", written_on=dt.date(2026, 1, 1)
    )
    for kind, keys in links.items():
        for key in keys.split(","):
            GuidanceLink.objects.create(page=created, kind=kind, key=key)
    return created


def log(patient, severity=5, duration=None, locations=(), triggers=(), symptoms=(), relief=(), **extra):
    details = EpisodeDetails(
        started_at=timezone.now() - dt.timedelta(hours=1),
        severity=severity,
        duration_seconds=duration,
        locations=[LocationChoice(location=term("location", slug), side="left") for slug in locations],
        triggers=[term("trigger", slug) for slug in triggers],
        symptoms=[term("symptom", slug) for slug in symptoms],
        relief_measures=[term("relief", slug) for slug in relief],
        **extra,
    )
    episode, _ = episode_create(patient=patient, created_by=patient, client_id=uuid.uuid4(), details=details)
    return Episode.objects.with_details().get(pk=episode.pk)


class TestRanking:
    def test_each_reason_type_links_a_page_with_its_reason(self):
        page("a", trigger="dehydration")
        page("b", condition="multiple-sclerosis")
        page("c", medicine="baclofen")
        page("d", pattern="woke-from-sleep")
        results = guidance_for(
            [
                Noted("trigger", "dehydration", "You noted: dehydration"),
                Noted("condition", "multiple-sclerosis", "Your condition: Multiple sclerosis"),
                Noted("medicine", "Baclofen 10", "You take: Baclofen 10"),
                Noted("pattern", "woke-from-sleep", "It woke you from sleep"),
            ]
        )
        reasons = {item.page.slug: item.reasons for item in results}
        assert reasons == {
            "a": ["You noted: dehydration"],
            "b": ["Your condition: Multiple sclerosis"],
            "c": ["You take: Baclofen 10"],
            "d": ["It woke you from sleep"],
        }

    def test_symptoms_rank_above_triggers_above_conditions_above_locations(self):
        page("where", location="calf")
        page("condition", condition="als-mnd")
        page("trigger", trigger="cold")
        page("symptom", symptom="weakness")
        noted = [
            Noted("location", "calf", "Where: calf"),
            Noted("condition", "als-mnd", "Your condition: ALS"),
            Noted("trigger", "cold", "You noted: cold"),
            Noted("symptom", "weakness", "You noted: weakness"),
        ]
        assert [item.page.slug for item in guidance_for(noted)] == ["symptom", "trigger", "condition", "where"]

    def test_a_page_with_several_reasons_appears_once_and_ranks_higher(self):
        page("both", trigger="cold,heat")
        page("one", trigger="dehydration")
        noted = [
            Noted("trigger", "cold", "You noted: cold"),
            Noted("trigger", "heat", "You noted: heat"),
            Noted("trigger", "dehydration", "You noted: dehydration"),
        ]
        results = guidance_for(noted)
        assert [item.page.slug for item in results] == ["both", "one"]
        assert results[0].reasons == ["You noted: cold", "You noted: heat"]

    def test_at_most_five_pages(self):
        for index in range(8):
            page(f"p{index}", trigger="cold")
        results = guidance_for([Noted("trigger", "cold", "You noted: cold")])
        assert len(results) == MAX_PAGES

    def test_medicine_links_match_whole_words_in_any_case(self):
        page("relaxants", medicine="baclofen")
        page("salt", medicine="potassium")
        assert [item.page.slug for item in guidance_for([Noted("medicine", "BACLOFEN pump", "x")])] == ["relaxants"]
        assert guidance_for([Noted("medicine", "baclofenol", "x")]) == []

    def test_unpublished_pages_are_never_suggested(self):
        hidden = page("hidden", trigger="cold")
        hidden.is_published = False
        hidden.save()
        assert guidance_for([Noted("trigger", "cold", "You noted: cold")]) == []

    def test_nothing_noted_means_no_query_and_no_pages(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert guidance_for([]) == []

    def test_the_page_on_a_diagnosed_condition_comes_before_weightier_reasons(self):
        page("yours", kind="condition", condition="diabetic-neuropathy")
        page("symptom", symptom="weakness")
        page("trigger", trigger="cold")
        noted = [
            Noted("symptom", "weakness", "You noted: weakness"),
            Noted("trigger", "cold", "You noted: cold"),
            Noted("condition", "diabetic-neuropathy", "Your condition: Diabetic neuropathy"),
        ]
        assert [item.page.slug for item in guidance_for(noted)] == ["yours", "symptom", "trigger"]

    def test_a_condition_page_reached_another_way_is_not_put_first(self):
        page("spine", kind="condition", location="back")
        page("symptom", symptom="weakness")
        noted = [Noted("location", "back", "Where: back"), Noted("symptom", "weakness", "You noted: weakness")]
        assert [item.page.slug for item in guidance_for(noted)] == ["symptom", "spine"]

    def test_for_the_same_reason_warning_signs_then_overview_then_other_pages_then_experimental_options(self):
        for slug in ["nmes", "a-usual-page", "treatments-overview", "when-to-see-a-clinician"]:
            page(slug, relief="nothing-helped")
        results = guidance_for([Noted("relief", "nothing-helped", "You noted: nothing helped")])
        assert [item.page.slug for item in results] == [
            "when-to-see-a-clinician",
            "treatments-overview",
            "a-usual-page",
            "nmes",
        ]

    def test_standing_never_outranks_a_weightier_reason(self):
        page("nmes", symptom="weakness")
        page("when-to-see-a-clinician", location="calf")
        noted = [Noted("symptom", "weakness", "You noted: weakness"), Noted("location", "calf", "Where: calf")]
        assert [item.page.slug for item in guidance_for(noted)] == ["nmes", "when-to-see-a-clinician"]

    def test_every_page_given_a_standing_is_shipped(self):
        assert set(STANDING) <= {shipped.slug for shipped in shipped_pages()}


class TestGuidanceForAnEntry:
    def test_an_entry_gets_pages_from_its_details_conditions_and_medicines(self, pages):
        patient = PatientFactory()
        PatientCondition.objects.create(profile=profile_for(patient), condition=term("condition", "multiple-sclerosis"))
        Medication.objects.create(patient=patient, name="Baclofen", started_on=dt.date(2026, 1, 1))
        episode = log(patient, locations=["calf"], triggers=["dehydration"])
        results = guidance_for_episode(episode, patient)
        reasons = {item.page.slug: item.reasons for item in results}
        assert reasons["hydration"] == ["You noted: dehydration"]
        assert reasons["multiple-sclerosis"] == ["Your condition: Multiple sclerosis"]
        assert reasons["muscle-relaxants"] == ["You take: Baclofen"]
        assert len(results) <= MAX_PAGES

    def test_a_medicine_stopped_before_the_entry_is_not_a_reason(self, pages):
        patient = PatientFactory()
        Medication.objects.create(
            patient=patient, name="Baclofen", started_on=dt.date(2025, 1, 1), stopped_on=dt.date(2025, 2, 1)
        )
        episode = log(patient)
        assert "muscle-relaxants" not in {item.page.slug for item in guidance_for_episode(episode, patient)}

    def test_the_detail_page_shows_guidance_with_reasons(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"], triggers=["dehydration"])
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Guidance for this entry" in html
        assert 'href="/learn/hydration/"' in html
        assert "You noted: dehydration" in html
        assert "<" not in html.split("<title>")[1].split("</title>")[0]

    @pytest.mark.parametrize("size", [1, 30])
    def test_the_detail_page_query_count_is_fixed(self, client, pages, django_assert_num_queries, size):
        patient = PatientFactory()
        for _ in range(size):
            Medication.objects.create(patient=patient, name="Baclofen")
        episode = log(patient, locations=["calf", "shin"], triggers=["dehydration", "cold"], symptoms=["weakness"])
        client.force_login(patient)
        # session, user, episode with activity, its locations, its tags, clinician notes; for its warning
        # signs and its guidance the patient's profile with diagnoses and their medicines (one statement); guidance
        # links with pages
        with django_assert_num_queries(8):
            client.get(reverse("tracker:episode_detail", args=[episode.uuid]))


def guidance_on_the_entry_page(client, patient, episode):
    """The ranked pages and their reasons, as the patient's own entry page shows them."""
    client.force_login(patient)
    response = client.get(reverse("tracker:episode_detail", args=[episode.uuid]))
    assert response.status_code == 200
    return [(item.page.slug, item.reasons) for item in response.context["guidance"]]


def diagnose(patient, condition):
    PatientCondition.objects.create(profile=profile_for(patient), condition=term("condition", condition))


class TestRankedForThisPatient:
    def test_a_diabetic_neuropathy_patient_who_ticks_weakness_sees_their_condition_first_and_no_als_page(
        self, client, pages
    ):
        patient = PatientFactory()
        diagnose(patient, "diabetic-neuropathy")
        episode = log(patient, locations=["calf"], symptoms=["weakness"])
        shown = guidance_on_the_entry_page(client, patient, episode)
        assert shown[0] == ("diabetic-neuropathy", ["Your condition: Diabetic neuropathy"])
        assert dict(shown)["when-to-see-a-clinician"] == ["You noted: weakness"]
        assert "als-and-motor-neuron-disease" not in dict(shown)

    def test_weakness_twitching_and_wasting_together_offer_the_als_page(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"], symptoms=["weakness", "twitching", "muscle-wasting"])
        reasons = dict(guidance_on_the_entry_page(client, patient, episode))
        assert reasons["als-and-motor-neuron-disease"] == ["You noted weakness, twitching and muscle wasting together"]
        assert sorted(reasons["when-to-see-a-clinician"]) == [
            "You noted: muscle wasting noticed",
            "You noted: weakness",
        ]

    @pytest.mark.parametrize(
        "symptoms", [["weakness"], ["muscle-wasting"], ["twitching"], ["weakness", "muscle-wasting"]], ids="+".join
    )
    def test_fewer_than_all_three_never_offer_the_als_page(self, pages, symptoms):
        patient = PatientFactory()
        pages_shown = {item.page.slug for item in guidance_for_episode(log(patient, symptoms=symptoms), patient)}
        assert "als-and-motor-neuron-disease" not in pages_shown

    def test_weakness_alone_links_the_warning_signs_page(self, pages):
        patient = PatientFactory()
        results = guidance_for_episode(log(patient, symptoms=["weakness"]), patient)
        assert [(item.page.slug, item.reasons) for item in results] == [
            ("when-to-see-a-clinician", ["You noted: weakness"])
        ]

    def test_an_als_mnd_diagnosis_offers_the_als_page_first_whatever_the_entry_notes(self, client, pages):
        patient = PatientFactory()
        diagnose(patient, "als-mnd")
        episode = log(patient, locations=["calf"], triggers=["dehydration"], symptoms=["weakness"])
        shown = guidance_on_the_entry_page(client, patient, episode)
        assert shown[0] == ("als-and-motor-neuron-disease", ["Your condition: ALS or another motor neuron disease"])
        assert dict(shown)["hydration"] == ["You noted: dehydration"]

    def test_an_entry_that_woke_the_patient_links_night_cramps(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"], woke_from_sleep=True)
        assert dict(guidance_on_the_entry_page(client, patient, episode))["night-cramps"] == ["It woke you from sleep"]

    @pytest.mark.parametrize("woke", [False, None], ids=["no", "unknown"])
    def test_an_entry_not_known_to_have_woken_the_patient_does_not_link_night_cramps(self, pages, woke):
        patient = PatientFactory()
        episode = log(patient)
        episode.woke_from_sleep = woke
        assert "night-cramps" not in {item.page.slug for item in guidance_for_episode(episode, patient)}

    @pytest.mark.parametrize(("trigger", "reason"), [("dehydration", "dehydration"), ("heat", "heat")])
    def test_dehydration_or_heat_links_hydration(self, client, pages, trigger, reason):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"], triggers=[trigger])
        assert dict(guidance_on_the_entry_page(client, patient, episode))["hydration"] == [f"You noted: {reason}"]

    def test_nothing_helped_lists_the_overview_and_the_warning_signs_before_nmes(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, relief=["nothing-helped"])
        assert guidance_on_the_entry_page(client, patient, episode) == [
            ("when-to-see-a-clinician", ["You noted: nothing helped"]),
            ("treatments-overview", ["You noted: nothing helped"]),
            ("nmes", ["You noted: nothing helped"]),
        ]

    def test_the_entry_page_shows_each_page_in_rank_order_with_its_reasons(self, client, pages):
        patient = PatientFactory()
        diagnose(patient, "diabetic-neuropathy")
        episode = log(patient, relief=["nothing-helped"], woke_from_sleep=True)
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        box = html.split('id="guidance-heading"')[1].split("</section>")[0]
        shown = [
            (re.search(r'href="/learn/([a-z-]+)/"', item)[1], re.search(r'text-body-secondary">([^<]*)<', item)[1])
            for item in box.split("<li")[1:]
        ]
        # Five at most: the experimental option is the one left out.
        assert shown == [
            ("diabetic-neuropathy", "Your condition: Diabetic neuropathy"),
            ("night-cramps", "It woke you from sleep"),
            ("preventing-cramps-nerve-health", "Your condition: Diabetic neuropathy"),
            ("when-to-see-a-clinician", "You noted: nothing helped"),
            ("treatments-overview", "You noted: nothing helped"),
        ]
