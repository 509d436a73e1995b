import sys

from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for newcomers; signed-in users go to their own start page."""
    user = request.user
    if user.is_authenticated:
        if user.is_clinician:
            return redirect("tracker:clinic")
        if user.is_patient:
            return redirect("tracker:dashboard")
        if user.is_caregiver:
            return redirect("tracker:care_home")
        if user.is_staff:
            return redirect("admin:index")
    return render(request, "landing.html")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query (one ORM read that also shows the schema is there), 503 when it
    does not."""
    try:
        get_user_model().objects.exists()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. A database that is restarting or out of reach is a 503 with Retry-After:
    the request did nothing, and the person can simply try again."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return HttpResponse(render_to_string("503.html"), status=503, headers={"Retry-After": "5"})
    return HttpResponse(render_to_string("500.html"), status=500)
