"""Sending e-mail from a request: subjects that cannot break a header, and failures that never give a 500.

Whatever a request stores stays stored when the mail server refuses, times out (`EMAIL_TIMEOUT`) or
rejects the message; the caller tells the user the e-mail could not be sent and offers to send it again.
"""

import logging
import unicodedata

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage

logger = logging.getLogger(__name__)

# OSError covers refused and timed-out connections and every smtplib.SMTPException.
MAIL_ERRORS = (OSError, BadHeaderError)


def absolute_url(path: str) -> str:
    """A full address for an e-mail: there is no request to take the host from."""
    return settings.SITE_URL.rstrip("/") + path


def subject_line(text: str) -> str:
    """`text` on one line, with newlines and other control or format characters (such as a right-to-left
    override) turned into single spaces: names typed by users go into subjects."""
    visible = "".join(" " if unicodedata.category(char).startswith("C") else char for char in text)
    return " ".join(visible.split())


def deliver(message: EmailMessage, *, what: str) -> bool:
    """Send `message`; False, with the error logged under `what`, when it could not be sent."""
    try:
        message.send()
    except MAIL_ERRORS:
        logger.exception("e-mail not sent", extra={"email_kind": what})
        return False
    return True
