"""HTML built in Python where a page draws hundreds of pieces (log rows, table cells, chart marks).

Every value goes through `text` (or format_html) where its piece is built, and `joined` marks the
pieces safe. Python's html.escape escapes as Django's escape does, without the checks for lazy strings
that Django's makes of every value, which cost more than the pieces in these loops.
"""

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import normalize_newlines


def text(value) -> str:
    """`value` as HTML: markup already made safe as it is, anything else escaped."""
    return value if isinstance(value, SafeData) else escape(str(value))


def lines(value) -> str:
    """Text as HTML, escaped, each line break a <br> (as the linebreaksbr filter)."""
    return text(normalize_newlines(value)).replace("\n", "<br>")


def joined(pieces: Iterable[str], separator: str = "") -> SafeString:
    """Pieces whose every value went through `text` or format_html, as one safe string."""
    return mark_safe(separator.join(pieces))  # noqa: S308 (every value is escaped where its piece is built)
