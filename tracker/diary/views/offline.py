"""Working without a connection: the page the service worker shows when there is none (pwa/sw.js),
and the endpoint that receives the cramps kept on the device meanwhile (static/js/offline-log.js)."""

import json
import re

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User, time_zone_names
from tracker.diary.forms import QuickLogForm
from tracker.diary.services import ClientIdReused, episode_create
from tracker.diary.tallies import AUTO
from tracker.models import Episode
from tracker.moments import UTC_OFFSET_CODE, UTC_OFFSET_MESSAGE

# One entry is about 150 bytes of JSON; anything much larger is not one.
MAX_ENTRY_BYTES = 2048
# An entry is one object of plain values (depth 1); a little more still gets a message about its fields.
MAX_NESTING = 8
OPENING, CLOSING, QUOTE, BACKSLASH = b"[{", b"]}", ord('"'), ord("\\")
# What each field of an entry must be in JSON. "patient" is the account it was logged under, "time_zone" the
# phone's zone (an IANA name) when it was logged.
ENTRY_TYPES = {
    "client_id": str,
    "started_at": str,
    "severity": int,
    "location": (str, type(None)),
    "patient": int,
    "time_zone": (str, type(None)),
}
# An offline entry always carries its own start time: the moment of the cramp, not of the upload.
REQUIRED = ("client_id", "started_at", "severity")
# An exact moment: "...Z" or "...+01:00". A time without one would be read in the patient's zone.
WITH_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
NOT_SAVED = "This cramp could not be saved."
TYPE_ERRORS = {
    "client_id": "Send the entry's id as a string.",
    "started_at": "Send when the cramp started, as an ISO 8601 date and time with its UTC offset.",
    "severity": "Send how bad the cramp was as a whole number from 0 to 10.",
    "location": "Send the place as a string, or null.",
    "patient": "Send the account's id as a whole number.",
    "time_zone": "Send the phone's time zone as its IANA name (such as Europe/London), or null.",
}


class Refusal(Exception):
    """An entry refused before it reaches the form: the HTTP status, a reason, and field errors."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


@require_safe
def offline_page(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page that needs the network. The worker fetches it without
    cookies, so the copy it keeps holds nobody's data; the quick log on it works on the device."""
    # Rendered as for a visitor even when someone is signed in: the page must hold nobody's data.
    return render(request, "offline.html", {"quick_form": QuickLogForm(patient=None), "user": AnonymousUser()})


@require_POST
def episode_sync(request: HttpRequest) -> JsonResponse:
    """Store one cramp that was kept on the device while offline: JSON in, JSON out.

    201 created, 200 already saved (the same entry sent again), 409 the entry's id was used for
    another cramp, 422 the entry breaks a rule (the quick log's own), 400/413/415 not one JSON
    entry (400 too for nesting too deep or a UTC offset beyond ±15:59), 401/403 not the patient's own.
    CSRF is checked as for any form.
    """
    claimed_id = None
    try:
        entry = _read_entry(request)
        claimed_id = entry["client_id"] if isinstance(entry.get("client_id"), str) else None
        form = QuickLogForm(_form_data(entry, request.user), patient=request.user, time_zone=_zone_of(entry))
        if not form.is_valid():
            errors = {name: [item["message"] for item in items] for name, items in form.errors.get_json_data().items()}
            if form.has_error("started_at", UTC_OFFSET_CODE):
                # An offset no zone has is a malformed request, not a cramp breaking a rule.
                raise Refusal(400, f"{NOT_SAVED} {UTC_OFFSET_MESSAGE}", errors)
            raise Refusal(422, NOT_SAVED, errors)
        episode, created = episode_create(
            patient=request.user,
            created_by=request.user,
            client_id=form.cleaned_data["client_id"],
            details=form.details(),
            # No one to ask: inside a tally's night it is one of the tally's cramps while there is room.
            overlap=AUTO,
        )
    except Refusal as refusal:
        return _answer(refusal.status, "refused", claimed_id, refusal.message, errors=refusal.errors)
    except ClientIdReused as reused:
        return _answer(409, "refused", claimed_id, reused.message, episode=reused.episode)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return _answer(422, "refused", claimed_id, NOT_SAVED, errors=errors)
    if created:
        return _answer(201, "created", str(episode.client_id), "Cramp saved.", episode=episode)
    return _answer(200, "already_saved", str(episode.client_id), "This cramp was already saved.", episode=episode)


def _read_entry(request: HttpRequest) -> dict:
    """The posted JSON object from a signed-in patient, or Refusal saying what is wrong with the request."""
    user = request.user
    if not user.is_authenticated:
        raise Refusal(401, "You are signed out. Sign in to send the cramps waiting on this device.")
    if not user.is_patient:
        raise Refusal(403, "Only a patient can log cramps.")
    if request.content_type != "application/json":
        raise Refusal(415, "Send the entry as JSON (Content-Type: application/json).")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_ENTRY_BYTES or len(request.body) > MAX_ENTRY_BYTES:
        raise Refusal(413, f"One entry is at most {MAX_ENTRY_BYTES} bytes of JSON.")
    # Measured before parsing: Python's JSON parser recurses once per level, and a thousand levels fit in 2 KB.
    if _nesting_depth(request.body) > MAX_NESTING:
        raise Refusal(400, "This entry is nested too deeply: send one JSON object whose values are plain values.")
    try:
        entry = json.loads(request.body)
    except ValueError:
        raise Refusal(400, "This is not valid JSON.") from None
    if not isinstance(entry, dict):
        raise Refusal(400, "Send one entry, as a JSON object.")
    unknown = sorted(set(entry) - set(ENTRY_TYPES))
    if unknown:
        raise Refusal(400, f"Unexpected fields: {', '.join(unknown)}.")
    return entry


def _nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, brackets inside strings aside (valid JSON or not)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == BACKSLASH:
                escaped = True
            elif byte == QUOTE:
                in_string = False
        elif byte == QUOTE:
            in_string = True
        elif byte in OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in CLOSING:
            depth -= 1
    return deepest


def _form_data(entry: dict, patient: User) -> dict[str, str]:
    """The entry as the quick log's form data, once each field has the right JSON type."""
    errors = {
        name: [TYPE_ERRORS[name]]
        for name, value in entry.items()
        # bool is an int in Python, but true is not a severity.
        if not isinstance(value, ENTRY_TYPES[name]) or isinstance(value, bool)
    }
    for name in REQUIRED:
        if name not in entry:
            errors.setdefault(name, [TYPE_ERRORS[name]])
    if errors:
        raise Refusal(422, NOT_SAVED, errors)
    if not WITH_OFFSET.search(entry["started_at"].strip()):
        raise Refusal(422, NOT_SAVED, {"started_at": [TYPE_ERRORS["started_at"]]})
    if "patient" in entry and entry["patient"] != patient.pk:
        raise Refusal(
            403, "This cramp was logged on this device while another account was signed in. It was not saved."
        )
    return {
        "client_id": entry["client_id"],
        "started_at": entry["started_at"],
        "severity": str(entry["severity"]),
        "location": entry.get("location") or "",
    }


def _zone_of(entry: dict) -> str | None:
    """The zone the phone was in when the cramp was logged: its start and zone come from the same clock, so the
    cramp keeps the local time it happened at. A zone we do not know (or none) leaves it in the profile's zone."""
    name = entry.get("time_zone")
    return name if isinstance(name, str) and name in time_zone_names() else None


def _answer(
    status: int,
    outcome: str,
    client_id: str | None,
    message: str,
    *,
    errors: dict[str, list[str]] | None = None,
    episode: Episode | None = None,
) -> JsonResponse:
    body = {"status": outcome, "client_id": client_id, "message": message, "errors": errors or {}}
    if episode is not None:
        body["episode_url"] = reverse("tracker:episode_detail", args=[episode.uuid])
    return JsonResponse(body, status=status)
