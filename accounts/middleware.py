import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class UserTimeZoneMiddleware:
    """Show and read times in the signed-in user's own zone; UTC for visitors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class ClinicianIdleTimeoutMiddleware:
    """Sign clinicians out after CLINICIAN_IDLE_TIMEOUT_SECONDS without a request (a rolling expiry).

    The expiry moves on at most once every EXPIRY_STEP_SECONDS, so the sign-out comes between 14 and 15
    idle minutes (never later), and the pages in between cost no session write.
    """

    EXPIRY_STEP_SECONDS = 60
    MOVED_AT = "clinician_expiry_moved_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_clinician:
            now = int(time.time())
            if now - request.session.get(self.MOVED_AT, 0) >= self.EXPIRY_STEP_SECONDS:
                request.session[self.MOVED_AT] = now
                request.session.set_expiry(settings.CLINICIAN_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)


class ClinicianTwoFactorMiddleware:
    """Clinic pages open only for clinicians who have set up an authenticator app (TOTP)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_clinician
            and request.path.startswith("/clinic/")
            and not has_authenticator_app(user)
        ):
            messages.info(request, "Clinicians protect patients' data with two factors. Set up your authenticator app.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
