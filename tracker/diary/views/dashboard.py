"""Where a signed-in patient lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import patient_required
from tracker.diary.forms import QuickLogForm
from tracker.diary.selectors import STRIP_DAYS, recent_days, table_entries
from tracker.models import Episode
from tracker.sharing.services import new_notes, notes_mark_read
from tracker.trends import WINDOWS_DAYS, trend_from_days
from tracker.warnings import most_urgent, with_warnings

RECENT_EPISODES = 5
# New clinicians' notes listed on the dashboard; the sharing page has them all.
NEW_NOTES_SHOWN = 5


@patient_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    patient = request.user
    # The last 28 days: the strip shows 14 of them, the trend compares both halves.
    days = recent_days(patient, WINDOWS_DAYS)
    newest = Episode.objects.for_patient(patient).for_table()[:RECENT_EPISODES]
    recent_episodes = with_warnings(patient, table_entries(patient, newest, notes=False))
    context = {
        "today": days[-1],
        "days": days[-STRIP_DAYS:],
        "recent_episodes": recent_episodes,
        "warned": most_urgent(recent_episodes),
        "trend": trend_from_days(days, days[-1].day),
        "quick_form": QuickLogForm(patient=patient),
        "new_notes": list(new_notes(patient)[:NEW_NOTES_SHOWN]),
    }
    return render(request, "tracker/dashboard.html", context)


@patient_required
@require_POST
def notes_read(request: HttpRequest) -> HttpResponse:
    """The dashboard's "mark as read" for new clinicians' notes."""
    notes_mark_read(request.user)
    return redirect("tracker:dashboard")
