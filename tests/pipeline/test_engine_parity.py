"""Build the dbt project on PostgreSQL from a pipeline run's sources and compare every mart.

Each landing set runs through the whole job on DuckDB once (the session
fixtures of conftest.py). The test copies that warehouse's dbt sources into a
new database on the session's throwaway PostgreSQL server, runs ``dbt build``
there, and expects every table of the marts schema to hold the same rows as
DuckDB's, row for row.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.dbt.project import rightpath_dbt_project
from orchestration.engines.local_postgres import LocalPostgres
from orchestration.engines.postgres import copy_sources_to_postgres

from .engine_parity import (
    describe_difference,
    fetch_dbapi_table,
    fetch_duckdb_table,
    mart_models,
    normalize_value,
    normalized_rows,
    run_dbt_build,
)
from .support import REAL_SAMPLES_DIR, PipelineRun

DBT_OUTPUT_LINES = 40


def assert_postgres_matches_duckdb(
    run: PipelineRun, server: LocalPostgres, dbname: str, work_dir: Path
) -> None:
    run.require_success()
    manifest_path = Path(rightpath_dbt_project.manifest_path)
    database = server.create_database(dbname)
    copied = copy_sources_to_postgres(run.settings.warehouse_path, manifest_path, database)
    assert copied, "no dbt source table was copied to PostgreSQL"

    build = run_dbt_build(server.environment(database), work_dir)
    output_tail = "\n".join(build.stdout.splitlines()[-DBT_OUTPUT_LINES:])
    assert build.returncode == 0, f"dbt build on PostgreSQL failed:\n{output_tail}"

    tables = mart_models(manifest_path)
    assert tables, f"no mart model found in {manifest_path}"
    differences = []
    warehouse = run.connect_warehouse()
    postgres = database.connect()
    try:
        for table in tables:
            difference = describe_difference(
                table,
                "postgres",
                fetch_duckdb_table(warehouse, table),
                fetch_dbapi_table(postgres, table),
            )
            if difference:
                differences.append(difference)
    finally:
        warehouse.close()
        postgres.close()
    assert not differences, "marts differ between DuckDB and PostgreSQL:\n" + "\n".join(differences)


def test_tiny_set_postgres_parity(tiny_run, postgres_server, tmp_path):
    assert_postgres_matches_duckdb(tiny_run, postgres_server, "parity_tiny", tmp_path)


def test_demo_data_postgres_parity(demo_run, postgres_server, tmp_path):
    assert_postgres_matches_duckdb(demo_run, postgres_server, "parity_demo", tmp_path)


@pytest.mark.skipif(
    not REAL_SAMPLES_DIR.is_dir(),
    reason=f"the public export samples were not found at {REAL_SAMPLES_DIR}",
)
def test_real_samples_postgres_parity(real_run, postgres_server, tmp_path):
    assert_postgres_matches_duckdb(real_run, postgres_server, "parity_real", tmp_path)


def test_normalize_value_types():
    assert normalize_value(Decimal("90.00")) == normalize_value(90.0)
    assert normalize_value(1 / 3) == normalize_value(0.333333333333333)
    assert normalize_value(-0.0) == normalize_value(0)
    assert normalize_value(datetime(2025, 3, 3, 4, 0, tzinfo=timezone(timedelta(hours=-5)))) == (
        "2025-03-03T09:00:00"
    )
    assert normalize_value(None) is None


def test_difference_shows_first_rows():
    expected = (["channel", "count_touches"], normalized_rows([("web", 2), ("email", 1)]))
    actual = (["channel", "count_touches"], normalized_rows([("web", 2), ("email", 3)]))
    message = describe_difference("channel_totals", "postgres", expected, actual)
    assert message is not None
    assert "('email', '1')" in message.split("only on postgres")[0]
    assert "('email', '3')" in message.split("only on postgres")[1]
    assert describe_difference("channel_totals", "postgres", expected, expected) is None


def test_difference_in_columns():
    message = describe_difference("t", "postgres", (["a"], []), (["b"], []))
    assert message == "t: columns differ\n  duckdb: ['a']\n  postgres: ['b']"
