"""Publish the mart tables for BI tools: a DuckDB file, Parquet files and a manifest.

Layout of the publish folder::

    marts.duckdb              replaced whole by each publish, tables in schema main
    manifest.json             version, time, tables with row counts, sha256 of marts.duckdb
    parquet/<version>/<table>.parquet
    parquet/current           symlink to the newest <version> folder

Everything is built under temporary names first. The publish then ends with three
renames (``os.replace``): the DuckDB file, the ``current`` symlink and the manifest.
Each rename is atomic on a POSIX file system, but the three together are not one
transaction, so the manifest goes last and always describes a complete publish.
A failure before the renames leaves the previously published files as they were
and removes the temporary files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)

DATABASE_NAME = "marts.duckdb"
MANIFEST_NAME = "manifest.json"
PARQUET_DIR_NAME = "parquet"
CURRENT_LINK_NAME = "current"
LOCK_NAME = ".publish.lock"
# Temporary names. A file with one of these prefixes found while holding the
# publish lock was left by a publish that crashed, and is removed.
TEMP_DATABASE_PREFIX = f"{DATABASE_NAME}.tmp-"
TEMP_MANIFEST_PREFIX = f".{MANIFEST_NAME}.tmp-"
TEMP_PARQUET_PREFIX = ".tmp-"
TEMP_LINK_PREFIX = f".{CURRENT_LINK_NAME}.tmp-"
DEFAULT_KEEP_VERSIONS = 3
# Schema of the tables in marts.duckdb. Opened directly, the file's catalog is named
# "marts" after the file, so a schema "marts" in it would make ``marts.customers``
# ambiguous (DuckDB 2.0.1 raises a binder error). In "main", both ``customers`` and
# ``marts.customers`` resolve.
PUBLISHED_SCHEMA = "main"

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PublishError(RuntimeError):
    """A publish that could not start or finish; see the message for the step."""


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    table: str
    row_count: int
    parquet_path: Path


@dataclass(frozen=True)
class PublishResult:
    version: int
    # UTC time in ISO 8601, as written to the manifest.
    published_at: str
    database_path: Path
    database_sha256: str
    # The versioned Parquet folder, not the ``current`` symlink.
    parquet_dir: Path
    manifest_path: Path
    tables: list[PublishedTable]
    removed_versions: list[int]

    def to_manifest(self, publish_dir: Path) -> dict:
        return {
            "version": self.version,
            "published_at": self.published_at,
            "database": self.database_path.name,
            "database_sha256": self.database_sha256,
            "duckdb_version": duckdb.__version__,
            "parquet_dir": self.parquet_dir.relative_to(publish_dir).as_posix(),
            "tables": [
                {
                    "source": f"{table.schema}.{table.table}",
                    "schema": PUBLISHED_SCHEMA,
                    "table": table.table,
                    "row_count": table.row_count,
                    "parquet": table.parquet_path.relative_to(publish_dir).as_posix(),
                }
                for table in self.tables
            ],
        }


def publish_marts(
    warehouse_path: str | os.PathLike[str],
    publish_dir: str | os.PathLike[str],
    tables: Sequence[tuple[str, str]],
    keep_versions: int = DEFAULT_KEEP_VERSIONS,
) -> PublishResult:
    """Copy ``tables`` (``(schema, table)`` pairs) from the warehouse into ``publish_dir``.

    The warehouse is attached read-only, so the calling process must not hold a
    read-write connection to it. Concurrent publishes to the same folder wait for
    each other on an exclusive ``flock`` of ``publish_dir/.publish.lock``. Parquet
    folders beyond the newest ``keep_versions`` are removed after the swap.

    Raises ``ValueError`` for an invalid table list, ``FileNotFoundError`` for a
    missing warehouse, ``duckdb.Error`` when a copy fails, and ``PublishError`` when
    the publish folder is in an unexpected state. In every case the previously
    published files are left as they were.
    """
    warehouse = Path(warehouse_path).resolve()
    target = Path(publish_dir).resolve()
    _validate_request(tables, keep_versions)
    if not warehouse.is_file():
        raise FileNotFoundError(f"Warehouse DuckDB file not found: {warehouse}")

    parquet_root = target / PARQUET_DIR_NAME
    parquet_root.mkdir(parents=True, exist_ok=True)
    with _publish_lock(target):
        _remove_stale_temp_files(target)
        current_link = parquet_root / CURRENT_LINK_NAME
        if current_link.exists() and not current_link.is_symlink():
            raise PublishError(
                f"{current_link} exists and is not a symlink; move it away and publish again"
            )
        version = _next_version(target)
        return _publish_version(warehouse, target, list(tables), version, keep_versions)


def _publish_version(
    warehouse: Path,
    target: Path,
    tables: list[tuple[str, str]],
    version: int,
    keep_versions: int,
) -> PublishResult:
    token = f"{version}-{uuid.uuid4().hex[:12]}"
    parquet_root = target / PARQUET_DIR_NAME
    temp_database = target / f"{TEMP_DATABASE_PREFIX}{token}"
    staging_dir = parquet_root / f"{TEMP_PARQUET_PREFIX}{token}"
    version_dir = parquet_root / str(version)
    temp_link = parquet_root / f"{TEMP_LINK_PREFIX}{token}"
    temp_manifest = target / f"{TEMP_MANIFEST_PREFIX}{token}"
    database_path = target / DATABASE_NAME
    manifest_path = target / MANIFEST_NAME

    logger.info(
        "Publishing version %d of %d tables from %s to %s", version, len(tables), warehouse, target
    )
    created_version_dir = False
    try:
        row_counts = _build_database(warehouse, temp_database, staging_dir, tables)
        _fsync_file(temp_database)
        database_sha256 = _sha256(temp_database)
        os.rename(staging_dir, version_dir)
        created_version_dir = True
        result = PublishResult(
            version=version,
            published_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            database_path=database_path,
            database_sha256=database_sha256,
            parquet_dir=version_dir,
            manifest_path=manifest_path,
            tables=[
                PublishedTable(schema, table, count, version_dir / f"{table}.parquet")
                for (schema, table), count in zip(tables, row_counts, strict=True)
            ],
            removed_versions=[],
        )
        os.symlink(str(version), temp_link)
        _write_json(temp_manifest, result.to_manifest(target))
    except BaseException:
        logger.exception("Publishing version %d failed before the swap; cleaning up", version)
        for path in (temp_database, _wal_path(temp_database), temp_link, temp_manifest):
            _remove_quietly(path)
        shutil.rmtree(staging_dir, ignore_errors=True)
        if created_version_dir:
            shutil.rmtree(version_dir, ignore_errors=True)
        raise

    # The swap: three renames, the manifest last.
    os.replace(temp_database, database_path)
    os.replace(temp_link, parquet_root / CURRENT_LINK_NAME)
    os.replace(temp_manifest, manifest_path)
    _fsync_directory(parquet_root)
    _fsync_directory(target)
    logger.info("Published version %d to %s (sha256 %s)", version, database_path, database_sha256)

    removed = _prune_versions(parquet_root, keep_versions, keep=version)
    return replace(result, removed_versions=removed)


def _build_database(
    warehouse: Path, temp_database: Path, staging_dir: Path, tables: list[tuple[str, str]]
) -> list[int]:
    """Copy the tables into a new DuckDB file and export each to Parquet.

    Returns the row count of each table, in the order of ``tables``.
    """
    staging_dir.mkdir()
    row_counts = []
    conn = duckdb.connect(":memory:")
    try:
        conn.execute(f"attach {_quote_literal(str(temp_database))} as target")
        conn.execute(f"attach {_quote_literal(str(warehouse))} as wh (read_only)")
        for schema, table in tables:
            source = f"wh.{_quote_identifier(schema)}.{_quote_identifier(table)}"
            published = f"target.{PUBLISHED_SCHEMA}.{_quote_identifier(table)}"
            conn.execute(f"create table {published} as select * from {source}")
            row_counts.append(conn.execute(f"select count(*) from {published}").fetchone()[0])
            parquet_path = _quote_literal(str(staging_dir / f"{table}.parquet"))
            conn.execute(f"copy {published} to {parquet_path} (format parquet)")
            logger.info("Copied %s.%s: %d rows", schema, table, row_counts[-1])
        conn.execute("detach wh")
        conn.execute("checkpoint target")
        conn.execute("detach target")
    finally:
        conn.close()
    return row_counts


def _validate_request(tables: Sequence[tuple[str, str]], keep_versions: int) -> None:
    if keep_versions < 1:
        raise ValueError(f"keep_versions must be at least 1, got {keep_versions}")
    if not tables:
        raise ValueError("No tables to publish: pass at least one (schema, table) pair")
    seen: set[str] = set()
    for entry in tables:
        if len(entry) != 2:
            raise ValueError(f"Invalid table {entry!r}: expected a (schema, table) pair")
        for name in entry:
            if not isinstance(name, str) or not IDENTIFIER.match(name):
                raise ValueError(
                    f"Invalid name {name!r} in {entry!r}: expected letters, digits and "
                    "underscores, not starting with a digit"
                )
        if entry[1] in seen:
            raise ValueError(
                f"Table name {entry[1]!r} is listed twice, but table names must be unique "
                "because each one names a Parquet file"
            )
        seen.add(entry[1])


@contextmanager
def _publish_lock(target: Path) -> Iterator[None]:
    with open(target / LOCK_NAME, "a") as lock_file:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _next_version(target: Path) -> int:
    """Return one more than the highest version in the manifest or the Parquet folders.

    Both are consulted, so a lost manifest never makes a publish reuse a folder name.
    """
    versions = _parquet_versions(target / PARQUET_DIR_NAME)
    manifest_path = target / MANIFEST_NAME
    if manifest_path.exists():
        try:
            versions.append(int(json.loads(manifest_path.read_text(encoding="utf-8"))["version"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Ignoring unreadable manifest %s: %s", manifest_path, error)
    return max(versions, default=0) + 1


def _parquet_versions(parquet_root: Path) -> list[int]:
    if not parquet_root.is_dir():
        return []
    return [
        int(entry.name)
        for entry in parquet_root.iterdir()
        if entry.name.isdigit() and entry.is_dir() and not entry.is_symlink()
    ]


def _prune_versions(parquet_root: Path, keep_versions: int, keep: int) -> list[int]:
    """Remove Parquet version folders beyond the newest ``keep_versions``.

    The publish has already succeeded, so a folder that cannot be removed is logged
    and left in place.
    """
    versions = sorted(_parquet_versions(parquet_root), reverse=True)
    removed = []
    for version in versions[keep_versions:]:
        if version == keep:
            continue
        try:
            shutil.rmtree(parquet_root / str(version))
        except OSError as error:
            logger.warning("Removing old Parquet version %d failed: %s", version, error)
            continue
        removed.append(version)
    if removed:
        logger.info("Removed old Parquet versions %s", sorted(removed))
    return sorted(removed)


def _remove_stale_temp_files(target: Path) -> None:
    parquet_root = target / PARQUET_DIR_NAME
    candidates = [
        *target.glob(f"{TEMP_DATABASE_PREFIX}*"),
        *target.glob(f"{TEMP_MANIFEST_PREFIX}*"),
        *parquet_root.glob(f"{TEMP_PARQUET_PREFIX}*"),
        *parquet_root.glob(f"{TEMP_LINK_PREFIX}*"),
    ]
    for path in candidates:
        logger.warning("Removing %s, left by an earlier publish that did not finish", path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            _remove_quietly(path)


def _write_json(path: Path, document: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_manifest(publish_dir: str | os.PathLike[str]) -> dict | None:
    """Return the current publish's manifest, or None when nothing is published yet."""
    path = Path(publish_dir) / MANIFEST_NAME
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
