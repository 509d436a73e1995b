"""Reading a date and time that someone sent us: one parser for the forms, the offline sync and the CSV import.

Python reads UTC offsets up to ±23:59, but PostgreSQL refuses anything beyond ±15:59 (the widest real zone
is +14:00), so an offset the database would refuse is turned away here, with a message, before any query.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError

MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)
UTC_OFFSET_CODE = "utc_offset"
UTC_OFFSET_MESSAGE = "A time zone offset must be between -15:59 and +15:59, in hours and minutes (such as +01:00)."
# What ends a date and time when Python cannot read it as an offset: "+99:99", "+24:00", "-16".
OFFSET_AT_END = re.compile(r"(?<=\d)[+-][\d:.]+$")
# A time after the date ("2026-03-01T03:10", "2026-03-01 03:10"): only then can a sign start an offset.
HAS_TIME = re.compile(r"[Tt ]\d")


def check_utc_offset(moment: dt.datetime) -> None:
    """Refuse a moment whose UTC offset is out of range or not whole minutes (a naive moment has none)."""
    offset = moment.utcoffset()
    if offset is not None and (abs(offset) > MAX_UTC_OFFSET or offset % dt.timedelta(minutes=1)):
        raise ValidationError(UTC_OFFSET_MESSAGE, code=UTC_OFFSET_CODE)


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date and time, aware when it ends with a UTC offset ("Z", "+01:00").

    Raises ValidationError when its offset is out of range or malformed, ValueError when it is no date and time.
    """
    text = text.strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        offset = OFFSET_AT_END.search(text)
        if offset is not None and HAS_TIME.search(text[: offset.start()]):
            dt.datetime.fromisoformat(text[: offset.start()])  # no date and time before it: ValueError
            raise ValidationError(UTC_OFFSET_MESSAGE, code=UTC_OFFSET_CODE) from None
        raise
    check_utc_offset(moment)
    return moment
