"""Security events as structured log lines (one JSON object per event) on the "crampapp.audit" logger.

Events never carry passwords, codes, or health data; people are referred to by their account id,
and an address that failed to sign in by a keyed hash of it.
"""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("crampapp.audit")


def pseudonym(value: str) -> str:
    """A stable, non-reversible reference to a personal value (such as a typed e-mail address)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def audit(event: str, *, request: HttpRequest | None = None, **fields) -> None:
    """Log one security event, e.g. audit("sign_in", request=request, user_id=7)."""
    record = {"event": event, **fields}
    if request is not None:
        record["ip"] = request.META.get("REMOTE_ADDR")
    logger.info(json.dumps(record, default=str, sort_keys=True), extra={"audit": record})
