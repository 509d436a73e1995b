"""The patient's own words: triggers, relief measures and body places that the shared lists lack. Added here
(from the profile, or from a question of the cramp form, which the page leads back to), renamed, retired and
brought back."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import patient_required
from crampapp.redirects import path_on_this_site
from tracker.diary.forms import OwnWordForm, add_service_error
from tracker.diary.selectors import own_word_lists
from tracker.diary.services import MAX_OWN_WORDS, OWN_WORD_NAMES, own_word_add, own_word_rename, own_word_set_active
from tracker.sharing.access import access_own_word


def _way_back(request: HttpRequest) -> str:
    """The page the patient came from to add a word (`next`, a path on this site), or ""."""
    return path_on_this_site(request, request.GET.get("next", ""))


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def own_words(request: HttpRequest) -> HttpResponse:
    patient, back = request.user, _way_back(request)
    form = OwnWordForm(
        request.POST if request.method == "POST" else None, patient=patient, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            word = own_word_add(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            listed = OWN_WORD_NAMES[word.kind][1]
            messages.success(request, f"“{word.label}” is added to your {listed}, after ours.")
            return redirect(back or "tracker:own_words")
    lists = own_word_lists(patient)
    context = {
        "form": form,
        "lists": lists,
        "count": sum(len(words.words) for words in lists),
        "most": MAX_OWN_WORDS,
        "back": back,
    }
    return render(request, "tracker/own_words.html", context)


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def own_word_edit(request: HttpRequest, word_id: int) -> HttpResponse:
    """Rename one of the patient's words: every entry that has it shows the new wording."""
    word = access_own_word(request.user, word_id)
    form = OwnWordForm(
        request.POST if request.method == "POST" else None,
        patient=request.user,
        word=word,
        initial={"label": word.label},
    )
    if request.method == "POST" and form.is_valid():
        try:
            own_word_rename(patient=request.user, word=word, label=form.cleaned_data["label"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Renamed to “{word.label}”, on every entry that has it.")
            return redirect("tracker:own_words")
    return render(request, "tracker/own_word_form.html", {"form": form, "word": word})


@patient_required
@require_POST
def own_word_retire(request: HttpRequest, word_id: int) -> HttpResponse:
    """Retire the word (no longer offered, kept on the entries that have it), or bring it back."""
    word = access_own_word(request.user, word_id)
    active = request.POST.get("active") == "yes"
    own_word_set_active(word=word, active=active)
    if active:
        messages.success(request, f"“{word.label}” is offered again when you log a cramp.")
    else:
        messages.success(
            request, f"“{word.label}” is retired: no longer offered, and kept on the entries that have it."
        )
    return redirect("tracker:own_words")
