"""The patient's profile: time zone, diagnosed conditions, medications."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required

from ..access import access_own_medication
from ..forms import MedicationForm, ProfileForm
from ..models import Medication
from ..services import medication_add, medication_delete, medication_update, profile_for, profile_update


@patient_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    patient = request.user
    current = profile_for(patient)
    initial = {
        "time_zone": patient.time_zone,
        "conditions": list(current.conditions.all()),
        "other_conditions": current.other_conditions,
        "reminder_time": current.reminder_time,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("tracker:profile")
    medications = Medication.objects.for_patient(patient)
    return render(request, "tracker/profile.html", {"form": form, "medications": medications})


@patient_required
@require_http_methods(["GET", "POST"])
def medication_new(request: HttpRequest) -> HttpResponse:
    form = MedicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            medication_add(patient=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added to your medications.")
            return redirect("tracker:profile")
    return render(request, "tracker/medication_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def medication_edit(request: HttpRequest, medication_id: uuid.UUID) -> HttpResponse:
    medication = access_own_medication(request.user, medication_id)
    if request.method == "POST" and "delete" in request.POST:
        medication_delete(medication=medication)
        messages.success(request, f"{medication.name} removed from your medications.")
        return redirect("tracker:profile")
    form = MedicationForm(request.POST if request.method == "POST" else None, instance=medication)
    if request.method == "POST" and form.is_valid():
        try:
            medication_update(medication=medication, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Medication saved.")
            return redirect("tracker:profile")
    return render(request, "tracker/medication_form.html", {"form": form, "medication": medication})
