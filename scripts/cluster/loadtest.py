"""Load and fault test of the cluster that `make cluster` started (scripts/cluster/cluster.sh).

    make cluster && make cluster-loadtest

Patients log cramps and read their dashboard, list and insights; clinicians open the clinic list and
reviews (the people of scripts/loadtest.py), all through nginx over HTTPS. Along the way, in phases:

1. both app servers;
2. one app server stopped as a deploy stops it (taken out of nginx's rotation first), then started again;
3. the other app server crashed (killed with its workers: nginx routes around it), then started again;
4. the read replica stopped (its reads fall back to the primary), then started again;
5. PgBouncer restarted (a rolling restart: the new process starts before the old one stops).

It prints requests, errors, p50/p95/p99 and requests per second, over the run and per phase (one app server
against two), how many transactions the replica served, and how many acknowledged cramps are missing from
the primary afterwards. It exits 1 when one is missing.
"""

import argparse
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parents[2]
CLUSTER = PROJECT / ".cluster"
CLUSTER_SCRIPT = PROJECT / "scripts" / "cluster" / "cluster.sh"
# Run as a script, this folder is on the path and the project's root is not.
sys.path.insert(0, str(PROJECT))

from scripts import loadtest  # noqa: E402


def cluster_environment() -> dict[str, str]:
    """The app's settings that `make cluster` wrote (.cluster/app.env)."""
    env_file = CLUSTER / "app.env"
    if not env_file.exists():
        sys.exit("No cluster here: run `make cluster` first.")
    values = {}
    for line in env_file.read_text().splitlines():
        name, separator, value = line.partition("=")
        if separator and not name.startswith("#"):
            values[name.strip()] = value.strip().strip('"')
    return values


def cluster(*arguments: str) -> None:
    subprocess.run(["bash", str(CLUSTER_SCRIPT), *arguments], check=True, capture_output=True, text=True)


def transactions(url: str) -> int | None:
    """Transactions a PostgreSQL server has committed and rolled back, from its statistics; None when down."""
    try:
        with psycopg.connect(url, connect_timeout=2, autocommit=True) as connection:
            row = connection.execute("SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database").fetchone()
            return int(row[0])
    except psycopg.OperationalError:
        return None


def seed(environment: dict[str, str], patients: int, clinicians: int) -> dict:
    """People to load the cluster with, made on the primary directly (migrations need no pooler)."""
    settings = {**os.environ, **environment, "DJANGO_SETTINGS_MODULE": "crampapp.settings"}
    settings["DATABASE_URL"] = environment["PRIMARY_DATABASE_URL"]
    settings.pop("DATABASE_POOLER", None)
    run_tag = f"-{uuid.uuid4().hex[:8]}"
    setup = subprocess.run(
        [sys.executable, "-c", loadtest.SETUP.format(patients=patients, clinicians=clinicians, tag=run_tag)],
        cwd=PROJECT,
        env=settings,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(setup.stdout.strip().splitlines()[-1])


class Timeline:
    """When each phase began, to split the results by phase afterwards."""

    def __init__(self):
        self.phases: list[tuple[str, float]] = []

    def begin(self, name: str) -> None:
        print(f"  {time.strftime('%H:%M:%S')}  {name}", flush=True)
        self.phases.append((name, time.monotonic()))

    def spans(self, end: float) -> list[tuple[str, float, float]]:
        edges = [moment for _, moment in self.phases[1:]] + [end]
        return [(name, start, stop) for (name, start), stop in zip(self.phases, edges, strict=True)]


def summary(events: list[tuple[float, str, float]], seconds: float) -> str:
    latencies = [latency for _, _, latency in events]
    errors = sum(1 for _, outcome, _ in events if not outcome.startswith(("2", "3")))
    if not latencies:
        return "no requests"
    p50, p95, p99 = (
        statistics.median(latencies) * 1000,
        loadtest.percentile(latencies, 0.95) * 1000,
        loadtest.percentile(latencies, 0.99) * 1000,
    )
    return (
        f"{len(events):6d} requests {errors:4d} errors {len(events) / seconds:7.1f} req/s   "
        f"p50 {p50:5.0f} ms  p95 {p95:5.0f} ms  p99 {p99:5.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase-seconds", type=int, default=20, help="length of each phase (default 20)")
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--clinicians", type=int, default=5)
    options = parser.parse_args()
    environment = cluster_environment()
    https_port = int(environment["CLUSTER_HTTPS_PORT"])
    app_ports = environment["CLUSTER_APP_PORTS"].split()
    host = f"127.0.0.1:{https_port}"
    tls = ssl.create_default_context(cafile=str(CLUSTER / "tls" / "cert.pem"))

    def connect() -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", https_port, context=tls, timeout=30)

    print(f"seeding {options.patients} patients and {options.clinicians} clinicians on the primary", flush=True)
    sessions = seed(environment, options.patients, options.clinicians)
    results = loadtest.Results()
    stop = threading.Event()
    steps = {**loadtest.PATIENT_STEPS, "insights": "/insights/"}
    people = [("patient", key) for key in sessions["patients"]] + [("clinician", key) for key in sessions["clinicians"]]
    threads = [
        threading.Thread(
            target=loadtest.user_loop,
            args=(kind, key, sessions["patient_ids"], results, stop),
            kwargs={"connect": connect, "host": host, "patient_steps": steps},
        )
        for kind, key in people
    ]
    replica_url = environment["DATABASE_REPLICA_URL"]
    replica_served = 0
    phase = options.phase_seconds
    timeline = Timeline()
    print(f"load through https://{host}/ ({len(threads)} people), phases of {phase} s:")
    timeline.begin("two app servers")
    replica_before = transactions(replica_url)
    for thread in threads:
        thread.start()
    try:
        time.sleep(phase)
        timeline.begin(f"one app server ({app_ports[0]} drained and stopped)")
        cluster("stop-app", app_ports[0])
        time.sleep(phase)
        cluster("start-app", app_ports[0])
        timeline.begin(f"one app server ({app_ports[1]} crashed)")
        cluster("kill-app", app_ports[1])
        time.sleep(phase / 2)
        cluster("start-app", app_ports[1])
        timeline.begin("both app servers, replica stopped")
        replica_served += (transactions(replica_url) or 0) - (replica_before or 0)
        cluster("stop-replica")
        time.sleep(phase)
        cluster("start-replica")
        replica_back = transactions(replica_url)
        timeline.begin("replica back")
        time.sleep(phase / 2)
        timeline.begin("PgBouncer restarted")
        cluster("restart-pgbouncer")
        time.sleep(phase / 2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    ended = time.monotonic()
    replica_served += (transactions(replica_url) or 0) - (replica_back or 0)

    with psycopg.connect(environment["PRIMARY_DATABASE_URL"]) as connection:
        query = "SELECT uuid FROM tracker_episode WHERE uuid::text = ANY(%s)"
        stored = {str(row[0]) for row in connection.execute(query, (results.acknowledged,))}
    missing = len(set(results.acknowledged) - stored)

    started = timeline.phases[0][1]
    errors = {outcome: count for outcome, count in results.outcomes.items() if not outcome.startswith(("2", "3"))}
    print()
    print(f"whole run ({ended - started:.0f} s)   {summary(results.events, ended - started)}")
    print(f"outcomes                 {dict(sorted(results.outcomes.items()))}")
    print(f"errors                   {sum(errors.values())} {errors}")
    print("by phase:")
    throughput = {}
    for name, begin, end in timeline.spans(ended):
        events = [event for event in results.events if begin <= event[0] < end]
        throughput[name] = len(events) / (end - begin)
        print(f"  {name:44s} {summary(events, end - begin)}")
    one, two = throughput[timeline.phases[1][0]], throughput[timeline.phases[0][0]]
    print(f"throughput, two app servers against one: {two:.1f} against {one:.1f} req/s ({two / one:.2f}x)")
    print(f"transactions the replica served          {replica_served}")
    print(f"acknowledged cramps                      {len(results.acknowledged)}")
    print(f"acknowledged but missing on the primary  {missing}")
    print("PASS" if missing == 0 else "FAIL")
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
