"""Role gates for views: who may open a page at all (object access is checked separately)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """Let in signed-in users whose role is one of `roles`; others get 403, anonymous users the log-in page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied("This page is not available for your account type.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


patient_required = role_required("patient")
clinician_required = role_required("clinician")
