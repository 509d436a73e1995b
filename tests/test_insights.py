import datetime as dt
import zoneinfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crampapp.dates import when
from tracker.counting import daily_stats, days_stats
from tracker.diary.services import checkin_record, medication_add
from tracker.diary.tallies import slot_bounds
from tracker.insights.charts.weeks import weekly_chart
from tracker.insights.figures import default_period, insights_for
from tracker.models import CheckIn, Episode, EpisodeLocation, EpisodeTerm, Medication

from .factories import EpisodeFactory, PatientFactory, grant_access, medication_effects, term

INSIGHTS_URL = reverse("tracker:insights")

pytestmark = pytest.mark.django_db


def at(zone: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


class TestWeeks:
    def test_weeks_count_cramps_cramp_free_and_unrecorded_days_in_local_time(self):
        patient = PatientFactory(time_zone="America/New_York")
        # Sunday 23:30 in New York is Monday in UTC: it belongs to the week starting Monday 2 Nov.
        EpisodeFactory(patient=patient, started_at=at("America/New_York", 2026, 11, 8, 23, 30))
        EpisodeFactory(patient=patient, started_at=at("America/New_York", 2026, 11, 9, 0, 30))
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 11, 3), status="none")
        data = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 15), dt.date(2026, 11, 15))
        first, second = data.weeks
        assert (first.first_day, first.cramps, first.cramp_free_days, first.unrecorded_days) == (
            dt.date(2026, 11, 2),
            1,
            1,
            5,
        )
        assert (second.first_day, second.cramps) == (dt.date(2026, 11, 9), 1)

    def test_a_had_cramps_check_in_with_none_logged_is_a_day_left_out_of_the_rates_in_the_table_too(self):
        """It says cramps happened, not how many: the trend and the rates leave it out, and so does the table's
        count of days recorded; its mark says cramps, none logged."""
        patient = PatientFactory(time_zone="UTC")
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 11, 3), status="cramps")
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 11, 4), status="none")
        [week] = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8)).weeks
        assert (week.recorded_days, week.cramp_free_days, week.uncounted_days, week.unrecorded_days) == (1, 1, 1, 5)
        chart = weekly_chart([week])
        html = render_to_string("tracker/charts/day_marks.html", {"chart": chart}, using="jinja2")
        assert "<title>Tue 3 Nov 2026: cramps (none logged)</title>" in html
        # Its week is not a week of no cramps: the bar and the table say so.
        html = render_to_string("tracker/charts/week_bars.html", {"bars": chart.bars}, using="jinja2")
        assert "<title>Week of 2 Nov: 0 cramps on 1 recorded day; cramps, none logged, on 1 more day</title>" in html
        rows = render_to_string("tracker/charts/weekly_rows.html", {"weeks": [week]}, using="jinja2")
        assert "<td>2 Nov 2026</td><td>0</td><td>1</td><td>1</td><td>5</td>" in rows

    def test_counting_spasms_a_day_with_cramps_logged_is_a_day_of_the_diary_as_a_cramp_free_one_is(self):
        """Neither a "no cramps" answer nor a logged cramp says anything of spasms: both days are recorded, with
        the spasms logged on them (none); a "had cramps" answer with none logged is left out, as it is for
        cramps."""
        patient = PatientFactory(time_zone="UTC")
        EpisodeFactory(patient=patient, started_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), event_kind="cramp")
        EpisodeFactory(patient=patient, started_at=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC), event_kind="spasm")
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 11, 4), status="none")
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 11, 5), status="cramps")
        days = daily_stats(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), kind="spasm")
        assert [(day.day.day, day.cramps, day.recorded) for day in days.values()] == [
            (2, 0, True),
            (3, 1, True),
            (4, 0, True),
            (5, 0, False),
            (6, 0, False),
            (7, 0, False),
            (8, 0, False),
        ]
        [week] = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8), "spasm").weeks
        assert (week.cramps, week.recorded_days, week.uncounted_days, week.unrecorded_days) == (1, 3, 1, 3)

    def test_a_week_across_the_clocks_going_back_keeps_its_cramps(self):
        patient = PatientFactory(time_zone="Europe/London")
        EpisodeFactory(patient=patient, started_at=at("Europe/London", 2026, 10, 25, 1, 30))
        EpisodeFactory(patient=patient, started_at=dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC))
        EpisodeFactory(patient=patient, started_at=at("Europe/London", 2026, 10, 25, 23, 59))
        data = insights_for(patient, dt.date(2026, 10, 19), dt.date(2026, 10, 26), dt.date(2026, 10, 26))
        assert [week.cramps for week in data.weeks] == [3, 0]

    @pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14", "Asia/Kolkata", "America/St_Johns"])
    def test_days_and_nights_are_the_patients_local_ones_in_every_kind_of_zone(self, zone):
        """Fixed-offset zones are named with the opposite sign ("Etc/GMT+12" is UTC-12); half-hour zones
        straddle the UTC date line at another moment than whole-hour ones."""
        patient = PatientFactory(time_zone=zone)
        EpisodeFactory(patient=patient, started_at=at(zone, 2026, 11, 4, 23, 30), woke_from_sleep=True)
        EpisodeFactory(patient=patient, started_at=at(zone, 2026, 11, 5, 0, 30), cramp_count=1)
        days = days_stats(patient, [(dt.date(2026, 11, 4), dt.date(2026, 11, 6))])
        assert [(day, stats.cramps, stats.night_woken) for day, stats in days.items()] == [
            (dt.date(2026, 11, 4), 1, 0),
            (dt.date(2026, 11, 5), 1, 1),
            (dt.date(2026, 11, 6), 0, 0),
        ]
        counts = daily_stats(patient, dt.date(2026, 11, 4), dt.date(2026, 11, 6))
        assert [stats.cramps for stats in counts.values()] == [1, 1, 0]
        data = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8))
        assert (data.hours[23], data.hours[0]) == (1, 1)

    @pytest.mark.parametrize("marked", [True, False])
    def test_a_night_tally_that_woke_the_patient_counts_for_the_first_morning_of_a_range(self, marked):
        """Whether or not the tally's row carries the "woke me" mark (the services set it; rows stored
        around them, such as demo data, may not), its wakings belong to the night's morning."""
        patient = PatientFactory(time_zone="Europe/Paris")
        night = patient.today() - dt.timedelta(days=3)
        EpisodeFactory(
            patient=patient,
            started_at=slot_bounds(patient.zone, "night", night)[0],
            entry_type="night",
            tally_date=night,
            cramp_count=4,
            times_woken=3,
            woke_from_sleep=marked,
            duration_seconds=None,
        )
        morning = night + dt.timedelta(days=1)
        for ranges in ([(morning, morning)], [(night, morning)], [(night - dt.timedelta(days=5), morning)]):
            days = days_stats(patient, ranges)
            assert days[morning].night_woken == 3, ranges

    def test_weekly_severity_is_the_mean_of_each_days_worst_and_the_worst(self):
        patient = PatientFactory()
        for day, severity in ((4, 2), (4, 4), (5, 9)):
            EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 11, day, 10), severity=severity)
        # A twitch is counted apart: its rating is not a cramp's.
        EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 11, 6, 10), severity=10, event_kind="twitch")
        week = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8)).weeks[0]
        # 4 Nov's worst is 4, 5 Nov's 9: (4 + 9) / 2
        assert week.mean_severity == 6.5
        assert week.worst_severity == 9
        assert week.cramps == 3

    def test_the_default_period_is_at_most_26_whole_weeks_ending_today(self):
        patient = PatientFactory(time_zone="UTC")
        EpisodeFactory(patient=patient, started_at=at("UTC", 2025, 1, 6, 3, 0))
        start, end = default_period(patient, dt.date(2026, 11, 25))
        assert end == dt.date(2026, 11, 25)
        assert start.weekday() == 0
        assert len(insights_for(patient, start, end, end).weeks) == 26

    def test_a_new_patient_sees_the_weeks_since_their_first_recorded_day(self):
        patient = PatientFactory(time_zone="UTC")
        # First entry on Wednesday 18 Nov: the period starts that week's Monday.
        EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 11, 18, 3, 0))
        assert default_period(patient, dt.date(2026, 11, 25)) == (dt.date(2026, 11, 16), dt.date(2026, 11, 25))
        # A check-in before it moves the start back to its week.
        CheckIn.objects.create(patient=patient, created_by=patient, day=dt.date(2026, 11, 10), status="none")
        assert default_period(patient, dt.date(2026, 11, 25))[0] == dt.date(2026, 11, 9)
        # So does a medicine started before both: the treatment timeline shows its start.
        medication_add(patient=patient, name="Baclofen", dose="5 mg", started_on=dt.date(2026, 10, 29))
        assert default_period(patient, dt.date(2026, 11, 25))[0] == dt.date(2026, 10, 26)

    def test_a_patient_with_nothing_recorded_sees_this_week(self):
        assert default_period(PatientFactory(), dt.date(2026, 11, 25)) == (dt.date(2026, 11, 23), dt.date(2026, 11, 25))


class TestOtherCharts:
    def test_hours_are_local_and_night_share_counts_22_to_6(self):
        patient = PatientFactory(time_zone="Asia/Tokyo")
        EpisodeFactory(patient=patient, started_at=at("Asia/Tokyo", 2026, 11, 4, 2, 15))
        EpisodeFactory(patient=patient, started_at=at("Asia/Tokyo", 2026, 11, 4, 23, 0))
        EpisodeFactory(patient=patient, started_at=at("Asia/Tokyo", 2026, 11, 4, 14, 0))
        EpisodeFactory(patient=patient, started_at=at("Asia/Tokyo", 2026, 11, 5, 6, 0))
        data = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8))
        assert data.hours[2] == data.hours[23] == data.hours[14] == data.hours[6] == 1
        assert data.night_share == 50

    def test_places_count_each_side_and_both_counts_for_both(self):
        patient = PatientFactory()
        calf = term("location", "calf")
        for side in ("left", "both", "right", "left"):
            episode = EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 11, 4, 10))
            EpisodeLocation.objects.create(patient=patient, episode=episode, location=calf, side=side)
        data = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8))
        [place] = data.places
        assert (place.slug, place.left, place.right) == ("calf", 3, 2)

    def test_top_triggers_and_relief_by_how_well_it_worked(self):
        patient = PatientFactory()
        stretching, cold = term("relief", "stretching"), term("trigger", "cold")
        for effect in ("lot", "lot", "none"):
            episode = EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 11, 4, 10), relief_effect=effect)
            EpisodeTerm.objects.create(patient=patient, episode=episode, term=stretching)
            EpisodeTerm.objects.create(patient=patient, episode=episode, term=cold)
        data = insights_for(patient, dt.date(2026, 11, 2), dt.date(2026, 11, 8), dt.date(2026, 11, 8))
        assert data.triggers == [("Cold", 3)]
        [(label, effects)] = data.relief
        assert label == "Stretching"
        assert (effects["lot"], effects["none"], effects["complete"]) == (2, 1, 0)


class TestDidItHelp:
    def test_windows_before_and_after_starting_and_after_stopping(self):
        patient = PatientFactory()
        started, stopped = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
        Medication.objects.create(patient=patient, name="Baclofen", started_on=started, stopped_on=stopped)
        for day in (3, 10, 17, 24):  # four cramps in the 28 days before
            EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 8, day, 9), severity=6)
        EpisodeFactory(patient=patient, started_at=at("UTC", 2026, 9, 10, 9), severity=3)
        for day in range(1, 29):
            if day != 10:
                CheckIn.objects.create(patient=patient, day=dt.date(2026, 9, day), status="none")
        [effect] = medication_effects(patient, dt.date(2026, 11, 25))
        start, stop = effect.steps
        before, after, after_stop = start.before, start.after, stop.after
        assert (before.first, before.last, before.cramps, before.recorded_days) == (
            dt.date(2026, 8, 4),
            dt.date(2026, 8, 31),
            3,
            3,
        )
        assert before.mean_severity == 6
        assert (after.cramps, after.recorded_days, after.cramps_per_week) == (1, 28, 0.2)
        assert after_stop.first == stopped
        assert after_stop.recorded_days == 0
        assert after_stop.cramps_per_week is None

    def test_a_window_still_running_says_so(self):
        patient = PatientFactory()
        today = dt.date(2026, 11, 25)
        Medication.objects.create(patient=patient, name="Magnesium", started_on=today - dt.timedelta(days=5))
        [effect] = medication_effects(patient, today)
        assert effect.steps[0].after.days == 6
        assert effect.steps[0].after.clipped == "today"

    def test_medicines_without_a_start_date_are_left_out(self):
        patient = PatientFactory()
        Medication.objects.create(patient=patient, name="Something")
        assert medication_effects(patient, dt.date(2026, 11, 25)) == []


class TestPage:
    def test_a_patient_without_data_gets_an_explanation_not_empty_axes(self, client, patient):
        client.force_login(patient)
        html = client.get(INSIGHTS_URL).content.decode()
        assert "Nothing to chart yet" in html
        assert "<svg" not in html

    def test_the_page_draws_every_chart_with_a_table_alternative(self, client, patient):
        episode = EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=1))
        EpisodeLocation.objects.create(patient=patient, episode=episode, location=term("location", "calf"), side="left")
        EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("trigger", "cold"))
        checkin_record(patient=patient, created_by=patient, day=patient.today(), status="none")
        client.force_login(patient)
        html = client.get(INSIGHTS_URL).content.decode()
        for title in [
            "Cramps per week",
            "Severity week by week",
            "Time of day",
            "Where cramps strike",
            "What seems to set them off",
        ]:
            assert title in html
        assert html.count("Show as a table") >= 5
        assert 'role="img"' in html

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"start": "2026-05-01", "end": "2026-01-01"}, "end"),
            ({"start": "1900-01-01", "end": "2026-01-01"}, "start"),
        ],
    )
    def test_a_bad_period_is_explained_and_the_default_is_shown(self, client, patient, params, field):
        client.force_login(patient)
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=400))
        response = client.get(INSIGHTS_URL, params)
        assert response.status_code == 200
        assert response.context["period_form"].errors[field]
        assert len(response.context["insights"].weeks) == 26

    def test_a_period_may_end_today_but_not_after_it(self, client, patient):
        """Days to come have no record yet: counted, they would read as days not recorded."""
        client.force_login(patient)
        today = patient.today()
        start = (today - dt.timedelta(days=6)).isoformat()
        response = client.get(INSIGHTS_URL, {"start": start, "end": today.isoformat()})
        assert response.context["period_form"].errors == {}
        assert response.context["insights"].end == today
        tomorrow = (today + dt.timedelta(days=1)).isoformat()
        response = client.get(INSIGHTS_URL, {"start": start, "end": tomorrow})
        assert response.context["period_form"].errors["end"] == [
            f"Choose an end date up to today, {when(today, 'day')}."
        ]
        assert response.context["insights"].end == today
        html = response.content.decode()
        assert f'value="{tomorrow}"' in html

    def test_the_clinician_sees_the_same_charts_in_the_review(self, client, patient, clinician):
        EpisodeFactory(patient=patient, started_at=timezone.now() - dt.timedelta(days=1))
        grant_access(patient, clinician)
        client.force_login(clinician)
        html = client.get(reverse("tracker:patient_review", args=[patient.pk])).content.decode()
        assert "Cramps per week" in html
        assert "Where cramps strike" in html

    @pytest.mark.parametrize("size", [10, 10_000])
    def test_the_query_count_is_the_same_at_10_and_10000_episodes(self, client, django_assert_num_queries, size):
        patient = PatientFactory()
        Medication.objects.create(patient=patient, name="Baclofen", started_on=dt.date(2026, 6, 1))
        now = timezone.now()
        Episode.objects.bulk_create(
            Episode(
                patient=patient,
                started_at=now - dt.timedelta(minutes=25 * index),
                severity=index % 11,
                time_zone="UTC",
                utc_offset=dt.timedelta(0),
            )
            for index in range(size)
        )
        client.force_login(patient)
        # session, user; the first recorded day (the default period); medicines, their steps; one statement for
        # the days of the period and of the windows around the steps with their check-ins; the period's entries
        # (ids and hours); their places, and their triggers and relief by day, which the charts add up and
        # "what seems to matter" compares (one statement)
        with django_assert_num_queries(8):
            response = client.get(INSIGHTS_URL)
        # 25 minutes apart, all of them fall within the default 26 weeks.
        assert response.context["insights"].total == size


class TestDaysOfSeveralRanges:
    def test_ranges_read_together_give_each_day_what_it_has_when_read_alone(self):
        """Overlapping, touching and distant ranges are read in one statement; every day, and the night
        before it, comes out as when its own range is read."""
        patient = PatientFactory(time_zone="Europe/Paris")
        for day in range(1, 29):
            EpisodeFactory(patient=patient, started_at=at("Europe/Paris", 2026, 10, day, 3), severity=day % 11)
            EpisodeFactory(
                patient=patient, started_at=at("Europe/Paris", 2026, 10, day, 22), woke_from_sleep=day % 2 == 0
            )
        CheckIn.objects.create(patient=patient, day=dt.date(2026, 10, 30), status="none")
        ranges = [
            (dt.date(2026, 10, 5), dt.date(2026, 10, 12)),
            (dt.date(2026, 10, 10), dt.date(2026, 10, 15)),  # overlaps the first
            (dt.date(2026, 10, 16), dt.date(2026, 10, 18)),  # touches the second
            (dt.date(2026, 10, 25), dt.date(2026, 10, 31)),  # apart
            (dt.date(2026, 10, 20), dt.date(2026, 10, 19)),  # empty
        ]
        together = days_stats(patient, ranges)
        alone = {}
        for first, last in ranges:
            alone.update(days_stats(patient, [(first, last)]))
        assert together.keys() == alone.keys()
        assert together == alone
        assert together[dt.date(2026, 10, 7)].night_woken == 1  # the cramp at 22:00 the evening before woke them
        assert together[dt.date(2026, 10, 30)].state == "none"
