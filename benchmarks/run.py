"""Server time, queries and peak memory of the main pages at two data sizes, against a baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/run.py

It creates (and drops) its own database, `crampapp_bench`, seeds one patient with 100 and one with
10,000 episodes, and one clinician with 10 and one with 500 granted patients, then times each page
in-process (Django's test client: no network) over --requests rounds, each requesting every page at
both sizes and the baseline once. The baseline is a minimal view with a session and a template: the
floor of this stack. Compare only figures of one run.
"""

import argparse
import logging
import os
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
DATABASE = "crampapp_bench"
EPISODES = {"small": 100, "large": 10_000}


def url_for(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate(base: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(url_for(base, "postgres"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if not drop_only:
            connection.execute(f"CREATE DATABASE {DATABASE}")


class Page:
    """One page at one data size, requested by a signed-in test client."""

    def __init__(self, client, method: str, path: str, data_for=None):
        self.client, self.method, self.path, self.data_for = client, method, path, data_for

    def once(self) -> tuple[float, float]:
        """Server time of one request. For a streamed response (the CSV export) the page's time is to its
        first chunk, as a client sees it; the whole download is timed too."""
        started = time.perf_counter()
        response = self.client.post(self.path, self.data_for()) if self.method == "post" else self.client.get(self.path)
        first = time.perf_counter()
        if getattr(response, "streaming", False):
            chunks = iter(response.streaming_content)
            next(chunks, None)
            first = time.perf_counter()
            for _ in chunks:
                pass
        assert response.status_code < 400, (self.path, response.status_code)
        return first - started, time.perf_counter() - started

    def profile(self) -> dict:
        """Queries and peak memory of one request, after three to warm up."""
        from django.db import connection

        for _ in range(3):
            self.once()
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            self.once()
        tracemalloc.start()
        self.once()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"queries": len(executed), "peak": peak}


def measure(pages: dict, requests: int) -> dict:
    """Queries, peak memory and median server time of every page. The timings are taken in rounds, each
    requesting every page once in the same order, so that a slow spell of the machine weighs on the
    baseline and on both sizes of a page alike."""
    results = {key: page.profile() for key, page in pages.items()}
    timings = {key: [] for key in pages}
    for _ in range(requests):
        for key, page in pages.items():
            timings[key].append(page.once())
    for key, measured in results.items():
        measured["median"] = statistics.median(first for first, _ in timings[key])
        measured["whole"] = statistics.median(whole for _, whole in timings[key])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    options = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
        return 2
    recreate(base)
    os.environ.update(
        DATABASE_URL=url_for(base, DATABASE),
        DEBUG="0",
        SECRET_KEY="benchmark-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="crampapp.settings",
    )
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    logging.getLogger("crampapp.audit").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from tracker.models import Episode

    setup_test_environment()
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_education", verbosity=0)
        for prefix, patients, episodes, clinicians in [
            ("small", 1, EPISODES["small"], 0),
            ("large", 1, EPISODES["large"], 0),
            ("clinic-small", 10, 20, 1),
            ("clinic-large", 500, 20, 1),
        ]:
            call_command(
                "seed_demo",
                prefix=prefix,
                patients=patients,
                episodes=episodes,
                clinicians=clinicians,
                force=True,
                stdout=open(os.devnull, "w"),  # noqa: SIM115
            )
        rows = run_pages(options.requests, User, Episode, Client)
    finally:
        from django.db import connections

        connections.close_all()
        recreate(base, drop_only=True)
    return print_table(rows)


def run_pages(requests: int, User, Episode, Client) -> list[dict]:
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        client = Client()
        client.force_login(User.objects.get(email="small-patient-1@example.org"))
        pages = {("baseline", ""): Page(client, "get", "/benchmark-baseline/")}
        for size in ("small", "large"):
            patient = User.objects.get(email=f"{size}-patient-1@example.org")
            clinician = User.objects.get(email=f"clinic-{size}-clinician-1@example.org")
            reviewed = User.objects.filter(email__startswith=f"clinic-{size}-patient-").order_by("pk").first()
            episode = Episode.objects.filter(patient=patient).latest("started_at")
            patient_client, clinician_client = Client(), Client()
            patient_client.force_login(patient)
            clinician_client.force_login(clinician)
            for name, page in [
                ("patient dashboard", Page(patient_client, "get", "/dashboard/")),
                ("episode list", Page(patient_client, "get", "/episodes/")),
                ("episode detail", Page(patient_client, "get", f"/episodes/{episode.uuid}/")),
                ("insights", Page(patient_client, "get", "/insights/")),
                ("export CSV", Page(patient_client, "get", "/export/csv/")),
                ("clinician list", Page(clinician_client, "get", "/clinic/")),
                ("clinician review", Page(clinician_client, "get", f"/clinic/patients/{reviewed.pk}/")),
                ("clinician entries", Page(clinician_client, "get", f"/clinic/patients/{reviewed.pk}/entries/")),
                ("visit report", Page(clinician_client, "get", f"/clinic/patients/{reviewed.pk}/report/")),
                (
                    "POST new episode",
                    Page(
                        patient_client,
                        "post",
                        "/episodes/new/?mode=quick",
                        lambda: {"client_id": str(uuid.uuid4()), "severity": "5"},
                    ),
                ),
            ]:
                pages[(name, size)] = page
        measured = measure(pages, requests)
    names = dict.fromkeys(name for name, size in pages if size)
    return [{"page": "baseline", "baseline": measured[("baseline", "")]["median"]}] + [
        {"page": name, "small": measured[(name, "small")], "large": measured[(name, "large")]} for name in names
    ]


# The targets of issue 20: times the baseline view, and large over small (1.5 unless named).
LIMITS_TO_BASELINE = {
    "patient dashboard": 5,
    "episode list": 5,
    "episode detail": 5,
    "clinician list": 5,
    "insights": 8,
    "clinician review": 12,
    # The review's entry table on its own page (issue 20's design change): as the patient's episode list.
    "clinician entries": 5,
    "visit report": 12,
    "POST new episode": 3,
}
RATIO_LIMITS = {"export CSV": 2.0}


def print_table(rows: list[dict]) -> int:
    baseline = rows[0]["baseline"]
    print(f"baseline (session + template): median {baseline * 1000:.2f} ms\n")
    header = f"{'page':<20} {'queries s/l':>11} {'median small':>13} {'median large':>13} {'large/small':>11} "
    header += f"{'x baseline':>10} {'peak KB s/l':>15}  result"
    print(header)
    failures = 0
    for row in rows[1:]:
        small, large = row["small"], row["large"]
        ratio = large["median"] / small["median"]
        to_baseline = large["median"] / baseline
        checks = [small["queries"] == large["queries"], ratio <= RATIO_LIMITS.get(row["page"], 1.5)]
        if row["page"] in LIMITS_TO_BASELINE:
            checks.append(to_baseline <= LIMITS_TO_BASELINE[row["page"]])
        if row["page"] == "export CSV":
            checks.append(large["peak"] <= 2 * small["peak"] + 512 * 1024)
            checks.append(_per_episode(large, "large") <= 2 * _per_episode(small, "small"))
        passed = all(checks)
        failures += not passed
        print(
            f"{row['page']:<20} {small['queries']:>5}/{large['queries']:<5} {small['median'] * 1000:>10.1f} ms "
            f"{large['median'] * 1000:>10.1f} ms {ratio:>11.2f} {to_baseline:>10.1f} "
            f"{small['peak'] // 1024:>7}/{large['peak'] // 1024:<7}  {'PASS' if passed else 'FAIL'}"
        )
    export = next(row for row in rows[1:] if row["page"] == "export CSV")
    print(
        "\nexport CSV: the time above is to the first chunk (the header line). The whole download: "
        f"{export['small']['whole'] * 1000:.1f} ms for {EPISODES['small']} episodes, "
        f"{export['large']['whole'] * 1000:.1f} ms for {EPISODES['large']}; per episode "
        f"{_per_episode(export['small'], 'small'):.1f} / {_per_episode(export['large'], 'large'):.1f} µs "
        "(must not grow more than 2x), peak memory must not grow with the episodes."
    )
    return 1 if failures else 0


def _per_episode(measured: dict, size: str) -> float:
    """Microseconds of the whole download per exported episode."""
    return measured["whole"] * 1_000_000 / EPISODES[size]


if __name__ == "__main__":
    sys.exit(main())
