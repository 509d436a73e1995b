from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Stores the sign-up form's name, role and credentials on the new user."""

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.role = data["role"]
        user.professional_details = data.get("professional_details", "")
        user.time_zone = data.get("time_zone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
