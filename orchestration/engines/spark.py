"""Copy the dbt source tables from the DuckDB warehouse into a Spark session's metastore.

Each table is written as Parquet by DuckDB and registered as an external
Parquet table in the session's catalog, under the same schema and name as in
DuckDB. pyspark comes with the optional ``spark`` extra (``make test-spark``).
"""

import logging
import os
from pathlib import Path

import duckdb

from orchestration.engines.sources import SourceTable, existing_source_tables, source_locations

logger = logging.getLogger(__name__)

# DuckDB types that Spark reads wrong or not at all from DuckDB's Parquet, and
# the DuckDB type written instead. A TIMESTAMP without time zone is written as
# UTC instants, so Spark reads a TIMESTAMP rather than a TIMESTAMP_NTZ.
PARQUET_CASTS = {
    "TIMESTAMP": "TIMESTAMP WITH TIME ZONE",
    "HUGEINT": "DECIMAL(38, 0)",
    "UBIGINT": "DECIMAL(20, 0)",
    "UUID": "VARCHAR",
    "JSON": "VARCHAR",
}
UNSUPPORTED_TYPES = ("INTERVAL", "TIME")


def local_spark_session(work_dir: Path, app_name: str = "rightpath"):
    """Start (or return) an in-process Spark session bound to 127.0.0.1 with its files in work_dir.

    The web UI is off, and the warehouse, the Derby metastore and Spark's
    scratch folders are inside `work_dir`. Times are in UTC. Spark reads
    SPARK_LOCAL_IP when the JVM starts, so it is set here before the first
    session of the process.
    """
    from pyspark.sql import SparkSession

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    metastore = work_dir / "metastore_db"
    builder = (
        SparkSession.builder.appName(app_name)
        .master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(work_dir / "warehouse"))
        .config("spark.local.dir", str(work_dir / "scratch"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work_dir / 'derby'}")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        .config("spark.sql.session.timeZone", "UTC")
        # The tables here are small, so the default 200 shuffle partitions
        # would mostly schedule empty tasks.
        .config("spark.sql.shuffle.partitions", "2")
        .enableHiveSupport()
    )
    return builder.getOrCreate()


def parquet_select(table: SourceTable) -> str:
    """Return the DuckDB query that writes `table` with Spark-readable Parquet types."""
    columns = []
    for column, duckdb_type in table.columns:
        if duckdb_type in UNSUPPORTED_TYPES:
            raise ValueError(
                f"column {column} of {table.qualified_name} has DuckDB type {duckdb_type}, which"
                f" Spark cannot read from Parquet; cast it in the asset that writes the table"
            )
        cast_to = PARQUET_CASTS.get(duckdb_type)
        quoted = f'"{column}"'
        columns.append(f"cast({quoted} as {cast_to}) as {quoted}" if cast_to else quoted)
    return f'select {", ".join(columns)} from "{table.schema}"."{table.name}"'


def copy_sources_to_spark(
    warehouse_path: Path, manifest_path: Path, spark, parquet_dir: Path
) -> dict[str, int]:
    """Write every dbt source table as Parquet under `parquet_dir` and register it in `spark`.

    An earlier table of the same name is dropped first. Returns the row count
    per ``schema.table``.
    """
    counts: dict[str, int] = {}
    warehouse = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        warehouse.execute("set TimeZone = 'UTC'")
        tables = existing_source_tables(warehouse, source_locations(manifest_path))
        logger.info("copying %d source tables to Spark under %s", len(tables), parquet_dir)
        for table in tables:
            folder = parquet_dir / table.schema / table.name
            folder.mkdir(parents=True, exist_ok=True)
            warehouse.execute(
                f"copy ({parquet_select(table)}) to '{folder / 'data.parquet'}' (format parquet)"
            )
            spark.sql(f"create schema if not exists {table.schema}")
            spark.sql(f"drop table if exists {table.schema}.{table.name}")
            spark.sql(f"create table {table.schema}.{table.name} using parquet location '{folder}'")
            counts[table.qualified_name] = spark.table(table.qualified_name).count()
            logger.info("copied %s: %d rows", table.qualified_name, counts[table.qualified_name])
    finally:
        warehouse.close()
    return counts
