"""The patient's profile: time zone, diagnosed conditions, medications and the steps of their history."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import patient_required
from crampapp.redirects import path_on_this_site
from tracker.diary.forms import MedicationForm, MedicationStepForm, ProfileForm, TimeZoneSwitchForm
from tracker.diary.services import (
    medication_add,
    medication_delete,
    medication_step_add,
    medication_step_delete,
    medication_step_update,
    medication_update,
    profile_for,
    profile_update,
    time_zone_update,
)
from tracker.models import Medication, MedicationStep
from tracker.sharing.access import access_own_medication


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    patient = request.user
    current = profile_for(patient)
    initial = {
        "time_zone": patient.time_zone,
        "conditions": list(current.conditions.all()),
        "other_conditions": current.other_conditions,
        "reminder_time": current.reminder_time,
        "spinal_injury_level": current.spinal_injury_level,
        "note_emails": current.note_emails,
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
    medications = Medication.objects.for_patient(patient).prefetch_related("steps")
    return render(request, "tracker/profile.html", {"form": form, "medications": medications})


@patient_required
@require_POST
def time_zone_switch(request: HttpRequest) -> HttpResponse:
    """Set the profile's zone to the phone's, from the notice that they differ (static/js/zone-notice.js), and go
    back to the page it was on."""
    form = TimeZoneSwitchForm(request.POST)
    back = path_on_this_site(request, request.POST.get("next", "")) or reverse("tracker:dashboard")
    if not form.is_valid():
        messages.error(
            request, f"That time zone is not one we know, so your profile still uses {request.user.time_zone}."
        )
        return redirect(back)
    time_zone_update(patient=request.user, time_zone=form.cleaned_data["time_zone"])
    messages.success(
        request,
        f"Your time zone is now {request.user.time_zone}. Cramps you logged before keep the time zone they "
        "happened in.",
    )
    return redirect(back)


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
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


def _medication_page(
    request: HttpRequest,
    medication: Medication,
    *,
    form: MedicationForm | None = None,
    step_form: MedicationStepForm | None = None,
    step: MedicationStep | None = None,
    status: int = 200,
) -> HttpResponse:
    """The medicine's page: its name, start and stop, its history of steps, and the form for a step."""
    steps = medication.timeline()
    context = {
        "medication": medication,
        "form": form or MedicationForm(instance=medication, steps=steps),
        "steps": steps,
        "step_form": step_form or MedicationStepForm(),
        "step": step,
    }
    return render(request, "tracker/medication_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def medication_edit(request: HttpRequest, medication_id: uuid.UUID) -> HttpResponse:
    medication = access_own_medication(request.user, medication_id)
    if request.method == "POST" and "delete" in request.POST:
        if "confirmed" not in request.POST:
            # Its history goes with it (the clinician's before and after windows): asked first, as for an entry.
            context = {"medication": medication, "steps": medication.timeline()}
            return render(request, "tracker/medication_confirm_delete.html", context)
        medication_delete(medication=medication)
        messages.success(request, f"{medication.name} removed from your medications.")
        return redirect("tracker:profile")
    if request.method == "GET":
        return _medication_page(request, medication)
    form = MedicationForm(request.POST, instance=medication, steps=medication.timeline())
    if form.is_valid():
        try:
            medication_update(medication=medication, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Medication saved.")
            return redirect("tracker:profile")
    return _medication_page(request, medication, form=form)


@login_required
@require_POST
def medication_step_new(request: HttpRequest, medication_id: uuid.UUID) -> HttpResponse:
    medication = access_own_medication(request.user, medication_id)
    step_form = MedicationStepForm(request.POST)
    if step_form.is_valid():
        try:
            medication_step_add(medication=medication, created_by=request.user, **step_form.cleaned_data)
        except ValidationError as error:
            step_form.add_error(None, error)
        else:
            messages.success(request, "Step added to the history.")
            return redirect("tracker:medication_edit", medication_id=medication.uuid)
    return _medication_page(request, medication, step_form=step_form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def medication_step_edit(request: HttpRequest, medication_id: uuid.UUID, step_id: uuid.UUID) -> HttpResponse:
    medication = access_own_medication(request.user, medication_id)
    step = get_object_or_404(MedicationStep.objects.filter(patient=request.user, medication=medication), uuid=step_id)
    if request.method == "POST" and "delete" in request.POST:
        if "confirmed" not in request.POST:
            context = {"medication": medication, "step": step}
            return render(request, "tracker/medication_confirm_delete.html", context)
        medication_step_delete(step=step)
        messages.success(request, "Step removed from the history.")
        return redirect("tracker:medication_edit", medication_id=medication.uuid)
    if request.method == "GET":
        step_form = MedicationStepForm(initial=MedicationStepForm.initial_from(step))
        return _medication_page(request, medication, step_form=step_form, step=step)
    step_form = MedicationStepForm(request.POST)
    if step_form.is_valid():
        try:
            medication_step_update(step=step, **step_form.cleaned_data)
        except ValidationError as error:
            step_form.add_error(None, error)
        else:
            messages.success(request, "Step saved.")
            return redirect("tracker:medication_edit", medication_id=medication.uuid)
    return _medication_page(request, medication, step_form=step_form, step=step)
