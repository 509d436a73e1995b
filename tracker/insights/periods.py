"""The date range picker shared by insights, the clinician's review and the visit report."""

import datetime as dt

from django.http import HttpRequest

from tracker.diary.forms import DateRangeForm


def period_from(request: HttpRequest, default_start: dt.date, today: dt.date) -> tuple[DateRangeForm, dt.date, dt.date]:
    """The local dates chosen in ?start=&end=, or by default `default_start` to the patient's `today` (also when a
    bad range was given).

    A bad range keeps its errors on the returned form, shown next to the fields.
    """
    if "start" not in request.GET and "end" not in request.GET:
        return DateRangeForm(initial={"start": default_start, "end": today}, today=today), default_start, today
    form = DateRangeForm(request.GET, today=today)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default_start, today
