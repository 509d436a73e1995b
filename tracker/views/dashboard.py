"""Where a signed-in patient lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import patient_required

from ..forms import QuickLogForm
from ..models import Episode
from ..selectors import STRIP_DAYS, recent_days
from ..trends import WINDOWS_DAYS, trend_from_days
from ..warnings import most_urgent, with_warnings

RECENT_EPISODES = 5


@patient_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    patient = request.user
    # The last 28 days: the strip shows 14 of them, the trend compares both halves.
    days = recent_days(patient, WINDOWS_DAYS)
    recent_episodes = with_warnings(patient, Episode.objects.for_patient(patient).with_signs()[:RECENT_EPISODES])
    context = {
        "today": days[-1],
        "days": days[-STRIP_DAYS:],
        "recent_episodes": recent_episodes,
        "warned": most_urgent(recent_episodes),
        "trend": trend_from_days(days, days[-1].day),
        "quick_form": QuickLogForm(patient=patient),
    }
    return render(request, "tracker/dashboard.html", context)
