"""Every page is valid HTML: the Nu Html Checker (the W3C's validator, vnu.jar from tools/vnu, which `make test`
installs) finds no error on any page of any role, with its forms empty and with their errors shown.

The pages are rendered by the test client into files and checked in one run of the checker (one Java start).
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tracker.diary.services import EpisodeDetails, episode_create, own_word_add
from tracker.models import CareGrant
from tracker.sharing.services import caregiver_invitation_accept, invitation_create

from .factories import CaregiverFactory, grant_access

pytestmark = pytest.mark.django_db

VNU_JAR = (
    Path(__file__).resolve().parent.parent / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def checker_missing() -> str | None:
    if not VNU_JAR.exists():
        return "tools/vnu is not installed: run `make test` (npm ci --prefix tools/vnu)"
    if shutil.which("java") is None:
        return "Java is needed to run the Nu Html Checker"
    return None


def nu_errors(folder: Path) -> list[str]:
    """Each error the checker finds in the folder's pages, as "page:line: message (extract)"."""
    result = subprocess.run(  # noqa: S603 (our own files, fixed arguments)
        ["java", "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html", str(folder)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    return [
        f"{Path(message.get('url', '')).name}:{message.get('lastLine', '?')}: {message['message']} "
        f"({message.get('extract', '').strip()[:120]})"
        for message in messages
    ]


@pytest.fixture
def cast(patient, clinician):
    """A patient with an entry, a tally and a medicine, a clinician and a caregiver they share with."""
    call_command("load_education", verbosity=0)
    now = timezone.now()
    episode, _ = episode_create(
        patient=patient,
        created_by=patient,
        client_id=uuid.uuid4(),
        details=EpisodeDetails(started_at=now - dt.timedelta(hours=2), severity=5),
    )
    grant_access(patient, clinician)
    caregiver = CaregiverFactory(full_name="Cara Giver")
    invitation = invitation_create(patient=patient, role=CareGrant.Role.CAREGIVER)
    caregiver_invitation_accept(caregiver=caregiver, code=invitation.code)
    # A word of the patient's own, so that its page and the forms offering it are checked too.
    word = own_word_add(patient=patient, kind="location", label="Jaw")
    return {"patient": patient, "clinician": clinician, "caregiver": caregiver, "episode": episode, "word": word}


def pages_of(cast) -> dict[str, list[str]]:
    patient, episode = cast["patient"], cast["episode"]
    return {
        "anonymous": [
            "/",
            reverse("education:index"),
            reverse("education:page", args=["when-to-see-a-clinician"]),
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
        ],
        "patient": [
            reverse("tracker:dashboard"),
            reverse("tracker:episode_list"),
            reverse("tracker:episode_new"),
            reverse("tracker:episode_detail", args=[episode.uuid]),
            reverse("tracker:episode_edit", args=[episode.uuid]),
            reverse("tracker:episode_delete", args=[episode.uuid]),
            reverse("tracker:tally_new"),
            reverse("tracker:checkin"),
            reverse("tracker:profile"),
            reverse("tracker:own_words"),
            reverse("tracker:own_word_edit", args=[cast["word"].pk]),
            reverse("tracker:medication_new"),
            reverse("tracker:insights"),
            reverse("tracker:export"),
            reverse("tracker:import"),
            reverse("tracker:sharing"),
            reverse("tracker:account_delete"),
            reverse("questionnaires:list"),
            reverse("questionnaires:answer", args=["psfs"]),
        ],
        "clinician": [
            reverse("tracker:clinic"),
            reverse("tracker:accept"),
            reverse("tracker:patient_review", args=[patient.pk]),
            reverse("tracker:patient_entries", args=[patient.pk]),
            reverse("tracker:report", args=[patient.pk]),
        ],
        "caregiver": [
            reverse("tracker:care_home"),
            reverse("tracker:care_log", args=[patient.pk]),
            reverse("tracker:care_episode_new", args=[patient.pk]),
            reverse("tracker:care_tally_new", args=[patient.pk]),
            reverse("tracker:care_checkin", args=[patient.pk]),
        ],
    }


# Forms sent empty or wrong, so that their pages are checked with errors shown next to the fields.
REFUSED_POSTS = {
    "anonymous": [(reverse("account_signup"), {"email": "not an address", "role": "clinician"})],
    "patient": [
        (reverse("tracker:episode_new"), {"severity": "11", "notes": "x"}),
        (reverse("tracker:tally_new"), {"cramp_count": "-1"}),
        (reverse("tracker:profile"), {"time_zone": "Mars/Olympus"}),
        (reverse("tracker:medication_new"), {"name": ""}),
        (reverse("tracker:own_words"), {"kind": "trigger", "label": "x" * 41}),
    ],
}


def test_every_page_is_valid_html(client, cast, tmp_path):
    missing = checker_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    for role, urls in pages_of(cast).items():
        client.logout()
        if role != "anonymous":
            client.force_login(cast[role])
        for number, url in enumerate(urls):
            response = client.get(url)
            assert response.status_code == 200, url
            (tmp_path / f"{role}-{number}.html").write_bytes(response.content)
        for number, (url, data) in enumerate(REFUSED_POSTS.get(role, [])):
            response = client.post(url, data)
            assert response.status_code == 200, url
            (tmp_path / f"{role}-refused-{number}.html").write_bytes(response.content)
    errors = nu_errors(tmp_path)
    assert errors == [], "\n".join(errors)
