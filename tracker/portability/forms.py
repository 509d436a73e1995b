"""Bringing a record back in: the file exported from CrampApp."""

from django import forms

from tracker.portability.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from tracker.portability.record_file import MAX_RECORD_BYTES
from tracker.portability.record_read import MAX_RECORD_EPISODES


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
