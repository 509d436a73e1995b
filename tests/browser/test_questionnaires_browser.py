"""Answering questionnaires on a phone: a few taps, big targets, the PSFS part 2 only after spasms,
errors next to the question; and a clinician scheduling one from the review."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from questionnaires.models import QuestionnaireResponse, Schedule
from tests.factories import TEST_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOUCH_TARGET = 44
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(autouse=True)
def instruments(shipped_instruments):
    """Transactional tests empty every table: every test here needs the shipped questionnaires back."""


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email*").fill(user.email)
    page.get_by_label("Password*").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def serious_violations(page) -> list[str]:
    # Bootstrap fades button colours in 0.15 s; without motion axe never measures a colour half-way.
    page.emulate_media(reduced_motion="reduce")
    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{item['id']}: {item['help']}: " + " | ".join(str(node["target"]) for node in item["nodes"][:3])
        for item in found
        if item["impact"] in ("serious", "critical")
    ]


def test_a_patient_answers_the_psfs_on_a_phone_in_three_taps(phone_page, screenshot):
    page = phone_page
    patient = PatientFactory()
    log_in(page, patient)
    page.goto("/questionnaires/psfs/")
    severity = page.get_by_role("group", name=re.compile("How strong were your spasms"))
    # Part 2 is asked only once part 1 says there were spasms.
    expect(severity).to_be_hidden()
    page.get_by_text("Spasms more than once an hour").click()
    expect(severity).to_be_visible()
    for label in page.locator("label.btn").all():
        if label.is_visible():
            assert label.bounding_box()["height"] >= TOUCH_TARGET, label.inner_text()
    page.get_by_text("No spasms", exact=True).click()
    expect(severity).to_be_hidden()
    page.get_by_text("Spasms more than once an hour").click()
    page.get_by_text("Moderate", exact=True).click()
    assert serious_violations(page) == []
    screenshot(page, "questionnaire-phone")
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Saved. Spasm frequency: 3")).to_be_visible()
    response = QuestionnaireResponse.objects.get()
    assert [answer["code"] for answer in response.answers] == ["over-1-an-hour", "moderate"]


def test_a_missing_answer_is_marked_next_to_its_question_and_the_chosen_ones_stay(phone_page):
    page = phone_page
    log_in(page, PatientFactory())
    page.goto("/questionnaires/cramp-impact/")
    for question, value in (("spoil your sleep", "2"), ("everyday tasks", "5"), ("your mood", "7")):
        group = page.get_by_role("group", name=re.compile(question))
        group.locator("label", has_text=re.compile(f"^{value}$")).click()
    page.get_by_role("button", name="Save my answers").click()
    work = page.get_by_role("group", name=re.compile("your work or your usual role"))
    expect(work.get_by_role("alert")).to_have_text("Choose an answer to this question.")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_answer_sleep_2")).to_be_checked()
    assert serious_violations(page) == []
    assert not QuestionnaireResponse.objects.exists()


def test_a_patient_chooses_how_often_to_be_asked_and_the_dashboard_prompts_them(page):
    log_in(page, PatientFactory())
    page.goto("/questionnaires/")
    page.get_by_role("link", name=re.compile(r"Ask me regularly\W+Weekly cramp impact check")).click()
    page.get_by_label("Ask every how many weeks?").fill("60")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#div_id_every_weeks")).to_contain_text("Choose from 1 to 52 weeks.")
    page.get_by_label("Ask every how many weeks?").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Asked every week, set by you.")).to_be_visible()
    assert Schedule.objects.get().every_weeks == 1
    page.goto("/dashboard/")
    page.get_by_role("link", name="Weekly cramp impact check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly cramp impact check")
