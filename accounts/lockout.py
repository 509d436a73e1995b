"""Who a failed sign-in counts against: one account from one address, so a stranger cannot lock its owner out.

allauth counts failed passwords under a key (ACCOUNT_RATE_LIMITS["login_failed"], ".../key"); the key here
names the account, the address it is tried from, and the account's current lock generation. A password
reset starts a new generation, which lifts the lock from every address at once. Counters and generations
live in the default cache, which all workers must share (accounts.checks warns when they cannot).
"""

import hashlib

from allauth.core.internal.ratelimit import get_ip
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import get_random_string

# Longer than any failed-login window, so that a generation outlives the counters filed under it.
GENERATION_SECONDS = 24 * 60 * 60


def _generation_key(login: str) -> str:
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()
    return f"sign-in-lock-generation:{digest}"


def password_failures_key(request: HttpRequest, login: str) -> str:
    """The rate-limit key for wrong passwords typed for `login` from this request's address.

    The address is allauth's (IPv6 cut to its /64 network, the trusted proxy's X-Forwarded-For honoured).
    allauth hashes the key before it goes into the cache.
    """
    generation = cache.get_or_set(_generation_key(login), get_random_string(12), GENERATION_SECONDS)
    return f"{login.strip().lower()}:{generation}:{get_ip(request)}"


def password_lock_lift(*, login: str) -> None:
    """End every address's lock on this account (after a password reset)."""
    cache.delete(_generation_key(login))
