"""What autovacuum does some time after a bulk load, done at once: the demo seeder and the benchmarks load
thousands of rows and then measure plans and index-only scans, which need fresh planner statistics and a
fresh visibility map. The ORM has no call for VACUUM or ANALYZE, so this is the one statement written out;
it reads no patient data."""

from django.db import connection


def after_bulk_load(models=()) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the tables of `models` (every table when none are named); inside a
    transaction, where VACUUM cannot run (a test's, for one), ANALYZE them. Nothing on other databases."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {names}".strip())
