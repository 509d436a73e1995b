"""Capacity on paper, from our own measurements: what a patient-year of records takes on the primary, table
by table, and how much WAL (what the primary writes and ships to its replicas) a day of logging makes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/capacity.py

It creates (and drops) its own database, `crampapp_bench_capacity`. Records: it seeds --patients patients
with two years of a daily logger's diary each (benchmarks/diary_seed.py, --entries entries over 730 days:
cramps with places and triggers, night tallies, check-ins, medicines and their steps, questionnaires), runs
VACUUM ANALYZE, and divides each table's growth (rows, table with TOAST, indexes) since the empty database by
the patient-years seeded. WAL: --active patients each spend a day as people do, through the app's own views
(Django's test client, already signed in): three quick logs and a look at the dashboard and insights; the WAL
the primary wrote meanwhile (pg_current_wal_lsn before and after) is divided by the patients. The run starts
right after a checkpoint, so each page's first change is written whole (full-page writes), as after every
checkpoint in production. A few of them (--alone) are measured again one by one, each right after its own
checkpoint: the worst case, when so few people write between checkpoints that every change is a page's first.
"""

import argparse
import logging
import os
import sys
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is on the path and the project's root is not.
sys.path.insert(0, str(PROJECT))

from benchmarks.diary_seed import DIARY_DAYS, seed_patient  # noqa: E402
from benchmarks.run import url_for  # noqa: E402

DATABASE = "crampapp_bench_capacity"
KB, MB, GB = 1024, 1024**2, 1024**3
TABLES = sql.SQL(
    "SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
)
SCALES = (10_000, 100_000)


def recreate(base: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(url_for(base, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def tables(url: str) -> dict[str, tuple[int, int, int]]:
    """Each table's rows, size with TOAST, and indexes' size, after VACUUM ANALYZE."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
        sizes = {}
        for name, table_bytes, index_bytes in connection.execute(TABLES).fetchall():
            count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
            sizes[name] = (connection.execute(count).fetchone()[0], table_bytes, index_bytes)
        return sizes


def wal_position(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute("SELECT pg_current_wal_lsn()").fetchone()[0]


def wal_bytes(url: str, since: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        return int(connection.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [since]).fetchone()[0])


def checkpoint(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def a_day_of_use(patients) -> int:
    """Each patient's day through the app's views: three quick logs, the dashboard, insights. Returns the
    requests made; each must succeed."""
    from django.test import Client
    from django.urls import reverse

    clients = []
    for patient in patients:
        client = Client()
        client.force_login(patient)
        clients.append(client)
    made = 0
    quick = reverse("tracker:episode_new") + "?mode=quick"
    for client in clients:
        for severity in (4, 7, 5):
            response = client.post(quick, {"client_id": str(uuid.uuid4()), "severity": severity}, secure=True)
            assert response.status_code == 302, response.status_code
        for page in ("tracker:dashboard", "tracker:insights"):
            assert client.get(reverse(page), secure=True).status_code == 200
        made += 5
    return made


def print_records(empty: dict, seeded: dict, patient_years: float) -> int:
    """The growth of each table per patient-year, largest first; returns the bytes of one patient-year."""
    print(f"{'table':34s} {'rows':>9s} {'table kB':>9s} {'index kB':>9s}   per patient-year")
    grown = []
    for name, (rows, table_bytes, index_bytes) in seeded.items():
        before = empty.get(name, (0, 0, 0))
        growth = (rows - before[0], table_bytes - before[1], index_bytes - before[2])
        if growth[0] > 0:
            grown.append((name, *(value / patient_years for value in growth)))
    grown.sort(key=lambda row: row[2] + row[3], reverse=True)
    for name, rows, table_bytes, index_bytes in grown:
        print(f"{name:34s} {rows:9.1f} {table_bytes / KB:9.0f} {index_bytes / KB:9.0f}")
    table_total = sum(row[2] for row in grown)
    index_total = sum(row[3] for row in grown)
    print(f"{'all':34s} {sum(row[1] for row in grown):9.0f} {table_total / KB:9.0f} {index_total / KB:9.0f}")
    return int(table_total + index_total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10, help="patients seeded with two years each")
    parser.add_argument("--entries", type=int, default=1460, help="diary entries of each over two years")
    parser.add_argument("--active", type=int, default=200, help="patients whose day of use is measured")
    parser.add_argument("--alone", type=int, default=20, help="of them, measured again each after a checkpoint")
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    recreate(base)
    url = url_for(base, DATABASE)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="crampapp.settings",
        DEBUG="0",
        SECRET_KEY="capacity-benchmark-only-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
    )
    import django

    django.setup()
    logging.getLogger("crampapp.audit").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User

    try:
        call_command("migrate", verbosity=0)
        call_command("load_education", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        empty = tables(url)
        for number in range(options.patients):
            seed_patient(f"capacity-{number}@example.org", options.entries)
        patient_years = options.patients * DIARY_DAYS / 365
        print(
            f"Records: {options.patients} patients x {DIARY_DAYS} days, {options.entries} diary entries each "
            f"({options.entries / DIARY_DAYS:.1f} a day), as {patient_years:.0f} patient-years\n"
        )
        per_patient_year = print_records(empty, tables(url), patient_years)

        active = [
            User.objects.create_user(f"active-{number}@example.org", None, full_name=f"Active {number}")
            for number in range(options.active)
        ]
        checkpoint(url)
        start = wal_position(url)
        requests = a_day_of_use(active)
        per_patient_day = wal_bytes(url, start) / options.active
        # The worst case: each patient's day alone after a checkpoint, every page it changes written whole.
        alone = 0
        for patient in active[: options.alone]:
            checkpoint(url)
            start = wal_position(url)
            a_day_of_use([patient])
            alone += wal_bytes(url, start)
        per_patient_day_alone = alone / options.alone
    finally:
        connections.close_all()
        recreate(base, drop_only=True)

    print(f"\nOne patient-year of records: {per_patient_year / KB:.0f} kB (tables, TOAST and indexes)")
    for patients in SCALES:
        print(f"  {patients:>7,} patients logging for a year: {patients * per_patient_year / GB:6.1f} GB")
    print(
        f"\nWAL: {per_patient_day / KB:.0f} kB per active patient-day ({requests // options.active} requests: "
        "three quick logs, the dashboard, insights; right after a checkpoint)"
    )
    for patients in SCALES:
        print(f"  {patients:>7,} active patients: {patients * per_patient_day / MB:8.0f} MB of WAL a day")
    print(
        f"WAL, worst case: {per_patient_day_alone / KB:.0f} kB per active patient-day when each day is alone "
        "after a checkpoint (every page it changes written whole)"
    )
    for patients in SCALES:
        print(f"  {patients:>7,} active patients: {patients * per_patient_day_alone / MB:8.0f} MB of WAL a day")
    return 0


if __name__ == "__main__":
    sys.exit(main())
