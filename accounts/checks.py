"""Deployment checks of our own, shown by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks

# Caches that every worker process keeps to itself (or that keep nothing at all).
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Failed log-in and invitation-code counters live in the default cache; each worker keeping its own
    multiplies every limit by the number of workers, and a password reset lifts a lock in one of them."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend}) is kept per process, so each worker counts failed log-ins and "
            "invitation codes on its own.",
            hint="Set REDIS_URL to a Redis server that every worker shares. Redis is required with more than "
            "one worker.",
            id="accounts.W001",
        )
    ]
