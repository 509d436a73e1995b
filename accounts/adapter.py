import time
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest

from crampapp.mail import deliver, subject_line

from .audit import audit, pseudonym
from .lockout import password_failures_key

SIGN_UP_UNSENT = (
    "Your sign-up is saved, but the e-mail to confirm your address could not be sent. Log in with your e-mail "
    "address and password in a few minutes and we will send it again."
)
RESET_UNSENT = (
    "The e-mail with your password reset link could not be sent. Your password is unchanged: ask for a new "
    "link in a few minutes."
)
# What the user is told when an e-mail could not be sent, by allauth's template. A taken address must read
# exactly like a new one at sign-up, and a known address like an unknown one at password reset.
UNSENT_MESSAGES = {
    "account/email/email_confirmation_signup": SIGN_UP_UNSENT,
    "account/email/account_already_exists": SIGN_UP_UNSENT,
    "account/email/email_confirmation": (
        "The e-mail to confirm your address could not be sent. Try again in a few minutes."
    ),
    "account/email/password_reset_key": RESET_UNSENT,
    "account/email/unknown_account": RESET_UNSENT,
}
UNSENT_OTHER = "An e-mail we meant to send you could not be sent. What you saved is kept."
# allauth's "we sent you an e-mail" notice, left out when the e-mail did not go.
SENT_NOTICES = {"account/messages/email_confirmation_sent.txt"}
# allauth asks for the password again before any change to second factors. A person setting up their first
# authenticator app within this long of signing in (a new clinician, straight after confirming their address)
# has just proved it; with a second factor in place, every change still asks.
FIRST_FACTOR_GRACE_SECONDS = 10 * 60


class AccountAdapter(DefaultAccountAdapter):
    """Stores the sign-up form's name, role and credentials on the new user, and audits lockouts."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed attempts. For your safety, logging in to this account is paused for "
            "15 minutes. If you forgot your password, you can reset it now."
        ),
    }

    def _get_login_attempts_cache_key(self, request, **credentials):
        # Failed passwords count per account *and* address (see accounts.lockout); allauth's own key names
        # the account alone, which lets anyone lock its owner out. The maintainer's advice for this:
        # https://github.com/pennersr/django-allauth/issues/3584
        return password_failures_key(request, credentials.get("email") or credentials.get("username") or "")

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit("sign_in_locked_out", request=request, login=pseudonym(credentials.get("email", "")))
            raise

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        request = allauth_context.request
        if app == "allauth.mfa" and request is not None and _setting_up_first_factor_after_signing_in(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def format_email_subject(self, subject: str) -> str:
        return subject_line(super().format_email_subject(subject))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the e-mail now and send it once the transaction commits; a failure is logged and told."""
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        transaction.on_commit(partial(self._deliver, request, template_prefix, message))

    def _deliver(self, request: HttpRequest | None, template_prefix: str, message: EmailMessage) -> None:
        if deliver(message, what=template_prefix) or request is None:
            return
        request.crampapp_mail_unsent = True
        self.add_message(request, messages.ERROR, message=UNSENT_MESSAGES.get(template_prefix, UNSENT_OTHER))

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template in SENT_NOTICES and getattr(request, "crampapp_mail_unsent", False):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.full_name = data["full_name"]
        user.role = data["role"]
        user.professional_details = data.get("professional_details", "")
        user.time_zone = data.get("time_zone") or "UTC"
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # They chose their password in this browser just now: the link in the confirmation e-mail, opened
            # here, signs them in with this session, and setting up their app then needs no password again.
            record_authentication(request, user, method="password", email=user.email)
        return user


# What setting up a first factor leads to once the app is added: the recovery codes made with it.
FIRST_FACTOR_PAGES = frozenset({"mfa_view_recovery_codes", "mfa_download_recovery_codes"})


def _setting_up_first_factor_after_signing_in(request: HttpRequest) -> bool:
    """Signed in with a password less than FIRST_FACTOR_GRACE_SECONDS ago, with no second factor then, and
    adding the first (or reading the recovery codes that came with it)."""
    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records or time.time() - records[-1]["at"] >= FIRST_FACTOR_GRACE_SECONDS:
        return False
    factors = list(Authenticator.objects.filter(user=user).values_list("created_at", flat=True))
    if not factors:
        return True
    signed_in = records[-1]["at"]
    added_since = all(created.timestamp() > signed_in for created in factors)
    match = request.resolver_match
    return added_since and match is not None and match.url_name in FIRST_FACTOR_PAGES
