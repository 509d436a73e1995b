"""Night and day tallies: several cramps as one entry ("last night: 4 cramps, the worst 7/10")."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required

from ..forms import add_service_error
from ..models import EntryType, Episode
from ..services import ClientIdReused, episode_create, episode_update, patient_today
from ..tallies import OverlapNeedsChoice, OverlapQuestion, TallyExists
from ..tally_forms import TallyForm


def _asked_for(request: HttpRequest) -> dict:
    """The night (?night=YYYY-MM-DD) or day (?day=) to offer; last night when none or a bad one is named."""
    for entry_type, name in ((EntryType.NIGHT, "night"), (EntryType.DAY, "day")):
        try:
            day = dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        if day <= patient_today(request.user):
            return {"entry_type": entry_type, "tally_date": day}
    return {}


def _saved_message(tally: Episode, created: bool) -> str:
    if not created:
        return "This tally was already saved; it was not logged twice."
    return f"{tally.get_entry_type_display()} saved: {tally.cramp_count} cramp{'s' if tally.cramp_count != 1 else ''}."


def _render(request: HttpRequest, form: TallyForm, **context) -> HttpResponse:
    return render(request, "tracker/tally_form.html", {"form": form, **context})


@patient_required
@require_http_methods(["GET", "POST"])
def tally_new(request: HttpRequest) -> HttpResponse:
    """Log a night (or day) of cramps in one entry: how many, the worst, where, how often they woke you."""
    posted = request.POST if request.method == "POST" else None
    form = TallyForm(posted, patient=request.user, initial=_asked_for(request))
    question, existing = None, None
    if request.method == "POST" and form.is_valid():
        try:
            tally, created = episode_create(
                patient=request.user,
                created_by=request.user,
                client_id=form.cleaned_data["client_id"],
                details=form.details(),
                overlap=form.overlap_answer(),
            )
        except OverlapNeedsChoice as asked:
            add_service_error(form, asked)
            question = OverlapQuestion.from_error(asked, form.asked_slot(), form.cleaned_data["cramp_count"])
        except TallyExists as exists:
            add_service_error(form, exists)
            existing = exists.episode
        except ClientIdReused as reused:
            messages.warning(
                request, "This form had already been saved, with other answers. Nothing was changed: edit it here."
            )
            return redirect("tracker:episode_detail", episode_id=reused.episode.uuid)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _saved_message(tally, created))
            return redirect("tracker:episode_detail", episode_id=tally.uuid)
    return _render(request, form, overlap=question, existing=existing)


def tally_edit(request: HttpRequest, tally: Episode) -> HttpResponse:
    """Change a tally (the edit page of an entry that is one; its access is checked there)."""
    form = TallyForm(
        request.POST if request.method == "POST" else None, patient=request.user, initial=TallyForm.initial_from(tally)
    )
    question, existing = None, None
    if request.method == "POST" and form.is_valid():
        try:
            episode_update(episode=tally, details=form.details(), overlap=form.overlap_answer())
        except OverlapNeedsChoice as asked:
            add_service_error(form, asked)
            question = OverlapQuestion.from_error(asked, form.asked_slot(), form.cleaned_data["cramp_count"])
        except TallyExists as exists:
            add_service_error(form, exists)
            existing = exists.episode
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("tracker:episode_detail", episode_id=tally.uuid)
    return _render(request, form, episode=tally, overlap=question, existing=existing)
