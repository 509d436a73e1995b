"""Load and fault test: gunicorn (2 workers) on PostgreSQL, patients and clinicians at work, and a
PostgreSQL restart in the middle.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python scripts/loadtest.py --seconds 60

It creates (and afterwards drops) its own database, `crampapp_load`, on the server that
DATABASE_URL names. It prints requests, errors, p50/p95 latency, how long the app took to answer
again after the restart, and how many acknowledged episodes are missing afterwards. It exits 1
when an acknowledged write is lost or recovery took longer than 10 seconds.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
LOAD_DATABASE = "crampapp_load"
HOST, PORT = "127.0.0.1", 8765
RECOVERY_LIMIT_SECONDS = 10
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database(base_url: str) -> None:
    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {LOAD_DATABASE}")


def drop_database(base_url: str) -> None:
    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")


def app_environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url,
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
    }


SETUP = """
import json, datetime as dt
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from accounts.models import User
from tracker.models import CareGrant, Episode
from tracker.sharing.services import hash_code
import uuid

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)

def session_for(user):
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key

now = timezone.now()
patients, clinicians = [], []
for number in range({patients}):
    user = User.objects.create_user(f"load-patient-{{number}}{tag}@example.org", None, full_name=f"Patient {{number}}")
    Episode.objects.bulk_create(
        Episode(patient=user, created_by=user, started_at=now - dt.timedelta(hours=7 * index), severity=index % 11,
                time_zone="UTC", utc_offset=dt.timedelta(0))
        for index in range(40)
    )
    patients.append(user)
for number in range({clinicians}):
    user = User.objects.create_user(
        f"load-clinician-{{number}}{tag}@example.org", None, full_name=f"Clinician {{number}}",
        role="clinician", clinician_verified_at=now,
    )
    TOTP.activate(user, generate_totp_secret())
    for patient in patients:
        CareGrant.objects.create(
            patient=patient, clinician=user, status="active", accepted_at=now,
            code_hash=hash_code(str(uuid.uuid4())), invitation_expires_at=now,
        )
    clinicians.append(user)
print(json.dumps({{
    "patients": [session_for(user) for user in patients],
    "clinicians": [session_for(user) for user in clinicians],
    "patient_ids": [user.pk for user in patients],
}}))
"""


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.outcomes: Counter = Counter()
        self.acknowledged: list[str] = []
        self.events: list[tuple[float, str, float]] = []

    def record(self, outcome: str, seconds: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.latencies.append(seconds)
            self.events.append((time.monotonic(), outcome, seconds))


def request(connection, method: str, path: str, cookies: str, host: str, body: str | None = None):
    headers = {"Cookie": cookies, "Host": host, "Origin": f"{'https' if host.endswith('443') else 'http'}://{host}"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response, response.read().decode(errors="replace")


PATIENT_STEPS = {"dashboard": "/dashboard/", "list": "/episodes/", "log": "/episodes/new/?mode=quick"}
CLINICIAN_STEPS = ["clinic", "review"]


def user_loop(
    kind: str,
    session: str,
    patient_ids: list[int],
    results: Results,
    stop: threading.Event,
    connect=lambda: http.client.HTTPConnection(HOST, PORT, timeout=15),
    host: str = HOST,
    patient_steps: dict[str, str] = PATIENT_STEPS,
) -> None:
    """One person at work until `stop`: a patient reads their pages and logs cramps (each acknowledged one is
    kept in `results`), a clinician opens the clinic list and patients' reviews. Cookies the app sets (such
    as the one that keeps a writer's reads on the primary) are sent back, as a browser would."""
    rng = random.Random(session)
    connection = connect()
    csrf = uuid.uuid4().hex + uuid.uuid4().hex
    jar = {"sessionid": (session, math.inf), "csrftoken": (csrf, math.inf)}
    while not stop.is_set():
        if kind == "patient":
            step = rng.choice([*patient_steps, "log"])
            path = patient_steps[step]
        else:
            step = rng.choice(CLINICIAN_STEPS)
            path = "/clinic/" if step == "clinic" else f"/clinic/patients/{rng.choice(patient_ids)}/"
        now = time.monotonic()
        cookies = "; ".join(f"{name}={value}" for name, (value, expires) in jar.items() if expires > now)
        started = time.monotonic()
        try:
            if step == "log":
                client_id = str(uuid.uuid4())
                body = f"csrfmiddlewaretoken={csrf}&client_id={client_id}&severity={rng.randint(0, 10)}"
                response, _ = request(connection, "POST", path, cookies, host, body=body)
                location = response.getheader("Location") or ""
                if response.status == 302 and location.startswith("/episodes/"):
                    with results.lock:
                        results.acknowledged.append(location.split("/")[2])
            else:
                response, _ = request(connection, "GET", path, cookies, host)
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if name not in ("sessionid", "csrftoken"):
                        lifetime = float(morsel["max-age"]) if morsel["max-age"] else math.inf
                        jar[name] = (morsel.value, time.monotonic() + lifetime)
            results.record(str(response.status), time.monotonic() - started)
            if response.status >= 500:
                time.sleep(0.5)  # a person, or the offline queue, tries again a moment later
        except (OSError, http.client.HTTPException) as error:
            results.record(type(error).__name__, time.monotonic() - started)
            connection.close()
            connection = connect()
            time.sleep(0.1)


def wait_for_health(deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": HOST})
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def restart_postgresql() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
        check=True,
        capture_output=True,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--clinicians", type=int, default=5)
    parser.add_argument("--keep-database", action="store_true")
    options = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2

    recreate_database(base_url)
    url = database_url(base_url, LOAD_DATABASE)
    environment = app_environment(url)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP.format(patients=options.patients, clinicians=options.clinicians, tag="")],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "crampapp.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    sessions = json.loads(setup.stdout.strip().splitlines()[-1])
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crampapp.wsgi", "--workers", "2", "--bind", f"{HOST}:{PORT}"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = Results()
    stop = threading.Event()
    try:
        if not wait_for_health(time.monotonic() + 30):
            print("gunicorn did not start")
            return 1
        threads = [
            threading.Thread(target=user_loop, args=("patient", key, sessions["patient_ids"], results, stop))
            for key in sessions["patients"]
        ] + [
            threading.Thread(target=user_loop, args=("clinician", key, sessions["patient_ids"], results, stop))
            for key in sessions["clinicians"]
        ]
        for thread in threads:
            thread.start()
        time.sleep(options.seconds / 2)
        restart_began = time.monotonic()
        restart_postgresql()
        recovered = wait_for_health(restart_began + 60)
        recovery = time.monotonic() - restart_began
        time.sleep(max(0.0, options.seconds / 2 - recovery))
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    with psycopg.connect(url) as connection:
        query = "SELECT uuid FROM tracker_episode WHERE uuid::text = ANY(%s)"
        stored = {str(row[0]) for row in connection.execute(query, (results.acknowledged,))}
    missing = len(set(results.acknowledged) - stored)
    if not options.keep_database:
        drop_database(base_url)

    total = sum(results.outcomes.values())
    errors = {outcome: count for outcome, count in results.outcomes.items() if not outcome.startswith(("2", "3"))}
    print(f"duration                 {options.seconds} s, {options.patients} patients, {options.clinicians} clinicians")
    print(f"requests                 {total}")
    print(f"outcomes                 {dict(sorted(results.outcomes.items()))}")
    print(f"errors                   {sum(errors.values())} {errors}")
    print(
        f"latency p50 / p95        {statistics.median(results.latencies) * 1000:.0f} ms / "
        f"{percentile(results.latencies, 0.95) * 1000:.0f} ms"
    )
    print(f"recovery after restart   {recovery:.1f} s ({'answered' if recovered else 'NOT answering'})")
    print(f"acknowledged episodes    {len(results.acknowledged)}")
    print(f"acknowledged but missing {missing}")
    passed = missing == 0 and recovered and recovery <= RECOVERY_LIMIT_SECONDS
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
