"""Decide which landing files a partitioned run can skip, from ``raw.parsed_files``.

After each parse, ingest records per file and raw table the file's sha256,
size and modification time, and the days of all its records. It also records
what the parse depended on besides the file: the entry's format and options,
the time zone of the day boundary and the number of erased key hashes.

A run with a partition window skips a file (no parse, no write) when:

- the file was parsed into the same raw table before, and its content is the
  same: equal size and mtime mean the recorded sha256 is trusted, otherwise
  the file is hashed and compared;
- the options, time zone and erased keys are those of the last parse;
- the file's days do not meet the window's days (``reprocess_from`` to
  ``last_day``), or the file has no dated records;
- no record of the file dated on or before ``last_day`` is still waiting for
  a window (``pending_from``), because a parse would quarantine such records as
  too late;
- no rows of an earlier content of the file may remain (``has_stale_rows``).

A parse of such a file would write only its undated rows, which are identical
because the content is unchanged, so skipping leaves the warehouse as a parse
would. A run without a window parses every file.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.landing import LandingEntry
from orchestration.ingest.schema import (
    LANDED_FILES_TABLE,
    PARSED_FILES_COLUMNS,
    PARSED_FILES_TABLE,
    RAW_SCHEMA,
)
from orchestration.partitions import PartitionWindow

PARSED_FILES = f"{RAW_SCHEMA}.{PARSED_FILES_TABLE}"
_COLUMN_NAMES = [name for name, _ in PARSED_FILES_COLUMNS]


@dataclass(frozen=True)
class ParseInputs:
    """What a parse of one file depends on besides the file's own bytes."""

    # NOTE: the adapter code is not part of it, so a release that parses a format
    # differently changes skipped files only after a run without a window.

    options_sha256: str
    timezone: str
    erased_keys: int


@dataclass(frozen=True)
class ParsedFile:
    """One row of ``raw.parsed_files``."""

    _file: str
    target_table: str
    sha256: str
    size_bytes: int
    mtime_ns: int
    options_sha256: str
    timezone: str
    erased_keys: int
    first_day: date | None
    last_day: date | None
    records_dated: int
    records_undated: int
    pending_from: date | None
    has_stale_rows: bool
    parsed_at: datetime

    def inputs_match(self, inputs: ParseInputs) -> bool:
        return (
            self.options_sha256 == inputs.options_sha256
            and self.timezone == inputs.timezone
            and self.erased_keys == inputs.erased_keys
        )

    def is_outside(self, window: PartitionWindow) -> bool:
        """Return True when a parse under `window` would write none of the file's dated rows."""
        if self.has_stale_rows:
            return False
        if self.pending_from is not None and self.pending_from <= window.last_day:
            return False
        if self.first_day is None or self.last_day is None:
            return True
        return self.last_day < window.reprocess_from or self.first_day > window.last_day

    def rows_after(self, window: PartitionWindow) -> int:
        """Return the file's records dated after `window`, when the whole file is after it."""
        if self.first_day is not None and self.first_day > window.last_day:
            return self.records_dated
        return 0


def entry_options_sha256(entry: LandingEntry) -> str:
    """Return a sha256 of the entry's format and options.

    A companion file (for example Zendesk users) counts by its path relative to
    the landing config, its size and its mtime, so that any change to it makes
    the entry's files parse again.
    """
    options: dict[str, object] = {}
    for name, value in sorted(entry.options.items()):
        if isinstance(value, Path):
            try:
                stat = value.stat()
                options[name] = [entry.display_path(value), stat.st_size, stat.st_mtime_ns]
            except OSError:
                # The parse reports the missing companion file; here it only
                # has to differ from any recorded state.
                options[name] = [entry.display_path(value), None, None]
        else:
            options[name] = value
    text = json.dumps({"format": entry.format, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def read_parsed_files(conn: duckdb.DuckDBPyConnection, table_name: str) -> dict[str, ParsedFile]:
    """Return the ledger rows of raw table `table_name` by ``_file``."""
    rows = conn.execute(
        f"SELECT {', '.join(_COLUMN_NAMES)} FROM {PARSED_FILES} WHERE target_table = ?",
        [table_name],
    ).fetchall()
    return {row[0]: ParsedFile(*row) for row in rows}


def record_parse(
    conn: duckdb.DuckDBPyConnection,
    checked: str,
    display: str,
    table_name: str,
    sha256: str,
    stat: os.stat_result,
    inputs: ParseInputs,
    window: PartitionWindow | None,
    previous: ParsedFile | None,
) -> None:
    """Replace the ledger row of `display` after its rows from `checked` were written.

    `checked` is the temp table of every record of the file with its
    ``_partition_date``, and `previous` is the ledger row read before the parse.
    """
    first_day, last_day, records_dated, records_undated = conn.execute(
        f"SELECT min(_partition_date), max(_partition_date), count(_partition_date), "
        f"count(*) - count(_partition_date) FROM {checked}"
    ).fetchone()
    same_state = (
        previous is not None
        and previous.sha256 == sha256
        and previous.options_sha256 == inputs.options_sha256
        and previous.timezone == inputs.timezone
    )
    if window is None:
        pending_from, has_stale_rows = None, False
    else:
        pending_from = _pending_from(conn, checked, window, previous if same_state else None)
        if same_state:
            has_stale_rows = previous.has_stale_rows
        elif previous is not None:
            has_stale_rows = True
        else:
            has_stale_rows = _has_rows_of_other_content(conn, display, table_name, sha256)
    values = [
        display,
        table_name,
        sha256,
        stat.st_size,
        stat.st_mtime_ns,
        inputs.options_sha256,
        inputs.timezone,
        inputs.erased_keys,
        first_day,
        last_day,
        records_dated,
        records_undated,
        pending_from,
        has_stale_rows,
        datetime.now(UTC).replace(tzinfo=None),
    ]
    forget_files(conn, table_name, [display])
    placeholders = ", ".join("?" for _ in _COLUMN_NAMES)
    conn.execute(
        f"INSERT INTO {PARSED_FILES} ({', '.join(_COLUMN_NAMES)}) VALUES ({placeholders})",
        values,
    )


def record_stat(
    conn: duckdb.DuckDBPyConnection, table_name: str, display: str, stat: os.stat_result
) -> None:
    """Store the size and mtime of a file whose hash matched, so the next run trusts them."""
    conn.execute(
        f"UPDATE {PARSED_FILES} SET size_bytes = ?, mtime_ns = ? "
        "WHERE target_table = ? AND _file = ?",
        [stat.st_size, stat.st_mtime_ns, table_name, display],
    )


def forget_files(conn: duckdb.DuckDBPyConnection, table_name: str, files: list[str]) -> None:
    """Delete the ledger rows of `files`, so that the next run parses them."""
    conn.execute(
        f"DELETE FROM {PARSED_FILES} WHERE target_table = ? "
        "AND _file IN (SELECT unnest(?::VARCHAR[]))",
        [table_name, files],
    )


def _pending_from(
    conn: duckdb.DuckDBPyConnection,
    checked: str,
    window: PartitionWindow,
    previous: ParsedFile | None,
) -> date | None:
    """Return the earliest day after `window` whose records no parse has written yet.

    The parse under `window` wrote every record up to its last day: the days
    it reprocesses, and the earlier records that were missing, as too late.
    Without a ledger row of the same content, every later day counts as
    pending.
    """
    if previous is not None and previous.pending_from is None:
        return None
    since = previous.pending_from if previous is not None else None
    row = conn.execute(
        f"SELECT min(_partition_date) FROM {checked} "
        "WHERE _partition_date > ? AND (?::DATE IS NULL OR _partition_date >= ?::DATE)",
        [window.last_day, since, since],
    ).fetchone()
    return row[0] if row else None


def _has_rows_of_other_content(
    conn: duckdb.DuckDBPyConnection, display: str, table_name: str, sha256: str
) -> bool:
    """Return True when ``raw.landed_files`` still has days of `display` from another sha256.

    A warehouse from before ``raw.parsed_files`` existed has no ledger rows,
    so a first windowed parse uses this to distinguish an unchanged file from a
    rewritten one.
    NOTE: a day that received too-late rows of a newer content carries the newer
    sha256 even though rows of the older content remain on it, so this misses that case.
    """
    row = conn.execute(
        f"SELECT count(*) FROM {RAW_SCHEMA}.{LANDED_FILES_TABLE} "
        "WHERE target_table = ? AND _file = ? AND sha256 IS DISTINCT FROM ?",
        [table_name, display, sha256],
    ).fetchone()
    return bool(row and row[0])
