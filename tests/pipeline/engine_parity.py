"""Build the dbt project on another engine from a DuckDB warehouse and compare the marts.

Rows are compared after normalizing the types the engines return differently:
numbers (int, float, Decimal) to 12 significant digits, timestamps with a time
zone to UTC, and rows sorted. A difference fails with the rows found on one
engine only.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.settings import DBT_PROJECT_DIR

SIGNIFICANT_DIGITS = 12
MART_SCHEMA = "marts"
SHOWN_ROWS = 5
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def mart_models(manifest_path: Path) -> list[str]:
    """Return the sorted names of the dbt models that build a table or view in the marts schema."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == MART_SCHEMA
        and node["config"]["materialized"] != "ephemeral"
    )


def run_dbt_build(environment: dict[str, str], work_dir: Path) -> subprocess.CompletedProcess:
    """Run ``dbt build`` on the target that `environment` selects, with its files in `work_dir`.

    The target and log folders are kept out of the project, so the manifest
    that the Dagster definitions load stays the DuckDB one.
    """
    return subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def normalize_value(value: Any) -> Any:
    """Return a comparable form of one cell: numbers as text with fixed precision."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return "0" if number == 0 else f"{number:.{SIGNIFICANT_DIGITS}g}"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(normalize_value(item) for item in value)
    return str(value)


def sort_key(row: tuple) -> tuple:
    return tuple((cell is None, str(cell)) for cell in row)


def normalized_rows(rows: Iterable[tuple]) -> list[tuple]:
    return sorted((tuple(normalize_value(cell) for cell in row) for row in rows), key=sort_key)


def fetch_duckdb_table(connection: duckdb.DuckDBPyConnection, table: str):
    """Return the column names and normalized rows of marts.`table` in DuckDB."""
    cursor = connection.execute(f'select * from {MART_SCHEMA}."{table}"')
    columns = [column[0] for column in cursor.description]
    return columns, normalized_rows(cursor.fetchall())


def fetch_dbapi_table(connection, table: str):
    """Return the column names and normalized rows of marts.`table` over a DB-API connection."""
    with connection.cursor() as cursor:
        cursor.execute(f'select * from {MART_SCHEMA}."{table}"')
        columns = [column[0] for column in cursor.description]
        return columns, normalized_rows(cursor.fetchall())


def describe_difference(
    table: str, engine: str, expected: tuple[list, list], actual: tuple[list, list]
) -> str | None:
    """Return a message naming the first differing rows of one table, or None when equal."""
    expected_columns, expected_rows = expected
    actual_columns, actual_rows = actual
    if expected_columns != actual_columns:
        return (
            f"{table}: columns differ\n  duckdb: {expected_columns}\n  {engine}: {actual_columns}"
        )
    if expected_rows == actual_rows:
        return None
    expected_counts, actual_counts = Counter(expected_rows), Counter(actual_rows)
    only_duckdb = sorted((expected_counts - actual_counts).elements(), key=sort_key)
    only_other = sorted((actual_counts - expected_counts).elements(), key=sort_key)
    lines = [
        f"{table}: {len(expected_rows)} rows on duckdb, {len(actual_rows)} on {engine};"
        f" columns {expected_columns}",
        f"  first rows only on duckdb ({len(only_duckdb)} in all):",
        *(f"    {row}" for row in only_duckdb[:SHOWN_ROWS]),
        f"  first rows only on {engine} ({len(only_other)} in all):",
        *(f"    {row}" for row in only_other[:SHOWN_ROWS]),
    ]
    return "\n".join(lines)
