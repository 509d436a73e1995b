"""Questionnaire pages: the patient's list with history charts, answering, scheduling; a clinician's schedule."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import clinician_required, patient_required
from crampapp.dates import when
from tracker.models import AccessLog
from tracker.sharing.access import access_patient
from tracker.sharing.services import access_log_record

from .charts import format_score
from .forms import AnswerForm, ScheduleForm
from .selectors import access_instrument, offered_and_more, schedule_of
from .services import Recorded, response_record, schedule_set, schedule_stop

HISTORY_DAYS = 365


def _weeks(count: int) -> str:
    return "week" if count == 1 else f"{count} weeks"


def _tell_recorded(request: HttpRequest, instrument, response, recorded: Recorded) -> None:
    """Say what saving did: saved, updated (the same form sent again with other answers), or nothing new
    (sent twice with the same answers; the first "Saved" stands)."""
    if recorded is Recorded.UNCHANGED:
        messages.info(request, "You had already saved these answers; they were not saved twice.")
        return
    said = "Saved." if recorded is Recorded.CREATED else "Your answers were updated."
    score = f"{instrument.score_label}: {format_score(response.score)}"
    messages.success(request, f"{said} {score} (on a scale from {instrument.score_min} to {instrument.score_max}).")


@patient_required
@require_safe
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    """The questionnaires offered to the patient: whether each is due, its schedule, and the patient's scores
    over a year; then the others they can add."""
    end = request.user.today()
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    offered, more = offered_and_more(request.user, start, end)
    context = {"summaries": offered, "more": more, "start": start, "end": end}
    return render(request, "questionnaires/list.html", context)


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    """Answer a questionnaire. The form sent again (back, change, save) updates its answers, and says so."""
    instrument = access_instrument(slug)
    form = AnswerForm(request.POST if request.method == "POST" else None, items=instrument.items.all())
    if request.method == "POST" and form.is_valid():
        try:
            response, recorded = response_record(
                patient=request.user,
                instrument=instrument,
                answered_by=request.user,
                client_id=form.cleaned_data["client_id"],
                values=form.values(),
            )
        except ValidationError as error:
            form.add_engine_errors(error)
        else:
            _tell_recorded(request, instrument, response, recorded)
            return redirect(f"{reverse('questionnaires:list')}#instrument-{instrument.slug}")
    return render(request, "questionnaires/answer.html", {"instrument": instrument, "form": form})


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    """The patient chooses how often to be asked, or stops being asked."""
    instrument = access_instrument(slug)
    current = schedule_of(request.user, instrument)
    if request.method == "POST" and "stop" in request.POST:
        schedule_stop(patient=request.user, instrument=instrument, set_by=request.user)
        messages.success(request, f"You will no longer be asked to answer the {instrument.short_title}.")
        return redirect("questionnaires:list")
    initial = {"every_weeks": current.every_weeks if current else instrument.suggested_every_weeks}
    form = ScheduleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        every_weeks = form.cleaned_data["every_weeks"]
        try:
            saved = schedule_set(
                patient=request.user, instrument=instrument, every_weeks=every_weeks, set_by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            every, next_due = _weeks(every_weeks), when(saved.next_due, "weekday")
            messages.success(request, f"{instrument.short_title}: asked every {every}, next on {next_due}.")
            return redirect("questionnaires:list")
    return render(request, "questionnaires/schedule.html", {"instrument": instrument, "form": form, "current": current})


def _log_schedule(request: HttpRequest, patient, instrument, change: str) -> None:
    access_log_record(
        request=request,
        patient=patient,
        action=AccessLog.Action.SCHEDULE_QUESTIONNAIRE,
        detail=f"{instrument.short_title}: {change}",
    )


def _clinician_stop(request: HttpRequest, patient, instrument, back: str) -> HttpResponse:
    if schedule_stop(patient=patient, instrument=instrument, set_by=request.user) is None:
        messages.info(request, f"{patient.full_name} was not being asked to answer the {instrument.short_title}.")
    else:
        _log_schedule(request, patient, instrument, "stopped")
        messages.success(
            request, f"{patient.full_name} will no longer be asked to answer the {instrument.short_title}."
        )
    return redirect(back)


@clinician_required
@require_POST
def clinician_schedule(request: HttpRequest, patient_id: int, slug: str) -> HttpResponse:
    """A clinician the patient granted access sets or stops a schedule; each change goes into the access log.
    A bad interval is explained next to the field on a page of its own."""
    patient = access_patient(request.user, patient_id)
    instrument = access_instrument(slug)
    back = f"{reverse('tracker:patient_review', args=[patient.pk])}#questionnaires"
    if "stop" in request.POST:
        return _clinician_stop(request, patient, instrument, back)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        every_weeks = form.cleaned_data["every_weeks"]
        try:
            schedule_set(patient=patient, instrument=instrument, every_weeks=every_weeks, set_by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _log_schedule(request, patient, instrument, f"every {_weeks(every_weeks)}")
            messages.success(
                request,
                f"{patient.full_name} will be asked to answer the {instrument.short_title} "
                f"every {_weeks(every_weeks)}.",
            )
            return redirect(back)
    context = {"patient": patient, "instrument": instrument, "form": form, "back": back}
    return render(request, "questionnaires/clinician_schedule.html", context)
