"""The caregiver's side: the patients I help, their log, logging a cramp, a night tally or a check-in for them.

Caregivers add to a log and read it. They change or delete only the entries they logged themselves, and
even there never see the notes and medication text (the patient's own words, which the patient may add);
the patient's own entries, clinician notes, sharing, exports and the clinic pages stay closed to them.
Every page works in the patient's time zone, and every look and entry goes into the patient's access trail.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import role_required
from accounts.models import User
from accounts.names import isolated
from crampapp.dates import when
from tracker.diary.forms import CaregiverEpisodeEditForm, CheckInForm, EpisodeForm, QuickLogForm
from tracker.diary.forms.tallies import CaregiverTallyEditForm, TallyForm
from tracker.diary.selectors import CountedPaginator, episodes_filtered, recent_days
from tracker.diary.services import (
    ClientIdReused,
    checkin_record,
    episode_delete,
    start_for_day,
)
from tracker.diary.views.tallies import (
    TallyOutcome,
    episode_edit_save,
    episode_new_save,
    shown_with_form,
    tally_asked_for,
    tally_save,
)
from tracker.models import AccessLog, CheckIn, Episode
from tracker.sharing.access import access_caregiver_episode, access_patient_as_caregiver
from tracker.sharing.caregiving import checkin_answerers, patients_helped
from tracker.sharing.forms import AcceptInvitationForm
from tracker.sharing.services import access_log_record, caregiver_invitation_accept

caregiver_required = role_required(User.Role.CAREGIVER)
EPISODES_PER_PAGE = 20


class CaregiverAcceptForm(AcceptInvitationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The code the person you help gave you, e.g. ABCDE-FGH23."


def _log_url(patient: User) -> str:
    return reverse("tracker:care_log", args=[patient.pk])


def _entry_detail(episode: Episode) -> str:
    """The access trail's note on an entry, in its own zone: "5 Mar 2026, 14:10 Europe/London" for a cramp,
    "night tally 5 Mar 2026: 4 cramps" for a tally."""
    if episode.is_tally:
        cramps = f"{episode.cramp_count} cramp{'s' if episode.cramp_count != 1 else ''}"
        return f"{episode.get_entry_type_display().lower()} {when(episode.tally_date, 'day')}: {cramps}"
    return f"{when(episode.local_started_at, 'day_time')} {episode.time_zone}"


@caregiver_required
@require_safe
def care_home(request: HttpRequest) -> HttpResponse:
    """The patients this caregiver helps: pick one."""
    return render(request, "care/home.html", {"grants": patients_helped(request.user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_accept(request: HttpRequest) -> HttpResponse:
    """A caregiver enters a patient's caregiver invitation code (or follows the link). Other accounts
    are told next to the field why it cannot work for them."""
    form = CaregiverAcceptForm(
        request.POST if request.method == "POST" else None, initial={"code": request.GET.get("code", "")[:40]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = caregiver_invitation_accept(caregiver=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"You can now log cramps for {isolated(grant.patient.full_name)}.")
            return redirect("tracker:care_log", patient_id=grant.patient_id)
    return render(request, "care/accept.html", {"form": form})


@caregiver_required
@require_safe
def care_log(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's cramps, newest first, as the patient logged them (no clinician notes)."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    episodes = episodes_filtered(patient)
    entries, cramps = episodes.totals()
    page = CountedPaginator(episodes.with_details(), EPISODES_PER_PAGE, entries).get_page(request.GET.get("page"))
    detail = f"page {page.number}" if page.number > 1 else ""
    access_log_record(request=request, patient=patient, action=AccessLog.Action.VIEW_LOG, detail=detail)
    with timezone.override(patient.zone):
        return render(request, "care/log.html", {"patient": patient, "page": page, "cramps": cramps})


@caregiver_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_episode_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Log a cramp for the patient: the full entry, or with ?mode=quick just how bad it was."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    quick = request.GET.get("mode") == "quick"
    with timezone.override(patient.zone):
        initial = {"started_at": start_for_day(patient, request.GET.get("day"))}
        form = (QuickLogForm if quick else EpisodeForm)(
            request.POST if request.method == "POST" else None, patient=patient, initial=initial
        )
        try:
            episode, created, question = episode_new_save(form, patient, request.user)
        except ClientIdReused:
            messages.warning(request, "This form had already been saved, with other answers. Nothing was changed.")
            return redirect(_log_url(patient))
        if episode is not None:
            if created:
                access_log_record(
                    request=request, patient=patient, action=AccessLog.Action.LOG_EPISODE, detail=_entry_detail(episode)
                )
                messages.success(request, f"{episode.noun} logged for {isolated(patient.full_name)}.")
            else:
                messages.info(request, "This entry was already saved; it was not logged twice.")
            return redirect(_log_url(patient))
        context = {"patient": patient, "form": form, "quick": quick, "overlap": question}
        return render(request, "care/episode_form.html", context)


@caregiver_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_tally_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Log a night (or day) of cramps for the patient in one entry: how many, the worst, where."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    with timezone.override(patient.zone):
        form = TallyForm(
            request.POST if request.method == "POST" else None,
            patient=patient,
            initial=tally_asked_for(request, patient),
        )
        outcome = TallyOutcome()
        if request.method == "POST" and form.is_valid():
            try:
                outcome = tally_save(form, created_by=request.user)
            except ClientIdReused:
                messages.warning(request, "This form had already been saved, with other answers. Nothing was changed.")
                return redirect(_log_url(patient))
            if outcome.tally is not None:
                tally = outcome.tally
                if outcome.created:
                    detail = _entry_detail(tally)
                    access_log_record(
                        request=request, patient=patient, action=AccessLog.Action.LOG_EPISODE, detail=detail
                    )
                    messages.success(
                        request, f"{tally.get_entry_type_display()} logged for {isolated(patient.full_name)}."
                    )
                else:
                    messages.info(request, "This tally was already saved; it was not logged twice.")
                return redirect(_log_url(patient))
        return _render_tally_form(request, patient, form, outcome)


def _render_tally_form(
    request: HttpRequest, patient: User, form: TallyForm, outcome: TallyOutcome, episode: Episode | None = None
) -> HttpResponse:
    context = {"patient": patient, "form": form, **shown_with_form(form, outcome), "episode": episode}
    return render(request, "care/tally_form.html", context)


def _care_tally_edit(request: HttpRequest, patient: User, tally: Episode) -> HttpResponse:
    """Change a tally this caregiver logged, with the tally form (without the patient's notes)."""
    form = CaregiverTallyEditForm(
        request.POST if request.method == "POST" else None,
        patient=patient,
        episode=tally,
        initial=CaregiverTallyEditForm.initial_from(tally),
    )
    outcome = TallyOutcome()
    if request.method == "POST" and form.is_valid():
        outcome = tally_save(form, created_by=request.user, episode=tally)
        if outcome.tally is not None:
            access_log_record(
                request=request, patient=patient, action=AccessLog.Action.EDIT_EPISODE, detail=_entry_detail(tally)
            )
            messages.success(request, "Changes saved.")
            return redirect(_log_url(patient))
    return _render_tally_form(request, patient, form, outcome, episode=tally)


@caregiver_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_episode_edit(request: HttpRequest, patient_id: int, episode_id: uuid.UUID) -> HttpResponse:
    """Change a cramp or a tally this caregiver logged (never one the patient logged), without reading or
    storing over the patient's own notes and medication text."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    episode = access_caregiver_episode(request.user, patient, episode_id)
    with timezone.override(patient.zone):
        if episode.is_tally:
            return _care_tally_edit(request, patient, episode)
        form = CaregiverEpisodeEditForm(
            request.POST if request.method == "POST" else None,
            patient=patient,
            time_zone=episode.time_zone,
            initial=CaregiverEpisodeEditForm.initial_from(episode),
        )
        saved, question = episode_edit_save(form, patient, episode)
        if saved:
            access_log_record(
                request=request, patient=patient, action=AccessLog.Action.EDIT_EPISODE, detail=_entry_detail(episode)
            )
            messages.success(request, "Changes saved.")
            return redirect(_log_url(patient))
        context = {"patient": patient, "form": form, "episode": episode, "overlap": question}
        return render(request, "care/episode_form.html", context)


@caregiver_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_episode_delete(request: HttpRequest, patient_id: int, episode_id: uuid.UUID) -> HttpResponse:
    """Delete a cramp or a tally this caregiver logged, after a confirmation page."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    episode = access_caregiver_episode(request.user, patient, episode_id)
    with timezone.override(patient.zone):
        if request.method == "POST":
            detail = _entry_detail(episode)
            episode_delete(episode=episode)
            access_log_record(request=request, patient=patient, action=AccessLog.Action.DELETE_EPISODE, detail=detail)
            messages.success(request, "The entry was deleted.")
            return redirect(_log_url(patient))
        described = episode.details.count() if episode.is_tally else 0
        context = {"patient": patient, "episode": episode, "described": described}
        return render(request, "care/episode_confirm_delete.html", context)


@caregiver_required
@require_http_methods(["GET", "HEAD", "POST"])
def care_checkin(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's daily check-in, answered by the caregiver: any day the patient did not answer themselves."""
    patient = access_patient_as_caregiver(request.user, patient_id)
    if request.method == "POST":
        return _record_checkin(request, patient)
    days = recent_days(patient)
    access_log_record(request=request, patient=patient, action=AccessLog.Action.VIEW_LOG, detail="check-ins")
    # Who answered each day: a caregiver is named; the patient's own answers are theirs to change.
    answered_by = checkin_answerers(patient, [record.day for record in days])
    context = {
        "patient": patient,
        "today": days[-1],
        "today_answered_by": answered_by.get(days[-1].day),
        "earlier_days": [(record, answered_by.get(record.day)) for record in days[-2::-1]],
    }
    return render(request, "care/checkin.html", context)


def _record_checkin(request: HttpRequest, patient: User) -> HttpResponse:
    form = CheckInForm(request.POST)
    back = reverse("tracker:care_checkin", args=[patient.pk])
    if not form.is_valid():
        messages.error(request, "That check-in could not be read. Please use the buttons.")
        return redirect(back)
    try:
        recorded = checkin_record(
            patient=patient, created_by=request.user, day=form.cleaned_data["day"], status=form.cleaned_data["status"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    access_log_record(
        request=request, patient=patient, action=AccessLog.Action.RECORD_CHECKIN, detail=when(recorded.day, "day")
    )
    if recorded.status == CheckIn.Status.NO_CRAMPS:
        day = when(recorded.day, "weekday")
        messages.success(request, f"Recorded: no cramps for {isolated(patient.full_name)} on {day}.")
        return redirect(back)
    messages.success(request, "Noted. Now log the cramp.")
    new = reverse("tracker:care_episode_new", args=[patient.pk])
    if recorded.day == patient.today():
        return redirect(f"{new}?mode=quick")
    return redirect(f"{new}?{urlencode({'day': recorded.day.isoformat()})}")
