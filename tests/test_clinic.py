import csv
import datetime as dt
import io
import re
import uuid

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crampapp.dates import when
from education.warning_signs import Tier
from tracker.diary.selectors import table_entries
from tracker.diary.services import EpisodeDetails, episode_create, medication_add, profile_update
from tracker.diary.tallies import Overlap
from tracker.models import AccessLog, CareGrant, ClinicianNote, Episode, EpisodeLocation, EpisodeTerm

from .factories import (
    CaregiverFactory,
    ClinicianFactory,
    EpisodeFactory,
    PatientFactory,
    checked_in_cramp_free,
    grant_access,
    grant_care,
    term,
)

CLINIC_URL = reverse("tracker:clinic")

pytestmark = pytest.mark.django_db


def days_ago(days, hours=0):
    return timezone.now() - dt.timedelta(days=days, hours=hours)


def rows(response):
    return list(response.context["page"].object_list)


def review_url(patient):
    return reverse("tracker:patient_review", args=[patient.pk])


def entries_url(patient):
    return reverse("tracker:patient_entries", args=[patient.pk])


@pytest.fixture
def clinic(clinician):
    """Four patients: one steady (too few days recorded to compare), one whose cramps per recorded day rose,
    one with an entry that carries a warning sign, and one improving patient with a warning sign too."""
    steady = PatientFactory(full_name="Sam Steady")
    rising = PatientFactory(full_name="Rita Rising")
    flagged = PatientFactory(full_name="Fred Flagged")
    improving = PatientFactory(full_name="Ivy Improving")
    for patient in (steady, rising, flagged, improving):
        grant_access(patient, clinician)
    for day in (3, 40):
        EpisodeFactory(patient=steady, started_at=days_ago(day), severity=3)
    # Rising: 6 cramps on 13 recorded days of the last 14, none on the 14 recorded days before.
    for day in range(1, 7):
        EpisodeFactory(patient=rising, started_at=days_ago(day), severity=6, woke_from_sleep=True)
    checked_in_cramp_free(rising, [*range(7, 14), *range(14, 28)])
    EpisodeFactory(patient=rising, started_at=days_ago(45), severity=2)
    episode = EpisodeFactory(patient=flagged, started_at=days_ago(2), severity=4)
    EpisodeTerm.objects.create(patient=flagged, episode=episode, term=term("symptom", "weakness"))
    # Improving: 14 cramps on 14 recorded days before, 3 on 13 recorded days lately; one lately with weakness.
    for day in range(14, 21):
        EpisodeFactory.create_batch(2, patient=improving, started_at=days_ago(day), severity=5)
    checked_in_cramp_free(improving, [*range(4, 14), *range(21, 28)])
    for day in (1, 2, 3):
        episode = EpisodeFactory(patient=improving, started_at=days_ago(day), severity=4)
    EpisodeTerm.objects.create(patient=improving, episode=episode, term=term("symptom", "weakness"))
    return {"steady": steady, "rising": rising, "flagged": flagged, "improving": improving}


def test_the_list_shows_the_figures_of_the_last_30_days(client, clinician, clinic):
    client.force_login(clinician)
    by_name = {patient.full_name: patient for patient in rows(client.get(CLINIC_URL))}
    rising = by_name["Rita Rising"]
    assert rising.recent == 6
    assert rising.mean_severity == 6
    assert rising.worst_severity == 6
    assert rising.times_woken == 6
    assert (rising.warning_entries, rising.warning_tier) == (0, None)
    assert (by_name["Fred Flagged"].warning_entries, by_name["Fred Flagged"].warning_tier) == (1, Tier.SOON)
    assert by_name["Sam Steady"].recent == 1


def test_the_trend_compares_cramps_per_recorded_day_with_its_figures(client, clinician, clinic):
    client.force_login(clinician)
    by_name = {patient.full_name: patient for patient in rows(client.get(CLINIC_URL))}
    rising, improving = by_name["Rita Rising"], by_name["Ivy Improving"]
    assert (rising.trend, rising.previous_rate, rising.recent_rate) == ("worse", 0.0, 0.5)
    assert (rising.previous_recorded_days, rising.recent_recorded_days) == (14, 13)
    assert (improving.trend, improving.previous_rate, improving.recent_rate) == ("better", 1.0, 0.2)
    assert by_name["Sam Steady"].trend == by_name["Fred Flagged"].trend == "unknown"


def test_patients_getting_worse_come_first_and_warning_signs_are_marked_apart(client, clinician, clinic):
    client.force_login(clinician)
    response = client.get(CLINIC_URL)
    assert rows(response)[0].full_name == "Rita Rising"
    # Sorted by a column, the list follows that column alone, as its arrow says.
    by_name = [patient.full_name for patient in rows(client.get(CLINIC_URL, {"sort": "name"}))]
    assert by_name == ["Fred Flagged", "Ivy Improving", "Rita Rising", "Sam Steady"]
    html = response.content.decode()
    assert html.count('<span aria-hidden="true">▲</span> More frequent') == 1
    assert html.count("1 entry with warning signs, highest: soon") == 2


def test_an_improving_patient_with_a_warning_sign_is_improving_and_flagged_never_worse(client, clinician, clinic):
    client.force_login(clinician)
    html = client.get(CLINIC_URL, {"sort": "name"}).content.decode()
    row = re.search(r"<tr[^>]*>\s*<th[^>]*><a[^>]*><bdi>Ivy Improving</bdi></a>.*?</tr>", html, re.S).group(0)
    assert "Less frequent" in row
    assert "1.0 → 0.2 cramps per recorded day" in row
    assert "1 entry with warning signs, highest: soon" in row
    assert "More frequent" not in row
    assert 'class="worsening"' not in row


def test_the_list_and_the_review_give_a_patients_dates_in_the_patients_zone(client, clinician):
    """Not the clinician's: a cramp at 12:00 UTC is the next day in Kiritimati (UTC+14), and their check-in
    of their yesterday is yesterday, on the list as on the review."""
    patient = PatientFactory(time_zone="Pacific/Kiritimati")
    grant_access(patient, clinician)
    started = (timezone.now() - dt.timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    EpisodeFactory(patient=patient, started_at=started)
    checked_in_cramp_free(patient, [1])
    client.force_login(clinician)
    row = re.sub(r"\s+", " ", client.get(CLINIC_URL).content.decode())
    local_day = when(patient.local_day(started), "day")
    assert f"<td>{local_day}</td>" in row
    assert "<td>yesterday</td>" in row
    # The review's figures are those of today, whatever period is chosen.
    old_period = {"start": "2026-01-01", "end": "2026-01-31"}
    review = re.sub(r"\s+", " ", client.get(review_url(patient), old_period).content.decode())
    assert '<dt class="col-6 col-md-3">Last check-in</dt><dd class="col-6 col-md-3">yesterday</dd>' in review


def test_the_list_sorts_by_a_column_in_both_directions(client, clinician, clinic):
    client.force_login(clinician)
    ascending = rows(client.get(CLINIC_URL, {"sort": "recent"}))
    # By the column alone: the patient getting worse is not kept first when the clinician sorts.
    assert [p.recent for p in ascending] == sorted(p.recent for p in ascending)
    assert ascending[0].full_name != "Rita Rising"
    # The default, most cramps first, puts the patient getting worse first.
    descending = [p.full_name for p in rows(client.get(CLINIC_URL, {"sort": "-recent"}))]
    assert descending == ["Rita Rising", "Ivy Improving", "Fred Flagged", "Sam Steady"]
    assert [p.full_name for p in rows(client.get(CLINIC_URL))] == descending


def test_warning_signs_sort_by_tier_then_by_the_entries_with_them(client, clinician, clinic):
    """Fred and Ivy each have one entry with a sign of tier "soon"; Ivy gets a second: she comes first."""
    improving = clinic["improving"]
    episode = EpisodeFactory(patient=improving, started_at=days_ago(5), severity=4)
    EpisodeTerm.objects.create(patient=improving, episode=episode, term=term("symptom", "weakness"))
    client.force_login(clinician)
    flagged = [p.full_name for p in rows(client.get(CLINIC_URL, {"sort": "-warnings"}))][:2]
    assert flagged == ["Ivy Improving", "Fred Flagged"]


@pytest.mark.parametrize("sort", ["", "password", "-", "'; DROP TABLE", "-" * 500])
def test_an_unknown_sort_falls_back_to_the_default(client, clinician, clinic, sort):
    client.force_login(clinician)
    assert client.get(CLINIC_URL, {"sort": sort}).status_code == 200


def test_the_list_shows_only_patients_with_an_active_grant(client, clinician, clinic):
    PatientFactory(full_name="Nobody Granted")
    client.force_login(clinician)
    other = ClinicianFactory()
    grant_access(PatientFactory(full_name="Someone Else"), other)
    names = {patient.full_name for patient in rows(client.get(CLINIC_URL))}
    assert names == {"Sam Steady", "Rita Rising", "Fred Flagged", "Ivy Improving"}


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_query_count_does_not_grow_with_the_number_of_patients(client, django_assert_num_queries, count):
    clinician = ClinicianFactory()
    for _ in range(count):
        patient = PatientFactory()
        grant_access(patient, clinician)
        EpisodeFactory.create_batch(3, patient=patient)
    client.force_login(clinician)
    # session, user, the authenticator-app check, the patients counted with how many summaries are out of date
    # (all of them, on a first read), which ones, their figures counted; the rules' figures: their profiles
    # and diagnoses with their medicines (one statement; and first symptoms, for a patient with a diagnosis that
    # explains a sign),
    # entries of the last 30 days with their places and terms, and
    # the trend's entries and check-ins; stored (one upsert), the page of patients with their figures, the
    # patients of the page seen in the list today already and the trail's rows of the others (access_log_listed),
    # and the session's new idle expiry (savepoint, update, release)
    with django_assert_num_queries(19):
        response = client.get(CLINIC_URL)
    assert len(rows(response)) == min(count, 25)
    # Reading it again: the patients counted with how many summaries are out of date (none), the page, its
    # patients seen in the list already (all: no row to add).
    with django_assert_num_queries(6):
        response = client.get(CLINIC_URL)
    assert len(rows(response)) == min(count, 25)


def test_each_patients_trail_says_once_a_day_that_the_clinician_saw_them_in_the_list(client, clinician, clinic):
    client.force_login(clinician)
    client.get(CLINIC_URL)
    client.get(CLINIC_URL)
    listed = AccessLog.objects.filter(clinician=clinician, action=AccessLog.Action.VIEW_LIST)
    assert sorted(listed.values_list("patient__full_name", flat=True)) == sorted(
        ["Sam Steady", "Rita Rising", "Fred Flagged", "Ivy Improving"]
    )
    rising = clinic["rising"]
    client.force_login(rising)
    trail = client.get(reverse("tracker:sharing")).content.decode()
    assert "Saw your 30-day figures in their list of patients" in trail
    # A day later, a look is told again (the log is append-only: its rows are made older past its guard).
    QuerySet.update(listed.all(), at=timezone.now() - dt.timedelta(hours=25))
    client.force_login(clinician)
    client.get(CLINIC_URL)
    assert listed.filter(patient=rising).count() == 2


def test_the_list_and_the_review_say_until_when_a_patient_shares_their_record(client, clinician):
    patient = PatientFactory(full_name="Uma Until")
    last_day = patient.today() + dt.timedelta(days=2)
    grant = grant_access(patient, clinician)
    CareGrant.objects.filter(pk=grant.pk).update(access_ends_on=last_day)
    client.force_login(clinician)
    shared = f"Shared until {when(last_day, 'day')}"
    assert shared in client.get(CLINIC_URL).content.decode()
    review = client.get(reverse("tracker:patient_review", args=[patient.pk])).content.decode()
    assert f"shared with you until {when(last_day, 'day')}" in review
    CareGrant.objects.filter(pk=grant.pk).update(access_ends_on=None)
    assert "Shared until" not in client.get(CLINIC_URL).content.decode()


def test_an_unverified_clinician_sees_the_pending_notice_and_no_patients(client, unverified_clinician, patient):
    grant_access(patient, unverified_clinician)
    client.force_login(unverified_clinician)
    response = client.get(CLINIC_URL)
    assert "waiting for verification" in response.content.decode()
    assert patient.full_name not in response.content.decode()


class TestReview:
    def test_the_review_shows_summary_conditions_medications_and_90_days_of_episodes(self, client, clinician, clinic):
        rising = clinic["rising"]
        rising.medications.create(name="Baclofen", dose="as prescribed")
        client.force_login(clinician)
        response = client.get(reverse("tracker:patient_review", args=[rising.pk]))
        html = response.content.decode()
        assert response.context["summary"].recent == 6
        assert response.context["insights"].entry_count == 7
        assert "7 entries from" in html
        assert "Baclofen" in html
        assert "Rita Rising" in html

    def test_the_medicines_table_speaks_to_the_clinician_not_to_the_patient(self, client, clinician, clinic):
        rising = clinic["rising"]
        medication_add(patient=rising, name="Baclofen", dose="5 mg", started_on=rising.today() - dt.timedelta(days=10))
        client.force_login(clinician)
        review = client.get(reverse("tracker:patient_review", args=[rising.pk])).content.decode()
        assert "Observational data from the patient's own diary, not a controlled comparison." in review
        assert "Discuss it with your clinician" not in review
        client.force_login(rising)
        assert "Discuss it with your clinician" in client.get(reverse("tracker:insights")).content.decode()

    def test_the_review_lists_the_conditions_chosen_then_those_in_the_patients_own_words(self, client, clinician):
        patient = PatientFactory()
        grant_access(patient, clinician)
        client.force_login(clinician)
        url = reverse("tracker:patient_review", args=[patient.pk])
        response = client.get(url)
        assert response.context["conditions"] == []
        assert "None recorded." in response.content.decode()
        chosen = [term("condition", "spinal-stenosis"), term("condition", "multiple-sclerosis")]
        profile_update(
            patient=patient,
            time_zone=patient.time_zone,
            conditions=chosen,
            other_conditions="<b>Low thyroid</b>",
            reminder_time=None,
        )
        response = client.get(url)
        in_list_order = sorted(chosen, key=lambda condition: (condition.sort_order, condition.label))
        assert response.context["conditions"] == [condition.label for condition in in_list_order] + [
            "<b>Low thyroid</b>"
        ]
        assert "<li>&lt;b&gt;Low thyroid&lt;/b&gt;</li>" in response.content.decode()

    def test_the_entries_pages_count_is_that_of_its_entries_with_or_without_a_filter(self, client, clinician, clinic):
        rising = clinic["rising"]
        night = timezone.localdate(timezone.now(), rising.zone) - dt.timedelta(days=8)
        described = dt.datetime.combine(night, dt.time(23), tzinfo=rising.zone)
        for details in (
            EpisodeDetails(started_at=described, severity=6, event_kind="cramp"),
            EpisodeDetails(started_at=None, severity=7, entry_type="night", cramp_count=3, tally_date=night),
        ):
            episode_create(
                patient=rising, created_by=rising, client_id=uuid.uuid4(), details=details, overlap=Overlap.PART
            )
        client.force_login(clinician)
        url = entries_url(rising)
        for filters in ({}, {"kind": "cramp"}, {"kind": "none"}, {"severity_min": 6}, {"location": ""}):
            page = client.get(url, filters).context["page"]
            assert page.paginator.count == len(page.object_list), filters
            assert page.paginator.count == len(
                client.get(url, {**filters, "severity_max": 10}).context["page"].object_list
            )

    def test_the_tables_entries_carry_their_own_places_terms_and_notes_in_order(self, patient, other_patient):
        entries = EpisodeFactory.create_batch(3, patient=patient)
        neighbour = EpisodeFactory(patient=other_patient)
        places = [("hamstring", "both"), ("calf", "left"), ("foot-toes", "right")]
        for entry in [*entries[:2], neighbour]:
            for slug, side in places:
                EpisodeLocation.objects.create(
                    patient=entry.patient, episode=entry, location=term("location", slug), side=side
                )
            for kind, slug in [
                ("trigger", "cold"),
                ("symptom", "weakness"),
                ("trigger", "dehydration"),
                ("relief", "stretching"),
            ]:
                EpisodeTerm.objects.create(patient=entry.patient, episode=entry, term=term(kind, slug))
        for author, entry in [(ClinicianFactory(full_name="Dr A"), entries[0]), (ClinicianFactory(), entries[0])]:
            ClinicianNote.objects.create(patient=patient, episode=entry, author=author, text=f"Seen by {author}")
        ClinicianNote.objects.create(patient=other_patient, episode=neighbour, author=author, text="Not yours")
        read = table_entries(patient, Episode.objects.for_patient(patient).for_table().order_by("pk"))
        for entry, expected in zip(read, Episode.objects.for_patient(patient).order_by("pk"), strict=True):
            assert [place.label for place in entry.places] == [place.label for place in expected.locations.all()]
            assert entry.term_list == list(expected.terms.all())
            assert [term.label for term in entry.triggers] == [term.label for term in expected.triggers]
            assert [(note.text, note.author.full_name, note.created_at) for note in entry.note_list] == [
                (note.text, note.author.full_name, note.created_at) for note in expected.clinician_notes.all()
            ]
        assert read[2].places == []
        assert read[2].term_list == []
        assert read[2].note_list == []
        assert len(read[0].note_list) == 2

    def test_the_entries_page_filters_by_date_range_and_severity(self, client, clinician, clinic):
        rising = clinic["rising"]
        client.force_login(clinician)
        url = entries_url(rising)
        today = timezone.localdate()
        response = client.get(url, {"start": (today - dt.timedelta(days=3)).isoformat(), "end": today.isoformat()})
        assert response.context["page"].paginator.count == 3
        assert client.get(url, {"severity_max": 2}).context["page"].paginator.count == 1

    def test_a_filter_pair_that_contradicts_itself_is_explained_and_ignored_whole(self, client, clinician, clinic):
        rising = clinic["rising"]
        client.force_login(clinician)
        everything = client.get(entries_url(rising)).context["page"].paginator.count
        response = client.get(entries_url(rising), {"severity_min": 8, "severity_max": 2})
        assert response.context["filter_form"].errors["severity_max"] == ["The highest severity is below the lowest."]
        assert response.context["page"].paginator.count == everything
        assert 'value="8"' in response.content.decode()

    def test_times_show_in_the_patients_zone(self, client, clinician):
        patient = PatientFactory(time_zone="Asia/Tokyo")
        grant_access(patient, clinician)
        EpisodeFactory(patient=patient, started_at=dt.datetime(2026, 11, 1, 15, 0, tzinfo=dt.UTC))
        client.force_login(clinician)
        html = client.get(entries_url(patient), {"start": "2026-10-01", "end": "2026-11-20"}).content.decode()
        assert "Mon 2 Nov 2026, 00:00" in html

    @pytest.mark.parametrize("size", [2, 60])
    def test_the_review_query_count_is_fixed(self, client, clinician, django_assert_num_queries, size):
        patient = PatientFactory()
        grant_access(patient, clinician)
        for number, episode in enumerate(EpisodeFactory.create_batch(size, patient=patient)):
            EpisodeLocation.objects.create(
                patient=patient, episode=episode, location=term("location", "calf"), side="left"
            )
            if number % 3 == 0:
                EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("symptom", "weakness"))
        client.force_login(clinician)
        url = review_url(patient)
        # session, user, authenticator-app check, grant (gate, with the stored summary: on this first look none
        # yet, so counted with the rules' figures (six queries, as in the clinic list), stored and read),
        # access log insert; the medicines, listed and charted (no steps to
        # read: there are none); the charts: one statement for the days (and check-ins) of the period and of the
        # trial-style summary's two windows, the period's entries (ids and hours), their places, triggers and
        # relief (one statement); questionnaires (with their schedules and answers in the period); the
        # patient's profile with their conditions (shown, and read by the warning signs with the medicines
        # listed above); the period's entries with their places, tags and clinicians' notes (one statement),
        # for those with warning signs; general notes (with their authors); and the session's new idle expiry
        # (savepoint, update, release)
        with django_assert_num_queries(26):
            response = client.get(url)
        assert len(response.context["flagged"]) == min(5, len(range(0, size, 3)))
        # Looking again: the summary read with the patient is current, the idle expiry moved on a moment ago.
        with django_assert_num_queries(14):
            client.get(url)

    @pytest.mark.parametrize("size", [2, 60])
    def test_the_entries_page_query_count_is_fixed(self, client, clinician, django_assert_num_queries, size):
        patient = PatientFactory()
        grant_access(patient, clinician)
        for episode in EpisodeFactory.create_batch(size, patient=patient, started_at=days_ago(1)):
            EpisodeLocation.objects.create(
                patient=patient, episode=episode, location=term("location", "calf"), side="left"
            )
            EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("symptom", "weakness"))
            ClinicianNote.objects.create(patient=patient, episode=episode, author=clinician, text="Seen")
        client.force_login(clinician)
        # session, user, authenticator-app check, grant (gate), access log insert; the entries counted, one
        # page of them, their places, tags and clinicians' notes (one statement); for their warning signs the
        # patient's profile with their conditions and their medicines (one statement); the place filter's options;
        # and the session's new idle expiry (savepoint, update, release)
        with django_assert_num_queries(13):
            response = client.get(entries_url(patient), {"severity_min": 0})
        assert len(rows(response)) == min(size, 20)
        assert all(entry.warning for entry in rows(response))


class TestEntryNotes:
    def test_each_entry_has_a_note_form_carrying_the_page_s_csrf_token(self, clinician, patient):
        grant_access(patient, clinician)
        entries = EpisodeFactory.create_batch(3, patient=patient, started_at=days_ago(1))
        client = Client(enforce_csrf_checks=True)
        client.force_login(clinician)
        page = f"{entries_url(patient)}?severity_min=0"
        html = client.get(page).content.decode()
        note_url = reverse("tracker:note_new", args=[patient.pk])
        for entry in entries:
            row = html.split(f'<tr id="episode-{entry.uuid}">')[1].split("</tr>")[0]
            assert f'<form method="post" action="{note_url}" data-draft>' in row
            # Each form carries the session's token, masked once for the page.
            assert re.search(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', row)
            assert f'<input type="hidden" name="episode" value="{entry.uuid}">' in row
            assert '<input type="hidden" name="next" value="/clinic/patients/' in row
            assert f'<label class="form-label" for="note-{entry.uuid}">Note on this entry</label>' in row
            assert f'id="note-{entry.uuid}" name="text"' in row
        # The token the rows carry is accepted: the note is saved on its entry.
        row = html.split(f'<tr id="episode-{entries[1].uuid}">')[1].split("</tr>")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row)[1]
        back = re.search(r'name="next" value="([^"]+)"', row)[1]
        assert back == page
        response = client.post(
            note_url, {"csrfmiddlewaretoken": token, "episode": str(entries[1].uuid), "text": "Seen", "next": back}
        )
        # Back to the entries page, with its filters, at the entry's row.
        assert response["Location"] == f"{page}#episode-{entries[1].uuid}"
        assert ClinicianNote.objects.get().episode == entries[1]

    def test_an_entry_s_notes_are_shown_escaped_in_its_row(self, client, clinician, patient):
        grant_access(patient, clinician)
        entry = EpisodeFactory(
            patient=patient, started_at=days_ago(1), medication_taken="<b>Quinine</b>", notes="<i>Bad</i>\nnight"
        )
        ClinicianNote.objects.create(patient=patient, episode=entry, author=clinician, text="<script>alert(1)</script>")
        client.force_login(clinician)
        html = client.get(entries_url(patient)).content.decode()
        row = html.split(f'<tr id="episode-{entry.uuid}">')[1].split("</tr>")[0]
        assert "<strong>Took:</strong> &lt;b&gt;Quinine&lt;/b&gt;" in row
        assert "&lt;i&gt;Bad&lt;/i&gt;<br>night" in row
        assert f"<strong><bdi>{clinician.full_name}</bdi>:</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in row
        assert "<script>alert(1)</script>" not in html

    def test_the_patient_sees_the_notes_on_their_entries_but_no_note_form(self, client, clinician, patient):
        grant_access(patient, clinician)
        entry = EpisodeFactory(patient=patient, started_at=days_ago(1))
        ClinicianNote.objects.create(patient=patient, episode=entry, author=clinician, text="Keep stretching")
        client.force_login(patient)
        html = client.get(entries_url(patient)).content.decode()
        assert "Keep stretching" in html
        assert f'id="note-{entry.uuid}"' not in html


class TestReviewNotes:
    def test_the_note_on_the_patient_has_a_labelled_field_tied_to_its_help(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        html = client.get(reverse("tracker:patient_review", args=[patient.pk])).content.decode()
        form = html.split(f'<form method="post" action="{reverse("tracker:note_new", args=[patient.pk])}"')[-1]
        form = " ".join(form.split("</form>")[0].split())
        assert '<label for="id_text" class="form-label requiredField">Note<span class="asteriskField">*</span>' in form
        textarea = re.search(r"<textarea [^>]*>", form)[0]
        for attribute in (
            'name="text"',
            'id="id_text"',
            'maxlength="2000"',
            "required",
            'class="form-control"',
        ):
            assert attribute in textarea
        assert 'aria-describedby="id_text_helptext"' in textarea
        assert (
            '<div id="id_text_helptext" class="form-text">The patient can read this note, with your name.</div>' in form
        )


def flag(entry):
    """Give `entry` a warning sign: new weakness."""
    EpisodeTerm.objects.create(patient=entry.patient, episode=entry, term=term("symptom", "weakness"))
    return entry


class TestReviewEntriesSection:
    def test_the_review_counts_the_periods_entries_and_links_to_them_for_the_same_period_and_kind(
        self, client, clinician, patient
    ):
        grant_access(patient, clinician)
        EpisodeFactory.create_batch(3, patient=patient, started_at=days_ago(2))
        EpisodeFactory(patient=patient, started_at=days_ago(2), event_kind="twitch")
        client.force_login(clinician)
        period = {"start": (timezone.localdate() - dt.timedelta(days=9)).isoformat(), "end": timezone.localdate()}
        html = client.get(review_url(patient), period).content.decode()
        assert "4 entries from" in html
        link = f"{entries_url(patient)}?start={period['start']}&amp;end={period['end'].isoformat()}"
        assert f'<a href="{link}">See the entries and add notes to them</a>' in html
        html = client.get(review_url(patient), {**period, "kind": "twitch"}).content.decode()
        assert "1 entry from" in html
        assert f'<a href="{link}&amp;kind=twitch">' in html
        assert "review-table" not in html

    def test_the_review_names_the_newest_five_entries_with_warning_signs_each_linked_to_its_row(
        self, client, clinician, patient
    ):
        grant_access(patient, clinician)
        flagged = [flag(EpisodeFactory(patient=patient, started_at=days_ago(day))) for day in range(1, 8)]
        EpisodeFactory.create_batch(25, patient=patient, started_at=days_ago(0, hours=1))
        client.force_login(clinician)
        response = client.get(review_url(patient))
        shown = response.context["flagged"]
        assert [item.entry for item in shown] == flagged[:5]
        assert response.context["flagged_count"] == 7
        html = response.content.decode()
        assert "The newest 5 of 7 entries of any kind with warning signs in this period." in html
        assert html.count("Warning sign: same day") + html.count("Warning sign: soon") == 5
        # The 25 entries of today fill the first page and five of the second: the first flagged entry is the
        # 26th, on the second page.
        assert f"&amp;page=2#episode-{flagged[0].uuid}" in html
        assert f"episode-{flagged[5].uuid}" not in html
        entries_page = client.get(f"{entries_url(patient)}?page=2")
        assert flagged[0] in rows(entries_page)

    def test_the_review_reads_the_signs_of_the_newest_three_pages_only_and_says_so(self, client, clinician, patient):
        grant_access(patient, clinician)
        older = flag(EpisodeFactory(patient=patient, started_at=days_ago(3)))
        EpisodeFactory.create_batch(60, patient=patient, started_at=days_ago(1))
        client.force_login(clinician)
        response = client.get(review_url(patient))
        assert response.context["flagged"] == []
        assert (
            "None with warning signs among the newest 60 entries of this period: the entries page shows the signs "
            "of every entry." in response.content.decode()
        )
        entries_page = client.get(f"{entries_url(patient)}?page=4")
        assert older in rows(entries_page)

    def test_a_period_without_warning_signs_says_so(self, client, clinician, patient):
        grant_access(patient, clinician)
        EpisodeFactory(patient=patient, started_at=days_ago(1))
        flag(EpisodeFactory(patient=patient, started_at=days_ago(120)))
        client.force_login(clinician)
        response = client.get(review_url(patient))
        assert response.context["flagged"] == []
        assert "None with warning signs in this period." in response.content.decode()

    @pytest.mark.parametrize(
        "old_filters",
        [
            {"severity_min": "6"},
            {"severity_max": "2", "location": "1"},
            {"severity_min": "abc", "location": "999999", "page": "3"},
            {"severity_min": "9", "severity_max": "1", "date_from": "nonsense"},
        ],
    )
    def test_an_old_review_url_with_the_tables_filters_still_shows_the_review_and_ignores_them(
        self, client, clinician, clinic, old_filters
    ):
        rising = clinic["rising"]
        client.force_login(clinician)
        response = client.get(review_url(rising), old_filters)
        assert response.status_code == 200
        assert response.context["insights"].entry_count == 7
        assert "Severity at least" not in response.content.decode()


class TestEntriesPage:
    def test_the_entries_page_shows_the_patient_the_period_and_a_way_back_to_the_review(
        self, client, clinician, patient
    ):
        grant_access(patient, clinician)
        EpisodeFactory(patient=patient, started_at=days_ago(1))
        client.force_login(clinician)
        period = {"start": "2026-01-05", "end": "2026-03-01", "kind": "cramp"}
        html = client.get(entries_url(patient), period).content.decode()
        assert f"<bdi>{patient.full_name}</bdi>: entries from 5 Jan 2026 to 1 Mar 2026</h1>" in html
        back = f"{review_url(patient)}?start=2026-01-05&amp;end=2026-03-01&amp;kind=cramp"
        assert f'<a href="{back}">Back to the review</a>' in html
        for field in ("start", "end", "severity_min", "severity_max", "location", "kind"):
            assert f'for="id_{field}" class="form-label' in html, field
        assert "No episode in this period matches the filter." in html

    def test_an_empty_period_says_so(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        assert "No episode in this period." in client.get(entries_url(patient)).content.decode()

    def test_the_pages_links_keep_the_filters(self, client, clinician, patient):
        grant_access(patient, clinician)
        EpisodeFactory.create_batch(25, patient=patient, started_at=days_ago(1), severity=7)
        EpisodeFactory(patient=patient, started_at=days_ago(1), severity=2)
        client.force_login(clinician)
        response = client.get(entries_url(patient), {"severity_min": 5})
        assert response.context["page"].paginator.count == 25
        html = response.content.decode()
        assert 'href="?severity_min=5&amp;page=2">Next page</a>' in html
        page_two = client.get(entries_url(patient), {"severity_min": 5, "page": 2})
        assert len(rows(page_two)) == 5
        assert 'href="?severity_min=5&amp;page=1">Previous page</a>' in page_two.content.decode()

    def test_the_patient_reads_their_own_entries_page_without_note_forms_and_unlogged(self, client, patient):
        entry = EpisodeFactory(patient=patient, started_at=days_ago(1))
        client.force_login(patient)
        response = client.get(entries_url(patient))
        assert response.status_code == 200
        assert f'<tr id="episode-{entry.uuid}">' in response.content.decode()
        assert f'id="note-{entry.uuid}"' not in response.content.decode()
        assert not AccessLog.objects.exists()


class TestNoteRoundTrip:
    def test_a_note_from_a_row_comes_back_to_the_entries_page_with_its_filters_and_page(
        self, client, clinician, patient
    ):
        grant_access(patient, clinician)
        entries = EpisodeFactory.create_batch(22, patient=patient, started_at=days_ago(1), severity=6)
        client.force_login(clinician)
        page = f"{entries_url(patient)}?severity_min=5&page=2"
        entry = rows(client.get(page))[0]
        response = client.post(
            reverse("tracker:note_new", args=[patient.pk]),
            {"episode": str(entry.uuid), "text": "Seen on the second page", "next": page},
            follow=True,
        )
        assert response.redirect_chain == [(f"{page}#episode-{entry.uuid}", 302)]
        html = response.content.decode()
        assert "Note saved. The patient can read it." in html
        row = html.split(f'<tr id="episode-{entry.uuid}">')[1].split("</tr>")[0]
        assert "Seen on the second page" in row
        assert ClinicianNote.objects.get().episode in entries

    def test_a_refused_note_from_a_row_comes_back_to_the_entries_page_too(self, client, clinician, patient):
        grant_access(patient, clinician)
        entry = EpisodeFactory(patient=patient, started_at=days_ago(1))
        client.force_login(clinician)
        page = f"{entries_url(patient)}?kind=cramp"
        response = client.post(
            reverse("tracker:note_new", args=[patient.pk]), {"episode": str(entry.uuid), "text": "", "next": page}
        )
        assert response["Location"] == page
        assert not ClinicianNote.objects.exists()

    def test_a_note_from_the_reviews_form_comes_back_to_the_review(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        html = client.get(review_url(patient)).content.decode()
        assert 'name="next"' not in html
        response = client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "Doing well"})
        assert response["Location"] == f"{review_url(patient)}#notes-heading"

    @pytest.mark.parametrize(
        "elsewhere",
        ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "clinic/", " /x"],
    )
    def test_a_note_never_sends_the_clinician_off_the_site(self, client, clinician, patient, elsewhere):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "Seen", "next": elsewhere})
        assert response["Location"] == f"{review_url(patient)}#notes-heading"


class TestNotes:
    def test_a_note_over_the_limit_is_refused_and_nothing_is_saved(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "x" * 2001}, follow=True)
        assert "The note was not saved" in response.content.decode()
        assert not ClinicianNote.objects.exists()

    def test_a_note_on_another_patients_episode_is_refused(self, client, clinician, patient, other_patient):
        grant_access(patient, clinician)
        foreign = EpisodeFactory(patient=other_patient)
        client.force_login(clinician)
        response = client.post(
            reverse("tracker:note_new", args=[patient.pk]), {"text": "hi", "episode": str(foreign.uuid)}, follow=True
        )
        assert "that entry is not in this patient" in response.content.decode()
        assert not ClinicianNote.objects.exists()

    def test_a_note_is_shown_escaped(self, client, clinician, patient):
        grant_access(patient, clinician)
        client.force_login(clinician)
        client.post(reverse("tracker:note_new", args=[patient.pk]), {"text": "<script>alert(1)</script>"})
        client.force_login(patient)
        html = client.get(reverse("tracker:sharing")).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)</script>" not in html


class TestReportAndExport:
    def test_the_report_shows_figures_weeks_red_flags_and_episodes(self, client, clinician, clinic):
        flagged = clinic["flagged"]
        client.force_login(clinician)
        response = client.get(reverse("tracker:report", args=[flagged.pk]))
        html = response.content.decode()
        assert response.context["figures"]["cramps"] == 1
        assert len(response.context["weeks"]) >= 13
        assert "New or increasing weakness" in html
        assert "Self-reported; not a diagnosis" in html

    def test_the_report_marks_the_entries_a_caregiver_made(self, client, clinician, patient):
        grant_access(patient, clinician)
        caregiver = CaregiverFactory(full_name="Cara Giver")
        grant_care(patient, caregiver)
        EpisodeFactory(patient=patient, created_by=caregiver, started_at=days_ago(2), notes="Logged by Cara")
        EpisodeFactory(patient=patient, started_at=days_ago(3), notes="Logged by the patient")
        client.force_login(clinician)
        html = client.get(reverse("tracker:report", args=[patient.pk])).content.decode()
        rows = {row for row in html.split("<tr>") if "Logged by" in row}
        assert len(rows) == 2
        by_caregiver = next(row for row in rows if "Logged by Cara" in row)
        by_patient = next(row for row in rows if "Logged by the patient" in row)
        assert "entered by <bdi>Cara Giver</bdi> (caregiver)" in by_caregiver
        assert "entered by" not in by_patient

    @pytest.mark.parametrize("size", [2, 30])
    def test_the_report_query_count_is_fixed_with_caregivers_entries(
        self, client, clinician, django_assert_num_queries, size
    ):
        patient = PatientFactory()
        grant_access(patient, clinician)
        caregivers = CaregiverFactory.create_batch(2)
        for caregiver in caregivers:
            grant_care(patient, caregiver)
        for number in range(size):
            who = caregivers[number % 2] if number % 3 else patient
            episode = EpisodeFactory(patient=patient, created_by=who, started_at=days_ago(number % 80 + 1))
            EpisodeLocation.objects.create(
                patient=patient, episode=episode, location=term("location", "calf"), side="left"
            )
        client.force_login(clinician)
        # session, user, authenticator-app check, grant (gate), access log insert; medicines (no steps to
        # read); one statement for the days (and check-ins) of the period and of the trial-style summary's
        # two windows; the charts' entries by hour (places and terms are not drawn in the report: not read);
        # their triggers and relief by day (what seems to matter); episodes (with who entered them), their
        # places and tags (one statement), and for their warning signs the patient's diagnoses; clinician
        # notes; questionnaires; and the session's new idle expiry (savepoint, update, release)
        with django_assert_num_queries(17):
            response = client.get(reverse("tracker:report", args=[patient.pk]))
        assert response.content.decode().count("(caregiver)</span>") == sum(1 for n in range(size) if n % 3)

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
            ({"start": "2020-01-01", "end": "2026-01-01"}, "start"),
            ({"start": "yesterday", "end": "2026-01-01"}, "start"),
            ({"start": "2026-01-01"}, "end"),
        ],
    )
    def test_a_bad_period_is_explained_and_the_default_is_used(self, client, clinician, patient, params, field):
        grant_access(patient, clinician)
        client.force_login(clinician)
        response = client.get(reverse("tracker:report", args=[patient.pk]), params)
        assert response.status_code == 200
        assert response.context["period_form"].errors[field]
        assert (response.context["end"] - response.context["start"]).days == 89

    def test_the_csv_export_has_a_header_and_one_row_per_episode_in_local_time(self, client, clinician):
        patient = PatientFactory(time_zone="America/New_York")
        grant_access(patient, clinician)
        episode = EpisodeFactory(patient=patient, started_at=days_ago(1), notes='=HYPERLINK("http://evil")')
        EpisodeLocation.objects.create(patient=patient, episode=episode, location=term("location", "calf"), side="both")
        client.force_login(clinician)
        response = client.get(reverse("tracker:export_csv", args=[patient.pk]))
        assert response["Content-Type"] == "text/csv"
        assert "attachment" in response["Content-Disposition"]
        table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert table[0][:5] == ["started_local", "started_utc", "entry_type", "cramps", "severity_0_10"]
        assert len(table) == 2
        row = dict(zip(table[0], table[1], strict=True))
        assert row["started_local"] == episode.started_at.astimezone(patient.zone).isoformat(timespec="minutes")
        assert (row["entry_type"], row["cramps"]) == ("single", "1")
        assert row["locations"] == "Calf (both sides)"
        assert row["notes"].startswith("'=")
        assert row["id"] == str(episode.uuid)


@pytest.mark.parametrize("size", [3, 300])
def test_the_csv_export_reads_in_a_fixed_number_of_queries(client, clinician, django_assert_num_queries, size):
    patient = PatientFactory()
    grant_access(patient, clinician)
    for episode in EpisodeFactory.create_batch(size, patient=patient, started_at=days_ago(1)):
        EpisodeLocation.objects.create(patient=patient, episode=episode, location=term("location", "calf"), side="left")
        EpisodeTerm.objects.create(patient=patient, episode=episode, term=term("trigger", "cold"))
    client.force_login(clinician)
    response = client.get(reverse("tracker:export_csv", args=[patient.pk]))
    # Counted while the rows stream: the vocabulary, then episodes, their locations and their tags
    # (three ordered reads).
    with django_assert_num_queries(4):
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == size + 1
    assert all("Calf (left)" in line and "Cold" in line for line in lines[1:])
