"""Night and day tallies: several cramps as one entry ("last night: 4 cramps, the worst 7/10")."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required
from accounts.models import User
from tracker.diary.forms import add_service_error
from tracker.diary.forms.tallies import TallyForm
from tracker.diary.services import ClientIdReused, episode_create, episode_update
from tracker.diary.tallies import (
    Overlap,
    OverlapNeedsChoice,
    OverlapQuestion,
    TallyExists,
    same_kind,
    slot_key,
    slot_of,
    tally_covering,
)
from tracker.models import EntryType, Episode


def tally_asked_for(request: HttpRequest, patient: User) -> dict:
    """The night (?night=YYYY-MM-DD) or day (?day=) to offer; last night when none or a bad one is named."""
    for entry_type, name in ((EntryType.NIGHT, "night"), (EntryType.DAY, "day")):
        try:
            day = dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        if day <= patient.today():
            return {"entry_type": entry_type, "tally_date": day}
    return {}


def tally_saved_message(tally: Episode, created: bool) -> str:
    if not created:
        return "This tally was already saved; it was not logged twice."
    return f"{tally.get_entry_type_display()} saved: {tally.cramp_count} cramp{'s' if tally.cramp_count != 1 else ''}."


@dataclass(frozen=True)
class TallyOutcome:
    """What saving a tally form came to: the saved tally, or what to show on the form again (the question
    about single cramps in its night, or the tally that night already has)."""

    tally: Episode | None = None
    created: bool = False
    question: OverlapQuestion | None = None
    existing: Episode | None = None


def shown_with_form(form: TallyForm, outcome: TallyOutcome) -> dict:
    """The question and the tally already there to show on the form: found when it was checked, or when it was
    stored."""
    return {"overlap": outcome.question or form.question, "existing": outcome.existing or form.existing}


def tally_save(form: TallyForm, *, created_by: User, episode: Episode | None = None) -> TallyOutcome:
    """Store a valid tally form for its patient: a new tally, or the changes to `episode`. What the service
    refuses becomes errors on the form; ClientIdReused (a form saved before with other answers) is raised."""
    details, overlap = form.details(), form.overlap_answer()
    try:
        if episode is None:
            tally, created = episode_create(
                patient=form.patient,
                created_by=created_by,
                client_id=form.cleaned_data["client_id"],
                details=details,
                overlap=overlap,
            )
        else:
            tally, created = episode_update(episode=episode, details=details, overlap=overlap), False
    except OverlapNeedsChoice as asked:
        add_service_error(form, asked)
        count = form.cleaned_data["cramp_count"]
        return TallyOutcome(question=OverlapQuestion.from_error(asked, form.asked_slot(), count))
    except TallyExists as exists:
        add_service_error(form, exists)
        return TallyOutcome(existing=exists.episode)
    except ClientIdReused:
        raise
    except ValidationError as error:
        add_service_error(form, error)
        return TallyOutcome()
    return TallyOutcome(tally=tally, created=created)


def _render(request: HttpRequest, form: TallyForm, outcome: TallyOutcome, **context) -> HttpResponse:
    context = {"form": form, **shown_with_form(form, outcome), **context}
    return render(request, "tracker/tally_form.html", context)


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def tally_new(request: HttpRequest) -> HttpResponse:
    """Log a night (or day) of cramps in one entry: how many, the worst, where, how often they woke you."""
    posted = request.POST if request.method == "POST" else None
    form = TallyForm(posted, patient=request.user, initial=tally_asked_for(request, request.user))
    outcome = TallyOutcome()
    if request.method == "POST" and form.is_valid():
        try:
            outcome = tally_save(form, created_by=request.user)
        except ClientIdReused as reused:
            messages.warning(
                request, "This form had already been saved, with other answers. Nothing was changed: edit it here."
            )
            return redirect("tracker:episode_detail", episode_id=reused.episode.uuid)
        if outcome.tally is not None:
            messages.success(request, tally_saved_message(outcome.tally, outcome.created))
            return redirect("tracker:episode_detail", episode_id=outcome.tally.uuid)
    return _render(request, form, outcome)


def tally_edit(request: HttpRequest, tally: Episode) -> HttpResponse:
    """Change a tally (the edit page of an entry that is one; its access is checked there)."""
    form = TallyForm(
        request.POST if request.method == "POST" else None,
        patient=request.user,
        episode=tally,
        initial=TallyForm.initial_from(tally),
    )
    outcome = TallyOutcome()
    if request.method == "POST" and form.is_valid():
        outcome = tally_save(form, created_by=request.user, episode=tally)
        if outcome.tally is not None:
            messages.success(request, "Changes saved.")
            return redirect("tracker:episode_detail", episode_id=tally.uuid)
    return _render(request, form, outcome, episode=tally)


def episode_edit_save(form, patient: User, episode: Episode) -> tuple[bool, OverlapQuestion | None]:
    """Save the edit form of one cramp (the patient's or a caregiver's page), asking again whether it
    is one of the cramps of a tally of the same night. Returns (saved, the question to show)."""
    question = None
    covering = tally_covering(patient, episode.started_at, episode.zone)
    if covering is not None and same_kind(covering.event_kind, episode.event_kind):
        # Asked before (or linked when described from the tally): the answer stands unless changed.
        form.initial["overlap"] = Overlap.PART if episode.tally_id == covering.pk else Overlap.SEPARATE
        question = OverlapQuestion(key=slot_key(*slot_of(episode.zone, episode.started_at)), tally=covering)
    if form.is_bound and form.is_valid():
        try:
            episode_update(episode=episode, details=form.details(), overlap=form.overlap_answer())
        except OverlapNeedsChoice as asked:
            add_service_error(form, asked)
            question = OverlapQuestion.from_error(asked, form.asked_slot())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return True, question
    return False, question


def episode_new_save(form, patient: User, created_by: User) -> tuple[Episode | None, bool, OverlapQuestion | None]:
    """Save a new cramp's form (quick or full; the patient's or a caregiver's page), asking whether it is
    one of the cramps of a tally of the same night when that is not yet answered.

    Returns (the episode or None, whether it was created now, the question to show). ClientIdReused
    goes to the caller, which knows where to send the person."""
    if not (form.is_bound and form.is_valid()):
        return None, False, None
    try:
        episode, created = episode_create(
            patient=patient,
            created_by=created_by,
            client_id=form.cleaned_data["client_id"],
            details=form.details(),
            overlap=form.overlap_answer(),
        )
    except OverlapNeedsChoice as asked:
        add_service_error(form, asked)
        return None, False, OverlapQuestion.from_error(asked, form.asked_slot())
    except ClientIdReused:
        raise
    except ValidationError as error:
        add_service_error(form, error)
        return None, False, None
    return episode, created, None
