"""Where a signed-in patient lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.decorators import patient_required

from ..forms import QuickLogForm
from ..models import Episode
from ..selectors import recent_days
from ..trends import trend_for
from ..warnings import most_urgent, with_warnings

RECENT_EPISODES = 5


@patient_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    patient = request.user
    days = recent_days(patient)
    recent_episodes = with_warnings(patient, Episode.objects.for_patient(patient).with_details()[:RECENT_EPISODES])
    context = {
        "today": days[-1],
        "days": days,
        "recent_episodes": recent_episodes,
        "warned": most_urgent(recent_episodes),
        "trend": trend_for(patient, timezone.now()),
        "quick_form": QuickLogForm(patient=patient),
    }
    return render(request, "tracker/dashboard.html", context)
