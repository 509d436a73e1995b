from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.core.validators import MaxLengthValidator

from .models import User, time_zone_names
from .names import refuse_direction_controls, refuse_invisible_names


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus a name, the role (patient, clinician or caregiver), and a clinician's credentials."""

    full_name = forms.CharField(
        label="Your name",
        max_length=User._meta.get_field("full_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Shown to the people you share a cramp log with.",
        validators=[refuse_direction_controls, refuse_invisible_names],
    )
    role = forms.ChoiceField(
        label="I am signing up as",
        choices=[
            (User.Role.PATIENT, "A patient: I want to log my cramps"),
            (User.Role.CLINICIAN, "A clinician: my patients will share their logs with me"),
            (User.Role.CAREGIVER, "A caregiver: I help someone log their cramps (they invite me)"),
        ],
        initial=User.Role.PATIENT,
        widget=forms.RadioSelect,
    )
    professional_details = forms.CharField(
        label="Clinicians: profession, registration number and workplace",
        max_length=User._meta.get_field("professional_details").max_length,
        required=False,
        help_text="Our staff check these before patients can share data with you. Patients leave this empty.",
    )

    # Filled in by the browser's own zone (static/js/app.js); UTC when it is missing or unknown.
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["full_name", "email", "role", "professional_details", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth's field takes 320 characters, then cuts the address to the model's 254.
        email = self.fields["email"]
        email.max_length = User._meta.get_field("email").max_length
        email.validators.append(MaxLengthValidator(email.max_length))
        email.widget.attrs["maxlength"] = str(email.max_length)

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_time_zone(self) -> str:
        name = self.cleaned_data.get("time_zone", "")
        return name if name in time_zone_names() else "UTC"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == User.Role.CLINICIAN and not cleaned.get("professional_details", "").strip():
            self.add_error(
                "professional_details",
                "Clinicians must tell us their profession and registration number so that we can verify them.",
            )
        if cleaned.get("role") != User.Role.CLINICIAN:
            cleaned["professional_details"] = ""
        return cleaned


class LoginForm(AllauthLoginForm):
    """Log-in that keeps a patient signed in on their own device by default, so that a cramp at 3 a.m. is one
    tap away; whoever uses a shared computer unticks it. Clinicians are still signed out after their idle
    timeout (accounts.middleware)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        remember = self.fields["remember"]
        remember.initial = True
        remember.label = "Keep me signed in on this device"
        remember.help_text = "Untick it on a shared or public computer: you are signed out when the browser closes."


# allauth's labels in Title Case, in the app's sentence case.
NEW_PASSWORD_LABELS = {"password1": "New password", "password2": "New password (again)"}


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in {"oldpassword": "Current password", **NEW_PASSWORD_LABELS}.items():
            self.fields[name].label = label


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in NEW_PASSWORD_LABELS.items():
            self.fields[name].label = label


class ResetPasswordForm(AllauthResetPasswordForm):
    """A reset link goes only to an address that is the account's own: the one it signs in with, or one whose
    owner confirmed it. An address added to an account and never confirmed may be anyone's: a link for that
    account sent there would hand it to them. The page says the same whoever asks (no address is revealed)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        confirmed = set(
            EmailAddress.objects.filter(user__in=self.users, email__iexact=email, verified=True).values_list(
                "user_id", flat=True
            )
        )
        self.users = [user for user in self.users if user.pk in confirmed or user.email.lower() == email.lower()]
        return email
