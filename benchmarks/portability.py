"""Export and import of a whole record at 10,000 and 50,000 episodes, through the real app: time to first
byte, total time, size, and the worker's peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/portability.py

It creates (and drops) its own database, `crampapp_bench_portability`, and seeds one patient per size
with two years of diary through the import's bulk write (services.episodes_bulk_create): single cramps
with places, sides, triggers and relief, night tallies with some of their cramps described, spasms and
twitches, check-ins, a diagnosis, three medicines with their steps, questionnaire answers. It serves the
app as production does (gunicorn with one sync worker and its default 30-second timeout, DEBUG off,
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
import datetime as dt
import http.client
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is on the path and the project's root is not.
sys.path.insert(0, str(PROJECT))

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
DIARY_DAYS = 730
# As in the README's deploy command: a request running longer loses its worker.
WORKER_TIMEOUT = 120
WARM_UP_ENTRIES = 200
CHUNK = 64 * 1024
MB = 1024 * 1024
# How the pages show a flash message (partials/messages.html) and a field's problems (crispy forms).
SUCCESS_MESSAGE = re.compile(r'<div class="alert alert-success[^"]*">\s*(.*?)\s*<button', re.DOTALL)
FIELD_PROBLEM = re.compile(r'id="error_\d+_id_file"[^>]*>\s*<strong>(.*?)</strong>', re.DOTALL)

# When night cramps start, by weight.
NIGHT_HOURS = [23, 0, 1, 2, 2, 3, 3, 4, 5]
# The diary's vocabulary, by slug (tracker/migrations/0002_seed_vocabularies.py).
PLACES = ["calf", "calf", "calf", "foot-toes", "foot-toes", "hamstring", "thigh-front", "shin", "hand-fingers"]
DAY_ACTIVITIES = ["sitting", "standing", "walking", "exercising", "after-exercise", "lying-down"]
TRIGGERS = ["dehydration", "exercise-overuse", "cold", "long-standing", "none-noticed", "alcohol", "heat"]
SYMPTOMS = ["twitching", "numbness-tingling", "soreness-afterwards", "weakness"]
RELIEF = ["stretching", "massage", "walking-it-off", "heat", "medication", "nothing-helped"]
SIDES = ["left", "right", "left", "both"]
# What kind of event, by weight: mostly cramps (said or not), now and then a spasm, a twitch or "not sure".
EVENT_KINDS = {"": 60, "cramp": 25, "spasm": 8, "twitch": 5, "unsure": 2}
MEDICATION_TAKEN = ["Paracetamol 1 g", "Quinine 200 mg", "Magnesium 300 mg"]
NOTES = [
    "Woke me at 3, calf locked solid.",
    "After a long walk in the heat; drank too little.",
    "Toes curled under, foot like a knot for minutes.",
    "Sore all morning afterwards.",
    "Started while stretching in bed — pointed my toes.",
    "Cold bedroom, window open.",
    "Crampe au mollet après la marche.",
]
# (name, starting dose, days after the diary starts that it started and stopped, its dose changes as
# (days after the start, new dose, side effects)).
MEDICINES = [
    ("Quinine sulfate", "200 mg at night", 60, 200, [(60, "300 mg at night", ["tinnitus"])]),
    ("Magnesium citrate", "300 mg at night", 480, None, [(90, "600 mg at night", ["nausea"])]),
    ("Gabapentin", "300 mg at night", 670, None, [(30, "600 mg at night", ["drowsiness", "dizziness"])]),
]


def database(base: str, *, create: bool) -> None:
    """Drop this benchmark's database (only it, whoever is connected), and create it afresh when `create`."""
    with psycopg.connect(url_for(base, "postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {DATABASE}")


# Seeding. Django's models are imported in the functions: only once main has run django.setup().


def new_patient(email: str):
    from accounts.models import User

    return User.objects.create_user(email, None, full_name="Benchmark Patient", time_zone="Europe/London")


def seed_patient(email: str, entries: int):
    """A patient with `entries` diary entries over DIARY_DAYS days (stored by the import's bulk write), a
    diagnosis, three medicines with their steps, and questionnaire answers every three months."""
    from tracker.models import CheckIn, Term
    from tracker.services import episodes_bulk_create, profile_update

    patient = new_patient(email)
    rng = random.Random(entries)  # noqa: S311 (synthetic data, not secrets)
    first_day = patient.today() - dt.timedelta(days=DIARY_DAYS)
    days = [first_day + dt.timedelta(days=offset) for offset in range(DIARY_DAYS)]
    # Seven days in ten answered "no cramps"; the bulk write turns those with a cramp into "had cramps".
    CheckIn.objects.bulk_create(
        CheckIn(patient=patient, created_by=patient, day=day, status=CheckIn.Status.NO_CRAMPS)
        for day in days
        if rng.random() < 0.7
    )
    terms = {(term.kind, term.slug): term for term in Term.objects.all()}
    episodes_bulk_create(patient=patient, created_by=patient, entries=Diary(patient, rng, terms).entries(days, entries))
    profile_update(
        patient=patient,
        time_zone=patient.time_zone,
        conditions=[terms[("condition", "peripheral-neuropathy")]],
        other_conditions="",
        reminder_time=None,
    )
    medicines_add(patient, first_day)
    questionnaires_answer(patient, rng)
    return patient


class Diary:
    """One patient's entries as an import brings them in: single cramps in bad and better weeks, mostly at
    night; a night tally every few nights, up to two of its cramps described; a spasm or a twitch now and
    then. No two entries start in the same minute, so that an import takes every one of them."""

    def __init__(self, patient, rng: random.Random, terms: dict):
        self.patient, self.rng, self.terms = patient, rng, terms
        self.minutes_taken: set[dt.datetime] = set()

    def entries(self, days: list[dt.date], count: int) -> list:
        from tracker.models import EntryType
        from tracker.services import EpisodeDetails, NewEpisode
        from tracker.tallies import slot_bounds

        rng, details = self.rng, []
        # Nights that ended before today, so that every described cramp is in the past.
        for day in sorted(rng.sample(days[:-1], min(count // 50, len(days) // 2))):
            cramps = rng.randint(2, 8)
            tally = EpisodeDetails(
                started_at=None,
                severity=rng.randint(4, 9),
                entry_type=EntryType.NIGHT,
                cramp_count=cramps,
                times_woken=rng.randint(0, cramps) if rng.random() < 0.8 else None,
                tally_date=day,
                locations=self.places(),
                notes=self.note(),
            )
            self.minutes_taken.add(slot_bounds(self.patient, EntryType.NIGHT, day)[0])
            details.append(tally)
            details += [self.described(day, tally.severity) for _ in range(rng.randint(0, min(2, cramps)))]
        weeks = [rng.choice([0.3, 1, 1, 1, 2.5]) for _ in range(len(days) // 7 + 1)]
        # Fewer cramps once magnesium starts (the second medicine).
        helped_from = days[0] + dt.timedelta(days=MEDICINES[1][2])
        weights = [weeks[index // 7] * (0.6 if day >= helped_from else 1) for index, day in enumerate(days)]
        details += [self.single(day) for day in rng.choices(days, weights, k=count - len(details))]
        return [NewEpisode(client_id=uuid.uuid4(), details=entry) for entry in details]

    def single(self, day: dt.date):
        from tracker.models import ReliefEffect
        from tracker.services import EpisodeDetails

        rng, terms = self.rng, self.terms
        hour = rng.choice(NIGHT_HOURS) if rng.random() < 0.8 else rng.randrange(8, 22)
        at_night = hour < 6 or hour >= 22
        kind = rng.choices(list(EVENT_KINDS), list(EVENT_KINDS.values()))[0]
        activity = "asleep" if at_night else rng.choice(DAY_ACTIVITIES)
        return EpisodeDetails(
            started_at=self.moment(day, hour),
            severity=rng.randint(1, 3) if kind == "twitch" else rng.randint(3, 10),
            duration_seconds=rng.randrange(15, 900) if rng.random() < 0.8 else None,
            woke_from_sleep=at_night if rng.random() < 0.9 else None,
            activity=terms[("activity", activity)] if rng.random() < 0.6 else None,
            locations=self.places(),
            triggers=[terms[("trigger", slug)] for slug in rng.sample(TRIGGERS, rng.randint(0, 2))],
            symptoms=[terms[("symptom", rng.choice(SYMPTOMS))]] if rng.random() < 0.05 else [],
            relief_measures=[terms[("relief", slug)] for slug in rng.sample(RELIEF, rng.randint(0, 2))],
            relief_effect=rng.choice(["", *ReliefEffect.values]),
            medication_taken=rng.choice(MEDICATION_TAKEN) if rng.random() < 0.05 else "",
            notes=self.note(),
            event_kind=kind,
        )

    def described(self, night: dt.date, worst: int):
        """One cramp of the tally of the night of `night`, described on its own: no worse than the worst."""
        from tracker.services import EpisodeDetails

        hour = self.rng.choice(NIGHT_HOURS)
        return EpisodeDetails(
            started_at=self.moment(night if hour >= 12 else night + dt.timedelta(days=1), hour),
            severity=self.rng.randint(2, worst),
            duration_seconds=self.rng.randrange(30, 600),
            woke_from_sleep=True,
            locations=self.places(),
            relief_measures=[self.terms[("relief", "stretching")]],
            part_of_tally=True,
        )

    def moment(self, day: dt.date, hour: int) -> dt.datetime:
        while True:
            minute = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)), tzinfo=self.patient.zone)
            if minute not in self.minutes_taken:
                self.minutes_taken.add(minute)
                return minute + dt.timedelta(seconds=self.rng.randrange(60))

    def places(self) -> list:
        from tracker.services import LocationChoice

        slugs = dict.fromkeys(self.rng.choice(PLACES) for _ in range(self.rng.choice([1, 1, 1, 2])))
        return [LocationChoice(location=self.terms[("location", slug)], side=self.rng.choice(SIDES)) for slug in slugs]

    def note(self) -> str:
        return self.rng.choice(NOTES) if self.rng.random() < 0.1 else ""


def medicines_add(patient, first_day: dt.date) -> None:
    from tracker.services import medication_add, medication_step_add

    for name, dose, started, stopped, changes in MEDICINES:
        medication = medication_add(
            patient=patient,
            name=name,
            dose=dose,
            started_on=first_day + dt.timedelta(days=started),
            stopped_on=first_day + dt.timedelta(days=stopped) if stopped else None,
        )
        for after, new_dose, side_effects in changes:
            medication_step_add(
                medication=medication,
                created_by=patient,
                kind="dose_changed",
                day=first_day + dt.timedelta(days=started + after),
                dose=new_dose,
                side_effects=side_effects,
            )


def questionnaires_answer(patient, rng: random.Random) -> None:
    """Every offered questionnaire answered every three months over the two years (stored now through the
    service, then dated back)."""
    from django.utils import timezone

    from questionnaires.engine import options_of
    from questionnaires.models import Instrument, QuestionnaireResponse
    from questionnaires.services import response_record

    for instrument in Instrument.objects.active().prefetch_related("items"):
        for months_ago in range(24, 0, -3):
            values = {item.link_id: rng.choice(options_of(item)).value for item in instrument.items.all()}
            response, _ = response_record(
                patient=patient, instrument=instrument, answered_by=patient, client_id=uuid.uuid4(), values=values
            )
            answered_at = timezone.now() - dt.timedelta(days=30 * months_ago)
            QuestionnaireResponse.objects.filter(pk=response.pk).update(answered_at=answered_at)


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
    from django.db import connection

    sessions = {size: signed_in(seed_patient(f"bench-{size}@example.org", size)) for size in [WARM_UP_ENTRIES, *sizes]}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
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
