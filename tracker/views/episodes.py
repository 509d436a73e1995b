"""A patient's own cramp episodes: log (quick or full), list, read, edit, delete."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import patient_required

from ..access import access_own_episode
from ..forms import EpisodeFilterForm, EpisodeForm, QuickLogForm
from ..guidance import guidance_for_episode
from ..red_flags import red_flags_for
from ..selectors import episodes_filtered
from ..services import episode_create, episode_delete, episode_update, start_for_day

EPISODES_PER_PAGE = 20


@patient_required
@require_http_methods(["GET", "POST"])
def episode_new(request: HttpRequest) -> HttpResponse:
    """Log a cramp: the full entry, or with ?mode=quick just how bad it was."""
    quick = request.GET.get("mode") == "quick"
    initial = {"started_at": start_for_day(request.user, request.GET.get("day"))}
    form = (QuickLogForm if quick else EpisodeForm)(
        request.POST if request.method == "POST" else None, patient=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            episode, created = episode_create(
                patient=request.user,
                created_by=request.user,
                client_id=form.cleaned_data["client_id"],
                details=form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not created:
                messages.info(request, "This cramp was already saved; it was not logged twice.")
            elif quick:
                messages.success(request, "Cramp logged. Add where it was and what helped now, or later.")
            else:
                messages.success(request, "Cramp logged.")
            return redirect("tracker:episode_detail", episode_id=episode.uuid)
    return render(request, "tracker/episode_form.html", {"form": form, "quick": quick})


@patient_required
@require_safe
def episode_list(request: HttpRequest) -> HttpResponse:
    filter_form = EpisodeFilterForm(request.GET or None)
    filters = filter_form.filters()
    page = Paginator(episodes_filtered(request.user, **filters), EPISODES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/episode_list.html",
        {"page": page, "filter_form": filter_form, "filtered": bool(filters), "query": query.urlencode()},
    )


@login_required
@require_safe
def episode_detail(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    context = {
        "episode": episode,
        "red_flags": red_flags_for(episode),
        "guidance": guidance_for_episode(episode, request.user),
    }
    return render(request, "tracker/episode_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    form = EpisodeForm(
        request.POST if request.method == "POST" else None,
        patient=request.user,
        initial=EpisodeForm.initial_from(episode),
    )
    if request.method == "POST" and form.is_valid():
        try:
            episode_update(episode=episode, details=form.details())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("tracker:episode_detail", episode_id=episode.uuid)
    return render(request, "tracker/episode_form.html", {"form": form, "episode": episode})


@login_required
@require_http_methods(["GET", "POST"])
def episode_remove(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode = access_own_episode(request.user, episode_id)
    if request.method == "POST":
        episode_delete(episode=episode)
        messages.success(request, "The entry was deleted.")
        return redirect("tracker:episode_list")
    return render(request, "tracker/episode_confirm_delete.html", {"episode": episode})
