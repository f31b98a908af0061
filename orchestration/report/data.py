"""Read the published marts for the report: manifest, tables and their columns.

The report reads only the publish folder, never the warehouse, so it shows what
BI tools see. ``marts.duckdb`` is opened read-only.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.publish.publisher import DATABASE_NAME, PUBLISHED_SCHEMA, read_manifest


class ReportDataError(RuntimeError):
    """The publish folder has no complete publish to report on."""


@dataclass(frozen=True)
class PublishedData:
    """The tables of one publish, loaded into pandas, and the manifest that lists them."""

    publish_dir: Path
    manifest: dict
    tables: dict[str, pd.DataFrame]
    # False when the SHA-256 of marts.duckdb differs from the manifest's, which
    # happens when another publish replaced the file after the manifest was read.
    checksum_matches: bool
    notes: list[str] = field(default_factory=list)

    @property
    def version(self) -> int:
        return int(self.manifest["version"])

    @property
    def row_counts(self) -> dict[str, int]:
        return {entry["table"]: int(entry["row_count"]) for entry in self.manifest["tables"]}

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def tables_with_columns(self, *columns: str) -> list[str]:
        """Return the names of the tables that have every one of ``columns``."""
        return sorted(
            name for name, frame in self.tables.items() if set(columns) <= set(frame.columns)
        )


def load_published(publish_dir: str | os.PathLike[str]) -> PublishedData:
    """Load every table listed in the publish folder's manifest from ``marts.duckdb``.

    Raises ``ReportDataError`` when there is no manifest or no ``marts.duckdb``.
    """
    folder = Path(publish_dir)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ReportDataError(f"No manifest.json in {folder}; publish the marts first")
    database = folder / DATABASE_NAME
    if not database.is_file():
        raise ReportDataError(f"{database} not found although {folder}/manifest.json exists")

    checksum_matches = _sha256(database) == manifest.get("database_sha256")
    tables: dict[str, pd.DataFrame] = {}
    # NOTE: each table is loaded whole into memory. At 10M records that took
    # 3,897 MiB (docs/benchmarks.md), so larger marts need the aggregations in SQL.
    with duckdb.connect(str(database), read_only=True) as connection:
        for entry in manifest["tables"]:
            name = entry["table"]
            schema = entry.get("schema", PUBLISHED_SCHEMA)
            tables[name] = connection.execute(f"select * from {_quote(schema)}.{_quote(name)}").df()
    notes = []
    if not checksum_matches:
        notes.append(
            f"The SHA-256 of {database.name} differs from the one in manifest.json, so "
            "another publish replaced the file while the report was being built."
        )
    return PublishedData(folder, manifest, tables, checksum_matches, notes)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
