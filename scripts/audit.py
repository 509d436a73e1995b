"""Lighthouse audit of the served app: the landing page, a learn page, the dashboard and the episode
form (signed in as a demo patient), and the clinician's review of that patient (signed in as the demo
clinician, with the code of their authenticator app), with Lighthouse's default mobile emulation.

    .venv/bin/python scripts/audit.py          # or: make audit

It builds a throwaway SQLite database in a temporary folder, loads the guidance and a demo patient,
serves the app the production way (gunicorn, DEBUG off, WhiteNoise with hashed, compressed static
files) on a free port of 127.0.0.1, signs in through the log-in form, and runs the Lighthouse pinned
in tools/lighthouse/ with Debian's Chromium (CHROME_PATH, /usr/bin/chromium by default; no browser
is ever downloaded). It prints the four scores per page and exits 1 when a page misses a target.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = PROJECT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
HOST = "127.0.0.1"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# seed_demo prints "  patient:   <e-mail> / <password>" and the clinician with their authenticator secret.
SEEDED_PATIENT = re.compile(r"patient:\s+(\S+@\S+) / (\S+)")
SEEDED_CLINICIAN = re.compile(r"clinician:\s+(\S+@\S+) / (\S+) \(authenticator app secret (\w+)\)")
REVIEW_LINK = re.compile(r'href="(/clinic/patients/\d+/)"')
LIGHTHOUSE_TRIES = 3
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"

# Lighthouse category ids, in the order the table shows them, and the lowest passing score.
CATEGORIES = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 90}
# SEO only matters where search engines may go: the pages anyone can open.
PUBLIC_ONLY = {"seo"}

# The served app reads its settings from the environment like production; only STATIC_ROOT has no
# variable, so a two-line module puts collectstatic's output in the temporary folder, not the checkout.
SETTINGS_OVERLAY = "from crampapp.settings import *  # noqa: F403\n\nSTATIC_ROOT = {static_root!r}\n"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    public: bool
    clinician: bool = False


PAGES = [
    Page("landing", "/", public=True),
    Page("learn page", "/learn/what-are-muscle-cramps/", public=True),
    Page("dashboard", "/dashboard/", public=False),
    Page("episode form", "/episodes/new/", public=False),
    # The path is the demo patient's review, found on the clinic list once signed in.
    Page("clinician review", "", public=False, clinician=True),
]


@dataclass
class Result:
    page: Page
    scores: dict[str, int | None]
    problems: list[str]

    def misses(self) -> list[str]:
        return [
            category
            for category, target in CATEGORIES.items()
            if (self.page.public or category not in PUBLIC_ONLY) and (self.scores[category] or 0) < target
        ]

    @property
    def passed(self) -> bool:
        return not self.problems and not self.misses()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def app_environment(workdir: Path) -> dict[str, str]:
    (workdir / "audit_settings.py").write_text(SETTINGS_OVERLAY.format(static_root=str(workdir / "static")))
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "audit-only-" + secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        # Plain HTTP on the loopback address: no redirect to HTTPS.
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "audit_settings",
        "PYTHONPATH": os.pathsep.join([str(workdir), str(PROJECT)]),
    }


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    totp_secret: str = ""


def prepare_database(environment: dict[str, str]) -> tuple[Account, Account]:
    """Migrate, collect static files, load the guidance and a demo patient with months of cramps and the
    clinician they granted access; return both accounts."""
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["load_education"]):
        subprocess.run([*manage, *command], cwd=PROJECT, env=environment, check=True, stdout=subprocess.DEVNULL)
    seed = ["seed_demo", "--force", "--prefix", "audit", "--patients", "1", "--episodes", "150", "--clinicians", "1"]
    output = subprocess.run(
        [*manage, *seed], cwd=PROJECT, env=environment, check=True, capture_output=True, text=True
    ).stdout
    patient, clinician = SEEDED_PATIENT.search(output), SEEDED_CLINICIAN.search(output)
    if not patient or not clinician:
        raise RuntimeError(f"seed_demo did not name the accounts it created:\n{output}")
    return Account(*patient.groups()), Account(*clinician.groups())


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238: HMAC-SHA1 of the 30-second step, six digits)."""
    key = base64.b32decode(secret)
    digest = hmac.new(key, (int(time.time()) // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF:010d}"[-6:]


def wait_for_health(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _form_post(connection, path: str, fields: dict, cookies: SimpleCookie) -> http.client.HTTPResponse:
    """GET a form for its CSRF token, then POST `fields` to it with the cookies so far; cookies set are kept."""
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    form = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    match = CSRF_INPUT.search(form)
    if response.status != 200 or not match or "csrftoken" not in cookies:
        raise RuntimeError(f"the form at {path} did not load (HTTP {response.status})")
    body = urlencode({"csrfmiddlewaretoken": match.group(1), **fields})
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return response


def log_in(port: int, account: Account) -> str:
    """Sign in through the allauth forms like a browser would (with the authenticator app's code when the
    account has one); return the Cookie header to send."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    cookies = SimpleCookie()
    response = _form_post(
        connection, "/accounts/login/", {"login": account.email, "password": account.password}, cookies
    )
    if account.totp_secret and response.status == 302:
        response = _form_post(
            connection, response.getheader("Location"), {"code": totp_code(account.totp_secret)}, cookies
        )
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"log-in as {account.email} failed (HTTP {response.status})")
    return f"sessionid={cookies['sessionid'].value}; csrftoken={cookies['csrftoken'].value}"


def review_path(port: int, cookie: str) -> str:
    """The demo patient's review, as the clinic list links it."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request("GET", "/clinic/", headers={"Cookie": cookie})
    response = connection.getresponse()
    match = REVIEW_LINK.search(response.read().decode())
    if response.status != 200 or not match:
        raise RuntimeError(f"the clinic list did not link the demo patient (HTTP {response.status})")
    return match.group(1)


def run_lighthouse(url: str, report: Path, headers: Path | None) -> dict | None:
    """Lighthouse's report for one page, or None when every try failed."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if headers:
        command.append(f"--extra-headers={headers}")
    environment = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    # Now and then Chromium's trace misses the navigation start (NO_NAVSTART); another run succeeds.
    for _ in range(LIGHTHOUSE_TRIES):
        if subprocess.run(command, env=environment, timeout=300, check=False).returncode == 0:
            return json.loads(report.read_text())
    return None


def percent(score: float | None) -> int | None:
    """Lighthouse scores from 0 to 1, or null when a category could not be scored."""
    return None if score is None else round(100 * score)


def audit_page(page: Page, base_url: str, workdir: Path, headers: Path) -> Result:
    report = workdir / f"{page.name.replace(' ', '-')}.report.json"
    url = base_url + page.path
    lhr = run_lighthouse(url, report, None if page.public else headers)
    if lhr is None:
        return Result(page, dict.fromkeys(CATEGORIES), [f"Lighthouse failed {LIGHTHOUSE_TRIES} times on {url}"])
    scores = {category: percent(lhr["categories"][category]["score"]) for category in CATEGORIES}
    result = Result(page, scores, [])
    if lhr.get("finalDisplayedUrl") != url:
        result.problems.append(f"audited {lhr.get('finalDisplayedUrl')} instead of {url} (redirected)")
    # Name what cost the points in each missed category, so the output says where to look.
    for category in result.misses():
        for reference in lhr["categories"][category]["auditRefs"]:
            audit = lhr["audits"][reference["id"]]
            if reference["weight"] > 0 and audit["score"] is not None and audit["score"] < 0.9:
                result.problems.append(f"{category}: {audit['title']} ({audit.get('displayValue') or audit['id']})")
    return result


def print_table(results: list[Result]) -> None:
    headings = ["page", "performance", "accessibility", "best practices", "SEO", "result"]
    rows = [
        [
            result.page.name,
            *("-" if result.scores[category] is None else str(result.scores[category]) for category in CATEGORIES),
            "PASS" if result.passed else "FAIL",
        ]
        for result in results
    ]
    widths = [max(len(row[column]) for row in [headings, *rows]) for column in range(len(headings))]
    for row in [headings, ["-" * width for width in widths], *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    targets = ", ".join(f"{category} >= {target}" for category, target in CATEGORIES.items())
    print(f"\ntargets: {targets} (SEO on public pages only)")
    for result in results:
        for problem in result.problems:
            print(f"  {result.page.name}: {problem}")


def missing_tools(chrome: str) -> list[str]:
    missing = []
    if not shutil.which("node"):
        missing.append("Node.js (node) is not on PATH")
    if not LIGHTHOUSE.exists():
        missing.append("Lighthouse is not installed: run `npm ci --prefix tools/lighthouse`")
    if not os.access(chrome, os.X_OK):
        missing.append(f"no Chromium at {chrome}: `apt-get install -y chromium`, or set CHROME_PATH")
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, help="keep each page's Lighthouse JSON report in this folder")
    options = parser.parse_args()
    missing = missing_tools(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    if missing:
        print("\n".join(missing))
        return 2

    with tempfile.TemporaryDirectory(prefix="crampapp-audit-") as folder:
        workdir = Path(folder)
        environment = app_environment(workdir)
        patient, clinician = prepare_database(environment)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "crampapp.wsgi", "--workers", "2", "--bind", f"{HOST}:{port}"],
            cwd=PROJECT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if not wait_for_health(port, 30):
                print("gunicorn did not start")
                return 1
            headers = workdir / "headers.json"
            headers.write_text(json.dumps({"Cookie": log_in(port, patient)}))
            clinician_headers = workdir / "clinician-headers.json"
            clinician_cookie = log_in(port, clinician)
            clinician_headers.write_text(json.dumps({"Cookie": clinician_cookie}))
            review = review_path(port, clinician_cookie)
            results = [
                audit_page(
                    replace(page, path=review) if page.clinician else page,
                    f"http://{HOST}:{port}",
                    workdir,
                    clinician_headers if page.clinician else headers,
                )
                for page in PAGES
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
        if options.reports:
            options.reports.mkdir(parents=True, exist_ok=True)
            for report in workdir.glob("*.report.json"):
                shutil.copy(report, options.reports / report.name)

    print_table(results)
    passed = all(result.passed for result in results)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
