"""The patient's side of sharing: invite a clinician, see who has access and every look they took, revoke."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import patient_required

from ..access import access_own_grant
from ..forms import InvitationForm
from ..models import AccessLog, CareGrant, ClinicianNote
from ..sharing import grant_end, invitation_create, invitation_email

TRAIL_PER_PAGE = 25
NEW_INVITATION_KEY = "tracker.new_invitation"


def accept_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(f"{reverse('tracker:accept')}?{urlencode({'code': code})}")


@patient_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    patient = request.user
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            link = accept_url(request, invitation.code)
            if invitation.grant.invited_email:
                invitation_email(invitation=invitation, accept_url=link)
            # Shown once, on the next page: only a hash of the code is stored.
            request.session[NEW_INVITATION_KEY] = {"code": invitation.code, "link": link}
            return redirect("tracker:sharing")
    now = timezone.now()
    context = {
        "form": form,
        "new_invitation": request.session.pop(NEW_INVITATION_KEY, None),
        "pending": CareGrant.objects.for_patient(patient).pending(now),
        "active": CareGrant.objects.for_patient(patient).active(now.date()).select_related("clinician"),
        "trail": Paginator(
            AccessLog.objects.filter(patient=patient).select_related("clinician"), TRAIL_PER_PAGE
        ).get_page(request.GET.get("page")),
        "notes": ClinicianNote.objects.filter(patient=patient, episode=None).select_related("author")[:20],
    }
    return render(request, "tracker/sharing.html", context)


@patient_required
@require_POST
def grant_end_view(request: HttpRequest, grant_id: uuid.UUID) -> HttpResponse:
    grant = access_own_grant(request.user, grant_id)
    was_active = grant.status == CareGrant.Status.ACTIVE
    grant_end(grant=grant)
    if was_active:
        messages.success(request, f"{grant.clinician} can no longer see your log.")
    else:
        messages.success(request, "The invitation is cancelled; its code no longer works.")
    return redirect("tracker:sharing")
