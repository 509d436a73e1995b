"""Prove that a backup restores: dump a seeded database with pg_dump, restore it into an empty one
with pg_restore, and check that the restored app serves exactly the same episodes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python scripts/backup_check.py

It creates and drops `crampapp_backup_source` and `crampapp_backup_restored`. Exit code 0 when the
restored app lists every episode of every patient, 1 otherwise.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
SOURCE, RESTORED = "crampapp_backup_source", "crampapp_backup_restored"

SEED = """
import datetime as dt, django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from accounts.models import User
from tracker.models import CheckIn, Episode
call_command("migrate", verbosity=0)
now = timezone.now()
for number in range(3):
    patient = User.objects.create_user(f"backup-{number}@example.org", None, full_name=f"Backup {number}")
    Episode.objects.bulk_create(
        Episode(patient=patient, created_by=patient, started_at=now - dt.timedelta(hours=9 * index),
                severity=index % 11, notes=f"night {index}", time_zone="UTC", utc_offset=dt.timedelta(0))
        for index in range(45)
    )
    CheckIn.objects.create(patient=patient, day=now.date(), status="cramps")
"""

# Lists, through the real pages, every episode each patient sees in their log.
SERVE = """
import json, re, django
django.setup()
from django.test import Client
from accounts.models import User
served = {}
for patient in User.objects.filter(role="patient").order_by("email"):
    client = Client()
    client.force_login(patient)
    found, page = [], 1
    while True:
        html = client.get("/episodes/", {"page": page}).content.decode()
        found += re.findall(r'href="/episodes/([0-9a-f-]{36})/"', html)
        if "Next page" not in html:
            break
        page += 1
    served[patient.email] = sorted(set(found))
print(json.dumps(served))
"""


def url_for(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def run_django(code: str, database_url: str) -> str:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "crampapp.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout


def main() -> int:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    admin_url = url_for(base, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for name in (SOURCE, RESTORED):
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {name}")
    try:
        run_django(SEED, url_for(base, SOURCE))
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "crampapp.dump"
            subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", url_for(base, SOURCE)], check=True)
            subprocess.run(["pg_restore", "--no-owner", f"--dbname={url_for(base, RESTORED)}", str(dump)], check=True)
        before = json.loads(run_django(SERVE, url_for(base, SOURCE)).strip().splitlines()[-1])
        after = json.loads(run_django(SERVE, url_for(base, RESTORED)).strip().splitlines()[-1])
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            for name in (SOURCE, RESTORED):
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    episodes = sum(len(found) for found in before.values())
    same = before == after and episodes > 0
    print(
        f"patients {len(before)}, episodes served before the dump {episodes}, after the restore "
        f"{sum(len(found) for found in after.values())}: {'identical' if same else 'DIFFERENT'}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
