"""The asset that parses raw phone values into E.164 for identity stitching."""

from datetime import UTC, datetime

import phonenumbers
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from orchestration.customer.config import IdentitySettings
from orchestration.ingest.schema import RAW_SCHEMA

PHONE_NORMALIZATIONS_TABLE = "phone_normalizations"
# (raw table, phone column) pairs whose distinct values are parsed.
PHONE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("web_events", "phone"),
    ("support_tickets", "requester_phone"),
    ("orders", "phone"),
)


def normalize_phone(phone_raw: str, default_region: str) -> tuple[str | None, str | None, bool]:
    """Parse one phone value into (E.164, region code, is valid number).

    Returns ``(None, None, False)`` when phonenumbers cannot parse the value or
    the result is not a possible number (wrong digit count for the region).
    """
    try:
        parsed = phonenumbers.parse(phone_raw, default_region)
    except phonenumbers.NumberParseException:
        return None, None, False
    if not phonenumbers.is_possible_number(parsed):
        return None, None, False
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(parsed)
    return e164, region, phonenumbers.is_valid_number(parsed)


def write_phone_normalizations(conn, default_region: str) -> tuple[int, int]:
    """Replace ``raw.phone_normalizations`` with every distinct raw phone value parsed.

    Returns the number of distinct values and how many of them parsed.
    """
    existing = {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    selects = [
        f"select {column} as phone_raw from {RAW_SCHEMA}.{table} where {column} is not null"
        for table, column in PHONE_COLUMNS
        if table in existing
    ]
    values = [row[0] for row in conn.execute(" union ".join(selects)).fetchall()] if selects else []
    parsed_at = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for phone_raw in sorted(values):
        e164, region, is_valid = normalize_phone(phone_raw, default_region)
        rows.append((phone_raw, e164, region, is_valid, default_region, parsed_at))

    table = f"{RAW_SCHEMA}.{PHONE_NORMALIZATIONS_TABLE}"
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"create or replace table {table} (phone_raw varchar, phone_e164 varchar, "
        "region_code varchar, is_valid_number boolean, default_region varchar, "
        "parsed_at timestamp)"
    )
    if rows:
        conn.executemany(f"insert into {table} values (?, ?, ?, ?, ?, ?)", rows)
    return len(rows), sum(1 for row in rows if row[1] is not None)


@asset(
    key=AssetKey([RAW_SCHEMA, PHONE_NORMALIZATIONS_TABLE]),
    deps=[AssetKey([RAW_SCHEMA, table]) for table, _ in PHONE_COLUMNS],
    group_name="identity",
    kinds={"python", "duckdb"},
    description=(
        "E.164 form of every distinct raw phone value, parsed with phonenumbers. Numbers "
        "without a country code use RIGHTPATH_PHONE_DEFAULT_REGION (default US)."
    ),
)
def phone_normalizations(context: AssetExecutionContext, duckdb: DuckDBResource):
    region = IdentitySettings.from_env().phone_default_region
    with duckdb.get_connection() as conn:
        count_values, count_parsed = write_phone_normalizations(conn, region)
    context.log.info(
        f"Parsed {count_parsed} of {count_values} distinct phone values (default region {region})"
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": count_values,
            "count_parsed": count_parsed,
            "default_region": region,
        }
    )
