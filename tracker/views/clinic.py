"""The clinician's side of the app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import clinician_required


@clinician_required
@require_safe
def clinic(request: HttpRequest) -> HttpResponse:
    return render(request, "clinic/patient_list.html")
