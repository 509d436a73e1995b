"""The clinician's side: patients who granted access, one patient's review, notes, visit report, CSV export."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import clinician_required
from accounts.names import isolated
from crampapp.dates import when
from crampapp.redirects import path_on_this_site
from crampapp.replica import reads_from_replica
from questionnaires import selectors as questionnaires
from tracker.clinic.forms import ReviewKindForm, TrialWindowsForm
from tracker.clinic.review import clinic_patients, flagged_entries, summary_for
from tracker.clinic.trial import trial_summary
from tracker.clinic.trial_windows import TrialSection, trial_windows
from tracker.clinic.visit_report import visit_report
from tracker.diary.forms import EpisodeFilterForm
from tracker.diary.selectors import episodes_filtered, table_entries
from tracker.insights.charts import charts_for
from tracker.insights.factors import factors_for
from tracker.insights.figures import (
    course_steps,
    days_between,
    insights_for,
    medication_courses,
    medications_with_steps,
)
from tracker.insights.periods import period_from
from tracker.models import MAX_NOTES_LENGTH, AccessLog, Episode
from tracker.portability.csv_export import csv_lines
from tracker.sharing.access import access_patient
from tracker.sharing.forms import AcceptInvitationForm, NoteForm
from tracker.sharing.services import access_log_listed, access_log_record, invitation_accept, note_add, notes_page
from tracker.warnings import contexts_for, with_warnings

PATIENTS_PER_PAGE = 25
# Twenty rows, each with its own note form: a phone draws the page quickly (Lighthouse, README).
EPISODES_PER_PAGE = 20
DEFAULT_REVIEW_DAYS = 90
# The review names the newest entries with warning signs among the period's newest three pages of entries (its
# time does not grow with the period); the entries page lists every entry with its signs.
FLAGGED_SHOWN = 5
FLAGGED_SCAN = 3 * EPISODES_PER_PAGE


@reads_from_replica
@clinician_required
@require_safe
def clinic(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "-recent")
    page = Paginator(clinic_patients(request.user, sort), PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    access_log_listed(request=request, patients=page.object_list)
    return render(
        request,
        "clinic/patient_list.html",
        {"page": page, "sort": sort, "query": f"sort={sort}"},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    """A clinician enters a patient's invitation code (or follows the link) and confirms."""
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None, initial={"code": request.GET.get("code", "")[:40]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = invitation_accept(clinician=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{isolated(grant.patient.full_name)} now shares their cramp log with you.")
            return redirect("tracker:patient_review", patient_id=grant.patient_id)
    status = 403 if not request.user.is_clinician else 200
    return render(request, "clinic/accept.html", {"form": form}, status=status)


def _period(request: HttpRequest, patient, days: int):
    """The chosen period, or the patient's last `days` local days."""
    end = patient.today()
    return period_from(request, end - dt.timedelta(days=days - 1), end)


def _logged_period(request: HttpRequest, patient, action: str):
    """The period of a review, report or export; a clinician's look at it goes into the access log."""
    period_form, start, end = _period(request, patient, DEFAULT_REVIEW_DAYS)
    if request.user != patient:
        access_log_record(
            request=request, patient=patient, action=action, detail=f"{when(start, 'day')} to {when(end, 'day')}"
        )
    return period_form, start, end


@reads_from_replica
@login_required
@require_safe
def patient_review(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    period_form, start, end = _logged_period(request, patient, AccessLog.Action.VIEW_REVIEW)
    kind_form = ReviewKindForm(request.GET or None)
    kind = kind_form.chosen_kind()
    today = patient.today()
    medications = medications_with_steps(patient)
    courses = medication_courses(patient, today, medications)
    steps = course_steps(courses)
    trial_form, choice = trial_windows(request, today, steps)
    insights = insights_for(
        patient, start, end, today, kind=kind, courses=courses, also=[choice.baseline, choice.treatment]
    )
    trial = trial_summary(patient, choice, steps, days=insights.days)
    patient_context = contexts_for([patient], medications)[patient.pk]
    flagged = flagged_entries(patient, start, end, patient_context, per_page=EPISODES_PER_PAGE, scan=FLAGGED_SCAN)
    context = {
        "patient": patient,
        "insights": insights,
        "charts": charts_for(insights),
        "summary": summary_for(patient),
        "today": today,
        "questionnaires": questionnaires.summary_for(patient, start, end),
        "trial": TrialSection(form=trial_form, summary=trial),
        # The comparison chosen, kept by the charts' form and carried to the visit report.
        "trial_fields": [(name, value) for name in TrialWindowsForm.base_fields if (value := request.GET.get(name))],
        "period_form": period_form,
        "kind_form": kind_form,
        "kind": kind,
        "start": start,
        "end": end,
        "flagged": flagged.entries[:FLAGGED_SHOWN],
        "flagged_count": len(flagged.entries),
        "flagged_scan": flagged,
        "conditions": patient_context.condition_labels,
        "medications": medications,
        "notes": notes_page(request, patient),
        "note_form": NoteForm(),
        "note_max_length": MAX_NOTES_LENGTH,
    }
    return render(request, "clinic/patient_review.html", context)


@reads_from_replica
@login_required
@require_safe
def patient_entries(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The review's entry table on its own page: the period's entries, narrowed by severity, place and kind,
    twenty a page, each with the clinicians' notes on it and, for a clinician, a form to add one."""
    patient = access_patient(request.user, patient_id)
    period_form, start, end = _logged_period(request, patient, AccessLog.Action.VIEW_LOG)
    filter_form = EpisodeFilterForm(request.GET or None, patient=patient)
    filters = {**filter_form.filters(), "date_from": start, "date_to": end}
    page = Paginator(episodes_filtered(patient, **filters).for_table(), EPISODES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = with_warnings(patient, table_entries(patient, page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "patient": patient,
        "period_form": period_form,
        "filter_form": filter_form,
        "kind": filters.get("kind", ""),
        "start": start,
        "end": end,
        "page": page,
        "query": query.urlencode(),
        "note_max_length": MAX_NOTES_LENGTH,
    }
    return render(request, "clinic/patient_entries.html", context)


def _way_back(request: HttpRequest, patient) -> str:
    """Where a note's form was (`next`: the entries page, with its filters and page), if it is a path on this
    site; else the review."""
    return path_on_this_site(request, request.POST.get("next", "")) or reverse(
        "tracker:patient_review", args=[patient.pk]
    )


@clinician_required
@require_POST
def note_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"The note was not saved: {' '.join(errors)}" if field == "text" else errors[0])
        return redirect(_way_back(request, patient))
    episode = None
    if form.cleaned_data["episode"]:
        episode = Episode.objects.for_patient(patient).filter(uuid=form.cleaned_data["episode"]).first()
        if episode is None:
            messages.error(request, "The note was not saved: that entry is not in this patient's log.")
            return redirect(_way_back(request, patient))
    try:
        note_add(author=request.user, patient=patient, text=form.cleaned_data["text"], episode=episode)
    except ValidationError as error:
        messages.error(request, f"The note was not saved: {' '.join(error.messages)}")
    else:
        access_log_record(request=request, patient=patient, action=AccessLog.Action.ADD_NOTE)
        # The page that says so lets the note's draft go (static/js/drafts.js).
        messages.success(request, "Note saved. The patient can read it.", extra_tags="draft-saved")
        # Back where the note was written: its entry's row, or the notes on the patient.
        return redirect(_way_back(request, patient) + (f"#episode-{episode.uuid}" if episode else "#notes-heading"))
    return redirect(_way_back(request, patient))


@reads_from_replica
@login_required
@require_safe
def report(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A printable visit report for a chosen period: a clinician's, or the patient's own copy, which leaves
    out the clinicians' notes."""
    patient = access_patient(request.user, patient_id)
    period_form, start, end = _logged_period(request, patient, AccessLog.Action.VIEW_REPORT)
    own_copy = request.user == patient
    today = patient.today()
    medications = medications_with_steps(patient)
    courses = medication_courses(patient, today, medications)
    steps = course_steps(courses)
    trial_form, choice = trial_windows(request, today, steps)
    # The period's days, the medicines' windows and the trial windows' in one query.
    insights = insights_for(patient, start, end, today, courses=courses, also=[choice.baseline, choice.treatment])
    days = insights.days
    report_data = visit_report(
        patient,
        start,
        end,
        stats=days_between(days, start, end),
        medications=medications,
        courses=courses,
        with_notes=not own_copy,
    )
    scores = questionnaires.summary_for(patient, start, end)
    context = {
        "patient": patient,
        "own_copy": own_copy,
        "period_form": period_form,
        "insights": insights,
        "charts": charts_for(insights),
        # What seems to matter: the same figures as the insights page's for the same period.
        "factors": factors_for(insights),
        **report_data,
        # The questionnaires answered in the period, with their scores; those scheduled but not answered, named.
        "questionnaires": [summary for summary in scores if summary.points],
        "unanswered": [summary.instrument for summary in scores if summary.scheduled and not summary.points],
        "trial": TrialSection(form=trial_form, summary=trial_summary(patient, choice, steps, days=days)),
    }
    return render(request, "clinic/report.html", context)


@reads_from_replica
@login_required
@require_safe
def export_csv(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    _, start, end = _logged_period(request, patient, AccessLog.Action.EXPORT_CSV)
    episodes = episodes_filtered(patient, date_from=start, date_to=end)
    response = StreamingHttpResponse(csv_lines(episodes, patient), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="cramps-{patient.pk}-{start}-to-{end}.csv"'
    return response
