"""Forms that choose what a page shows: the filters of the episode lists and of the insights, and a period for
a summary. The windows of the trial-grade summary have their form in tracker.clinic.forms."""

import datetime as dt

from django import forms

from accounts.models import User
from crampapp.dates import when
from tracker.fields import DiaryDateField, TermChoiceField, vocabulary, vocabulary_for
from tracker.models import KIND_NOT_SAID, EventKind

KIND_FILTER_CHOICES = [("", "Any kind"), *EventKind.choices, (KIND_NOT_SAID, "Kind not said")]


def kind_filter_field(everything: str = "Any kind") -> forms.ChoiceField:
    """The event-kind filter; `everything` names its empty choice."""
    return forms.ChoiceField(
        label="Kind of event",
        choices=[("", everything), *KIND_FILTER_CHOICES[1:]],
        required=False,
        widget=forms.Select,
        error_messages={"invalid_choice": "Choose a kind from the list."},
    )


class EpisodeFilterForm(forms.Form):
    date_from = DiaryDateField(label="From", required=False)
    date_to = DiaryDateField(label="To", required=False)
    severity_min = forms.IntegerField(
        label="Severity at least", required=False, min_value=0, max_value=10, widget=forms.NumberInput
    )
    severity_max = forms.IntegerField(
        label="Severity at most", required=False, min_value=0, max_value=10, widget=forms.NumberInput
    )
    location = TermChoiceField(
        label="Place", queryset=vocabulary("location"), required=False, empty_label="Anywhere", widget=forms.Select
    )
    kind = kind_filter_field()

    def __init__(self, *args, patient: User | None = None, **kwargs):
        """`patient`: whose entries are filtered, whose own body places are offered after the shared ones."""
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = vocabulary_for(patient, "location")

    def clean(self):
        cleaned = super().clean()
        # A pair that contradicts itself is ignored whole: its other half alone is not what was asked for.
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
            cleaned.pop("date_from")
        low, high = cleaned.get("severity_min"), cleaned.get("severity_max")
        if low is not None and high is not None and low > high:
            self.add_error("severity_max", "The highest severity is below the lowest.")
            cleaned.pop("severity_min")
        return cleaned

    def filters(self) -> dict:
        """The filters that were given and are valid; a field with an error is shown and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class EventKindFilterForm(forms.Form):
    """The event-kind filter of the insights page: cramps by default (tracker.counting)."""

    kind = kind_filter_field("Cramps (marked as a cramp or without a kind)")

    def chosen_kind(self) -> str:
        """The chosen kind, or "" for cramps (also when the choice is not one of ours)."""
        return self.cleaned_data.get("kind", "") if self.is_bound and self.is_valid() else ""


MAX_REPORT_DAYS = 2 * 366


class DateRangeForm(forms.Form):
    """A period in the patient's local dates, at most two years long, ending by the patient's `today` (days to
    come are not days without a record, and would be counted as such)."""

    start = DiaryDateField(label="From")
    end = DiaryDateField(label="To")

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif end > self.today:
                self.add_error("end", f"Choose an end date up to today, {when(self.today, 'day')}.")
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("start", "Choose a period of at most two years.")
        return cleaned
