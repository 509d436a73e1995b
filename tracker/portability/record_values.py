"""Reading one value of a record file (our JSON backup), named by its path in the file when it is not what
the export writes: "episodes[3].severity_0_10: must be a whole number from 0 to 10"."""

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from accounts.models import time_zone_names

from ..moments import parse_moment


class Bad(ValueError):
    """A value that cannot be read, with where it is in the document."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")


def read_object(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(path, "must be an object ({ … })")
    return value


def read_list(value, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Bad(path, "must be a list ([ … ])")
    return value


def read_string(item: dict, key: str, path: str, limit: int) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Bad(f"{path}.{key}", "must be text")
    if len(value) > limit:
        raise Bad(f"{path}.{key}", f"can be at most {limit} characters (this one has {len(value)})")
    if "\x00" in value:
        raise Bad(f"{path}.{key}", "holds a null character, which text cannot")
    return value


def read_number(item: dict, key: str, path: str, low: int, high: int, *, optional: bool = False) -> int | None:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        empty = " or null" if optional else ""
        raise Bad(f"{path}.{key}", f"must be a whole number from {low} to {high}{empty}")
    return value


def read_day(item: dict, key: str, path: str, *, optional: bool = False) -> dt.date | None:
    value = item.get(key)
    if value is None and optional:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Bad(f"{path}.{key}", "must be a date such as 2026-03-01") from None


def read_moment(item: dict, key: str, path: str) -> dt.datetime:
    value = item.get(key)
    try:
        moment = parse_moment(value) if isinstance(value, str) else None
    except (ValueError, ValidationError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Bad(f"{path}.{key}", "must be a date and time with its offset, such as 2026-03-01T03:10:00+00:00")
    return moment


def read_zone(item: dict, key: str, path: str) -> str | None:
    """An entry's time zone; None when the file has none (written before entries kept theirs)."""
    value = item.get(key)
    if value is not None and (not isinstance(value, str) or value not in time_zone_names()):
        raise Bad(f"{path}.{key}", "must be a time zone we know, such as Europe/London, or null")
    return value


def read_uuid(item: dict, key: str, path: str) -> uuid.UUID:
    try:
        return uuid.UUID(item.get(key))
    except (TypeError, ValueError, AttributeError):
        raise Bad(f"{path}.{key}", "must be an id such as 3f2b8c1e-…, as the export wrote it") from None


def read_code(item: dict, key: str, path: str, choices: Iterable[str], *, blank_allowed: bool = True) -> str:
    """A coded value as the export writes it ({"code": …, "label": …}), or the code alone; null for none."""
    value = item.get(key)
    if isinstance(value, dict):
        value = value.get("code")
    if value in (None, "") and blank_allowed:
        return ""
    if value not in choices:
        raise Bad(f"{path}.{key}", f"must be one of {', '.join(choices)}")
    return value


def read_boolean(item: dict, key: str, path: str) -> bool | None:
    value = item.get(key)
    if value is not None and not isinstance(value, bool):
        raise Bad(f"{path}.{key}", "must be true, false or null (not recorded)")
    return value
