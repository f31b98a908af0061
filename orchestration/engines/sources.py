"""The dbt source tables and their DuckDB column types."""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceTable:
    """One dbt source table as it exists in the DuckDB warehouse."""

    schema: str
    name: str
    # (column name, DuckDB type name) in table order.
    columns: tuple[tuple[str, str], ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def source_locations(manifest_path: Path) -> list[tuple[str, str]]:
    """Return the sorted (schema, table) pairs of every source in a dbt manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    locations = {
        (source["schema"], source["identifier"]) for source in manifest["sources"].values()
    }
    return sorted(locations)


def existing_source_tables(
    connection: duckdb.DuckDBPyConnection, locations: list[tuple[str, str]]
) -> list[SourceTable]:
    """Return the source tables that exist in the warehouse, with their column types.

    A source that a Python asset has not written yet is skipped and logged: the
    models read such tables through macros that fall back to an empty relation.
    """
    tables = []
    for schema, name in locations:
        rows = connection.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        if not rows:
            logger.info("source %s.%s is not in the warehouse; not copied", schema, name)
            continue
        tables.append(SourceTable(schema=schema, name=name, columns=tuple(rows)))
    return tables
