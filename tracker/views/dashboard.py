"""Where a signed-in patient lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import patient_required

from ..forms import QuickLogForm
from ..models import Episode
from ..red_flags import cramps_rising
from ..selectors import period_comparison, recent_days

RECENT_EPISODES = 5


@patient_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    patient = request.user
    days = recent_days(patient)
    context = {
        "today": days[-1],
        "days": days,
        "recent_episodes": Episode.objects.for_patient(patient).with_details()[:RECENT_EPISODES],
        "comparison": period_comparison(patient),
        "rise": cramps_rising(patient),
        "quick_form": QuickLogForm(patient=patient),
    }
    return render(request, "tracker/dashboard.html", context)
