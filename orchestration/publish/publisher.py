"""Publish the mart tables for BI tools: a DuckDB file, Parquet files and a manifest.

Layout of the publish folder::

    marts.duckdb              symlink to parquet/current/marts.duckdb
    manifest.json             symlink to parquet/current/manifest.json
    parquet/<version>/        one complete publish:
        marts.duckdb          the tables in schema main
        <table>.parquet
        manifest.json         version, time, tables with row counts, sha256 of marts.duckdb
    parquet/current           symlink to the newest <version> folder

Each publish builds a complete version folder under a temporary name, renames
it to its version number and then switches ``parquet/current`` to it with one
``os.replace`` of a symlink. That rename is the only step that changes what
readers see, and it is atomic on a POSIX file system, so a reader that opens
``marts.duckdb``, ``manifest.json`` or ``parquet/current`` sees one whole
version, the previous or the new one, even when the publishing process is
killed at any point. A failure before the switch removes the new version's
files and leaves the published version as it was.

A reader's open connection keeps the file it opened: a publish never writes
into a published file, and a pruned version's files stay readable through
descriptors that are still open (POSIX unlink semantics).

Columns listed in ``orchestration.privacy.pii.PII_COLUMNS`` are published as
salted SHA-256 hashes, or as NULL when ``RIGHTPATH_PII_SALT`` is unset.

``RIGHTPATH_PUBLISH_PAUSE_SECONDS`` makes a publish sleep that many seconds
after the new version folder is complete and before the switch. Crash tests
use it to kill a publish at a known point; leave it unset otherwise.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.privacy.pii import HASHED, PII_COLUMNS, PII_SALT_ENV, WITHHELD, pii_salt

logger = logging.getLogger(__name__)

DATABASE_NAME = "marts.duckdb"
MANIFEST_NAME = "manifest.json"
PARQUET_DIR_NAME = "parquet"
CURRENT_LINK_NAME = "current"
LOCK_NAME = ".publish.lock"
PAUSE_ENV = "RIGHTPATH_PUBLISH_PAUSE_SECONDS"
# Temporary names. A file with one of these prefixes found while holding the
# publish lock was left by a publish that crashed, and is removed. The database
# and manifest prefixes are those of the layout before version folders held the
# DuckDB file, so leftovers of that layout are removed too.
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
    # Table -> PII column -> "sha256_salted" or "withheld".
    pii_columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_manifest(self, publish_dir: Path) -> dict:
        return {
            "version": self.version,
            "published_at": self.published_at,
            "database": self.database_path.name,
            "database_sha256": self.database_sha256,
            "duckdb_version": duckdb.__version__,
            "parquet_dir": self.parquet_dir.relative_to(publish_dir).as_posix(),
            "pii_columns": self.pii_columns,
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
    pii_columns: Mapping[str, tuple[str, ...]] = PII_COLUMNS,
) -> PublishResult:
    """Copy ``tables`` (``(schema, table)`` pairs) from the warehouse into ``publish_dir``.

    The warehouse is attached read-only, so the calling process must not hold a
    read-write connection to it. Concurrent publishes to the same folder wait for
    each other on an exclusive ``flock`` of ``publish_dir/.publish.lock``. Parquet
    folders beyond the newest ``keep_versions`` are removed after the swap.
    ``pii_columns`` maps a table name to its columns that are hashed or withheld.

    Raises ``ValueError`` for an invalid table list, ``FileNotFoundError`` for a
    missing warehouse, ``PiiSaltError`` for a salt that is too short,
    ``duckdb.Error`` or ``OSError`` when a copy fails (a full disk included), and
    ``PublishError`` when the publish folder is in an unexpected state. In every
    case the previously published files are left as they were.
    """
    warehouse = Path(warehouse_path).resolve()
    target = Path(publish_dir).resolve()
    _validate_request(tables, keep_versions)
    salt = pii_salt()
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
        return _publish_version(
            warehouse, target, list(tables), version, keep_versions, salt, pii_columns
        )


def _publish_version(
    warehouse: Path,
    target: Path,
    tables: list[tuple[str, str]],
    version: int,
    keep_versions: int,
    salt: str | None,
    pii_columns: Mapping[str, tuple[str, ...]],
) -> PublishResult:
    token = f"{version}-{uuid.uuid4().hex[:12]}"
    parquet_root = target / PARQUET_DIR_NAME
    staging_dir = parquet_root / f"{TEMP_PARQUET_PREFIX}{token}"
    version_dir = parquet_root / str(version)
    temp_link = parquet_root / f"{TEMP_LINK_PREFIX}{token}"

    logger.info(
        "Publishing version %d of %d tables from %s to %s", version, len(tables), warehouse, target
    )
    if salt is None:
        logger.warning(
            "%s is not set, so the personal-identifier columns %s are published as NULL; "
            "set it to publish them as salted SHA-256 hashes",
            PII_SALT_ENV,
            _describe_columns(tables, pii_columns),
        )
    created_version_dir = False
    try:
        staging_dir.mkdir()
        row_counts, pii_modes = _build_database(warehouse, staging_dir, tables, salt, pii_columns)
        staged_database = staging_dir / DATABASE_NAME
        _fsync_file(staged_database)
        result = PublishResult(
            version=version,
            published_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            database_path=target / DATABASE_NAME,
            database_sha256=_sha256(staged_database),
            parquet_dir=version_dir,
            manifest_path=target / MANIFEST_NAME,
            tables=[
                PublishedTable(schema, table, count, version_dir / f"{table}.parquet")
                for (schema, table), count in zip(tables, row_counts, strict=True)
            ],
            removed_versions=[],
            pii_columns=pii_modes,
        )
        _write_json(staging_dir / MANIFEST_NAME, result.to_manifest(target))
        _fsync_directory(staging_dir)
        os.rename(staging_dir, version_dir)
        created_version_dir = True
        os.symlink(str(version), temp_link)
        _pause_before_switch(version)
    except BaseException:
        logger.exception("Publishing version %d failed before the switch; cleaning up", version)
        _remove_quietly(temp_link)
        shutil.rmtree(staging_dir, ignore_errors=True)
        if created_version_dir:
            shutil.rmtree(version_dir, ignore_errors=True)
        raise

    # The switch: one atomic rename of the `current` symlink.
    os.replace(temp_link, parquet_root / CURRENT_LINK_NAME)
    _fsync_directory(parquet_root)
    _ensure_top_level_links(target)
    logger.info(
        "Published version %d to %s (sha256 %s)", version, version_dir, result.database_sha256
    )

    removed = _prune_versions(parquet_root, keep_versions, keep=version)
    return replace(result, removed_versions=removed)


def _pause_before_switch(version: int) -> None:
    pause = os.environ.get(PAUSE_ENV, "")
    if not pause:
        return
    seconds = float(pause)
    logger.warning(
        "%s is set: pausing %.1f s before switching to version %d", PAUSE_ENV, seconds, version
    )
    time.sleep(seconds)


def _ensure_top_level_links(target: Path) -> None:
    """Point ``marts.duckdb`` and ``manifest.json`` through ``parquet/current``.

    After the first publish the links exist and nothing changes. A regular file
    left by the layout before version folders held the DuckDB file is replaced
    by the link atomically.
    """
    for name in (DATABASE_NAME, MANIFEST_NAME):
        link = target / name
        link_target = f"{PARQUET_DIR_NAME}/{CURRENT_LINK_NAME}/{name}"
        if link.is_symlink() and os.readlink(link) == link_target:
            continue
        temp_link = target / f".{name}.link-{uuid.uuid4().hex[:12]}"
        os.symlink(link_target, temp_link)
        os.replace(temp_link, link)
    _fsync_directory(target)


def _describe_columns(
    tables: Sequence[tuple[str, str]], pii_columns: Mapping[str, tuple[str, ...]]
) -> str:
    names = [f"{table}.{column}" for _, table in tables for column in pii_columns.get(table, ())]
    return ", ".join(names) if names else "(none)"


def _build_database(
    warehouse: Path,
    staging_dir: Path,
    tables: list[tuple[str, str]],
    salt: str | None,
    pii_columns: Mapping[str, tuple[str, ...]],
) -> tuple[list[int], dict[str, dict[str, str]]]:
    """Copy the tables into ``staging_dir/marts.duckdb`` and export each to Parquet.

    Returns the row count of each table, in the order of ``tables``, and for
    each table with personal-identifier columns how each was published.
    """
    row_counts = []
    pii_modes: dict[str, dict[str, str]] = {}
    database = staging_dir / DATABASE_NAME
    conn = duckdb.connect(":memory:")
    try:
        conn.execute(f"attach {_quote_literal(str(database))} as target")
        conn.execute(f"attach {_quote_literal(str(warehouse))} as wh (read_only)")
        for schema, table in tables:
            source = f"wh.{_quote_identifier(schema)}.{_quote_identifier(table)}"
            published = f"target.{PUBLISHED_SCHEMA}.{_quote_identifier(table)}"
            columns = _existing_pii_columns(conn, schema, table, pii_columns.get(table, ()))
            conn.execute(
                f"create table {published} as {_select_with_pii(source, columns, salt)}",
                [salt] * len(columns) if salt is not None else [],
            )
            if columns:
                pii_modes[table] = {c: HASHED if salt is not None else WITHHELD for c in columns}
            row_counts.append(conn.execute(f"select count(*) from {published}").fetchone()[0])
            parquet_path = _quote_literal(str(staging_dir / f"{table}.parquet"))
            conn.execute(f"copy {published} to {parquet_path} (format parquet)")
            logger.info("Copied %s.%s: %d rows", schema, table, row_counts[-1])
        conn.execute("detach wh")
        conn.execute("checkpoint target")
        conn.execute("detach target")
    finally:
        conn.close()
    return row_counts, pii_modes


def _existing_pii_columns(
    conn: duckdb.DuckDBPyConnection, schema: str, table: str, configured: tuple[str, ...]
) -> list[str]:
    """Return the configured PII columns of a warehouse table, failing on a missing one.

    A configured column that the table lacks means the configuration no longer
    matches the mart, and publishing anyway could expose a renamed column.
    """
    if not configured:
        return []
    present = {
        row[0]
        for row in conn.execute(
            "select column_name from duckdb_columns() "
            "where database_name = 'wh' and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    missing = [column for column in configured if column not in present]
    if missing:
        raise PublishError(
            f"{schema}.{table} has no column(s) {', '.join(missing)}, which PII_COLUMNS in "
            "orchestration/privacy/pii.py lists as personal identifiers; update that list "
            "to the mart's current column names"
        )
    return list(configured)


def _select_with_pii(source: str, columns: list[str], salt: str | None) -> str:
    """Return a SELECT of ``source`` with each of ``columns`` hashed with ``?`` or set NULL."""
    if not columns:
        return f"select * from {source}"
    if salt is None:
        replacements = [f"null::varchar as {_quote_identifier(c)}" for c in columns]
    else:
        replacements = [
            f"sha256(? || cast({_quote_identifier(c)} as varchar)) as {_quote_identifier(c)}"
            for c in columns
        ]
    return f"select * replace ({', '.join(replacements)}) from {source}"


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
    """Remove temporary files and unswitched version folders of publishes that crashed."""
    parquet_root = target / PARQUET_DIR_NAME
    candidates = [
        *target.glob(f"{TEMP_DATABASE_PREFIX}*"),
        *target.glob(f"{TEMP_MANIFEST_PREFIX}*"),
        *target.glob(f".{DATABASE_NAME}.link-*"),
        *target.glob(f".{MANIFEST_NAME}.link-*"),
        *parquet_root.glob(f"{TEMP_PARQUET_PREFIX}*"),
        *parquet_root.glob(f"{TEMP_LINK_PREFIX}*"),
    ]
    # A version folder newer than `current` was renamed into place by a publish
    # that died before the switch, so no reader has ever been shown it.
    current = _current_version(parquet_root)
    if current is not None:
        candidates += [
            parquet_root / str(version)
            for version in _parquet_versions(parquet_root)
            if version > current
        ]
    for path in candidates:
        logger.warning("Removing %s, left by an earlier publish that did not finish", path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            _remove_quietly(path)


def _current_version(parquet_root: Path) -> int | None:
    link = parquet_root / CURRENT_LINK_NAME
    if not link.is_symlink():
        return None
    name = os.readlink(link)
    return int(name) if name.isdigit() else None


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
