"""How the app writes dates and times for people: one table of named styles, read by the templates (the `when`
filter, and `entry_time` for an entry on its own zone's clock) and by Python that writes a date into a message.
Machine formats (ISO dates in links and `datetime` attributes, file names) are not styles: they keep Django's
`date` filter with their own format."""

import datetime as dt

from django.utils import dateformat

# Style name -> Django date format, and what it writes.
STYLES = {
    "day": "j M Y",  # 7 Dec 2026
    "day_time": "j M Y, H:i",  # 7 Dec 2026, 03:10
    "weekday": "D j M Y",  # Mon 7 Dec 2026
    "weekday_time": "D j M Y, H:i",  # Mon 7 Dec 2026, 03:10
    "short_day": "j M",  # 7 Dec: inside a chart or a table whose period (with its year) is named above it
    "day_name": "D",  # Mon: above the date in the dashboard's strip of days
    "time": "H:i",  # 03:10
}


def when(value: dt.date | dt.datetime | dt.time | None, style: str) -> str:
    """`value` written in the named style; an aware moment on its own zone's clock (templates hand the filter
    moments in the current zone; Python passes `localtime(moment, zone)`). Empty for None."""
    if value is None or value == "":
        return ""
    format_string = STYLES[style]
    if isinstance(value, dt.time):
        return dateformat.time_format(value, format_string)
    return dateformat.format(value, format_string)
