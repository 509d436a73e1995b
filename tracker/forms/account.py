"""Forms of a patient's whole account: deleting it, and importing a record exported from CrampApp."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User

from ..portability.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from ..portability.record_read import MAX_RECORD_BYTES, MAX_RECORD_EPISODES


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label="I understand this cannot be undone",
        error_messages={"required": "Tick this box to confirm that you understand."},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That password is not right. Nothing has been deleted.", code="wrong_password")
        return password


class EpisodeImportForm(forms.Form):
    file = forms.FileField(
        label="File exported from CrampApp (a JSON backup or a CSV)",
        allow_empty_file=True,
        help_text=f"A JSON backup of at most {MAX_RECORD_BYTES // (1024 * 1024)} MB and {MAX_RECORD_EPISODES:,} "
        f"entries, or a CSV of at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB and {MAX_IMPORT_ROWS:,} cramps.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    record_is_mine = forms.BooleanField(
        label="This backup is my own record, from my account with another e-mail address",
        required=False,
    )
