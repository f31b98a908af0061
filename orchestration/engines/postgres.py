"""Copy the dbt source tables from the DuckDB warehouse into PostgreSQL.

Each table goes through a CSV file that DuckDB writes and PostgreSQL reads with
``COPY ... FROM STDIN``. In both engines' CSV dialects an unquoted empty field
is NULL and a quoted empty field ``""`` is the empty string, so NULLs stay NULL.
DuckDB's postgres extension would avoid the file, but it has to be downloaded
at run time.
"""

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from orchestration.engines.sources import SourceTable, existing_source_tables, source_locations

logger = logging.getLogger(__name__)

# DuckDB type name to PostgreSQL type. Unsigned integers widen to the next
# signed type because PostgreSQL has no unsigned types.
POSTGRES_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
}
DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class PostgresConnection:
    """Connection settings of the PostgreSQL database that dbt's postgres target uses."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_env(cls) -> "PostgresConnection":
        """Read the ``RIGHTPATH_PG_*`` variables, with the defaults of ``profiles.yml``."""
        return cls(
            host=os.environ.get("RIGHTPATH_PG_HOST", "127.0.0.1"),
            port=int(os.environ.get("RIGHTPATH_PG_PORT", "5432")),
            user=os.environ.get("RIGHTPATH_PG_USER", "rightpath"),
            password=os.environ.get("RIGHTPATH_PG_PASSWORD", ""),
            dbname=os.environ.get("RIGHTPATH_PG_DBNAME", "rightpath"),
        )

    def connect(self):
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
        )


def postgres_type(duckdb_type: str, table: SourceTable, column: str) -> str:
    """Return the PostgreSQL type for a DuckDB column type, or raise ValueError."""
    if duckdb_type in POSTGRES_TYPES:
        return POSTGRES_TYPES[duckdb_type]
    decimal = DECIMAL_TYPE.fullmatch(duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    raise ValueError(
        f"column {column} of {table.qualified_name} has DuckDB type {duckdb_type}, which has"
        f" no PostgreSQL mapping; add it to POSTGRES_TYPES in {__name__}"
    )


def create_table_statement(table: SourceTable) -> sql.Composed:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(
            sql.Identifier(column), sql.SQL(postgres_type(duckdb_type, table, column))
        )
        for column, duckdb_type in table.columns
    )
    return sql.SQL("create table {}.{} ({})").format(
        sql.Identifier(table.schema), sql.Identifier(table.name), columns
    )


def copy_table(
    warehouse: duckdb.DuckDBPyConnection, cursor, table: SourceTable, csv_path: Path
) -> int:
    """Replace one table in PostgreSQL with the warehouse's rows and return the row count."""
    column_list = ", ".join(f'"{column}"' for column, _ in table.columns)
    warehouse.execute(
        f'copy (select {column_list} from "{table.schema}"."{table.name}")'
        f" to '{csv_path}' (format csv, header false)"
    )
    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(table.schema)))
    cursor.execute(
        sql.SQL("drop table if exists {}.{}").format(
            sql.Identifier(table.schema), sql.Identifier(table.name)
        )
    )
    cursor.execute(create_table_statement(table))
    copy_statement = sql.SQL("copy {}.{} from stdin with (format csv)").format(
        sql.Identifier(table.schema), sql.Identifier(table.name)
    )
    with csv_path.open("r", encoding="utf-8") as csv_file:
        cursor.copy_expert(copy_statement, csv_file)
    return cursor.rowcount


def copy_sources_to_postgres(
    warehouse_path: Path, manifest_path: Path, target: PostgresConnection
) -> dict[str, int]:
    """Copy every dbt source table of the warehouse into `target` in one transaction.

    Returns the row count per ``schema.table``. Timestamps with time zone travel
    as UTC text, so the sessions of both engines are set to UTC.
    """
    locations = source_locations(manifest_path)
    counts: dict[str, int] = {}
    warehouse = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        warehouse.execute("set TimeZone = 'UTC'")
        tables = existing_source_tables(warehouse, locations)
        logger.info(
            "copying %d source tables to PostgreSQL database %s on %s:%d",
            len(tables),
            target.dbname,
            target.host,
            target.port,
        )
        connection = target.connect()
        try:
            with connection, connection.cursor() as cursor, tempfile.TemporaryDirectory() as folder:
                cursor.execute("set time zone 'UTC'")
                for table in tables:
                    csv_path = Path(folder) / f"{table.schema}.{table.name}.csv"
                    counts[table.qualified_name] = copy_table(warehouse, cursor, table, csv_path)
                    logger.info(
                        "copied %s: %d rows", table.qualified_name, counts[table.qualified_name]
                    )
        finally:
            connection.close()
    finally:
        warehouse.close()
    return counts
