"""CrampApp settings, read from the environment.

Every value a deployment may change is an environment variable parsed by one of
the small helpers below; a malformed value stops start-up with a message that
names the variable. The README lists the variables.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


# Fail closed: production is the default, development must be asked for.
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Where the app is reached, for links in e-mails sent outside a request (check-in reminders).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "crampapp.apps.CrampAppAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "accounts",
    "education",
    "tracker",
    "questionnaires",
    "notifications",
]

MIDDLEWARE = [
    # Pages and streamed exports are compressed when the browser accepts gzip (static files come compressed
    # from WhiteNoise already). Django pads each compressed response with random bytes against BREACH, and CSRF
    # tokens are masked anew on every page.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "crampapp.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crampapp.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "crampapp.replica.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "crampapp.urls"
WSGI_APPLICATION = "crampapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Every template writes dates for people through one filter, `when`, without loading it.
            "builtins": ["crampapp.date_tags"],
        },
    },
    # The rows of long lists and tables, the charts' marks and the partials they share (the `jinja_include` tag):
    # the same markup costs a fraction of the time it takes in the Django template language.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates_jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "crampapp.jinja2.environment"},
    },
]

# Forms are drawn through one Jinja2 field template, with Bootstrap 5's classes, and Django's widget templates in
# Jinja2 where Django ships them (see crampapp.renderers).
FORM_RENDERER = "crampapp.renderers.FormRenderer"

# Database: SQLite in the project folder unless DATABASE_URL names another one.
# PostgreSQL connections are kept open between requests and checked before reuse.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A development database: one writer at a time, no reason to hold connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    # Two writes at once (an import sent twice by a double click) wait their turn instead of failing with
    # "database is locked": a transaction takes the write lock when it begins, and waits up to 20 s for it.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # The covering index's INCLUDE columns are for PostgreSQL; SQLite keeps the index without them, as
    # intended, and its warning (models.W040) read like an error to people trying the app.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages run short queries over a few thousand rows; JIT compilation of their plans
    # (triggered by cost estimates, not by the work) costs more than it saves. The working set is in
    # memory or on SSD, where an index lookup costs little more than a sequential read: without
    # saying so (random_page_cost 4, made for spinning disks) the planner scans a whole table to
    # join a few hundred rows.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c random_page_cost=1.1")

# Behind PgBouncer in transaction mode (DATABASE_POOLER=transaction) a connection's session state does not
# last beyond a transaction: no server-side cursors (Django declares them WITH HOLD outside a transaction),
# and the settings above go in the server's configuration instead of each connection's start-up options.
DATABASE_POOLER = env_choice("DATABASE_POOLER", ("none", "transaction"), "none")
if DATABASE_POOLER == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).pop("options", None)

# A streaming replica of the primary (DATABASE_REPLICA_URL, connected to directly) serves the heavy read-only
# pages (crampapp.replica): when it answers, is at most REPLICA_MAX_LAG_SECONDS behind, and the person has not
# written in the last PRIMARY_AFTER_WRITE_SECONDS. In tests it is the test database itself.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
READ_REPLICA = "replica" if DATABASE_REPLICA_URL else None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {
        "connect_timeout": 2,
        "options": "-c jit=off -c random_page_cost=1.1",
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
PRIMARY_AFTER_WRITE_SECONDS = env_int("PRIMARY_AFTER_WRITE_SECONDS", 15)
DATABASE_ROUTERS = ["crampapp.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache all workers share is needed in production: it holds the failed log-in and invitation-code
# counters (accounts.checks warns under `check --deploy` when it is per process).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up must not tell a stranger which addresses are registered. allauth can hide it only when an address
# is confirmed before its account opens: a sign-up with a taken address then gets the same "confirm your
# address" page as any other, and the address's owner gets an e-mail saying an account exists.
ACCOUNT_EMAIL_VERIFICATION = env_choice("EMAIL_VERIFICATION", ("none", "optional", "mandatory"), "mandatory")
if ACCOUNT_EMAIL_VERIFICATION != "mandatory" and not DEBUG:
    raise ImproperlyConfigured(
        "EMAIL_VERIFICATION must be mandatory when DEBUG is off: otherwise sign-up reveals registered addresses."
    )
ACCOUNT_PREVENT_ENUMERATION = True
# The link in the confirmation e-mail, opened in the browser that signed up, also logs the user in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CrampApp] "
# The account's owner is told by e-mail when its password or its addresses change, so that a change they did not
# make does not go unnoticed (and accounts.forms.ResetPasswordForm never sends a reset link to an address added
# to an account and not confirmed).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# "Keep me signed in" (ticked unless the person unticks it, accounts.forms.LoginForm) keeps a session for 14
# days; otherwise it ends with the browser.
ACCOUNT_SESSION_REMEMBER = None
SESSION_COOKIE_AGE = 14 * 24 * 60 * 60
# Clinicians and staff are signed out after this long without a request (accounts.middleware).
CLINICIAN_IDLE_TIMEOUT_SECONDS = 15 * 60
# Failed log-ins are counted per account *and* address (accounts.lockout): five wrong passwords for one
# account from one address pause it there for 15 minutes, while its owner, elsewhere, still gets in; a
# password reset lifts the pause everywhere. allauth.mfa counts wrong second-factor codes under the same
# action but its own key, per account: five in 15 minutes, a budget of their own. One address gets 30
# log-in attempts a minute, whichever accounts they name ("login").
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/key", "login": "30/m/ip"}
# How many proxies in front of the app append to X-Forwarded-For: the counters above need the visitor's
# address, not the load balancer's (with 0, every visitor counts as the proxy and shares its budget).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# Two factors: TOTP apps with recovery codes. Clinicians must set it up before /clinic/ opens, staff before /admin/.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CrampApp"
# allauth asks for a verified address before 2FA, against sign-ups that squat someone's address. Sign-in
# already requires a confirmed address (EMAIL_VERIFICATION is mandatory outside development); in development
# with EMAIL_VERIFICATION=optional it would block clinicians from setting up their app.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# E-mail: printed to the console in development, sent over SMTP otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
# Seconds to wait for the mail server before giving up: a server that accepts and never answers must not
# hold a worker (the page then says the e-mail could not be sent).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CrampApp <no-reply@crampapp.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Web Push reminders (notifications/): a VAPID key pair, which `manage.py vapid_keys` makes, and an address the
# push services can write to about them (mailto: or https:). Without the three, notifications are unavailable
# and check-in reminders go by e-mail.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT")
if any((VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT)) and not all(
    (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT)
):
    raise ImproperlyConfigured(
        "VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together: set all three or none."
    )
if VAPID_SUBJECT and not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(f"VAPID_SUBJECT must be a mailto: or https:// address; got {VAPID_SUBJECT!r}.")
# The push services a browser's subscription may name, as origins (`*` for any part of a host): the reminder
# sender posts to a subscription's address, which the browser sends us, so it must be a push service's.
PUSH_SERVICE_ORIGINS = env_list(
    "PUSH_SERVICE_ORIGINS",
    "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,https://*.push.apple.com,"
    "https://*.notify.windows.com",
)

# Time: stored in UTC, shown in each patient's own zone.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise with hashed, compressed names.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The installable app's files, served at the site root: the service worker must sit there to
# cover every page, and the manifest names its icons by plain URLs (pwa/).
WHITENOISE_ROOT = BASE_DIR / "pwa"
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}

# Security headers. The policy allows no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Security events (accounts/audit.py) are JSON lines; ship them to the log store as they are.
    "loggers": {"crampapp.audit": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
