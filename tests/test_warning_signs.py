"""The warning signs: every rule of the one table (education.warning_signs), both ways, through the real entry
form, as the entry page, the dashboard and the clinician's review show it; and the pages that list the rules
agree with the table."""

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from education.content import load_pages, shipped_pages
from education.warning_signs import NOT_CRAMPS, SIGNS, WARNING_SIGNS_PAGE, EntryFacts, Tier, tiers, warning_for
from tracker.diary.services import medication_add, profile_for, profile_update
from tracker.models import Episode, EventKind, PatientCondition

from .factories import PatientFactory, grant_access, term

pytestmark = pytest.mark.django_db

NEW_URL = reverse("tracker:episode_new")


@pytest.fixture
def pages(db):
    load_pages()


def local_input(moment: dt.datetime, patient) -> str:
    return moment.astimezone(patient.zone).strftime("%Y-%m-%dT%H:%M")


def entry(patient, *, places=("calf",), symptoms=(), triggers=(), minutes=None, relief="", severity=5, ago=60):
    """What a patient posts in the full entry form."""
    return {
        "client_id": str(uuid.uuid4()),
        "started_at": local_input(timezone.now() - dt.timedelta(minutes=ago), patient),
        "severity": str(severity),
        "duration_minutes": "" if minutes is None else str(minutes),
        "duration_seconds": "",
        "locations": [f"{term('location', place).pk}:left" for place in places],
        "woke_from_sleep": "",
        "triggers": [str(term("trigger", slug).pk) for slug in triggers],
        "symptoms": [str(term("symptom", slug).pk) for slug in symptoms],
        "relief_effect": relief,
        "notes": "typed by the patient",
    }


@dataclass
class Case:
    """One row of the rule table as a patient meets it: what they post, who they are, what they are told."""

    entry: dict = field(default_factory=dict)
    conditions: tuple = ()
    spinal_injury_level: str = ""
    medicine: str = ""
    tier: Tier | None = None
    words: str = ""


CASES = {
    # A cramp longer than 10 minutes that did not ease: same day, at any severity.
    "30-minute cramp rated 6": Case(
        {"minutes": 30, "severity": 6}, tier=Tier.SAME_DAY, words="lasted more than 10 minutes"
    ),
    "30-minute cramp that relief did not ease": Case(
        {"minutes": 30, "relief": "little", "severity": 2}, tier=Tier.SAME_DAY, words="did not ease"
    ),
    "30-minute cramp that eased completely": Case({"minutes": 30, "relief": "complete"}),
    "9-minute cramp": Case({"minutes": 9, "severity": 9}),
    # Swelling, redness or warmth of a leg: a possible clot.
    "swollen red calf": Case({"symptoms": ["swelling-redness"]}, tier=Tier.SAME_DAY, words="swollen, red or warm"),
    "swollen calf and breathless": Case(
        {"symptoms": ["swelling-redness", "chest-pain-breathless"]}, tier=Tier.EMERGENCY, words="chest pain"
    ),
    "swollen neck": Case({"places": ["neck"], "symptoms": ["swelling-redness"]}),
    # Emergencies.
    "trouble breathing or swallowing": Case(
        {"symptoms": ["trouble-breathing-swallowing"]}, tier=Tier.EMERGENCY, words="Trouble breathing"
    ),
    "sudden weakness of one side": Case(
        {"symptoms": ["one-side-weakness-speech"]}, tier=Tier.EMERGENCY, words="weakness of one side"
    ),
    "weakness spreading over hours": Case(
        {"symptoms": ["weakness-spreading"]}, tier=Tier.EMERGENCY, words="spreading over hours"
    ),
    "dark urine": Case({"symptoms": ["dark-urine"]}, tier=Tier.EMERGENCY, words="cola-coloured urine"),
    # Tetanus.
    "cramps after a dirty wound": Case({"triggers": ["dirty-wound"]}, tier=Tier.SAME_DAY, words="dirty wound"),
    "locked jaw": Case({"places": ["neck"], "symptoms": ["locked-jaw"]}, tier=Tier.SAME_DAY, words="locked jaw"),
    # Weakness, wasting, bladder or bowel: soon, or the same day when sudden.
    "new weakness": Case({"symptoms": ["weakness"]}, tier=Tier.SOON, words="New or increasing weakness"),
    "muscle wasting": Case({"symptoms": ["muscle-wasting"]}, tier=Tier.SOON, words="Muscle wasting"),
    "bladder or bowel": Case({"symptoms": ["bladder-bowel"]}, tier=Tier.SOON, words="bladder or bowel"),
    "sudden weakness": Case(
        {"symptoms": ["weakness", "came-on-suddenly"]}, tier=Tier.SAME_DAY, words="came on suddenly"
    ),
    # Low calcium.
    "tingling lips with a hand spasm": Case(
        {"places": ["hand-fingers"], "symptoms": ["tingling-lips-fingers"]}, tier=Tier.SAME_DAY, words="lips"
    ),
    "tingling lips with a thigh cramp": Case({"places": ["thigh-front"], "symptoms": ["tingling-lips-fingers"]}),
    # Claudication.
    "calf pain on walking": Case({"symptoms": ["calf-pain-walking"]}, tier=Tier.SOON, words="when walking"),
    # Statins.
    "muscle pain on a statin": Case(
        {"symptoms": ["muscle-pain"]}, medicine="Atorvastatin", tier=Tier.SOON, words="taking a statin"
    ),
    "muscle pain on a statin by its brand name": Case(
        {"symptoms": ["muscle-pain"]}, medicine="Lipitor 20mg", tier=Tier.SOON, words="taking a statin"
    ),
    "muscle pain without a statin": Case({"symptoms": ["muscle-pain"]}, medicine="Baclofen"),
    "muscle pain on nystatin": Case({"symptoms": ["muscle-pain"]}, medicine="Nystatin"),
    # Autonomic dysreflexia.
    "dysreflexia at T6 or above": Case(
        {"places": ["back"], "symptoms": ["headache-flushing"]},
        conditions=("spinal-cord-injury",),
        spinal_injury_level="t6_or_above",
        tier=Tier.EMERGENCY,
        words="pounding headache",
    ),
    "dysreflexia signs, level not said": Case(
        {"places": ["back"], "symptoms": ["headache-flushing"]},
        conditions=("spinal-cord-injury",),
        tier=Tier.EMERGENCY,
        words="pounding headache",
    ),
    "headache below T6": Case(
        {"places": ["back"], "symptoms": ["headache-flushing"]},
        conditions=("spinal-cord-injury",),
        spinal_injury_level="below_t6",
    ),
    # Twitching, numbness and tingling: nothing alone; with weakness, or spreading: soon.
    "twitching alone": Case({"symptoms": ["twitching"]}),
    "numbness alone": Case({"symptoms": ["numbness-tingling"]}),
    "numbness alone in a neuropathy": Case({"symptoms": ["numbness-tingling"]}, conditions=("diabetic-neuropathy",)),
    "twitching with weakness": Case({"symptoms": ["twitching", "weakness"]}, tier=Tier.SOON, words="weakness"),
    "spreading numbness": Case(
        {"symptoms": ["numbness-tingling", "symptoms-spreading"]}, tier=Tier.SOON, words="spreading"
    ),
    "an ordinary cramp": Case({"symptoms": ["soreness-afterwards"], "triggers": ["cold"], "minutes": 2}),
}


def meet(case: Case, clinician):
    """A patient as the case describes them, who shares their log with `clinician`, logs the entry through
    the form, and is then looked at on the entry page, the dashboard, and the clinician's review, visit report
    and list."""
    patient = PatientFactory(time_zone="Europe/London")
    grant_access(patient, clinician)
    if case.conditions or case.spinal_injury_level:
        profile_update(
            patient=patient,
            time_zone=patient.time_zone,
            conditions=[term("condition", slug) for slug in case.conditions],
            other_conditions="",
            reminder_time=None,
            spinal_injury_level=case.spinal_injury_level,
        )
    if case.medicine:
        medication_add(patient=patient, name=case.medicine)
    return patient


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize("name", CASES)
def test_each_rule_shows_its_tier_on_the_entry_the_dashboard_and_the_review(client, clinician, pages, name):
    case = CASES[name]
    patient = meet(case, clinician)
    client.force_login(patient)
    response = client.post(NEW_URL, entry(patient, **case.entry))
    assert response.status_code == 302, response.context["form"].errors
    episode = Episode.objects.get(patient=patient)
    entry_page = page_text(client.get(reverse("tracker:episode_detail", args=[episode.uuid])))
    dashboard = page_text(client.get(reverse("tracker:dashboard")))
    client.force_login(clinician)
    review = page_text(client.get(reverse("tracker:patient_review", args=[patient.pk])))
    report = page_text(client.get(reverse("tracker:report", args=[patient.pk])))
    clinic_list = page_text(client.get(reverse("tracker:clinic")))
    if case.tier is None:
        assert "warning-box" not in entry_page
        assert "warning-marker" not in dashboard
        assert "warning-marker" not in review
        assert "warning-marker" not in clinic_list
        assert "Entries with warning signs</th><td>0</td>" in report
        return
    assert f"{case.tier.heading}</h2>" in entry_page
    assert entry_page.count('id="warning-heading"') == 1
    assert case.words in entry_page
    assert f"{case.tier.heading}</h2>" in dashboard
    assert f"Warning sign: {case.tier.short.lower()}" in dashboard
    assert f"Warning sign: {case.tier.short.lower()}" in review
    assert case.words in review
    assert f"<strong>{case.tier.short}</strong> (" in report
    assert case.words in report
    assert "Entries with warning signs</th><td>1</td>" in report
    assert f"1 entry with warning signs, highest: {case.tier.short.lower()}" in clinic_list


def test_the_highest_tier_heads_the_entry_once_and_lower_tiers_are_listed_under_it(client, patient, pages):
    client.force_login(patient)
    client.post(NEW_URL, entry(patient, symptoms=["swelling-redness", "weakness"]))
    episode = Episode.objects.get(patient=patient)
    html = page_text(client.get(reverse("tracker:episode_detail", args=[episode.uuid])))
    assert html.count(Tier.SAME_DAY.heading) == 1
    assert Tier.SOON.heading not in html
    assert html.index("swollen, red or warm painful leg") < html.index("Also in this entry, less urgent")
    assert html.index("Also in this entry, less urgent") < html.index("New or increasing weakness")


def diagnose(patient, slug):
    PatientCondition.objects.create(profile=profile_for(patient), condition=term("condition", slug))


def logged_warning(client, patient, **fields):
    client.post(NEW_URL, entry(patient, **fields))
    episode = Episode.objects.for_patient(patient).order_by("-created_at").first()
    return client.get(reverse("tracker:episode_detail", args=[episode.uuid])).context["warning"]


def test_a_sign_a_diagnosis_explains_warns_once_when_it_first_appears_and_a_new_sign_still_warns(client, pages):
    patient = PatientFactory()
    diagnose(patient, "diabetic-neuropathy")
    client.force_login(patient)
    spreading = ["numbness-tingling", "symptoms-spreading"]
    first = logged_warning(client, patient, symptoms=spreading, ago=300)
    assert [sign.key for sign in first.signs] == ["twitching-or-numbness-spreading"]
    assert logged_warning(client, patient, symptoms=spreading, ago=200) is None
    again_with_weakness = logged_warning(client, patient, symptoms=[*spreading, "weakness"], ago=100)
    assert [sign.key for sign in again_with_weakness.signs] == ["new-weakness"]


def test_weakness_in_als_warns_on_its_first_entry_only_but_without_the_diagnosis_on_every_entry(client, pages):
    with_als, without = PatientFactory(), PatientFactory()
    diagnose(with_als, "als-mnd")
    for patient, second in ((with_als, None), (without, Tier.SOON)):
        client.force_login(patient)
        assert logged_warning(client, patient, symptoms=["weakness"], ago=300).tier == Tier.SOON
        warning = logged_warning(client, patient, symptoms=["weakness"], ago=100)
        assert (warning.tier if warning else None) == second


def test_an_unexplained_emergency_still_warns_every_time_for_a_diagnosed_patient(client, pages):
    patient = PatientFactory()
    diagnose(patient, "als-mnd")
    client.force_login(patient)
    for ago in (300, 100):
        assert (
            logged_warning(client, patient, symptoms=["trouble-breathing-swallowing"], ago=ago).tier == Tier.EMERGENCY
        )


class TestBadInput:
    def test_severity_0_with_a_warning_sign_is_refused_next_to_the_field_and_keeps_what_was_typed(
        self, client, patient
    ):
        client.force_login(patient)
        response = client.post(NEW_URL, entry(patient, severity=0, symptoms=["weakness"]))
        assert response.status_code == 200
        errors = response.context["form"].errors["severity"]
        assert "You rated this 0 (no pain) but noted warning signs (new or increasing weakness)" in errors[0]
        assert "typed by the patient" in response.content.decode()
        assert not Episode.objects.exists()

    def test_a_painless_twitch_with_weakness_is_accepted(self, client, patient):
        client.force_login(patient)
        data = {**entry(patient, severity=0, symptoms=["twitching", "weakness"]), "event_kind": "twitch"}
        assert client.post(NEW_URL, data).status_code == 302
        assert Episode.objects.get(patient=patient).severity == 0

    def test_a_duration_longer_than_the_time_since_the_start_is_refused(self, client, patient):
        client.force_login(patient)
        response = client.post(NEW_URL, entry(patient, minutes=30, ago=10))
        errors = response.context["form"].errors["duration_minutes"]
        assert errors == [
            "This cramp started 10 minutes ago, so it cannot have lasted 30 minutes yet. If you are logging it "
            "after it ended, set the start time to when it began."
        ]
        assert not Episode.objects.exists()

    def test_a_conflicting_edit_changes_nothing_stored(self, client, patient):
        client.force_login(patient)
        client.post(NEW_URL, entry(patient, minutes=3, severity=6))
        episode = Episode.objects.get(patient=patient)
        edit = {**entry(patient, minutes=3, severity=0, symptoms=["dark-urine"]), "client_id": str(episode.client_id)}
        response = client.post(reverse("tracker:episode_edit", args=[episode.uuid]), edit)
        assert "severity" in response.context["form"].errors
        episode.refresh_from_db()
        assert (episode.severity, list(episode.terms.all())) == (6, [])


class TestTheTableAndThePagesAgree:
    def test_the_guide_page_lists_every_sign_under_its_tier_and_nothing_else(self, client, pages):
        html = client.get(reverse("education:page", args=[WARNING_SIGNS_PAGE])).content.decode()
        for tier, signs in tiers():
            section = re.search(rf'<section class="warning-tier" id="{tier.anchor}".*?</section>', html, re.S)
            assert section is not None, tier
            assert tier.heading in section.group(0)
            listed = re.findall(r'data-sign="([^"]+)"', section.group(0))
            assert listed == [sign.key for sign in signs]
            for sign in signs:
                assert sign.words in section.group(0)

    def test_the_footer_names_exactly_the_emergency_signs(self, client):
        html = client.get("/").content.decode()
        footer = re.search(r'<span class="emergency-signs">(.*?)</span>', html, re.S).group(1)
        expected = [sign.in_sentence for sign in SIGNS if sign.tier == Tier.EMERGENCY]
        assert footer.split("; ") == expected

    def test_every_sign_links_to_a_shipped_guide_page_and_names_its_source(self):
        shipped = {page.slug for page in shipped_pages()}
        for sign in SIGNS:
            assert sign.page in shipped, sign.key
            assert all([sign.source, sign.why, sign.words]), sign.key

    def test_the_tiers_go_from_emergency_to_soon(self):
        assert [tier for tier, _ in tiers()] == [Tier.EMERGENCY, Tier.SAME_DAY, Tier.SOON]

    def test_an_entry_page_links_each_sign_to_its_page(self, client, patient, pages):
        client.force_login(patient)
        client.post(NEW_URL, entry(patient, symptoms=["muscle-wasting"]))
        episode = Episode.objects.get(patient=patient)
        html = client.get(reverse("tracker:episode_detail", args=[episode.uuid])).content.decode()
        assert 'href="/learn/als-and-motor-neuron-disease/"' in html


@pytest.mark.parametrize(
    ("facts", "keys"),
    [
        (EntryFacts(symptoms=frozenset({"swelling-redness"})), ["clot"]),
        (EntryFacts(symptoms=frozenset({"swelling-redness"}), places=frozenset({"upper-arm"})), []),
        (EntryFacts(duration_seconds=601), ["long-cramp"]),
        (EntryFacts(duration_seconds=600), []),
        (EntryFacts(duration_seconds=601, relief_effect="lot"), []),
        (EntryFacts(duration_seconds=601, event_kind="cramp"), ["long-cramp"]),
        (EntryFacts(duration_seconds=601, event_kind="unsure"), ["long-cramp"]),
        (EntryFacts(duration_seconds=1800, event_kind="twitch"), []),
        (EntryFacts(duration_seconds=1800, event_kind="spasm"), []),
        (EntryFacts(symptoms=frozenset({"weakness"}), medicines=("Simvastatin 40 mg",)), ["new-weakness", "statin"]),
        (EntryFacts(symptoms=frozenset({"headache-flushing"})), []),
    ],
)
def test_the_rules_read_an_entry_s_facts(facts, keys):
    warning = warning_for(facts)
    assert ([sign.key for sign in warning.signs] if warning else []) == keys


def test_the_rules_name_the_event_kinds_the_diary_stores():
    assert NOT_CRAMPS.issubset(EventKind.values)


def test_a_long_twitch_raises_no_sign_on_its_page_or_in_the_clinic(client, patient, clinician):
    grant_access(patient, clinician)
    client.force_login(patient)
    for kind in ("twitch", "cramp"):
        client.post(NEW_URL, {**entry(patient, minutes=30, severity=2), "event_kind": kind})
    twitch, cramp = (Episode.objects.get(patient=patient, event_kind=kind) for kind in ("twitch", "cramp"))
    twitch_page = client.get(reverse("tracker:episode_detail", args=[twitch.uuid])).content.decode()
    cramp_page = client.get(reverse("tracker:episode_detail", args=[cramp.uuid])).content.decode()
    assert "did not ease" not in twitch_page
    assert re.search(r"<h1[^>]*>Twitching on <time", twitch_page)
    assert re.search(r"<h1[^>]*>Cramp on <time", cramp_page)
    edit = client.get(reverse("tracker:episode_edit", args=[twitch.uuid])).content.decode()
    assert "<h1>Edit this entry: twitching (fasciculations)</h1>" in edit
    delete = client.get(reverse("tracker:episode_delete", args=[twitch.uuid])).content.decode()
    assert "Delete this entry, twitching (fasciculations)?" in delete
    assert "A cramp that lasted more than 10 minutes and did not ease" in cramp_page
    client.force_login(clinician)
    [row] = client.get(reverse("tracker:clinic")).context["page"].object_list
    assert (row.clinic_summary.warning_entries, row.clinic_summary.warning_tier) == (1, Tier.SAME_DAY)


def test_the_readme_lists_every_sign_with_its_tier_and_source():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for sign in SIGNS:
        assert f"| {sign.tier.short} | {sign.words} | {sign.why} | {sign.source} |" in readme, sign.key
