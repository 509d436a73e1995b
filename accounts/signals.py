"""Sign-in events: written to the audit log, each session key noted, a reset lifting the sign-in lock."""

from allauth.account.models import EmailAddress
from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit, pseudonym
from .lockout import password_lock_lift
from .models import SignedInSession
from .services import signed_in_session_record


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


@receiver(user_logged_in)
@receiver(password_changed)
@receiver(password_set)
def remember_session(sender, request, user, **kwargs):
    # A password change keeps the user signed in under a new key (update_session_auth_hash).
    signed_in_session_record(request=request, user=user)


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    # No user id once the account itself is deleted: closing it ended all its sessions already.
    if getattr(user, "pk", None) is not None and request.session.session_key:
        SignedInSession.objects.filter(user=user, session_key=request.session.session_key).delete()


@receiver(password_reset)
def lift_sign_in_lock(sender, request, user, **kwargs):
    """A reset proves the owner holds the mailbox: wrong passwords typed before it count no more, from anywhere."""
    for login in {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}:
        password_lock_lift(login=login)
