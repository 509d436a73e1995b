"""What seems to matter (tracker.insights.factors): a trigger's cramps a day on the days with cramps it was noted
on against the other days with cramps, how often each relief measure was tried and eased, the thresholds and words of
tracker.insights.factor_rules; the same figures on /insights/ and in the visit report, for whoever may see them."""

import datetime as dt
import re
import zoneinfo
from xml.etree import ElementTree

import pytest
import textstat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker.insights.charts import factor_chart
from tracker.insights.factor_rules import MIN_DAYS_WITH, MIN_DAYS_WITHOUT, MIN_RATED_TRIES, NOT_ENOUGH_DAYS, RULES
from tracker.insights.factors import Factors, ReliefUse, TriggerComparison, factors_for
from tracker.insights.figures import insights_for
from tracker.models import CareGrant, CheckIn, EpisodeTerm, Term

from .factories import ClinicianFactory, EpisodeFactory, PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & "quoted"'


def log(patient, days_ago: int, *, hour: int = 10, triggers=(), relief=(), effect: str = "", kind: str = ""):
    """One cramp (or another kind of event) `days_ago` local days before today, with its triggers and relief."""
    day = patient.today() - dt.timedelta(days=days_ago)
    episode = EpisodeFactory(
        patient=patient,
        started_at=dt.datetime.combine(day, dt.time(hour), tzinfo=patient.zone),
        event_kind=kind,
        relief_effect=effect,
    )
    for slug in triggers:
        EpisodeTerm.objects.create(patient=patient, episode=episode, term=term(Term.Kind.TRIGGER, slug))
    for slug in relief:
        EpisodeTerm.objects.create(patient=patient, episode=episode, term=term(Term.Kind.RELIEF, slug))
    return episode


def cramp_free(patient, *days_ago: int) -> None:
    today = patient.today()
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, day=today - dt.timedelta(days=days), status=CheckIn.Status.NO_CRAMPS)
        for days in days_ago
    )


def factors_of(patient, days: int = 30) -> Factors:
    """What seems to matter from `days` local days ago to today."""
    today = patient.today()
    return factors_for(insights_for(patient, today - dt.timedelta(days=days), today, today))


def period(patient, days: int = 30) -> dict:
    today = patient.today()
    return {"start": (today - dt.timedelta(days=days)).isoformat(), "end": today.isoformat()}


@pytest.fixture
def diary(patient):
    """In the 30 days before today, in Chicago: "cold" noted on 5 days with 3 cramps each (on one cramp of
    the three), 6 other days with 1 cramp each, 4 days checked in as cramp-free, the rest not recorded.
    "Dehydration" on 4 of the cold days only. Twitches and spasms noting "cold" or "alcohol": on cold days, on 5
    of the other days with cramps, on a cramp-free day and on days not otherwise recorded. Stretching tried on
    5 of the other days, eased on 3 of its 5 rated tries; massage on 4 of them."""
    patient.time_zone = "America/Chicago"
    patient.save(update_fields=["time_zone"])
    for days_ago in (2, 4, 6, 8, 10):
        log(patient, days_ago, triggers=["cold"] + (["dehydration"] if days_ago != 10 else []))
        log(patient, days_ago, hour=14)
        log(patient, days_ago, hour=22)
        log(patient, days_ago, hour=15, kind="twitch", triggers=["cold"])
    for days_ago in (3, 5, 7, 9, 11, 13):
        log(patient, days_ago)
    cramp_free(patient, 12, 14, 15, 16)
    for days_ago in (3, 5, 7, 9, 11):
        log(patient, days_ago, hour=16, kind="spasm", triggers=["cold", "alcohol"])
    log(patient, 12, kind="twitch", triggers=["cold", "alcohol"])
    for days_ago in (17, 18, 19, 20, 21):
        log(patient, days_ago, kind="spasm", triggers=["cold", "alcohol"])
    effects = {3: "lot", 5: "complete", 7: "lot", 9: "none", 11: "little"}
    for days_ago, effect in effects.items():
        log(patient, days_ago, hour=8, relief=["stretching"], effect=effect)
    for days_ago in (3, 5, 7, 9):
        log(patient, days_ago, hour=9, relief=["massage"])
    return patient


# With stretching's and massage's cramps (one more cramp on each of the days 3, 5, 7, 9 and 11, and one more
# again on 3, 5, 7 and 9), the 6 other days hold 6 + 5 + 4 = 15 cramps.
COLD = TriggerComparison("Cold", days_with=5, cramps_with=15, days_without=6, cramps_without=15)


class TestTriggers:
    def test_a_trigger_on_days_with_more_cramps_shows_the_higher_rate_with_its_days(self, diary):
        factors = factors_of(diary)
        assert factors.triggers == [COLD]
        assert (COLD.rate_with, COLD.rate_without) == (3.0, 2.5)
        assert factors.cramp_days == 11

    def test_a_trigger_on_fewer_days_than_the_minimum_is_not_shown_but_counted_as_held_back(self, diary):
        factors = factors_of(diary)
        assert "Dehydration" not in [item.label for item in factors.triggers]
        assert factors.held_back_triggers == 1

    def test_days_not_recorded_are_never_days_without_it(self, diary):
        """A longer period adds only unrecorded days: the figures stay as they are."""
        assert factors_of(diary, days=30).triggers == factors_of(diary, days=120).triggers == [COLD]

    def test_a_day_checked_in_as_cramp_free_is_not_a_day_without_it(self, diary):
        cramp_free(diary, 22, 23, 24, 25, 26, 27)
        assert factors_of(diary).triggers == [COLD]

    def test_twitches_and_spasms_are_not_cramps_and_their_triggers_are_not_counted(self, diary):
        """The twitches that noted "cold" on cold days add no cramp, and the spasms that noted it on 5 other
        days with cramps make none of them a cold day; "alcohol", noted on twitches and spasms only, is no
        trigger of cramps at all."""
        factors = factors_of(diary)
        assert factors.triggers[0].cramps_with == 15
        assert "Alcohol" not in [item.label for item in factors.triggers]
        assert factors.held_back_triggers == 1

    @pytest.mark.parametrize(("days_with", "shown"), [(MIN_DAYS_WITH - 1, False), (MIN_DAYS_WITH, True)])
    def test_the_minimum_of_days_with_it(self, patient, days_with, shown):
        for days_ago in range(1, days_with + 1):
            log(patient, days_ago, triggers=["heat"])
        for days_ago in range(20, 20 + MIN_DAYS_WITHOUT):
            log(patient, days_ago)
        assert bool(factors_of(patient).triggers) is shown

    @pytest.mark.parametrize(("days_without", "shown"), [(MIN_DAYS_WITHOUT - 1, False), (MIN_DAYS_WITHOUT, True)])
    def test_the_minimum_of_days_without_it(self, patient, days_without, shown):
        for days_ago in range(1, MIN_DAYS_WITH + 1):
            log(patient, days_ago, triggers=["heat"])
        for days_ago in range(20, 20 + days_without):
            log(patient, days_ago)
        factors = factors_of(patient)
        assert bool(factors.triggers) is shown
        assert factors.held_back_triggers == (0 if shown else 1)

    def test_none_noticed_is_no_trigger(self, patient):
        for days_ago in range(1, 11):
            log(patient, days_ago, triggers=["none-noticed"] if days_ago % 2 else [])
        factors = factors_of(patient)
        assert (factors.triggers, factors.held_back_triggers) == ([], 0)

    def test_a_cramp_described_in_a_night_tally_notes_its_trigger_on_the_tally_s_day(self, patient):
        """A tally counts its cramps on the day its night begins; a cramp described as one of them at 02:00 the
        next morning brings its trigger to that day, not to the morning's (where it adds no cramp)."""
        today = patient.today()
        for days_ago in range(2, 2 + 2 * MIN_DAYS_WITH, 2):
            night = today - dt.timedelta(days=days_ago)
            tally = EpisodeFactory(
                patient=patient,
                started_at=dt.datetime.combine(night, dt.time(20), tzinfo=patient.zone),
                entry_type="night",
                tally_date=night,
                cramp_count=4,
                duration_seconds=None,
            )
            described = EpisodeFactory(
                patient=patient,
                started_at=dt.datetime.combine(night + dt.timedelta(days=1), dt.time(2), tzinfo=patient.zone),
                tally=tally,
            )
            EpisodeTerm.objects.create(patient=patient, episode=described, term=term(Term.Kind.TRIGGER, "cold"))
            log(patient, days_ago - 1, hour=15)
        assert factors_of(patient).triggers == [TriggerComparison("Cold", 5, 20, 5, 5)]

    def test_a_trigger_counts_on_the_day_of_the_zone_its_cramp_happened_in(self, patient):
        """Logged while away, at 08:00 in Tokyo (the evening before at home in Chicago), a cramp counts on the
        Tokyo day, and so does its trigger."""
        patient.time_zone = "America/Chicago"
        patient.save(update_fields=["time_zone"])
        tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
        for days_ago in range(2, 2 + 2 * MIN_DAYS_WITH, 2):
            day = patient.today() - dt.timedelta(days=days_ago)
            away = EpisodeFactory(
                patient=patient, time_zone="Asia/Tokyo", started_at=dt.datetime.combine(day, dt.time(8), tzinfo=tokyo)
            )
            EpisodeFactory(patient=patient, time_zone="Asia/Tokyo", started_at=away.started_at + dt.timedelta(hours=1))
            EpisodeTerm.objects.create(patient=patient, episode=away, term=term(Term.Kind.TRIGGER, "cold"))
            log(patient, days_ago - 1, hour=15)
        assert factors_of(patient).triggers == [TriggerComparison("Cold", 5, 10, 5, 5)]


class TestRelief:
    def test_relief_shows_how_often_it_was_tried_and_eased_not_a_rate_comparison(self, diary):
        stretching, *_ = factors_of(diary).relief
        assert stretching == ReliefUse("Stretching", days=5, cramp_days=11, tries=5, rated=5, eased=3)
        assert (stretching.day_share, stretching.eased_share) == (45, 60)

    def test_relief_tried_on_fewer_days_than_the_minimum_is_not_shown(self, diary):
        factors = factors_of(diary)
        assert [item.label for item in factors.relief] == ["Stretching"]
        assert factors.held_back_relief == 1

    @pytest.mark.parametrize(("rated", "share"), [(MIN_RATED_TRIES - 1, None), (MIN_RATED_TRIES, 100)])
    def test_how_often_it_eased_needs_the_minimum_of_answers(self, patient, rated, share):
        for days_ago in range(1, MIN_DAYS_WITH + 2):
            log(patient, days_ago, relief=["massage"], effect="complete" if days_ago <= rated else "")
        [massage] = factors_of(patient).relief
        assert (massage.rated, massage.eased_share) == (rated, share)


class TestRuleTable:
    WORDS = [rule.words for rule in RULES] + list(NOT_ENOUGH_DAYS.values())

    def test_every_rule_names_its_source(self):
        assert len({rule.key for rule in RULES}) == len(RULES)
        assert all(rule.source and rule.words for rule in RULES)
        assert {rule.about for rule in RULES} == {Term.Kind.TRIGGER, Term.Kind.RELIEF, ""}

    def test_each_rule_is_shown_with_the_figures_it_is_about_and_not_without_them(self, client, patient):
        client.force_login(patient)

        def shown() -> set[str]:
            html = section(client.get(reverse("tracker:insights"), period(patient)))
            return {rule.key for rule in RULES if rule.words in html}

        assert shown() == set()
        for days_ago in range(1, MIN_DAYS_WITH + MIN_DAYS_WITHOUT + 1):
            log(patient, days_ago, triggers=["heat"] if days_ago <= MIN_DAYS_WITH else [])
        assert shown() == {rule.key for rule in RULES if rule.about != Term.Kind.RELIEF}
        for days_ago in range(1, MIN_DAYS_WITH + 1):
            log(patient, days_ago, hour=20, relief=["stretching"])
        assert shown() == {rule.key for rule in RULES}

    @pytest.mark.parametrize("words", WORDS)
    def test_the_words_tell_no_one_to_stop_or_start_anything_and_name_no_dose(self, words):
        assert not re.search(r"\b(stop|start|avoid|take|try|drink|increase|reduce|dose|mg|you have)\b", words, re.I)

    @pytest.mark.parametrize("words", WORDS)
    def test_the_words_are_plain(self, words):
        """The reading grade of the education pages (tests/test_plain_language.py), sentences of 25 words at most."""
        assert textstat.flesch_kincaid_grade(words) <= 8.0
        assert all(len(sentence.split()) <= 25 for sentence in re.split(r"(?<=[.;:])\s", words))


def section(response) -> str:
    html = " ".join(response.content.decode().split())
    return html.split('id="factors-heading"')[1].split("</section>")[0]


class TestPages:
    def test_insights_and_the_visit_report_show_the_same_figures_and_words(self, client, diary, clinician):
        grant_access(diary, clinician)
        client.force_login(diary)
        insights = client.get(reverse("tracker:insights"), period(diary))
        own_report = client.get(reverse("tracker:report", args=[diary.pk]), period(diary))
        client.force_login(clinician)
        report = client.get(reverse("tracker:report", args=[diary.pk]), period(diary))
        assert insights.context["factors"] == own_report.context["factors"] == report.context["factors"]
        row = '<tr><th scope="row">Cold</th><td>3.0 a day (5 days)</td><td>2.5 a day (6 days)</td></tr>'
        relief_row = (
            '<tr><th scope="row">Stretching</th><td>5 of 11 days (45%)</td><td>5 cramps</td>'
            "<td>3 of 5 answers (60%)</td></tr>"
        )
        for response in (insights, own_report, report):
            html = section(response)
            assert "Triggers: cramps a day, among the 11 days with cramps</caption>" in html
            assert row in html
            assert relief_row in html
            assert all(rule.words in html for rule in RULES)
            assert "Dehydration" not in html

    def test_insights_draws_the_chart_and_the_report_the_table_only(self, client, diary):
        client.force_login(diary)
        insights = section(client.get(reverse("tracker:insights"), period(diary)))
        report = section(client.get(reverse("tracker:report", args=[diary.pk]), period(diary)))
        assert "<svg" in insights
        assert "<title>Cold, days it was noted: 3.0 cramps a day over 5 days</title>" in insights
        assert "<title>Cold, other days with cramps: 2.5 cramps a day over 6 days</title>" in insights
        assert "<svg" not in report

    def test_too_few_days_shows_what_is_needed_and_no_figure(self, client, patient):
        for days_ago in range(1, 4):
            log(patient, days_ago, triggers=["cold"], relief=["stretching"])
        client.force_login(patient)
        html = section(client.get(reverse("tracker:insights"), period(patient)))
        assert NOT_ENOUGH_DAYS[Term.Kind.TRIGGER] in html
        assert NOT_ENOUGH_DAYS[Term.Kind.RELIEF] in html
        assert "1 other trigger noted in this period is not shown" in html
        assert "<table" not in html
        assert "<svg" not in html

    def test_the_page_s_period_is_respected(self, client, diary):
        client.force_login(diary)
        today = diary.today()
        recent = {"start": (today - dt.timedelta(days=6)).isoformat(), "end": today.isoformat()}
        factors = client.get(reverse("tracker:insights"), recent).context["factors"]
        assert (factors.cramp_days, factors.triggers) == (5, [])

    def test_another_kind_of_event_chosen_shows_no_figures_of_it(self, client, diary):
        client.force_login(diary)
        response = client.get(reverse("tracker:insights"), {**period(diary), "kind": "twitch"})
        assert response.context["factors"].counts_cramps is False
        assert "This section compares cramps." in section(response)
        assert "<table" not in section(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [("granted", 200), ("revoked", 403), ("ungranted", 404), ("other_patient", 404)],
)
def test_a_clinician_sees_it_only_for_a_patient_who_granted_access(client, diary, other_patient, who, status):
    granted, revoked = ClinicianFactory(), ClinicianFactory()
    grant_access(diary, granted)
    grant_access(diary, revoked, status=CareGrant.Status.REVOKED, ended_at=timezone.now())
    viewer = {"granted": granted, "revoked": revoked, "ungranted": ClinicianFactory(), "other_patient": other_patient}
    client.force_login(viewer[who])
    response = client.get(reverse("tracker:report", args=[diary.pk]), period(diary))
    assert response.status_code == status
    assert ("What seems to matter" in response.content.decode()) is (status == 200)
    assert ("3.0 a day (5 days)" in response.content.decode()) is (status == 200)


@pytest.mark.parametrize(("days", "terms"), [(10, 2), (120, 8)])
def test_the_figures_come_with_the_insights_read_whatever_the_number_of_days_and_terms(
    django_assert_num_queries, days, terms
):
    patient = PatientFactory()
    triggers = list(Term.objects.filter(kind=Term.Kind.TRIGGER).values_list("slug", flat=True))[:terms]
    for days_ago in range(1, days + 1):
        log(patient, days_ago, triggers=triggers if days_ago % 2 else [], relief=["stretching"], effect="lot")
        log(patient, days_ago, hour=20)
    today = patient.today()
    # The medicines (none: no steps to read), the days, the period's entries, and their triggers, relief and places
    # by day (one statement, which the charts add up and the factors compare day by day).
    with django_assert_num_queries(4):
        insights = insights_for(patient, today - dt.timedelta(days=days), today, today)
    with django_assert_num_queries(0):
        factors = factors_for(insights)
    assert factors.triggers
    assert factors.relief


def test_without_an_entry_in_the_period_the_figures_cost_no_query(django_assert_num_queries, patient):
    today = patient.today()
    insights = insights_for(patient, today - dt.timedelta(days=30), today, today)
    with django_assert_num_queries(0):
        factors = factors_for(insights)
    assert (factors.cramp_days, factors.triggers, factors.relief) == (0, [], [])


class TestChart:
    def drawn(self, triggers) -> str:
        return render_to_string("tracker/charts/factors.html", {"charts": {"factors": factor_chart(triggers)}})

    def test_the_bars_share_one_scale_and_the_days_noted_come_first(self):
        chart = factor_chart([TriggerComparison("Cold", 5, 15, 10, 10), TriggerComparison("Heat", 5, 5, 10, 30)])
        (cold_with, cold_without), (heat_with, heat_without) = (row.bars for row in chart.rows)
        assert [bar.noted for bar in (cold_with, cold_without)] == [True, False]
        assert cold_with.width == heat_without.width > cold_without.width == heat_with.width > 0
        assert cold_without.y > cold_with.y

    def test_it_is_well_formed_svg_without_inline_script_or_style_and_escapes_labels(self):
        figure = self.drawn([TriggerComparison(HOSTILE, 5, 15, 10, 10)])
        assert "<script" not in figure
        assert not re.search(r"\s(style|on\w+)=", figure)
        [svg] = [ElementTree.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", figure, re.DOTALL)]  # noqa: S314
        assert HOSTILE in [text.text for text in svg.iter("text")]
        titles = [title.text for title in svg.iter("title")]
        assert f"{HOSTILE}, days it was noted: 3.0 cramps a day over 5 days" in titles
