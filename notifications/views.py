"""The Reminders page (/reminders/): notifications on this device, the check-in by notification, quiet hours
and a time for each medicine; and the endpoints static/js/push.js sends a device's subscription to."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import patient_required
from crampapp.dates import when
from tracker.sharing.access import access_own_medication

from .access import access_own_medication_reminder
from .forms import MedicationReminderChangeForm, MedicationReminderForm, PushSettingsForm, PushSubscriptionForm
from .selectors import reminders_page_for
from .services import (
    medication_reminder_add,
    medication_reminder_delete,
    medication_reminder_switch,
    push_settings_update,
    push_subscription_delete,
    push_subscription_save,
)
from .vapid import push_available

# A subscription is about 500 bytes of JSON; anything much larger is not one.
MAX_SUBSCRIPTION_BYTES = 4096
NOT_SET_UP = "Notifications are not set up on this server. Your check-in reminder comes by e-mail."


def _reminders_page(
    request: HttpRequest,
    *,
    settings_form: PushSettingsForm | None = None,
    reminder_form: MedicationReminderForm | None = None,
) -> HttpResponse:
    """The page, with a form sent back with mistakes in its place (the others fresh). A medicine the patient
    stopped since the page was drawn stays for that form, to say why its time was refused."""
    page = reminders_page_for(request.user)
    medications = page.medications
    if reminder_form is not None and reminder_form.medication.pk not in {medication.pk for medication in medications}:
        medications = [*medications, reminder_form.medication]
    medicines = [
        (
            medication,
            reminder_form
            if reminder_form is not None and reminder_form.medication.pk == medication.pk
            else MedicationReminderForm(medication=medication),
        )
        for medication in medications
    ]
    if settings_form is None:
        settings_form = PushSettingsForm(initial=PushSettingsForm.initial_from(page.push_settings))
    context = {
        "page": page,
        "settings_form": settings_form,
        "medicines": medicines,
        "push_available": push_available(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
    }
    return render(request, "notifications/reminders.html", context)


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def reminders(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _reminders_page(request)
    if not push_available():
        # The page shows no form then; a page drawn before, or a hand-made request, is told why nothing changed.
        messages.error(request, NOT_SET_UP)
        return redirect("notifications:reminders")
    form = PushSettingsForm(request.POST)
    if form.is_valid():
        try:
            push_settings_update(patient=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your reminder choices are saved.")
            return redirect("notifications:reminders")
    return _reminders_page(request, settings_form=form)


@patient_required
@require_POST
def medication_reminder_new(request: HttpRequest, medication_id: uuid.UUID) -> HttpResponse:
    medication = access_own_medication(request.user, medication_id)
    if not push_available():
        messages.error(request, NOT_SET_UP)
        return redirect("notifications:reminders")
    form = MedicationReminderForm(request.POST, medication=medication)
    if form.is_valid():
        try:
            reminder = medication_reminder_add(patient=request.user, medication=medication, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Reminder added: {medication.name} at {when(reminder.time_of_day, 'time')}.")
            return redirect(f"{reverse('notifications:reminders')}#medicine-{medication.uuid}")
    return _reminders_page(request, reminder_form=form)


@patient_required
@require_POST
def medication_reminder_change(request: HttpRequest, reminder_id: uuid.UUID) -> HttpResponse:
    reminder = access_own_medication_reminder(request.user, reminder_id)
    form = MedicationReminderChangeForm(request.POST)
    name, time = reminder.medication.name, when(reminder.time_of_day, "time")
    if not form.is_valid():
        messages.error(request, "That change could not be read. Please use the buttons.")
    elif form.cleaned_data["action"] == "remove":
        medication_reminder_delete(reminder=reminder)
        messages.success(request, f"Reminder removed: {name} at {time}.")
    else:
        enabled = form.cleaned_data["action"] == "resume"
        medication_reminder_switch(reminder=reminder, enabled=enabled)
        messages.success(request, f"Reminder {'on again' if enabled else 'paused'}: {name} at {time}.")
    return redirect(f"{reverse('notifications:reminders')}#medicine-{reminder.medication.uuid}")


def _subscription_form(request: HttpRequest) -> PushSubscriptionForm | JsonResponse:
    """The subscription in the request's JSON body, or the response refusing it."""
    if request.content_type != "application/json":
        return JsonResponse({"error": "Send the subscription as application/json."}, status=415)
    if len(request.body) > MAX_SUBSCRIPTION_BYTES:
        return JsonResponse({"error": "That is not a subscription: it is too large."}, status=413)
    try:
        form = PushSubscriptionForm.from_json(request.body)
    except ValidationError as error:
        return JsonResponse({"error": error.messages[0]}, status=400)
    return form


@patient_required
@require_POST
def subscription_save(request: HttpRequest) -> JsonResponse:
    """Keep this device's subscription (CSRF-checked like any form): 201, or 400/409/413/415 saying why not."""
    if not push_available():
        return JsonResponse({"error": NOT_SET_UP}, status=409)
    form = _subscription_form(request)
    if isinstance(form, JsonResponse):
        return form
    if not form.is_valid():
        errors = {name: [item["message"] for item in items] for name, items in form.errors.get_json_data().items()}
        return JsonResponse({"error": "This device's subscription could not be kept.", "errors": errors}, status=400)
    push_subscription_save(user=request.user, **form.cleaned_data)
    return JsonResponse({"saved": True}, status=201)


@patient_required
@require_POST
def subscription_delete(request: HttpRequest) -> JsonResponse:
    """Forget this device's subscription (its endpoint in the JSON body); 200 whether or not it was known."""
    form = _subscription_form(request)
    if isinstance(form, JsonResponse):
        return form
    endpoint = form.data.get("endpoint", "")
    return JsonResponse({"deleted": push_subscription_delete(user=request.user, endpoint=endpoint)})
