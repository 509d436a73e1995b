"""Settings are read from the environment; bad or missing values stop start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps({'engine': d['ENGINE'], 'name': d['NAME'], 'host': d.get('HOST'), "
    "'conn_max_age': d['CONN_MAX_AGE'], 'health': d['CONN_HEALTH_CHECKS'], 'debug': s.DEBUG, "
    "'email': s.EMAIL_BACKEND, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, 'hosts': s.ALLOWED_HOSTS, "
    "'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False)}))"
)


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these variables."""
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "EMAIL_BACKEND"}
    }
    clean_env.update(DJANGO_SETTINGS_MODULE="crampapp.settings", **env)
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = load_settings(SECRET_KEY="k" * 50)
    assert json.loads(result.stdout)["debug"] is False


def test_development_runs_on_sqlite_in_the_project_folder_with_console_mail():
    result = load_settings(DEBUG="1")
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(PROJECT_DIR / "db.sqlite3")
    assert loaded["email"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["tz"] == "UTC"
    assert loaded["use_tz"] is True


def test_database_url_selects_postgresql_with_persistent_checked_connections():
    result = load_settings(DEBUG="0", SECRET_KEY="k" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/crampapp")
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "crampapp"
    assert loaded["host"] == "127.0.0.1"
    assert loaded["conn_max_age"] > 0
    assert loaded["health"] is True


def test_production_sends_mail_over_smtp_and_redirects_to_https():
    loaded = json.loads(load_settings(SECRET_KEY="k" * 50, ALLOWED_HOSTS="cramp.example.org").stdout)
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["hosts"] == ["cramp.example.org"]
    assert loaded["ssl_redirect"] is True


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("EMAIL_VERIFICATION", "sometimes")])
def test_a_malformed_variable_stops_start_up_naming_it(name, value):
    result = load_settings(SECRET_KEY="k" * 50, **{name: value})
    assert result.returncode != 0
    assert f"{name} must be one of" in result.stderr


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_times_are_stored_in_utc():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "UTC"


def test_the_sqlite_database_passes_the_system_checks_without_a_warning(tmp_path):
    """`make run` and `make demo` on SQLite print no warning that reads like an error (the covering index's
    INCLUDE columns are PostgreSQL's; SQLite keeps the index without them)."""
    clean_env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=PROJECT_DIR,
        env={**clean_env, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "System check identified no issues" in result.stdout
    assert "W040" not in result.stdout + result.stderr


PRINT_DATABASES = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'databases': s.DATABASES, 'read_replica': s.READ_REPLICA}, default=str))"
)


def load_databases(**env):
    clean_env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DEBUG"))}
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=PROJECT_DIR,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "crampapp.settings", "SECRET_KEY": "k" * 50, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_behind_pgbouncer_in_transaction_mode_no_connection_relies_on_session_state():
    loaded = load_databases(DATABASE_URL="postgres://app@127.0.0.1:6433/crampapp", DATABASE_POOLER="transaction")
    default = loaded["databases"]["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in default["OPTIONS"]
    assert loaded["read_replica"] is None
    assert "replica" not in loaded["databases"]


def test_a_replica_url_adds_the_replica_that_heavy_pages_read_from():
    loaded = load_databases(
        DATABASE_URL="postgres://app@127.0.0.1:5432/crampapp",
        DATABASE_REPLICA_URL="postgres://app@127.0.0.1:5433/crampapp",
    )
    replica = loaded["databases"]["replica"]
    assert loaded["read_replica"] == "replica"
    assert (replica["PORT"], replica["NAME"]) == (5433, "crampapp")
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"]["MIRROR"] == "default"
    # Server-side cursors stay on where the replica is reached directly: exports stream from it.
    assert loaded["databases"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
