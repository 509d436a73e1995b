"""A VAPID key pair that does not belong together lets browsers subscribe, then every push is refused: say so
at start-up (`manage.py check`) instead."""

from django.conf import settings
from django.core.checks import Error, register

from .vapid import public_key_for


@register()
def vapid_keys_belong_together(app_configs, **kwargs) -> list[Error]:
    if not settings.VAPID_PRIVATE_KEY:
        return []
    try:
        public_key = public_key_for(settings.VAPID_PRIVATE_KEY)
    except ValueError:
        return [
            Error(
                "VAPID_PRIVATE_KEY is not a P-256 private key.",
                hint="Make a key pair with `manage.py vapid_keys`.",
                id="notifications.E001",
            )
        ]
    if public_key != settings.VAPID_PUBLIC_KEY:
        return [
            Error(
                "VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY.",
                hint=f"For this private key it is {public_key}.",
                id="notifications.E002",
            )
        ]
    return []
