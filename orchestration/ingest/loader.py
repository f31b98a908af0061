"""Load landing files into the raw tables, quarantining records that cannot be loaded.

For each landing file that writes a raw table, the file's adapter stages its
records. This module casts and checks them against the table contract in
``schema.py``. Then, in one transaction, it replaces the file's earlier rows
in the raw table, ``raw.quarantine`` and ``raw.landed_files``. Re-ingesting a file
therefore replaces its rows instead of adding to them, and for every file
``records_landed = rows_loaded + rows_quarantined``.

A record is quarantined, with a reason naming the field and value, when the
adapter could not parse it (invalid JSON, a CSV row DuckDB rejects, a record
of another channel), when a required column is missing or empty, or when a
timestamp or number does not parse. Duplicate records are loaded as they are,
and dbt staging keeps one row per event id.

A record of a person erased with ``python -m orchestration.privacy.erase``
is quarantined with reason ``erased`` and no raw text; see
``orchestration/privacy/suppression.py``.

A landing file with columns (CSV) or top-level JSON keys that no raw table
written from it reads is loaded, and those fields are returned in
``FileIngest.unmapped_columns`` and logged as a warning.

A file whose content (sha256) equals that of another file already loaded
into the same raw table, under another name, is a copy. It is logged and
returned with ``duplicate_of`` set, and nothing of it is loaded. Rows that
an earlier ingest loaded under the copy's name are removed.

A file that cannot be read at all (missing, unreadable, not valid for its
format, or without a required header column) is logged and returned as an
error in the result. Nothing is written for it and its rows from an earlier
ingest stay; the other files still load.

Rows of files that the landing config no longer lists stay until
``remove_unlisted_files`` removes them.

Given a partition window, only the rows of the days the window reprocesses
are replaced. Rows dated before it that are not loaded yet are quarantined as
too late. ``orchestration/ingest/writer.py`` describes these rules and the
``RIGHTPATH_FAULT_LOSE_RECORD`` fault that tests set. A file that is unchanged
since its last parse and has no records to write in the window is skipped:
it is returned with ``skipped`` set and nothing of it is read or written
(``orchestration/ingest/parse_ledger.py`` lists the conditions).
"""

import csv
import hashlib
import itertools
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.adapters import ADAPTERS, AdapterError, StageRequest
from orchestration.ingest.adapters.base import (
    FieldReads,
    ident,
    track_field_reads,
    utc_timestamp_sql,
)
from orchestration.ingest.landing import LandingConfig, LandingEntry
from orchestration.ingest.parse_ledger import (
    ParsedFile,
    ParseInputs,
    entry_options_sha256,
    forget_files,
    read_parsed_files,
    record_parse,
    record_stat,
)
from orchestration.ingest.schema import (
    LANDED_FILES_COLUMNS,
    LANDED_FILES_TABLE,
    LINEAGE_COLUMNS,
    PARSED_FILES_COLUMNS,
    PARSED_FILES_TABLE,
    QUARANTINE_COLUMNS,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    RAW_TABLES,
    RawTable,
    create_table_sql,
)
from orchestration.ingest.writer import (
    FAULT_LOSE_RECORD_ENV,
    add_partition_dates,
    replace_file_rows,
)
from orchestration.partitions import PartitionWindow
from orchestration.privacy.suppression import erased_key_count, mark_erased_rows

logger = logging.getLogger(__name__)

# Maximum length, in grapheme clusters, of a value quoted in a quarantine reason.
REASON_VALUE_CHARS = 200
__all__ = [
    "FAULT_LOSE_RECORD_ENV",
    "ingest_all",
    "ingest_table",
    "remove_unlisted_files",
]
_stage_numbers = itertools.count(1)


@dataclass(frozen=True)
class FileIngest:
    """Outcome of loading one landing file into one raw table."""

    file: str  # path relative to the landing config folder, as stored in `_file`
    format: str
    entry: str  # the config entry, e.g. "sources[2] (path 'web/*.jsonl')"
    records_landed: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None  # set when the file could not be read; nothing was written
    # The file already loaded with the same sha256, when this file is a copy of it.
    duplicate_of: str | None = None
    # CSV columns or top-level JSON keys of the file that no raw table reads from it.
    unmapped_columns: tuple[str, ...] = ()
    rows_erased: int = 0  # records of erased people, counted in rows_quarantined
    rows_too_late: int = 0  # dated before the window; counted in rows_quarantined
    rows_after_window: int = 0  # dated after the window, left for a later run
    # True when the file is unchanged since its last parse and has no records to
    # write in the window, so it was not parsed and its rows stay as they were.
    # The counts above are then 0, except rows_after_window.
    skipped: bool = False


@dataclass(frozen=True)
class IngestResult:
    """Outcome of loading every landing file of one raw table."""

    table: str
    files: tuple[FileIngest, ...]

    @property
    def files_read(self) -> int:
        return sum(
            1
            for file in self.files
            if file.error is None and file.duplicate_of is None and not file.skipped
        )

    @property
    def files_skipped(self) -> int:
        return sum(1 for file in self.files if file.skipped)

    @property
    def rows_loaded(self) -> int:
        return sum(file.rows_loaded for file in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(file.rows_quarantined for file in self.files)

    @property
    def errors(self) -> list[str]:
        return [file.error for file in self.files if file.error is not None]

    @property
    def duplicates(self) -> list[FileIngest]:
        return [file for file in self.files if file.duplicate_of is not None]

    @property
    def unmapped_columns(self) -> dict[str, list[str]]:
        """Return the unmapped columns by file, for files that have any."""
        return {
            file.file: list(file.unmapped_columns) for file in self.files if file.unmapped_columns
        }

    @property
    def rows_erased(self) -> int:
        return sum(file.rows_erased for file in self.files)

    @property
    def rows_too_late(self) -> int:
        return sum(file.rows_too_late for file in self.files)

    @property
    def rows_after_window(self) -> int:
        return sum(file.rows_after_window for file in self.files)


def ensure_raw_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, every raw table, quarantine, landed_files and parsed_files if absent.

    A raw table created by an older contract gets the columns added since, as
    NULL for its existing rows, because inserts name their columns.
    """
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    tables = [(table.name, table.columns + LINEAGE_COLUMNS) for table in RAW_TABLES.values()]
    tables += [
        (QUARANTINE_TABLE, QUARANTINE_COLUMNS),
        (LANDED_FILES_TABLE, LANDED_FILES_COLUMNS),
        (PARSED_FILES_TABLE, PARSED_FILES_COLUMNS),
    ]
    for table_name, columns in tables:
        conn.execute(create_table_sql(table_name, columns))
        for name, sql_type in columns:
            conn.execute(
                f"ALTER TABLE {RAW_SCHEMA}.{table_name} "
                f"ADD COLUMN IF NOT EXISTS {ident(name)} {sql_type}"
            )


def ingest_table(
    conn: duckdb.DuckDBPyConnection,
    config: LandingConfig,
    table_name: str,
    window: PartitionWindow | None = None,
    timezone: str = "UTC",
) -> IngestResult:
    """Load every landing file that writes raw table `table_name`; see the module docstring.

    `window` limits the write to the days it reprocesses (None: every day).
    `timezone` sets the day boundary of each row's ``_partition_date`` unless a
    window is given, because a window brings its own time zone.
    """
    if window is not None:
        timezone = window.timezone
    table = RAW_TABLES.get(table_name)
    if table is None:
        known = ", ".join(sorted(RAW_TABLES))
        raise KeyError(f"unknown raw table '{table_name}'; the raw tables are: {known}")
    ensure_raw_tables(conn)

    work = [
        (entry, path)
        for entry in config.entries_for_table(table_name)
        for path in ADAPTERS[entry.format].files_for(entry, table_name)
    ]
    logger.info(
        "Ingesting %s.%s from %d landing file(s) listed in %s",
        RAW_SCHEMA,
        table_name,
        len(work),
        config.path,
    )
    parsed = read_parsed_files(conn, table_name)
    erased_keys = erased_key_count(conn)
    inputs = {
        entry.label: ParseInputs(entry_options_sha256(entry), timezone, erased_keys)
        for entry in config.entries_for_table(table_name)
    }
    results = tuple(
        _ingest_file(
            conn,
            _FileTask(entry, path, inputs[entry.label], parsed.get(entry.display_path(path))),
            table,
            window,
            timezone,
        )
        for entry, path in work
    )
    result = IngestResult(table=table_name, files=results)
    logger.info(
        "Ingested %s.%s: %d file(s) read, %d skipped as unchanged and outside the window, "
        "%d row(s) loaded, %d quarantined, %d file error(s)",
        RAW_SCHEMA,
        table_name,
        result.files_read,
        result.files_skipped,
        result.rows_loaded,
        result.rows_quarantined,
        len(result.errors),
    )
    return result


def remove_unlisted_files(
    conn: duckdb.DuckDBPyConnection, config: LandingConfig, table_name: str
) -> int:
    """Delete rows of `table_name` that came from files `config` no longer lists.

    Removes them from the raw table, ``raw.quarantine``, ``raw.landed_files``
    and ``raw.parsed_files`` in one transaction, and returns the number of
    raw-table rows removed.
    A listed file that failed to load keeps its earlier rows.
    """
    if table_name not in RAW_TABLES:
        known = ", ".join(sorted(RAW_TABLES))
        raise KeyError(f"unknown raw table '{table_name}'; the raw tables are: {known}")
    ensure_raw_tables(conn)
    listed = sorted(
        {
            entry.display_path(path)
            for entry in config.entries_for_table(table_name)
            for path in ADAPTERS[entry.format].files_for(entry, table_name)
        }
    )
    unlisted = "_file NOT IN (SELECT unnest(?::VARCHAR[]))"
    raw_table = f"{RAW_SCHEMA}.{table_name}"
    conn.execute("BEGIN TRANSACTION")
    try:
        removed = conn.execute(f"DELETE FROM {raw_table} WHERE {unlisted}", [listed]).fetchone()
        quarantined = conn.execute(
            f"DELETE FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} WHERE target_table = ? AND {unlisted}",
            [table_name, listed],
        ).fetchone()
        for ledger in (LANDED_FILES_TABLE, PARSED_FILES_TABLE):
            conn.execute(
                f"DELETE FROM {RAW_SCHEMA}.{ledger} WHERE target_table = ? AND {unlisted}",
                [table_name, listed],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    removed_rows = int(removed[0]) if removed else 0
    removed_quarantined = int(quarantined[0]) if quarantined else 0
    if removed_rows or removed_quarantined:
        logger.info(
            "Removed %d row(s) and %d quarantined record(s) of %s.%s whose files the "
            "landing config %s no longer lists",
            removed_rows,
            removed_quarantined,
            RAW_SCHEMA,
            table_name,
            config.path,
        )
    return removed_rows


def ingest_all(conn: duckdb.DuckDBPyConnection, config: LandingConfig) -> dict[str, IngestResult]:
    """Run `ingest_table` for every raw table, in the order schema.py lists them."""
    return {name: ingest_table(conn, config, name) for name in RAW_TABLES}


@dataclass(frozen=True)
class _FileTask:
    """One landing file to ingest, with its ledger row from the last parse."""

    entry: LandingEntry
    path: Path
    inputs: ParseInputs
    previous: ParsedFile | None


def _ingest_file(
    conn: duckdb.DuckDBPyConnection,
    task: _FileTask,
    table: RawTable,
    window: PartitionWindow | None,
    timezone: str,
) -> FileIngest:
    entry, path, previous = task.entry, task.path, task.previous
    display = entry.display_path(path)
    stage_table = f"_rp_stage_{next(_stage_numbers)}"
    try:
        stat = path.stat()
        if previous is not None and (previous.size_bytes, previous.mtime_ns) == (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            sha256 = previous.sha256
        else:
            sha256 = _sha256(path)
        if window is not None and _can_skip(previous, sha256, task.inputs, window):
            if (previous.size_bytes, previous.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                record_stat(conn, table.name, display, stat)
            return FileIngest(
                file=display,
                format=entry.format,
                entry=entry.label,
                rows_after_window=previous.rows_after(window),
                skipped=True,
            )
        original = _file_with_content(conn, table, sha256, display)
        if original is not None:
            return _skip_copy(conn, entry, table, display, original)
        with track_field_reads() as reads:
            ADAPTERS[entry.format].stage(StageRequest(conn, entry, path, table.name, stage_table))
        unmapped = _unmapped_columns(conn, entry, path, table, reads)
        checked = _check_stage(conn, stage_table, table)
        erased = mark_erased_rows(conn, checked, table.name)
        add_partition_dates(conn, checked, table, timezone)
        written = replace_file_rows(conn, checked, table, display, entry.format, sha256, window)
        record_parse(
            conn, checked, display, table.name, sha256, stat, task.inputs, window, previous
        )
    except (AdapterError, OSError, duckdb.IOException, duckdb.InvalidInputException) as error:
        message = f"{entry.label}: {display}: {error}"
        logger.error("Skipped landing file for %s.%s: %s", RAW_SCHEMA, table.name, message)
        return FileIngest(file=display, format=entry.format, entry=entry.label, error=message)
    finally:
        _drop_stage_tables(conn, stage_table)

    loaded, quarantined = written.rows_loaded, written.rows_quarantined
    if written.rows_too_late:
        logger.warning(
            "%s -> %s.%s: %d row(s) dated before %s, the first day this run reprocesses, "
            "are quarantined as too late; run the partitions of their days to load them",
            display,
            RAW_SCHEMA,
            table.name,
            written.rows_too_late,
            window.reprocess_from if window else None,
        )
    if loaded + quarantined == 0 and not written.rows_after_window:
        logger.warning(
            "%s -> %s.%s: the file contains no records (empty, or a CSV header only)",
            display,
            RAW_SCHEMA,
            table.name,
        )
    if unmapped:
        logger.warning(
            "%s: %s has column(s) that %s does not map, so they are not loaded: %s",
            entry.label,
            display,
            entry.format,
            ", ".join(unmapped),
        )
    log = logger.warning if quarantined else logger.info
    log(
        "%s -> %s.%s: %d row(s) loaded, %d quarantined (%d of an erased person)",
        display,
        RAW_SCHEMA,
        table.name,
        loaded,
        quarantined,
        erased,
    )
    return FileIngest(
        file=display,
        format=entry.format,
        entry=entry.label,
        records_landed=written.rows_landed,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        unmapped_columns=tuple(unmapped),
        rows_erased=erased,
        rows_too_late=written.rows_too_late,
        rows_after_window=written.rows_after_window,
    )


def _can_skip(
    previous: ParsedFile | None, sha256: str, inputs: ParseInputs, window: PartitionWindow
) -> bool:
    """Return True when a parse under `window` would change nothing; see parse_ledger.py."""
    return (
        previous is not None
        and previous.sha256 == sha256
        and previous.inputs_match(inputs)
        and previous.is_outside(window)
    )


def _unmapped_columns(
    conn: duckdb.DuckDBPyConnection,
    entry: LandingEntry,
    path: Path,
    table: RawTable,
    reads: FieldReads,
) -> list[str]:
    """Return the fields of `path` that no raw table written from this file reads.

    An adapter may write several raw tables from one CSV file (Shopify orders
    and order lines). The columns the other tables read depend only on the
    header, so the adapter stages each other table from a header-only copy.
    """
    unmapped = reads.unmapped()
    if not unmapped or reads.header is None:
        return unmapped
    adapter = ADAPTERS[entry.format]
    siblings = [
        name
        for name in adapter.tables
        if name != table.name and path in adapter.files_for(entry, name)
    ]
    if not siblings:
        return unmapped
    python_encoding = "utf-8" if entry.encoding == "utf-8" else entry.encoding
    with tempfile.TemporaryDirectory(prefix="rightpath-header-") as folder:
        header_only = Path(folder) / "header.csv"
        with header_only.open("w", encoding=python_encoding, newline="") as handle:
            csv.writer(handle).writerow(reads.fields or [])
        for sibling in siblings:
            stage_table = f"_rp_stage_{next(_stage_numbers)}"
            try:
                with track_field_reads() as sibling_reads:
                    adapter.stage(StageRequest(conn, entry, header_only, sibling, stage_table))
            except AdapterError:
                # That table cannot load this file, e.g. a required column is missing.
                continue
            finally:
                _drop_stage_tables(conn, stage_table)
            unmapped = [name for name in unmapped if name not in sibling_reads.read]
    return unmapped


def _file_with_content(
    conn: duckdb.DuckDBPyConnection, table: RawTable, sha256: str, display: str
) -> str | None:
    """Return another file already loaded into `table` whose content hash is `sha256`."""
    row = conn.execute(
        f"SELECT min(_file) FROM {RAW_SCHEMA}.{LANDED_FILES_TABLE} "
        "WHERE target_table = ? AND sha256 = ? AND _file <> ?",
        [table.name, sha256, display],
    ).fetchone()
    return row[0] if row else None


def _skip_copy(
    conn: duckdb.DuckDBPyConnection,
    entry: LandingEntry,
    table: RawTable,
    display: str,
    original: str,
) -> FileIngest:
    """Record that `display` repeats `original` and remove rows loaded earlier under `display`."""
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"DELETE FROM {RAW_SCHEMA}.{table.name} WHERE _file = ?", [display])
        for relation in (QUARANTINE_TABLE, LANDED_FILES_TABLE):
            conn.execute(
                f"DELETE FROM {RAW_SCHEMA}.{relation} WHERE _file = ? AND target_table = ?",
                [display, table.name],
            )
        forget_files(conn, table.name, [display])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    logger.warning(
        "%s: %s has the same content (sha256) as %s, which is already loaded into %s.%s; "
        "the copy is not loaded",
        entry.label,
        display,
        original,
        RAW_SCHEMA,
        table.name,
    )
    return FileIngest(file=display, format=entry.format, entry=entry.label, duplicate_of=original)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quoted_value(text: str) -> str:
    """Return SQL that renders the text expression `text` quoted and shortened for a reason.

    ``left_grapheme`` cuts between user-perceived characters, so an emoji
    sequence or a letter with combining marks is never split.
    """
    return f"'''' || left_grapheme({text}, {REASON_VALUE_CHARS}) || ''''"


def _check_stage(conn: duckdb.DuckDBPyConnection, stage_table: str, table: RawTable) -> str:
    """Cast the stage table to the raw table's types and set ``_reason`` for rows that fail.

    Returns the name of the checked temp table: the raw table's columns plus
    ``_line``, ``_raw_record`` and ``_reason``.
    """
    stage_types = {
        name: sql_type
        for name, sql_type in conn.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE {stage_table})"
        ).fetchall()
    }
    for name in ("_line", "_raw_record", "_reason"):
        if name not in stage_types:
            raise RuntimeError(f"stage table {stage_table} has no {name} column")

    select_items: list[str] = []
    checks: list[str] = []
    for name, sql_type in table.columns:
        items, column_checks = _column_check(name, sql_type, stage_types, name in table.required)
        select_items.extend(items)
        checks.extend(column_checks)

    checked = f"{stage_table}_checked"
    reasons = "concat_ws('; ', " + ", ".join(checks) + ")" if checks else "''"
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {checked} AS
        WITH typed AS (
            SELECT _line, _raw_record, _reason AS adapter_reason, {", ".join(select_items)}
            FROM {stage_table} AS s
        )
        SELECT * EXCLUDE (adapter_reason),
               coalesce(adapter_reason, nullif({reasons}, '')) AS _reason
        FROM typed
        """
    )
    return checked


def _column_check(
    name: str, sql_type: str, stage_types: dict[str, str], required: bool
) -> tuple[list[str], list[str]]:
    """Return the select items that type column `name`, and the checks on them.

    The select items read the stage table as ``s``. The checks read the typed
    row and each yields a reason or NULL.
    """
    column = ident(name)
    missing = f"'{name} is missing or empty'"
    stage_type = stage_types.get(name)
    if stage_type is None:
        return [f"NULL::{sql_type} AS {column}"], [missing] if required else []

    if sql_type == "TIMESTAMP":
        return _timestamp_check(name, stage_type, stage_types, required)

    if sql_type == "VARCHAR":
        text = f"CAST(s.{column} AS VARCHAR)"
        item = f"CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END AS {column}"
        checks = [f"CASE WHEN {column} IS NULL THEN {missing} END"] if required else []
        return [item], checks

    if stage_type == sql_type:
        checks = [f"CASE WHEN {column} IS NULL THEN {missing} END"] if required else []
        return [f"s.{column} AS {column}"], checks

    # A typed column staged as text (or as another type) is cast here. The
    # source text rides along in a helper column so a failed cast can name it.
    source = ident(f"_source_{name}")
    items = [
        f"nullif(trim(CAST(s.{column} AS VARCHAR)), '') AS {source}",
        f"try_cast(nullif(trim(CAST(s.{column} AS VARCHAR)), '') AS {sql_type}) AS {column}",
    ]
    checks = [
        f"CASE WHEN {source} IS NOT NULL AND {column} IS NULL "
        f"THEN '{name}: invalid {sql_type} value ' || {_quoted_value(source)} END"
    ]
    if required:
        checks.append(f"CASE WHEN {source} IS NULL THEN {missing} END")
    return items, checks


def _timestamp_check(
    name: str, stage_type: str, stage_types: dict[str, str], required: bool
) -> tuple[list[str], list[str]]:
    column = ident(name)
    missing = f"'{name} is missing or empty'"
    if stage_type == "TIMESTAMP":
        value = f"s.{column}"
    elif stage_type == "TIMESTAMP WITH TIME ZONE":
        value = f"timezone('UTC', s.{column})"
    else:
        value = utc_timestamp_sql(f"CAST(s.{column} AS VARCHAR)")

    raw_name = f"{name}_raw"
    if raw_name not in stage_types:
        checks = [f"CASE WHEN {column} IS NULL THEN {missing} END"] if required else []
        return [f"{value} AS {column}"], checks

    # The *_raw column is the text the adapter parsed: text that is present
    # but gives no timestamp is invalid, absent text is missing.
    raw = f"nullif(trim(CAST({ident(raw_name)} AS VARCHAR)), '')"
    checks = [
        f"CASE WHEN {raw} IS NOT NULL AND {column} IS NULL "
        f"THEN '{name}: invalid timestamp ' || {_quoted_value(raw)} END"
    ]
    if required:
        checks.append(f"CASE WHEN {raw} IS NULL THEN {missing} END")
    return [f"{value} AS {column}"], checks


def _drop_stage_tables(conn: duckdb.DuckDBPyConnection, stage_table: str) -> None:
    names = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?)",
        [stage_table],
    ).fetchall()
    for (name,) in names:
        conn.execute(f"DROP TABLE IF EXISTS temp.{ident(name)}")
