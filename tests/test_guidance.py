import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from education.content import load_pages
from education.guidance import MAX_PAGES, Noted, guidance_for
from education.models import GuidanceLink, Page
from tracker.guidance import guidance_for_episode
from tracker.models import Episode, Medication, PatientCondition
from tracker.red_flags import red_flags_for
from tracker.selectors import trend
from tracker.services import EpisodeDetails, LocationChoice, episode_create, profile_for

from .factories import EpisodeFactory, PatientFactory, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(db):
    load_pages()


def page(slug, title=None, **links):
    created = Page.objects.create(
        slug=slug, title=title or slug.title(), kind="topic", summary="s", body="b", reviewed_on=dt.date(2026, 1, 1)
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
        # session, user, episode with activity, its locations, its tags, clinician notes,
        # conditions, medicines, guidance links with pages
        with django_assert_num_queries(9):
            client.get(reverse("tracker:episode_detail", args=[episode.uuid]))


class TestRedFlags:
    @pytest.mark.parametrize("symptom", ["weakness", "muscle-wasting", "twitching", "numbness-tingling"])
    def test_each_red_flag_symptom_raises_a_warning(self, symptom):
        episode = log(PatientFactory(), locations=["calf"], symptoms=[symptom])
        flags = red_flags_for(episode)
        assert len(flags.reasons) == 1
        assert not flags.urgent

    def test_swelling_and_redness_of_the_calf_adds_the_urgent_line(self):
        flags = red_flags_for(log(PatientFactory(), locations=["calf"], symptoms=["swelling-redness"]))
        assert flags.urgent
        assert flags.reasons == ["Swelling or redness"]

    def test_swelling_of_the_neck_is_a_warning_but_not_a_clot_sign(self):
        flags = red_flags_for(log(PatientFactory(), locations=["neck"], symptoms=["swelling-redness"]))
        assert flags
        assert not flags.urgent

    @pytest.mark.parametrize(
        ("severity", "duration", "flagged"),
        [(8, 601, True), (10, 3600, True), (8, 600, False), (7, 3600, False), (9, None, False)],
    )
    def test_a_severe_long_cramp_raises_a_warning(self, severity, duration, flagged):
        flags = red_flags_for(log(PatientFactory(), severity=severity, duration=duration, locations=["calf"]))
        assert bool(flags) is flagged

    def test_an_ordinary_cramp_raises_no_warning(self):
        flags = red_flags_for(
            log(PatientFactory(), locations=["calf"], triggers=["cold"], symptoms=["soreness-afterwards"])
        )
        assert not flags

    def test_the_detail_page_shows_the_warning_in_words_with_a_link(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"], symptoms=["twitching", "swelling-redness"])
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Warning signs: talk to a clinician soon" in html
        assert "Twitching under the skin" in html
        assert "blood clot" in html
        assert 'href="/learn/when-to-see-a-clinician/"' in html

    def test_a_plain_entry_shows_no_warning(self, client, pages):
        patient = PatientFactory()
        episode = log(patient, locations=["calf"])
        client.force_login(patient)
        html = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert "Warning signs" not in html


class TestRisingCramps:
    def spread(self, patient, recent, previous):
        now = timezone.now()
        for index in range(recent):
            EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=1 + index % 13, hours=index))
        for index in range(previous):
            EpisodeFactory(patient=patient, started_at=now - dt.timedelta(days=15 + index % 13, hours=index))

    @pytest.mark.parametrize(
        ("recent", "previous", "rising"),
        [(4, 2, True), (4, 0, True), (6, 3, True), (3, 0, False), (5, 3, False), (0, 0, False)],
    )
    def test_twice_as_many_in_the_last_14_days_with_at_least_four(self, recent, previous, rising):
        patient = PatientFactory()
        self.spread(patient, recent, previous)
        _, rise = trend(patient)
        assert (rise is not None) is rising

    def test_the_dashboard_shows_the_warning_when_cramps_rise(self, client):
        patient = PatientFactory()
        self.spread(patient, 6, 2)
        client.force_login(patient)
        html = client.get(reverse("tracker:dashboard")).content.decode()
        assert "Your cramps are becoming more frequent" in html
        assert 'href="/learn/when-to-see-a-clinician/"' in html
