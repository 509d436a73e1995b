"""The daily check-in: "no cramps today" or "I had cramps", for today or an unrecorded earlier day."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required
from accounts.models import User
from crampapp.dates import when
from tracker.diary.forms import CheckInForm
from tracker.diary.selectors import recent_days
from tracker.diary.services import checkin_record
from tracker.models import CheckIn


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _record(request)
    days = recent_days(request.user)
    # The answers a caregiver gave, named on the days they answered (a cramp's mark, or the patient's, names no one).
    answered = CheckIn.objects.filter(
        patient=request.user, day__gte=days[0].day, created_by__role=User.Role.CAREGIVER
    ).select_related("created_by")
    by_caregiver = {checkin.day: checkin for checkin in answered}
    context = {
        "today": days[-1],
        "today_answer": by_caregiver.get(days[-1].day),
        "earlier_days": [(record, by_caregiver.get(record.day)) for record in days[-2::-1]],
    }
    return render(request, "tracker/checkin.html", context)


def _record(request: HttpRequest) -> HttpResponse:
    form = CheckInForm(request.POST)
    back = "tracker:dashboard" if request.POST.get("from") == "dashboard" else "tracker:checkin"
    if not form.is_valid():
        messages.error(request, "That check-in could not be read. Please use the buttons.")
        return redirect(back)
    try:
        recorded = checkin_record(
            patient=request.user,
            created_by=request.user,
            day=form.cleaned_data["day"],
            status=form.cleaned_data["status"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if recorded.status == CheckIn.Status.NO_CRAMPS:
        messages.success(request, f"Recorded: no cramps on {when(recorded.day, 'weekday')}.")
        return redirect(back)
    messages.success(request, "Noted. Now log the cramp.")
    if recorded.day == request.user.today():
        return redirect(f"{reverse('tracker:episode_new')}?mode=quick")
    return redirect(f"{reverse('tracker:episode_new')}?{urlencode({'day': recorded.day.isoformat()})}")
