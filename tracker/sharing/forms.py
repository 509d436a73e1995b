"""Forms of sharing a record: a patient's invitation, a clinician's or caregiver's acceptance of it, and a
clinician's note on the record shared with them."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from tracker.fields import DiaryDateField
from tracker.models import MAX_NOTES_LENGTH
from tracker.sharing.services import check_invitation


class InvitationForm(forms.Form):
    invited_email = forms.EmailField(
        label="Clinician's e-mail (optional)",
        required=False,
        help_text="We e-mail them the link and code. Or leave empty and give them the code yourself.",
    )
    access_ends_on = DiaryDateField(
        label="Access ends on (optional)",
        required=False,
        help_text="Leave empty to share until you revoke access.",
    )

    def __init__(self, *args, patient: User, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        # The service's checks of the fields that read well, with the fields' own problems: all at once.
        try:
            check_invitation(
                patient=self.patient,
                invited_email=cleaned.get("invited_email") or "",
                access_ends_on=cleaned.get("access_ends_on"),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class AcceptInvitationForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text="The code your patient gave you, e.g. ABCDE-FGH23.",
    )

    def clean_code(self) -> str:
        code = "".join(char for char in self.cleaned_data["code"] if char.isalnum())
        if len(code) < 8:
            raise ValidationError("A code has 10 letters and digits. Check it with your patient.")
        return code


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=MAX_NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The patient can read this note, with your name.",
    )
    episode = forms.UUIDField(required=False, widget=forms.HiddenInput)
