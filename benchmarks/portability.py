"""Export and import of a whole record at 10,000 and 50,000 episodes, through the real app: time to first
byte, total time, size, and the worker's peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/portability.py

It creates (and drops) its own database, `crampapp_bench_portability`, and seeds one patient per size
with two years of diary through the import's bulk write (services.episodes_bulk_create): single cramps
with places, sides, triggers and relief, night tallies with some of their cramps described, spasms and
twitches, check-ins, a diagnosis, three medicines with their steps, questionnaire answers. It serves the
app as production does (gunicorn with one sync worker and the README's 120-second timeout, DEBUG off,
PostgreSQL), signs in with a session made by Django's test client, downloads /export/<format>/ as CSV,
JSON and FHIR, and posts the CSV and the JSON back to /import/, each into a new patient's account.

The worker's memory is read from /proc: its resident size before each request, and its peak (VmHWM,
reset through clear_refs just before the request) once the response has been read. Each measured request
runs on a new worker that has just made the same request on a small record (200 entries): its code
loaded, its caches filled, its memory not grown by a bigger request before. First byte is the first byte
of the response body; total is to its last byte. An import's figures are those of its POST, whose answer
is a redirect with no body (so both times are the same), without the page it leads to.
"""

import argparse
import csv
import http.client
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is on the path and the project's root is not.
sys.path.insert(0, str(PROJECT))

from benchmarks.diary_seed import new_patient, seed_patient  # noqa: E402
from benchmarks.run import url_for  # noqa: E402
from scripts.audit import free_port, wait_for_health  # noqa: E402
from scripts.loadtest import CSRF_INPUT, HOST, app_environment  # noqa: E402

DATABASE = "crampapp_bench_portability"
SIZES = (10_000, 50_000)
# Export format in the URL: the downloaded file's ending.
FORMATS = {"csv": "csv", "json": "json", "fhir": "fhir.json"}
# The formats imported, and the import form's fields besides the file: a JSON backup goes into another account
# (a new one here) once its patient ticks that it is their own record.
IMPORT_FIELDS = {"csv": {}, "json": {"record_is_mine": "on"}}
# As in the README's deploy command: a request running longer loses its worker.
WORKER_TIMEOUT = 120
WARM_UP_ENTRIES = 200
CHUNK = 64 * 1024
MB = 1024 * 1024
# How the pages show a flash message (partials/messages.html) and a field's problems (crispy forms).
SUCCESS_MESSAGE = re.compile(r'<div class="alert alert-success[^"]*">\s*(.*?)\s*<button', re.DOTALL)
FIELD_PROBLEM = re.compile(r'id="error_\d+_id_file"[^>]*>\s*<strong>(.*?)</strong>', re.DOTALL)


def database(base: str, *, create: bool) -> None:
    """Drop this benchmark's database (only it, whoever is connected), and create it afresh when `create`."""
    with psycopg.connect(url_for(base, "postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {DATABASE}")


# Seeding. Django's models are imported in the functions: only once main has run django.setup().


def signed_in(patient) -> str:
    """The key of a new session of `patient`, signed in by Django's test client."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(patient)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def seed(sizes: list[int]) -> dict[int, str]:
    """A patient for each size and a small one to warm up with, by size; then, as autovacuum would some time
    after a bulk load, fresh planner statistics and visibility map."""
    from crampapp.vacuum import after_bulk_load

    sessions = {size: signed_in(seed_patient(f"bench-{size}@example.org", size)) for size in [WARM_UP_ENTRIES, *sizes]}
    after_bulk_load()
    return sessions


# The app under gunicorn, and a patient's requests to it.


def memory_kb(pid: int, field: str) -> int | None:
    """A size from /proc/<pid>/status (VmRSS, VmHWM), in kB; None once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return None
    return next((int(line.split()[1]) for line in lines if line.startswith(f"{field}:")), None)


class App:
    """The app as production serves it, with one sync worker, on a free port of 127.0.0.1."""

    def __init__(self, environment: dict[str, str], log: Path):
        self.port, self.log = free_port(), log
        command = [sys.executable, "-m", "gunicorn", "crampapp.wsgi", "--workers", "1"]
        command += ["--timeout", str(WORKER_TIMEOUT), "--bind", f"{HOST}:{self.port}"]
        with log.open("wb") as output:
            self.server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
                command, cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=output
            )

    def worker(self) -> int:
        """The worker's process id: a new one after gunicorn replaced a worker it killed."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if children := self.children():
                return children[0]
            time.sleep(0.1)
        raise RuntimeError("gunicorn has no worker")

    def children(self) -> list[int]:
        master = self.server.pid
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]

    def fresh_worker(self) -> None:
        """A new worker in place of the present one (SIGHUP: gunicorn starts one, then stops the old)."""
        old = self.worker()
        self.server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while not (children := self.children()) or old in children:
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not replace its worker")
            time.sleep(0.1)
        self.answers()

    def answers(self, seconds: float = 60) -> bool:
        return wait_for_health(self.port, seconds)

    def worker_timeouts(self) -> int:
        return self.log.read_text(errors="replace").count("WORKER TIMEOUT")

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


@dataclass
class Exchange:
    """One request as the client saw it, and the worker's memory (kB) while it ran."""

    status: int | None = None
    location: str = ""
    first_byte: float | None = None
    total: float | None = None
    content: bytes = b""
    rss_before: int | None = None
    peak: int | None = None
    failure: str = ""

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    @property
    def peak_mb(self) -> float | None:
        return self.peak / 1024 if self.peak else None

    @property
    def grown_mb(self) -> float | None:
        """How far the peak rose above the worker's resident size before the request."""
        return (self.peak - self.rss_before) / 1024 if self.peak and self.rss_before else None


class Visitor:
    """A signed-in patient's browser, as far as this needs one: it keeps the cookies the app sets."""

    def __init__(self, app: App, session_key: str):
        from django.conf import settings

        self.app, self.cookies = app, {settings.SESSION_COOKIE_NAME: session_key}

    def send(self, method: str, path: str, *, body: bytes | None = None, content_type: str = "") -> Exchange:
        worker, timeouts = self.app.worker(), self.app.worker_timeouts()
        exchange = Exchange(rss_before=memory_kb(worker, "VmRSS"))
        # "5" resets the peak resident size (VmHWM) to the present one.
        Path(f"/proc/{worker}/clear_refs").write_text("5")
        headers = {"Host": HOST, "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(HOST, self.app.port, timeout=WORKER_TIMEOUT * 4)
        chunks = []
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            chunks.append(response.read(1))
            exchange.first_byte = time.perf_counter() - started
            while chunk := response.read(CHUNK):
                chunks.append(chunk)
            exchange.total = time.perf_counter() - started
            exchange.status, exchange.location = response.status, response.getheader("Location", "")
            self.keep_cookies(response.msg.get_all("Set-Cookie") or [])
        except (OSError, http.client.HTTPException) as error:
            exchange.failure = type(error).__name__
        finally:
            connection.close()
        exchange.peak, exchange.content = memory_kb(worker, "VmHWM"), b"".join(chunks)
        if self.app.worker_timeouts() > timeouts:
            # gunicorn aborts the request (a 500 when the worker can still send it) and starts a new worker.
            answered = f", answered {exchange.status}" if exchange.status else ""
            exchange.failure = f"worker killed by the {WORKER_TIMEOUT} s timeout{answered}"
        if exchange.failure:
            self.app.answers()
        return exchange

    def keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)


def import_file(visitor: Visitor, upload: Path, file_format: str) -> tuple[Exchange, str]:
    """Post `upload` to the import form, as its patient would; the timed POST, and what the app then says
    (the success message after the redirect, or the first problem under the file field)."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    form = visitor.send("GET", "/import/")
    fields = {"csrfmiddlewaretoken": CSRF_INPUT.search(form.text)[1], **IMPORT_FIELDS[file_format]}
    with upload.open("rb") as file:
        body = encode_multipart(BOUNDARY, {**fields, "file": file})
    posted = visitor.send("POST", "/import/", body=body, content_type=MULTIPART_CONTENT)
    said = FIELD_PROBLEM.search(posted.text) if posted.status == 200 else None
    if posted.status == 302:
        said = SUCCESS_MESSAGE.search(visitor.send("GET", posted.location).text)
    return posted, " ".join(unescape(said[1]).split()) if said else ""


# The measurements and the table.


@dataclass
class Row:
    entries: int
    file_format: str
    way: str
    status: str
    exchange: Exchange | None = None
    # The file downloaded or posted.
    megabytes: float | None = None


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def measure(app: App, sessions: dict[int, str], sizes: list[int], folder: Path) -> list[Row]:
    """The table's rows: each export, then each import of the exported files, at each size."""
    small, rows = Visitor(app, sessions[WARM_UP_ENTRIES]), []
    for export_format, ending in FORMATS.items():
        (folder / f"warm-up.{ending}").write_bytes(small.send("GET", f"/export/{export_format}/").content)
    for size in sizes:
        owner, exported = Visitor(app, sessions[size]), set()
        for export_format, ending in FORMATS.items():
            app.fresh_worker()
            small.send("GET", f"/export/{export_format}/")
            exchange = owner.send("GET", f"/export/{export_format}/")
            if not exchange.failure:
                (folder / f"{size}.{ending}").write_bytes(exchange.content)
                exported.add(export_format)
            status = exchange.failure or str(exchange.status)
            rows.append(Row(size, export_format, "export", status, exchange, len(exchange.content) / MB))
        for file_format in IMPORT_FIELDS:
            rows.append(
                import_row(app, size, file_format, folder)
                if file_format in exported
                else Row(size, file_format, "import", "not posted: its export failed")
            )
    return rows


def import_row(app: App, size: int, file_format: str, folder: Path) -> Row:
    """The record of `size` entries, exported as `file_format`, posted into a new patient's account."""
    from tracker.portability.csv_import import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

    exported = folder / f"{size}.{FORMATS[file_format]}"
    length = exported.stat().st_size
    if file_format == "csv" and ((lines := csv_rows(exported)) > MAX_IMPORT_ROWS or length > MAX_IMPORT_BYTES):
        limit = f"{MAX_IMPORT_ROWS:,} rows or {MAX_IMPORT_BYTES // MB} MB"
        over = f"not posted: {lines:,} rows, over the CSV import's limit of {limit}"
        return Row(size, file_format, "import", over, megabytes=length / MB)
    app.fresh_worker()
    warm_up = Visitor(app, signed_in(new_patient(f"bench-warm-up-{file_format}-{size}@example.org")))
    tried, said = import_file(warm_up, folder / f"warm-up.{FORMATS[file_format]}", file_format)
    if tried.status != 302:
        return Row(size, file_format, "import", f"not yet available: the small record's file got {tried.status} {said}")
    visitor = Visitor(app, signed_in(new_patient(f"bench-import-{file_format}-{size}@example.org")))
    posted, said = import_file(visitor, exported, file_format)
    status = posted.failure or f"{posted.status} {said}".strip()
    return Row(size, file_format, "import", status, posted, length / MB)


def cell(value: float | None, width: int, spec: str, sign: str = "") -> str:
    return f"{value:>{sign}{width}{spec}}" if value is not None else f"{'-':>{width}}"


def print_table(rows: list[Row]) -> None:
    print(f"{'entries':>7}  {'format':<6} {'way':<6} {'first byte s':>12} {'total s':>8} {'MB':>6} ", end="")
    print(f"{'peak MB':>8} {'Δ MB':>7}  status")
    for row in rows:
        exchange = row.exchange or Exchange()
        figures = [
            cell(exchange.first_byte, 12, ".3f"),
            cell(exchange.total, 8, ".2f"),
            cell(row.megabytes, 6, ".1f"),
            cell(exchange.peak_mb, 8, ".1f"),
            cell(exchange.grown_mb, 7, ".1f", sign="+"),
        ]
        print(f"{row.entries:>7,}  {row.file_format:<6} {row.way:<6} {' '.join(figures)}  {row.status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="episodes of each patient")
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    database(base, create=True)
    environment = {**app_environment(url_for(base, DATABASE)), "DJANGO_SETTINGS_MODULE": "crampapp.settings"}
    os.environ.update(environment)
    import django

    django.setup()
    logging.getLogger("crampapp.audit").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        started = time.monotonic()
        sessions = seed(options.sizes)
        seeded = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="crampapp-portability-") as folder:
            app = App(environment, Path(folder) / "gunicorn.log")
            try:
                if not app.answers():
                    print("gunicorn did not start")
                    return 1
                rows = measure(app, sessions, options.sizes, Path(folder))
            finally:
                app.stop()
    finally:
        connections.close_all()
        database(base, create=False)
    print(
        f"Seeded in {seeded - started:.0f} s, measured in {time.monotonic() - seeded:.0f} s; "
        f"gunicorn with 1 sync worker and a {WORKER_TIMEOUT} s timeout.\n"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
