"""Build the dbt project on an in-process Spark session and compare every mart with DuckDB.

Runs with ``make test-spark`` only (marker ``spark``), because pyspark comes
with the optional ``spark`` extra and a Spark build takes minutes. Landing
sets are compared one after another in one Spark session, since a process
holds one Spark context, and each dbt build replaces the tables of the last.
"""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.dbt.project import rightpath_dbt_project
from orchestration.settings import DBT_PROJECT_DIR

from .engine_parity import (
    MART_SCHEMA,
    describe_difference,
    fetch_duckdb_table,
    mart_models,
    normalized_rows,
)
from .support import REAL_SAMPLES_DIR, PipelineRun

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark comes with the spark extra: run make test-spark")

from orchestration.engines.spark import copy_sources_to_spark, local_spark_session  # noqa: E402

DBT_SCHEMAS = ("raw", "staging", "intermediate", "marts", "main")


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start one local Spark session for the test session, with Python's clock in UTC.

    pyspark turns Spark timestamps into naive datetimes in the process's
    local time zone, so TZ is UTC while the session runs.
    """
    previous_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    spark = local_spark_session(tmp_path_factory.mktemp("spark"))
    try:
        yield spark
    finally:
        spark.stop()
        if previous_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous_tz
        time.tzset()


def run_dbt_build_in_process(work_dir: Path) -> tuple[bool, str]:
    """Run ``dbt build`` on the spark target in this process, so dbt uses the running session."""
    from dbt.cli.main import dbtRunner

    previous_engine = os.environ.get("RIGHTPATH_ENGINE")
    os.environ["RIGHTPATH_ENGINE"] = "spark"
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
            ]
        )
    finally:
        if previous_engine is None:
            os.environ.pop("RIGHTPATH_ENGINE", None)
        else:
            os.environ["RIGHTPATH_ENGINE"] = previous_engine
    failures = []
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) not in ("success", "pass", "no-op"):
            failures.append(f"{node_result.node.name}: {node_result.status}: {node_result.message}")
    if result.exception is not None:
        failures.append(f"dbt raised {result.exception!r}")
    return result.success, "\n".join(failures)


def fetch_spark_table(spark, table: str):
    frame = spark.table(f"{MART_SCHEMA}.{table}")
    return frame.columns, normalized_rows(tuple(row) for row in frame.collect())


def assert_spark_matches_duckdb(run: PipelineRun, spark, work_dir: Path) -> None:
    run.require_success()
    manifest_path = Path(rightpath_dbt_project.manifest_path)
    for schema in DBT_SCHEMAS:
        spark.sql(f"drop schema if exists {schema} cascade")
    copied = copy_sources_to_spark(
        run.settings.warehouse_path, manifest_path, spark, work_dir / "sources"
    )
    assert copied, "no dbt source table was copied to Spark"

    success, failures = run_dbt_build_in_process(work_dir)
    assert success, f"dbt build on Spark failed:\n{failures}"

    differences = []
    warehouse = run.connect_warehouse()
    try:
        for table in mart_models(manifest_path):
            expected = fetch_duckdb_table(warehouse, table)
            actual = fetch_spark_table(spark, table)
            difference = describe_difference(table, "spark", expected, actual)
            if difference:
                differences.append(difference)
    finally:
        warehouse.close()
    assert not differences, "marts differ between DuckDB and Spark:\n" + "\n".join(differences)


def test_tiny_set_spark_parity(tiny_run, spark_session, tmp_path):
    assert_spark_matches_duckdb(tiny_run, spark_session, tmp_path)


def test_demo_data_spark_parity(demo_run, spark_session, tmp_path):
    assert_spark_matches_duckdb(demo_run, spark_session, tmp_path)


@pytest.mark.skipif(
    not REAL_SAMPLES_DIR.is_dir(),
    reason=f"the public export samples were not found at {REAL_SAMPLES_DIR}",
)
def test_real_samples_spark_parity(real_run, spark_session, tmp_path):
    assert_spark_matches_duckdb(real_run, spark_session, tmp_path)
