"""Where a signed-in patient lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import patient_required

from ..forms import QuickLogForm
from ..models import Episode
from ..selectors import recent_days, trend

RECENT_EPISODES = 5


@patient_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    patient = request.user
    days = recent_days(patient)
    comparison, rise = trend(patient)
    context = {
        "today": days[-1],
        "days": days,
        "recent_episodes": Episode.objects.for_patient(patient).with_summary()[:RECENT_EPISODES],
        "comparison": comparison,
        "rise": rise,
        "quick_form": QuickLogForm(patient=patient),
    }
    return render(request, "tracker/dashboard.html", context)
