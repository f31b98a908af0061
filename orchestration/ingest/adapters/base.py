"""Contract between the loader and the format adapters, and the readers they share.

An adapter turns one landing file into a DuckDB temp table, the stage table,
with one row per landed record:

- ``_line`` (BIGINT): 1-based record number in the file,
- ``_raw_record`` (VARCHAR): the record as landed, kept for quarantine,
- ``_reason`` (VARCHAR): why the record cannot be loaded, NULL when it can,
- any of the target raw table's columns. Timestamp columns are TIMESTAMP in
  UTC next to their ``*_raw`` text. Other columns may stay VARCHAR, because
  the loader casts them and quarantines values that do not cast.

Files are read with DuckDB's own readers: ``read_csv`` with ``store_rejects``
for CSV, and ``read_text`` with ``json_valid`` for JSON arrays and JSON lines.

Inside ``track_field_reads()``, the readers record the file's fields (its CSV
header, or the top-level keys of its JSON objects) and the fields the adapter
reads. CSV columns count as read when they are required, chosen by
``column_or_null`` or tested with ``in`` on the returned header. JSON fields
count as read when ``json_text`` extracts a path below them.
"""

import csv
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from orchestration.ingest.landing import LandingEntry

logger = logging.getLogger(__name__)


class AdapterError(Exception):
    """A landing file that cannot be read at all, such as a header without a required column."""


@dataclass(frozen=True)
class StageRequest:
    """One landing file to stage for one raw table."""

    conn: duckdb.DuckDBPyConnection
    entry: "LandingEntry"
    path: Path
    table: str
    # Name of the temp table the adapter creates. Helper tables the adapter
    # creates must start with this name, so the loader can drop them.
    stage_table: str

    def helper_name(self, suffix: str) -> str:
        return f"{self.stage_table}_{suffix}"


@dataclass(frozen=True)
class Adapter:
    name: str
    channel: str
    tables: tuple[str, ...]
    stage: Callable[[StageRequest], None]
    # Options whose value is a companion file, relative to the landing.yml.
    file_options: tuple[str, ...] = ()
    required_options: tuple[str, ...] = ()
    # Raw tables read from a companion file named by an option instead of the
    # entry's own files, e.g. Olist order lines from the `items` file.
    table_file_option: Mapping[str, str] = field(default_factory=dict)

    def files_for(self, entry: "LandingEntry", table: str) -> list[Path]:
        """Return the landing files that the loader stages for `table` from `entry`."""
        option = self.table_file_option.get(table)
        if option is None:
            return list(entry.files)
        companion = entry.option_file(option)
        return [companion] if companion is not None else []


# --- Fields an adapter reads ---------------------------------------------------


class CsvHeader(list[str]):
    """The column names of a CSV file, recording the names that the adapter reads."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(names)
        self.read: set[str] = set()

    def __contains__(self, name: object) -> bool:
        present = super().__contains__(name)
        if present:
            self.read.add(str(name))
        return present


@dataclass
class FieldReads:
    """Fields of the landing file being staged, and the ones its adapter read."""

    fields: list[str] | None = None  # CSV header or JSON top-level keys, None before reading
    header: CsvHeader | None = None  # the header of a CSV file, whose reads it records
    json_read: set[str] = field(default_factory=set)

    @property
    def read(self) -> set[str]:
        return set(self.header.read) if self.header is not None else set(self.json_read)

    def unmapped(self) -> list[str]:
        """Return the file's fields that the adapter did not read, in file order."""
        read = self.read
        return [name for name in self.fields or [] if name not in read]


_field_reads: ContextVar[FieldReads | None] = ContextVar("field_reads", default=None)
_TOP_LEVEL_KEY = re.compile(r"^\$\.(?:\"([^\"]+)\"|([^.\[]+))")


@contextmanager
def track_field_reads() -> Iterator[FieldReads]:
    """Record the fields of the file staged inside the block and those the adapter reads."""
    reads = FieldReads()
    token = _field_reads.set(reads)
    try:
        yield reads
    finally:
        _field_reads.reset(token)


def _record_json_read(path: str) -> None:
    reads = _field_reads.get()
    match = _TOP_LEVEL_KEY.match(path)
    if reads is not None and match:
        reads.json_read.add(match.group(1) or match.group(2))


# --- SQL text helpers -------------------------------------------------------


def sql_string(value: str) -> str:
    """Return `value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """Return `name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def column_or_null(columns: Iterable[str], *names: str, table: str | None = None) -> str:
    """Return the first of `names` present in `columns` as an identifier, else ``NULL``.

    With `table`, the identifier is qualified with that table alias.
    """
    present = set(columns)
    for name in names:
        if name in present:
            if isinstance(columns, CsvHeader):
                columns.read.add(name)
            return f"{table}.{ident(name)}" if table else ident(name)
    return "NULL"


def json_text(path: str, document: str = "doc") -> str:
    """Return SQL that extracts the JSONPath `path` from `document` as text (numbers too)."""
    _record_json_read(path)
    return f"json_extract_string({document}, {sql_string(path)})"


class JsonFields:
    """JSONPaths read from one JSON column, extracted with one parse per record.

    ``json_extract_string(doc, path)`` parses the document on every call, so a
    mapping that reads 26 paths parses each record 26 times. ``text(path)``
    adds the path and returns SQL for its element of the list column `column`.
    After the last ``text``, ``select_sql()`` returns the one
    ``json_extract_string(doc, [paths])`` call that fills that column.
    """

    def __init__(self, document: str = "doc", column: str = "_fields") -> None:
        self.document = document
        self.column = column
        self._positions: dict[str, int] = {}

    def text(self, path: str) -> str:
        """Return SQL for the text of JSONPath `path` (numbers too), as `json_text` does."""
        _record_json_read(path)
        position = self._positions.setdefault(path, len(self._positions) + 1)
        return f"{self.column}[{position}]"

    def select_sql(self) -> str:
        """Return the select-list item that extracts every noted path at once."""
        if not self._positions:
            raise ValueError("JsonFields.select_sql(): no path was added; call text(path) first")
        paths = ", ".join(sql_string(path) for path in self._positions)
        return f"json_extract_string({self.document}, [{paths}]) AS {self.column}"


def blank_to_null(expression: str) -> str:
    return f"nullif(trim({expression}), '')"


# A time of day followed by a UTC offset: 'Z', 'UTC', '+05', '+0530' or '-05:00'.
_TIME_WITH_OFFSET = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)$"


# Text that is only a number with at least 9 integer digits is a Unix epoch:
# 9 digits of seconds reach back to 1973-03-03, and shorter numbers such as
# '20250303' are more likely dates written without separators.
_EPOCH_TEXT = r"^-?\d{9,}(\.\d+)?$"


def utc_timestamp_sql(text: str, timezone: str = "UTC") -> str:
    """Return SQL that parses ISO-like or epoch timestamp text to a UTC TIMESTAMP, or NULL.

    Text with an offset ('2025-12-06 10:37:33 -0500', '...Z') is converted with
    that offset. Text without one is local time in `timezone`, an IANA name.
    Local times that a daylight-saving change skips or repeats are resolved by
    DuckDB's ICU extension: in DuckDB 2.0.1 both take the standard-time offset,
    so 02:30 on a spring-forward day in America/New_York reads as 07:30 UTC and
    01:30 on a fall-back day as 06:30 UTC. A number of 9 or more digits is
    Unix epoch seconds or milliseconds, as ``epoch_timestamp_sql`` decides.
    """
    value = f"trim({text})"
    # DuckDB casts '-05:00' but not ' -0500', so the offset is rewritten first.
    normalized = rf"regexp_replace({value}, '\s*([+-]\d{{2}}):?(\d{{2}})$', '\1:\2')"
    with_offset = f"timezone('UTC', try_cast({normalized} AS TIMESTAMPTZ))"
    naive = f"try_cast({value} AS TIMESTAMP)"
    if timezone != "UTC":
        naive = f"timezone('UTC', timezone({sql_string(timezone)}, {naive}))"
    return (
        f"(CASE WHEN regexp_matches({value}, '{_TIME_WITH_OFFSET}') THEN {with_offset} "
        f"WHEN regexp_matches({value}, '{_EPOCH_TEXT}') THEN {epoch_timestamp_sql(value)} "
        f"ELSE {naive} END)"
    )


def strptime_utc_sql(text: str, format_string: str, timezone: str = "UTC") -> str:
    """Return SQL that parses `text` with a strptime format to a UTC TIMESTAMP, or NULL."""
    parsed = f"try_strptime(trim({text}), {sql_string(format_string)})"
    if "%z" in format_string or "%Z" in format_string:
        return f"timezone('UTC', {parsed})"
    if timezone != "UTC":
        return f"timezone('UTC', timezone({sql_string(timezone)}, {parsed}))"
    return parsed


# Epoch values at or above this are milliseconds: 1e11 seconds is in the year
# 5138, while 1e11 milliseconds is 1973-03-03. The same reasoning puts
# microseconds at 1e14 and nanoseconds at 1e17.
EPOCH_MILLISECONDS_FROM = 100_000_000_000
EPOCH_MICROSECONDS_FROM = 100_000_000_000_000
EPOCH_NANOSECONDS_FROM = 100_000_000_000_000_000


def epoch_timestamp_sql(text: str) -> str:
    """Return SQL that reads Unix epoch seconds, ms, µs or ns as a UTC TIMESTAMP, or NULL."""
    number = f"try_cast(trim({text}) AS DOUBLE)"
    return (
        f"(CASE WHEN abs({number}) >= {EPOCH_NANOSECONDS_FROM} "
        f"THEN make_timestamp(CAST(round({number} / 1000) AS BIGINT)) "
        f"WHEN abs({number}) >= {EPOCH_MICROSECONDS_FROM} "
        f"THEN make_timestamp(CAST(round({number}) AS BIGINT)) "
        f"WHEN abs({number}) >= {EPOCH_MILLISECONDS_FROM} "
        f"THEN make_timestamp(CAST(round({number} * 1000) AS BIGINT)) "
        f"ELSE make_timestamp(CAST(round({number} * 1000000) AS BIGINT)) END)"
    )


def url_parameter_sql(url: str, name: str) -> str:
    """Return SQL that extracts query parameter `name` from `url`, URL-decoded, or NULL."""
    encoded = f"regexp_extract({url}, '[?&]{name}=([^&#]*)', 1)"
    return f"nullif(url_decode(replace({encoded}, '+', ' ')), '')"


def latest_rows_sql(relation: str, key: str, order_by: str | None) -> str:
    """Return a subquery with one row per `key` of `relation`: the row with the max `order_by`.

    `order_by` is a SQL expression; pass None to take any one row per key.
    """
    order = f" ORDER BY {order_by} DESC NULLS LAST" if order_by else ""
    return f"(SELECT * FROM {relation} QUALIFY row_number() OVER (PARTITION BY {key}{order}) = 1)"


# --- Encodings ----------------------------------------------------------------

UTF8_BOM = b"\xef\xbb\xbf"
# Encodings a landing file may declare with the `encoding` option. DuckDB's
# read_csv reads both natively; JSON files in Latin-1 are decoded in Python.
ENCODINGS = ("utf-8", "latin-1")


def check_utf8(path: Path) -> None:
    """Raise ``AdapterError`` naming the line and byte when `path` is not valid UTF-8."""
    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start : error.start + 1].hex()
                raise AdapterError(
                    f"{path}: line {line_number} is not valid UTF-8 (byte 0x{byte} at byte "
                    f"{error.start + 1} of the line); if the file is Latin-1, set "
                    "'encoding: latin-1' in the entry's options, otherwise re-export it as UTF-8"
                ) from error


# --- CSV --------------------------------------------------------------------


def read_csv_header(path: Path, encoding: str = "utf-8") -> CsvHeader:
    """Return the column names in the first row of the CSV file at `path`."""
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        with path.open(encoding=python_encoding, newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise AdapterError(f"{path}: cannot read the CSV header: {error}") from error
    if not header or not any(name.strip() for name in header):
        raise AdapterError(f"{path}: the file is empty or its first row contains no column names")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise AdapterError(f"{path}: the header repeats column(s) {', '.join(duplicates)}")
    return CsvHeader(header)


def check_required_columns(path: Path, header: Iterable[str], required: Iterable[str]) -> None:
    present = set(header)
    missing = [name for name in required if name not in present]
    if missing:
        raise AdapterError(
            f"{path}: required column(s) {', '.join(repr(m) for m in missing)} missing "
            f"from the header; add them or point the entry at a file of this format"
        )


def read_csv_records(
    request: StageRequest, suffix: str, required_columns: Iterable[str] = ()
) -> tuple[str, CsvHeader]:
    """Read the CSV file of `request` into a helper table of records.

    Returns the helper table's name and the file's header. The table has
    ``_line``, ``_raw_record`` and ``_reason`` and one VARCHAR column per header
    column. Rows that DuckDB rejects (wrong column count, bad quoting) are kept
    with their text and DuckDB's error as ``_reason`` and NULL columns.
    """
    relation, header = _read_csv(request, request.path, suffix, required_columns)
    header.read.update(required_columns)
    reads = _field_reads.get()
    if reads is not None and reads.fields is None:
        reads.fields = list(header)
        reads.header = header
    return relation, header


def read_companion_csv(
    request: StageRequest, option: str, required_columns: Iterable[str] = ()
) -> tuple[str, CsvHeader] | None:
    """Read the companion CSV named by `option` like `read_csv_records`, or return None."""
    path = request.entry.option_file(option)
    if path is None:
        return None
    if not path.is_file():
        raise AdapterError(
            f"{request.entry.label}: companion file for option '{option}' not found: {path}"
        )
    relation, header = _read_csv(request, path, option, required_columns)
    rejected = count_rejected(request.conn, relation)
    if rejected:
        logger.warning(
            "%s: %d row(s) of companion file %s rejected as malformed CSV; "
            "records that join to them get no values from it",
            request.entry.label,
            rejected,
            path,
        )
    return relation, header


def _read_csv(
    request: StageRequest, path: Path, suffix: str, required_columns: Iterable[str]
) -> tuple[str, CsvHeader]:
    conn = request.conn
    encoding = request.entry.encoding
    if encoding == "utf-8":
        check_utf8(path)
    header = read_csv_header(path, encoding)
    check_required_columns(path, header, required_columns)

    relation = request.helper_name(suffix)
    good, rejects, scan = f"{relation}_good", f"{relation}_rejects", f"{relation}_scan"
    for name in (rejects, scan):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    column_types = ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in header)

    # The dialect is fixed (RFC 4180) instead of sniffed, so one malformed row
    # is rejected on its own instead of failing the sniffer for the whole file.
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {good} AS
        SELECT * FROM read_csv(
            {sql_string(str(path))},
            auto_detect = false, header = true, delim = ',', quote = '"', escape = '"',
            encoding = {sql_string(encoding)}, columns = {{{column_types}}},
            store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scan}'
        )
        """
    )

    columns = ", ".join(ident(name) for name in header)
    null_columns = ", ".join(f"NULL::VARCHAR AS {ident(name)}" for name in header)
    raw_record = (
        "to_json(struct_pack("
        + ", ".join(f"{ident(name)} := {ident(name)}" for name in header)
        + "))::VARCHAR"
    )
    # NOTE: the accepted rows' numbers come from the temp table's rowid, which
    # follows file order only while DuckDB's preserve_insertion_order is true
    # (its default).
    # DuckDB reports a rejected row's `line` counting the header as line 1, so
    # its data-row number is line - 1. Accepted rows carry no position, so the
    # k-th accepted row's number is k plus the rejected rows before it.
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {relation} AS
        WITH rejected AS (
            SELECT line - 1 AS _line,
                   first(csv_line) AS csv_line,
                   first(error_type) AS error_type,
                   first(error_message) AS error_message
            FROM {rejects}
            GROUP BY line
        ),
        shifts AS (
            SELECT _line - (row_number() OVER (ORDER BY _line) - 1) AS first_shifted_index
            FROM rejected
        ),
        accepted AS (
            SELECT rowid + 1 AS accepted_index, * FROM {good}
        )
        SELECT accepted_index
                   + (SELECT count(*) FROM shifts WHERE first_shifted_index <= accepted_index)
                   AS _line,
               {raw_record} AS _raw_record,
               NULL::VARCHAR AS _reason,
               {columns}
        FROM accepted
        UNION ALL
        SELECT _line,
               csv_line,
               'CSV row rejected by DuckDB (' || error_type || '): ' || error_message,
               {null_columns}
        FROM rejected
        ORDER BY _line
        """
    )
    # NOTE: DuckDB counts blank lines in `line` but drops them from the rows it
    # returns, so after a blank line the numbers of accepted and rejected rows
    # can disagree by the number of blank lines.
    conn.execute(f"DROP TABLE IF EXISTS {good}")
    conn.execute(f"DROP TABLE IF EXISTS {rejects}")
    conn.execute(f"DROP TABLE IF EXISTS {scan}")
    return relation, header


def count_rejected(conn: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {relation} WHERE _reason IS NOT NULL").fetchone()
    return int(row[0]) if row else 0


# --- JSON -------------------------------------------------------------------


def read_json_records(request: StageRequest, suffix: str = "records") -> str:
    """Read the JSON file of `request` into a helper table of records and return its name.

    A file whose first non-blank character is '[' is one JSON array and each
    element is a record, numbered from 1. Any other file is JSON lines: each
    non-blank line is a record numbered by its line. The table has ``_line``,
    ``_raw_record``, ``_reason`` and ``doc`` (JSON, NULL unless the record is
    a valid JSON object).
    """
    conn = request.conn
    path = request.path
    text_table = request.helper_name(f"{suffix}_text")
    relation = request.helper_name(suffix)
    if request.entry.encoding == "utf-8":
        check_utf8(path)
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {text_table} AS "
            f"SELECT content FROM read_text({sql_string(str(path))})"
        )
    else:
        text = path.read_bytes().decode(request.entry.encoding)
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {text_table} AS SELECT ?::VARCHAR AS content", [text]
        )
    # A UTF-8 byte order mark would make the first record invalid JSON.
    conn.execute(f"UPDATE {text_table} SET content = ltrim(content, chr(65279))")
    first_char, is_valid = conn.execute(
        f"SELECT left(ltrim(content, ' ' || chr(9) || chr(10) || chr(13)), 1), json_valid(content) "
        f"FROM {text_table}"
    ).fetchone()

    if first_char == "[":
        # NOTE: an array is parsed as a whole, so one syntax error anywhere
        # rejects the whole file; JSON lines isolate a bad record to its line.
        if not is_valid:
            raise AdapterError(
                f"{path}: the file starts with '[' but is not a valid JSON array; "
                "repair it, or write one JSON object per line"
            )
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {relation} AS
            WITH elements AS (
                SELECT from_json(content, '["JSON"]') AS items FROM {text_table}
            ),
            numbered AS (
                SELECT generate_subscripts(items, 1) AS n, unnest(items) AS item FROM elements
            )
            SELECT n::BIGINT AS _line,
                   item::VARCHAR AS _raw_record,
                   CASE WHEN json_type(item) <> 'OBJECT'
                        THEN 'array element is ' || json_type(item) || ', not a JSON object'
                   END AS _reason,
                   CASE WHEN json_type(item) = 'OBJECT' THEN item END AS doc
            FROM numbered
            ORDER BY n
            """
        )
    else:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {relation} AS
            WITH split AS (
                SELECT string_split(content, chr(10)) AS lines FROM {text_table}
            ),
            numbered AS (
                SELECT generate_subscripts(lines, 1) AS n, unnest(lines) AS line FROM split
            ),
            cleaned AS (
                SELECT n, rtrim(line, chr(13)) AS line FROM numbered
            )
            SELECT n::BIGINT AS _line,
                   line AS _raw_record,
                   CASE WHEN NOT json_valid(line)
                            THEN 'invalid JSON: the line is not one complete JSON value'
                        WHEN json_type(try_cast(line AS JSON)) <> 'OBJECT'
                            THEN 'the line is a JSON ' || json_type(try_cast(line AS JSON))
                                 || ', not an object'
                   END AS _reason,
                   CASE WHEN json_type(try_cast(line AS JSON)) = 'OBJECT'
                        THEN try_cast(line AS JSON)
                   END AS doc
            FROM cleaned
            WHERE trim(line) <> ''
            ORDER BY n
            """
        )
    conn.execute(f"DROP TABLE IF EXISTS {text_table}")
    reads = _field_reads.get()
    if reads is not None and reads.fields is None:
        keys = conn.execute(
            f"SELECT key FROM (SELECT unnest(json_keys(doc)) AS key, _line FROM {relation}) "
            "GROUP BY key ORDER BY min(_line), key"
        ).fetchall()
        reads.fields = [key for (key,) in keys]
    return relation
