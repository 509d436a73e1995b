from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import clinician_required, patient_required


@patient_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/dashboard.html")


@clinician_required
def clinic(request: HttpRequest) -> HttpResponse:
    return render(request, "clinic/patient_list.html")
