"""The form fields and helpers every area's forms share: dates and times in the patient's zone, the
vocabularies and choices from them, large toggle buttons, and a service's errors shown on a form."""

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from tracker.models import MAX_ID, MAX_NOTES_LENGTH, Term
from tracker.moments import parse_moment

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# Radios and checkboxes drawn as large toggle buttons ("chips"); still real inputs for keyboards and screen readers.
CHIP = {"class": "btn-check"}


def vocabulary(kind: str):
    """The active items of one shared vocabulary, in display order: no patient's own words."""
    return Term.objects.shared().of_kind(kind).active().order_by("sort_order", "label")


def vocabulary_for(patient: User | None, kind: str, keep: Iterable[int] = ()):
    """What `patient` chooses from for one vocabulary: its active shared items, then their own active words
    (OWN_WORDS_SORT_ORDER puts them last); and the items in `keep` (those on the entry being changed) even when
    retired, so that saving the entry keeps them. One query, as vocabulary() is."""
    offered = Q(is_active=True)
    if keep:
        offered |= Q(pk__in=list(keep))
    return Term.objects.available_to(patient).of_kind(kind).filter(offered).order_by("sort_order", "label")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def check_plausible_date(value: dt.date) -> None:
    """Refuse dates no diary can hold (and that would overflow time-zone arithmetic)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError("Enter a date between 1900 and 2100.", code="implausible_date")


class DiaryDateField(forms.DateField):
    """A date as the browser's date picker sends it (2026-12-06). Not day/month/year, which reads 12/06/2026 as
    12 June where a patient in the United States meant 6 December."""

    input_formats = ["%Y-%m-%d"]
    default_validators = [check_plausible_date]
    default_error_messages = {"invalid": "Enter the date as year-month-day, such as 2026-12-06, or pick it."}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", date_input())
        super().__init__(**kwargs)


class NotesField(forms.CharField):
    """Text in a patient's or a clinician's own words, at most MAX_NOTES_LENGTH characters. A line break counts as
    one, as the page's counter counts it (a browser sends a text box's as two, CR LF). The box has no `maxlength`,
    with which a browser cuts pasted text without a word: the page counts instead (app.js reads `data-limit`), and
    a note that is too long comes back with a message and every character written."""

    default_error_messages = {
        "max_length": f"Notes can be at most {MAX_NOTES_LENGTH:,} characters; these have %(show_value)s. "
        "Shorten them, then save again."
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_NOTES_LENGTH, **kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["data-limit"] = attrs.pop("maxlength")
        return attrs


def date_input() -> forms.DateInput:
    """The browser's date picker, which reads and writes ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in `zone` (the current zone when None: the user's), stored as an aware datetime; or
    an exact moment with its UTC offset ("2026-07-01T02:15:09.250Z"), as a cramp kept on the device while
    offline carries the moment it was logged. A stored moment is shown in `zone` too.

    Around a daylight-saving change an hour repeats (the earlier one is taken) or is
    skipped (refused with a message saying why).
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT)
    zone: dt.tzinfo | None = None

    def prepare_value(self, value):
        if self.zone is not None and isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return super().prepare_value(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = parse_moment(value)  # a bad UTC offset is a ValidationError, never read as local time
        except ValueError:
            moment = None
        if moment is not None and timezone.is_aware(moment):
            check_plausible_date(moment.date())
            return moment
        try:
            naive = dt.datetime.strptime(value.strip()[:16], LOCAL_INPUT_FORMAT)
        except ValueError:
            naive = None
        if naive is None:
            parsed = super().to_python(value)
            if parsed is None or timezone.is_aware(parsed):
                return parsed
            naive = timezone.make_naive(parsed)
        check_plausible_date(naive.date())
        zone = self.zone or timezone.get_current_timezone()
        local = naive.replace(tzinfo=zone, fold=0)
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise ValidationError(
                "This time did not exist where you are: the clocks went forward. Choose a time after the change.",
                code="nonexistent",
            )
        return local


def check_ids(values) -> None:
    """Refuse posted ids that are not whole numbers a database could hold, before any query."""
    for value in values:
        if not str(value).isdigit() or int(value) > MAX_ID:
            raise ValidationError("Choose from the list.", code="invalid_choice")


class TermChoiceIterator(forms.models.ModelChoiceIterator):
    """A vocabulary's items read by a plain query: Django reads a choice field's items through iterator(),
    a server-side cursor on PostgreSQL, whose extra round trips cost more than the query for a list this
    short."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for term in self.queryset:
            yield self.choice(term)


class TermChoiceField(forms.ModelChoiceField):
    """One item of a vocabulary, shown by its label."""

    iterator = TermChoiceIterator

    def label_from_instance(self, term):
        return term.label


class VocabularyChoiceField(forms.ModelMultipleChoiceField):
    """Any number of items of one vocabulary, as checkboxes."""

    widget = forms.CheckboxSelectMultiple(attrs=CHIP)

    def __init__(self, kind: str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=vocabulary(kind), **kwargs)

    def _check_values(self, value):
        check_ids(value)
        return super()._check_values(value)

    def label_from_instance(self, term):
        return term.label
