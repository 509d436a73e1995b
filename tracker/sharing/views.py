"""The patient's side of sharing: invite a clinician or a caregiver, see who has access and every look
they took, revoke."""

import uuid
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import patient_required
from tracker.models import CareGrant
from tracker.sharing.access import access_own_grant
from tracker.sharing.access_trail import trail_page
from tracker.sharing.forms import InvitationForm
from tracker.sharing.services import grant_end, invitation_create, invitation_email, notes_page

TRAIL_PER_PAGE = 25
NEW_INVITATION_KEY = "tracker.new_invitation"
# The codes of invitations whose e-mail could not be sent, by grant UUID, so that the page can show them and
# send the e-mail again: the database keeps only a hash of each code.
UNSENT_INVITATIONS_KEY = "tracker.unsent_invitations"
CAREGIVER_PREFIX = "caregiver"


class CaregiverInvitationForm(InvitationForm):
    """The clinician invitation's fields, worded for a caregiver; prefixed, as both forms share the page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=CAREGIVER_PREFIX, **kwargs)
        self.fields["invited_email"].label = "Caregiver's e-mail (optional)"


def accept_url(request: HttpRequest, code: str, role: str = CareGrant.Role.CLINICIAN) -> str:
    page = reverse("tracker:care_accept") if role == CareGrant.Role.CAREGIVER else reverse("tracker:accept")
    return request.build_absolute_uri(f"{page}?{urlencode({'code': code})}")


@patient_required
@require_http_methods(["GET", "HEAD", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    patient = request.user
    posted = request.POST if request.method == "POST" else None
    inviting_caregiver = posted is not None and posted.get("role") == CareGrant.Role.CAREGIVER
    form = InvitationForm(None if inviting_caregiver else posted, patient=patient)
    caregiver_form = CaregiverInvitationForm(posted if inviting_caregiver else None, patient=patient)
    role, bound = (CareGrant.Role.CAREGIVER, caregiver_form) if inviting_caregiver else (CareGrant.Role.CLINICIAN, form)
    if posted is not None and bound.is_valid():
        try:
            invitation = invitation_create(patient=patient, role=role, **bound.cleaned_data)
        except ValidationError as error:
            bound.add_error(None, error)
        else:
            link = accept_url(request, invitation.code, role)
            # Shown once, on the next page: only a hash of the code is stored.
            request.session[NEW_INVITATION_KEY] = {
                "code": invitation.code,
                "link": link,
                "role": role,
                "replaced": invitation.replaced,
                "email": invitation.grant.invited_email,
            }
            if invitation.grant.invited_email:
                transaction.on_commit(partial(_email_invitation, request, invitation.grant, invitation.code, link))
            return redirect("tracker:sharing")
    now = timezone.now()
    grants = CareGrant.objects.for_patient(patient)
    pending = list(grants.pending(now))
    unsent = request.session.get(UNSENT_INVITATIONS_KEY, {})
    context = {
        "form": form,
        "caregiver_form": caregiver_form,
        "new_invitation": request.session.pop(NEW_INVITATION_KEY, None),
        "pending": pending,
        "unsent": [(grant, unsent[str(grant.uuid)]["code"]) for grant in pending if str(grant.uuid) in unsent],
        "active": grants.active(now).for_clinicians().select_related("clinician"),
        "caregivers": grants.active(now).for_caregivers().select_related("caregiver"),
        "trail": trail_page(patient, request.GET.get("page"), TRAIL_PER_PAGE),
        "notes": notes_page(request, patient),
    }
    return render(request, "tracker/sharing.html", context)


def _email_invitation(request: HttpRequest, grant: CareGrant, code: str, link: str) -> None:
    """E-mail a stored invitation and say whether it went; if not, keep its code so that it can be sent again."""
    unsent = request.session.get(UNSENT_INVITATIONS_KEY, {})
    if invitation_email(grant=grant, code=code, accept_url=link):
        unsent.pop(str(grant.uuid), None)
        messages.success(request, f"The invitation was e-mailed to {grant.invited_email}.")
    else:
        unsent[str(grant.uuid)] = {"code": code, "link": link}
        messages.error(
            request,
            f"Your invitation is saved, but the e-mail to {grant.invited_email} could not be sent. Give them the "
            "code yourself, or send the e-mail again from the list of invitations not yet accepted.",
        )
    request.session[UNSENT_INVITATIONS_KEY] = unsent


@patient_required
@require_POST
def invitation_resend(request: HttpRequest, grant_id: uuid.UUID) -> HttpResponse:
    grant = access_own_grant(request.user, grant_id)
    unsent = request.session.get(UNSENT_INVITATIONS_KEY, {}).get(str(grant.uuid))
    still_open = grant.status == CareGrant.Status.INVITED and grant.invitation_expires_at > timezone.now()
    if unsent is None or not still_open:
        messages.error(request, "This invitation can no longer be e-mailed. Create a new one if you still need it.")
    else:
        _email_invitation(request, grant, unsent["code"], unsent["link"])
    return redirect("tracker:sharing")


@patient_required
@require_POST
def grant_end_view(request: HttpRequest, grant_id: uuid.UUID) -> HttpResponse:
    grant = access_own_grant(request.user, grant_id)
    was = grant.status
    grant_end(grant=grant)
    if was == CareGrant.Status.ACTIVE and grant.is_for_caregiver:
        messages.success(request, f"{grant.grantee} can no longer see your log or log cramps for you.")
    elif was == CareGrant.Status.ACTIVE:
        messages.success(request, f"{grant.grantee} can no longer see your log.")
    elif was == CareGrant.Status.INVITED:
        messages.success(request, "The invitation is cancelled; its code no longer works.")
    else:
        # Sent twice (two tabs, a double tap): it had ended already.
        messages.info(request, "This access had already ended.")
    return redirect("tracker:sharing")
