"""Sign-in events, written to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit, pseudonym


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit("sign_in", request=request, user_id=user.pk, role=user.role)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    audit("sign_out", request=request, user_id=getattr(user, "pk", None))


@receiver(user_login_failed)
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    typed = credentials.get("email") or credentials.get("username") or ""
    audit("sign_in_failed", request=request, login=pseudonym(typed) if typed else None)
