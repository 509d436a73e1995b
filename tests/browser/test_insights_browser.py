import csv
import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, term
from tracker.models import CheckIn, EpisodeLocation, EpisodeTerm, Medication

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = ZoneInfo("Europe/London")
EPISODES = 60
WEEKS = 20
PLACES = ["calf", "foot-toes", "hamstring", "thigh-front", "hand-fingers"]
PLACE_WEIGHTS = [6, 3, 2, 2, 1]
SIDES = ["left", "right", "both"]
TRIGGERS = ["dehydration", "cold", "exercise-overuse"]
RELIEF = ["stretching", "massage"]
EFFECTS = ["lot", "little", "none", "complete"]
# Three times as likely to start between 22:00 and 06:00 as in any daytime hour.
HOUR_WEIGHTS = [3 if hour >= 22 or hour < 6 else 1 for hour in range(24)]
FIGURES = [
    "Cramps per week",
    "Severity week by week",
    "Time of day",
    "Where cramps strike",
    "What seems to set them off",
    "What helped, and how well",
]


def on(day: dt.date) -> str:
    """A date as the page writes it ("j M Y")."""
    return f"{day.day} {day:%b %Y}"


def seed_diary(patient, today: dt.date) -> list:
    """60 cramps over the 20 whole weeks before this one, mostly at night, with places, triggers and
    relief; check-ins on some cramp-free days; magnesium started eight weeks before this Monday.
    Counted from Monday, the charts have the same shape whatever the day the test runs."""
    rng = random.Random(7)
    monday = today - dt.timedelta(days=today.weekday())
    places = {slug: term("location", slug) for slug in PLACES}
    triggers = [term("trigger", slug) for slug in TRIGGERS]
    relief = [term("relief", slug) for slug in RELIEF]
    episodes = []
    for _ in range(EPISODES):
        day = monday - dt.timedelta(days=rng.randint(1, WEEKS * 7))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        at_night = hour >= 22 or hour < 6
        episode = EpisodeFactory(
            patient=patient,
            started_at=dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=LONDON),
            severity=rng.randint(2, 9),
            duration_seconds=rng.choice([20, 45, 90, 150, 300, 600]),
            woke_from_sleep=at_night and rng.random() < 0.7,
        )
        first = rng.choices(PLACES, weights=PLACE_WEIGHTS)[0]
        chosen = [first] + ([rng.choice([slug for slug in PLACES if slug != first])] if rng.random() < 0.3 else [])
        for slug in chosen:
            EpisodeLocation.objects.create(
                patient=patient, episode=episode, location=places[slug], side=rng.choice(SIDES)
            )
        if rng.random() < 0.6:
            for trigger in rng.sample(triggers, rng.randint(1, 2)):
                EpisodeTerm.objects.create(patient=patient, episode=episode, term=trigger)
        if rng.random() < 0.7:
            for measure in rng.sample(relief, rng.randint(1, 2)):
                EpisodeTerm.objects.create(patient=patient, episode=episode, term=measure)
            episode.relief_effect = rng.choice(EFFECTS)
            episode.save(update_fields=["relief_effect"])
        episodes.append(episode)

    cramp_days = {episode.started_at.astimezone(LONDON).date() for episode in episodes}
    free_days = sorted(
        day for day in (monday - dt.timedelta(days=n) for n in range(1, WEEKS * 7 + 1)) if day not in cramp_days
    )
    for day in rng.sample(free_days, 14):
        CheckIn.objects.create(patient=patient, day=day, status=CheckIn.Status.NO_CRAMPS)
    Medication.objects.create(patient=patient, name="Magnesium", started_on=monday - dt.timedelta(weeks=8))
    return episodes


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(user.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.full_name}")


def test_patient_with_a_diary_sees_the_charts_changes_the_period_and_downloads_the_csv(page, screenshot, tmp_path):
    patient = PatientFactory(full_name="Ada Cramp", email="ada@example.org", time_zone="Europe/London")
    today = timezone.now().astimezone(LONDON).date()
    episodes = seed_diary(patient, today)
    local_days = [episode.started_at.astimezone(LONDON).date() for episode in episodes]
    night = sum(episode.started_at.astimezone(LONDON).hour in {22, 23, 0, 1, 2, 3, 4, 5} for episode in episodes)
    # The default period: whole weeks, Monday to Sunday, from the week of the first recorded day up to today.
    first = min([*local_days, *CheckIn.objects.filter(patient=patient).values_list("day", flat=True)])
    default_start = first - dt.timedelta(days=first.weekday())
    started_on = Medication.objects.get(patient=patient).started_on
    log_in(page, patient)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page).to_have_url(re.compile(r"/insights/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    lead = page.locator("p.lead")
    # Each seeded episode is a single cramp: as many cramps as entries.
    expect(lead).to_have_text(f"{EPISODES} cramps in {EPISODES} entries from {on(default_start)} to {on(today)}.")

    for caption in FIGURES:
        figure = page.get_by_role("figure", name=caption)
        expect(figure).to_have_count(1)
        expect(figure.locator("figcaption")).to_contain_text(caption)
        charts = figure.get_by_role("img")
        expect(charts.first).to_be_visible()
        for index in range(charts.count()):
            expect(charts.nth(index)).to_have_accessible_name(re.compile(r"\w"))
    expect(page.get_by_role("figure", name="Time of day").locator("figcaption")).to_have_text(
        f"Time of day: {round(100 * night / EPISODES)}% at night (22:00 to 06:00)"
    )
    expect(page.get_by_role("figure", name="Cramps per week").get_by_role("img")).to_have_accessible_name(
        re.compile(r"^Cramps per week")
    )
    body = page.get_by_role("figure", name="Where cramps strike").get_by_role("img")
    expect(body).to_have_count(2)
    expect(body.first).to_have_accessible_name(re.compile(r"^Body seen from the front"))
    expect(body.last).to_have_accessible_name(re.compile(r"^Body seen from the back"))
    expect(page.get_by_role("figure", name="What seems to set them off").get_by_role("img")).to_have_accessible_name(
        "What seems to set them off"
    )

    effects = page.get_by_role("region", name="Did a medicine make a difference?")
    expect(effects).to_contain_text("This is not proof")
    magnesium = effects.get_by_role("table", name=re.compile(r"^Magnesium"))
    expect(magnesium).to_contain_text(f"started {on(started_on)}")
    expect(magnesium.get_by_role("rowheader")).to_have_text(["28 days before starting", "28 days after starting"])
    screenshot(page, "insights")

    # The table version of a chart is behind a disclosure.
    weekly = page.get_by_role("figure", name="Cramps per week")
    table = weekly.get_by_role("table")
    expect(table).to_be_hidden()
    weekly.get_by_text("Show as a table").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Week from", "Cramps", "Cramp-free days", "Days with cramps, none logged", "Days not recorded"]
    )
    expect(table.locator("tbody tr")).to_have_count((today - default_start).days // 7 + 1)

    # A shorter period: the last four weeks.
    start = today - dt.timedelta(days=27)
    page.get_by_label("From*").fill(start.isoformat())
    page.get_by_label("To*").fill(today.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    # The form also sends the (empty) event-kind filter.
    expect(page).to_have_url(re.compile(rf"\?start={start}&end={today}&kind=$"))
    in_period = sum(start <= day <= today for day in local_days)
    cramps = f"{in_period} cramp{'s' if in_period != 1 else ''}"
    entries = f"{in_period} entr{'ies' if in_period != 1 else 'y'}"
    expect(lead).to_have_text(f"{cramps} in {entries} from {on(start)} to {on(today)}.")
    expect(page.get_by_label("From*")).to_have_value(start.isoformat())

    # A reversed period: the error sits on the "To" field and the default period is shown meanwhile.
    page.get_by_label("From*").fill(today.isoformat())
    page.get_by_label("To*").fill(start.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    to_field = page.get_by_label("To*")
    expect(to_field).to_have_attribute("aria-invalid", "true")
    expect(to_field).to_have_accessible_description("The end date is before the start date.")
    expect(page.locator("#div_id_end")).to_contain_text("The end date is before the start date.")
    expect(page.get_by_label("From*")).not_to_have_attribute("aria-invalid", "true")
    # Each seeded episode is a single cramp: as many cramps as entries.
    expect(lead).to_have_text(f"{EPISODES} cramps in {EPISODES} entries from {on(default_start)} to {on(today)}.")

    # The whole diary as CSV, from the export page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Export").click()
    expect(page).to_have_url(re.compile(r"/export/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Export your diary")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"crampapp-my-record-{today}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open(newline="", encoding="utf-8-sig") as file:
        header, *rows = list(csv.reader(file))

    assert header[:5] == ["started_local", "started_utc", "entry_type", "cramps", "severity_0_10"]
    assert len(rows) == EPISODES
    seeded = sorted(episode.started_at.astimezone(dt.UTC).isoformat(timespec="seconds") for episode in episodes)
    assert sorted(row[1] for row in rows) == seeded
    assert sum(int(row[3]) for row in rows) == EPISODES
    assert sorted(int(row[4]) for row in rows) == sorted(episode.severity for episode in episodes)


def test_on_a_phone_the_medicine_table_scrolls_sideways_and_says_so(phone_page):
    page = phone_page
    patient = PatientFactory(time_zone="Europe/London")
    today = timezone.now().astimezone(LONDON).date()
    seed_diary(patient, today)
    log_in(page, patient)
    page.goto("/insights/")
    effects = page.get_by_role("region", name="Did a medicine make a difference?")
    expect(effects.get_by_text("swipe each table sideways")).to_be_visible()
    # Wider than the phone: it scrolls inside its own box (named as such, and focusable: static/js/app.js), the
    # page does not.
    table = effects.get_by_role("region", name=re.compile(r"^Magnesium, started .* \(scrolls sideways\)$"))
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    last = table.get_by_role("columnheader", name="Mean severity")
    expect(last).not_to_be_in_viewport()
    table.focus()
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    expect(last).to_be_in_viewport()
