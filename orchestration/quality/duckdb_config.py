"""DuckDB connection settings from the environment, shared with dbt's ``profiles.yml``.

``RIGHTPATH_DUCKDB_MEMORY_LIMIT`` (default ``2GB``; a size, or a share of
physical memory such as ``80%``, DuckDB's own default) caps the memory of one
DuckDB database instance. Queries that need more spill to disk, so the dbt
build at 10M records runs within it (docs/benchmarks.md).
``RIGHTPATH_DUCKDB_TEMP_DIR`` is the folder DuckDB spills to when a query
needs more. Without it DuckDB spills to ``<database file>.tmp``, and a
read-only connection to the published marts file would spill next to that file.
``RIGHTPATH_DUCKDB_THREADS`` sets DuckDB's worker threads (default: one per core).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"


def connection_config() -> dict[str, Any]:
    """Return the ``duckdb.connect`` config that the environment variables set."""
    config: dict[str, Any] = {
        "memory_limit": os.environ.get("RIGHTPATH_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    }
    temp_dir = os.environ.get("RIGHTPATH_DUCKDB_TEMP_DIR")
    if temp_dir:
        config["temp_directory"] = str(Path(temp_dir).expanduser())
    threads = os.environ.get("RIGHTPATH_DUCKDB_THREADS")
    if threads:
        config["threads"] = int(threads)
    return config


def connect_read_only(
    path: str | os.PathLike[str], config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file read-only with ``connection_config()`` under ``config``.

    Raises ``duckdb.IOException`` when the file does not exist, because
    ``duckdb.connect`` would create an empty database there.
    """
    path = Path(path)
    if not path.is_file():
        raise duckdb.IOException(f"DuckDB file not found: {path}")
    merged = {**connection_config(), **(config or {})}
    merged.pop("access_mode", None)
    return duckdb.connect(str(path), read_only=True, config=merged)
