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


class IdleTimeoutMiddleware:
    """Sign clinicians and staff out after CLINICIAN_IDLE_TIMEOUT_SECONDS without a request (a rolling expiry):
    both see other people's health data, often on shared computers.

    The expiry moves on at most once every EXPIRY_STEP_SECONDS, so the sign-out comes between 14 and 15
    idle minutes (never later), and the pages in between cost no session write.
    """

    EXPIRY_STEP_SECONDS = 60
    MOVED_AT = "clinician_expiry_moved_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_clinician or user.is_staff):
            now = int(time.time())
            if now - request.session.get(self.MOVED_AT, 0) >= self.EXPIRY_STEP_SECONDS:
                request.session[self.MOVED_AT] = now
                request.session.set_expiry(settings.CLINICIAN_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Clinic pages open only for clinicians, and the admin only for staff, who have set up an authenticator
    app (TOTP): both show other people's health data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and self._needs_second_factor(user, request.path)
            and not has_authenticator_app(user)
        ):
            who = "Staff" if request.path.startswith("/admin/") else "Clinicians"
            messages.info(request, f"{who} protect patients' data with two factors. Set up your authenticator app.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(user, path: str) -> bool:
        return (user.is_clinician and path.startswith("/clinic/")) or (user.is_staff and path.startswith("/admin/"))
