from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from .audit import audit, pseudonym


class AccountAdapter(DefaultAccountAdapter):
    """Stores the sign-up form's name, role and credentials on the new user, and audits lockouts."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed attempts. For your safety, logging in to this account is paused for "
            "15 minutes. If you forgot your password, you can reset it now."
        ),
    }

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit("sign_in_locked_out", request=request, login=pseudonym(credentials.get("email", "")))
            raise

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.role = data["role"]
        user.professional_details = data.get("professional_details", "")
        user.time_zone = data.get("time_zone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
