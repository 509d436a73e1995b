"""A patient's own cramp episodes: log (quick or full), list, read, edit, delete."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import patient_required
from tracker.diary.forms import EpisodeFilterForm, EpisodeForm, QuickLogForm
from tracker.diary.guidance import guidance_for_episode
from tracker.diary.selectors import CountedPaginator, episodes_filtered, table_entries
from tracker.diary.services import ClientIdReused, episode_delete, start_for_day
from tracker.diary.tallies import Overlap, OverlapQuestion, slot_key
from tracker.diary.views.tallies import episode_edit_save, episode_new_save, tally_edit
from tracker.models import EntryType, Episode
from tracker.sharing.access import access_own_episode, access_own_tally
from tracker.warnings import contexts_for, warning_of, with_warnings

EPISODES_PER_PAGE = 20


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def episode_new(request: HttpRequest) -> HttpResponse:
    """Log a cramp: the full entry, or with ?mode=quick just how bad it was; with ?tally=<id>, one of the
    cramps of that tally, described on its own."""
    quick = request.GET.get("mode") == "quick"
    tally = access_own_tally(request.user, request.GET["tally"]) if request.GET.get("tally") else None
    initial = {"started_at": start_for_day(request.user, request.GET.get("day"))}
    question = None
    if tally is not None:
        initial.update(started_at=tally.started_at, overlap=Overlap.PART)
        if tally.entry_type == EntryType.NIGHT:
            initial["woke_from_sleep"] = True
        question = OverlapQuestion(key=slot_key(tally.entry_type, tally.tally_date), tally=tally)
    form = (QuickLogForm if quick else EpisodeForm)(
        request.POST if request.method == "POST" else None,
        patient=request.user,
        # One of a tally's cramps is on its night's clock.
        time_zone=tally.time_zone if tally is not None else None,
        initial=initial,
    )
    try:
        episode, created, asked = episode_new_save(form, request.user, request.user)
    except ClientIdReused as reused:
        # This form was saved before, then changed and sent again: show what was saved.
        messages.warning(
            request, "This form had already been saved, with other answers. Nothing was changed: edit it here."
        )
        return redirect("tracker:episode_detail", episode_id=reused.episode.uuid)
    if episode is not None:
        if not created:
            messages.info(request, "This entry was already saved; it was not logged twice.")
        elif quick:
            messages.success(request, f"{episode.noun} logged. Add where it was and what helped now, or later.")
        else:
            messages.success(request, f"{episode.noun} logged.")
        return redirect("tracker:episode_detail", episode_id=episode.uuid)
    question = asked or question
    context = {"form": form, "quick": quick, "overlap": question, "for_tally": tally}
    return render(request, "tracker/episode_form.html", context)


@patient_required
@require_safe
def episode_list(request: HttpRequest) -> HttpResponse:
    filter_form = EpisodeFilterForm(request.GET or None, patient=request.user)
    filters = filter_form.filters()
    episodes = episodes_filtered(request.user, **filters)
    entries, cramps = episodes.totals()
    page = CountedPaginator(episodes.for_table(), EPISODES_PER_PAGE, entries).get_page(request.GET.get("page"))
    page.object_list = with_warnings(request.user, table_entries(request.user, page.object_list, notes=False))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "cramps": cramps,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "query": query.urlencode(),
    }
    return render(request, "tracker/episode_list.html", context)


@login_required
@require_safe
def episode_detail(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    patient_context = contexts_for([request.user])[request.user.pk]
    context = {
        "episode": episode,
        "described": (
            Episode.objects.for_patient(request.user).filter(tally=episode).with_summary().order_by("started_at")
            if episode.is_tally
            else []
        ),
        "warning": warning_of(episode, patient_context),
        "guidance": guidance_for_episode(episode, request.user, patient_context),
    }
    return render(request, "tracker/episode_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def episode_edit(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    if episode.is_tally:
        return tally_edit(request, episode)
    form = EpisodeForm(
        request.POST if request.method == "POST" else None,
        patient=request.user,
        time_zone=episode.time_zone,
        initial=EpisodeForm.initial_from(episode),
    )
    saved, question = episode_edit_save(form, request.user, episode)
    if saved:
        messages.success(request, "Changes saved.")
        return redirect("tracker:episode_detail", episode_id=episode.uuid)
    return render(request, "tracker/episode_form.html", {"form": form, "episode": episode, "overlap": question})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def episode_remove(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    if request.method == "POST":
        episode_delete(episode=episode)
        messages.success(request, "The entry was deleted.")
        return redirect("tracker:episode_list")
    described = episode.details.count() if episode.is_tally else 0
    return render(request, "tracker/episode_confirm_delete.html", {"episode": episode, "described": described})
