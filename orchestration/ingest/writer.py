"""Write one landing file's checked rows into its raw table, day by day.

Every row gets ``_partition_date``, the day of its table's event column in the
configured time zone. A run with a partition window writes only the rows of
the days it reprocesses, which are its partitions plus the lookback days
before them. In one transaction, it deletes the file's rows of those days from
the raw table, ``raw.quarantine`` and ``raw.landed_files``, then inserts the
new ones. So a re-run of a day replaces that day and never adds to it.

Rows without a day (order lines, or records whose event time is missing or
invalid) are replaced on every run. Rows dated after the window wait for the
run of their day. A row dated before the window that neither the raw table nor
``raw.quarantine`` holds yet (matched by file and line) is too late: it is
quarantined with a reason that names its day, and a run of that day (a
backfill) loads it.

Tests only: when the environment variable ``RIGHTPATH_FAULT_LOSE_RECORD``
names a raw table, the first loadable record of each file of that table is
lost. It is counted in ``records_landed`` but neither loaded nor quarantined,
so the reconciliation check fails as it would for a loader bug that drops
records.
"""

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from orchestration.ingest.adapters.base import ident
from orchestration.ingest.schema import (
    LANDED_FILES_TABLE,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    RawTable,
)
from orchestration.partitions import PartitionWindow

logger = logging.getLogger(__name__)

# Names a raw table whose files lose one record each (see the module docstring).
FAULT_LOSE_RECORD_ENV = "RIGHTPATH_FAULT_LOSE_RECORD"
# Start of the quarantine reason of a too-late row, which the warning check searches for.
TOO_LATE_REASON = "too late"


@dataclass(frozen=True)
class FileWrite:
    """Rows of one file that one ingest wrote or left out."""

    rows_landed: int
    rows_loaded: int
    rows_quarantined: int
    rows_too_late: int  # quarantined because their day is before the window
    rows_after_window: int  # dated after the window, left for a later run


def add_partition_dates(
    conn: duckdb.DuckDBPyConnection, checked: str, table: RawTable, timezone: str
) -> None:
    """Add ``_partition_date`` to the checked temp table: the event's day in `timezone`."""
    conn.execute(f"ALTER TABLE {checked} ADD COLUMN _partition_date DATE")
    if table.event_column is None:
        return
    column = ident(table.event_column)
    if dict(table.columns)[table.event_column] == "DATE":
        conn.execute(f"UPDATE {checked} SET _partition_date = {column}")
        return
    # Raw timestamps are UTC without a zone: read them as UTC, then take the local day.
    conn.execute(
        f"UPDATE {checked} SET _partition_date = "
        f"CAST(timezone(?, timezone('UTC', {column})) AS DATE)",
        [timezone],
    )


def _day_filter(column: str, window: PartitionWindow | None) -> tuple[str, list]:
    """Return SQL and parameters that match the days `window` rewrites, and undated rows."""
    if window is None:
        return "TRUE", []
    return (
        f"({column} IS NULL OR {column} BETWEEN ? AND ?)",
        [window.reprocess_from, window.last_day],
    )


def _select_rows(
    conn: duckdb.DuckDBPyConnection,
    checked: str,
    table: RawTable,
    display: str,
    window: PartitionWindow | None,
) -> tuple[str, int]:
    """Create the temp table of rows to write, and return its name and the rows after the window."""
    selected = f"{checked}_selected"
    in_window, parameters = _day_filter("_partition_date", window)
    if window is None:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {selected} AS SELECT * FROM {checked}")
        return selected, 0
    too_late = (
        f"'{TOO_LATE_REASON}: event day ' || CAST(_partition_date AS VARCHAR) || "
        f"' is before ' || CAST(?::DATE AS VARCHAR) || ', the first day this run reprocesses; "
        "run the partition of that day (a backfill) to load it'"
    )
    # NOTE: rows before the window are matched by file and line, so a landing
    # file rewritten with its earlier lines in another order reports them as too late.
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {selected} AS
        SELECT * FROM {checked} WHERE {in_window}
        UNION ALL
        SELECT * REPLACE (coalesce(_reason, {too_late}) AS _reason)
        FROM {checked} AS c
        WHERE c._partition_date < ?
            AND NOT EXISTS (
                SELECT 1 FROM {RAW_SCHEMA}.{table.name} AS r
                WHERE r._file = ? AND r._line = c._line
            )
            AND NOT EXISTS (
                SELECT 1 FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} AS q
                WHERE q.target_table = ? AND q._file = ? AND q._line = c._line
            )
        """,
        [
            *parameters,
            window.reprocess_from,
            window.reprocess_from,
            display,
            table.name,
            display,
        ],
    )
    after = conn.execute(
        f"SELECT count(*) FROM {checked} WHERE _partition_date > ?", [window.last_day]
    ).fetchone()[0]
    return selected, int(after)


def _counts_by_day(conn: duckdb.DuckDBPyConnection, selected: str) -> dict:
    """Return {day: [landed, loaded, quarantined]} of the selected rows."""
    rows = conn.execute(
        f"SELECT _partition_date, count(*), count(*) FILTER (WHERE _reason IS NULL), "
        f"count(*) FILTER (WHERE _reason IS NOT NULL) FROM {selected} GROUP BY 1"
    ).fetchall()
    return {day: [landed, loaded, quarantined] for day, landed, loaded, quarantined in rows}


def replace_file_rows(
    conn: duckdb.DuckDBPyConnection,
    checked: str,
    table: RawTable,
    display: str,
    format_name: str,
    sha256: str,
    window: PartitionWindow | None,
) -> FileWrite:
    """Replace the rows of file `display` in the window's days, in one transaction."""
    selected, after_window = _select_rows(conn, checked, table, display, window)
    landed = _counts_by_day(conn, selected)
    lost = _lose_record_for_tests(conn, selected, table)
    written = _counts_by_day(conn, selected) if lost else landed
    too_late = conn.execute(
        f"SELECT count(*) FROM {selected} WHERE starts_with(_reason, ?)", [TOO_LATE_REASON]
    ).fetchone()[0]

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    columns = ", ".join(ident(name) for name in table.column_names)
    raw_filter, raw_parameters = _day_filter("_partition_date", window)
    ledger_filter, ledger_parameters = _day_filter("partition_date", window)
    quarantine = f"{RAW_SCHEMA}.{QUARANTINE_TABLE}"
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            f"DELETE FROM {RAW_SCHEMA}.{table.name} WHERE _file = ? AND {raw_filter}",
            [display, *raw_parameters],
        )
        conn.execute(
            f"DELETE FROM {quarantine} WHERE target_table = ? AND _file = ? AND {raw_filter}",
            [table.name, display, *raw_parameters],
        )
        conn.execute(
            f"DELETE FROM {RAW_SCHEMA}.{LANDED_FILES_TABLE} "
            f"WHERE target_table = ? AND _file = ? AND {ledger_filter}",
            [table.name, display, *ledger_parameters],
        )
        conn.execute(
            f"""
            INSERT INTO {RAW_SCHEMA}.{table.name}
                ({columns}, _file, _line, _format, _loaded_at, _partition_date)
            SELECT {columns}, ?, _line, ?, ?, _partition_date
            FROM {selected} WHERE _reason IS NULL ORDER BY _line
            """,
            [display, format_name, loaded_at],
        )
        conn.execute(
            f"""
            INSERT INTO {quarantine}
                (target_table, _file, _line, _format, reason, raw_record, _loaded_at,
                 _partition_date)
            SELECT ?, ?, _line, ?, _reason, _raw_record, ?, _partition_date
            FROM {selected} WHERE _reason IS NOT NULL ORDER BY _line
            """,
            [table.name, display, format_name, loaded_at],
        )
        _add_to_ledger(conn, table, display, format_name, sha256, loaded_at, landed, written)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {selected}")
    return FileWrite(
        rows_landed=sum(counts[0] for counts in landed.values()),
        rows_loaded=sum(counts[1] for counts in written.values()),
        rows_quarantined=sum(counts[2] for counts in written.values()),
        rows_too_late=int(too_late),
        rows_after_window=after_window,
    )


def _add_to_ledger(
    conn: duckdb.DuckDBPyConnection,
    table: RawTable,
    display: str,
    format_name: str,
    sha256: str,
    loaded_at: datetime,
    landed: dict,
    written: dict,
) -> None:
    """Add this write's counts to the file's ``raw.landed_files`` row of each day.

    Days inside the window were deleted just before, so they get new rows. A
    day before the window (too-late rows) can already have a row, which then
    grows by the new counts, so the ledger keeps one row per file and day.
    """
    ledger = f"{RAW_SCHEMA}.{LANDED_FILES_TABLE}"
    # A file with no rows in the window still gets a row, so the ledger lists
    # every file read and its sha256 (copies are found by it).
    for day, (records_landed, _, _) in (landed or {None: [0, 0, 0]}).items():
        _, loaded, quarantined = written.get(day, [0, 0, 0])
        updated = conn.execute(
            f"""
            UPDATE {ledger}
            SET records_landed = records_landed + ?,
                rows_loaded = rows_loaded + ?,
                rows_quarantined = rows_quarantined + ?,
                sha256 = ?, _format = ?, _loaded_at = ?
            WHERE target_table = ? AND _file = ? AND partition_date IS NOT DISTINCT FROM ?
            """,
            [
                records_landed,
                loaded,
                quarantined,
                sha256,
                format_name,
                loaded_at,
                table.name,
                display,
                day,
            ],
        ).fetchone()
        if updated and updated[0]:
            continue
        conn.execute(
            f"""
            INSERT INTO {ledger}
                (_file, _format, target_table, sha256, records_landed, rows_loaded,
                 rows_quarantined, _loaded_at, partition_date)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                display,
                format_name,
                table.name,
                sha256,
                records_landed,
                loaded,
                quarantined,
                loaded_at,
                day,
            ],
        )


def _lose_record_for_tests(conn: duckdb.DuckDBPyConnection, selected: str, table: RawTable) -> int:
    """Delete the first loadable row of `selected` when the fault variable names `table`.

    Returns the number of rows deleted, 0 or 1. See the module docstring.
    """
    if os.environ.get(FAULT_LOSE_RECORD_ENV) != table.name:
        return 0
    row = conn.execute(
        f"DELETE FROM {selected} WHERE _line = "
        f"(SELECT min(_line) FROM {selected} WHERE _reason IS NULL) AND _reason IS NULL"
    ).fetchone()
    lost = int(row[0]) if row else 0
    logger.warning(
        "%s is set to %s: %d record(s) of this file are neither loaded nor quarantined",
        FAULT_LOSE_RECORD_ENV,
        table.name,
        lost,
    )
    return lost
