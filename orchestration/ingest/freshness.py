"""Freshness checks: has each raw table received new data within its expected interval?

The landing config sets the expected interval per raw table under a top-level
``freshness`` key::

    freshness:
      web_events: {max_age_hours: 26}
      ad_spend: {max_age_hours: 50, blocking: true}

The age of a table is the time from its newest event timestamp to the check's
run, in hours. ``order_lines`` has no event timestamp, so its age is that of
the most recently modified landing file it is loaded from. ``ad_spend`` counts
each ``spend_date`` as 00:00 UTC of that day.

A stale table fails its check with WARN severity, which shows in the UI and
does not stop publishing. With ``blocking: true`` it fails with ERROR
severity, and the blocking check then stops everything downstream. A table
without a configured interval passes and reports its age.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.adapters import ADAPTERS
from orchestration.ingest.assets import LandingResource
from orchestration.ingest.landing import LandingConfig, LandingConfigError
from orchestration.ingest.schema import RAW_SCHEMA, RAW_TABLES, RawTable

FRESHNESS_CHECK = "landed_data_fresh"
LIMIT_KEYS = ("max_age_hours", "blocking")
# Event timestamp column of each raw table. A table missing here is measured by the
# modification time of its landing files.
EVENT_TIME_COLUMNS = {
    "web_events": "occurred_at",
    "email_events": "occurred_at",
    "social_posts": "created_at",
    "support_tickets": "created_at",
    "orders": "ordered_at",
    "ad_spend": "spend_date",
}


@dataclass(frozen=True)
class FreshnessLimit:
    max_age_hours: float
    # True: a stale table fails with ERROR severity and blocks downstream assets.
    blocking: bool = False


@dataclass(frozen=True)
class NewestData:
    """When a raw table last received data, and how that was measured."""

    newest_at: datetime | None  # UTC, or None when the table has no rows or files
    basis: str


def load_freshness_limits(config_path: str | Path) -> dict[str, FreshnessLimit]:
    """Read the ``freshness`` key of a landing config.

    Raises LandingConfigError, naming the config and the table, for an invalid limit.
    """
    path = Path(config_path)
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw_limits = document.get("freshness") if isinstance(document, dict) else None
    if raw_limits is None:
        return {}
    if not isinstance(raw_limits, dict):
        raise LandingConfigError(
            f"{path}: 'freshness' must map raw table names to limits, "
            "e.g. 'freshness: {web_events: {max_age_hours: 26}}'"
        )
    return {table: _parse_limit(path, table, raw_limit) for table, raw_limit in raw_limits.items()}


def _parse_limit(path: Path, table: object, raw_limit: object) -> FreshnessLimit:
    where = f"{path}: freshness.{table}"
    if table not in RAW_TABLES:
        raise LandingConfigError(
            f"{where}: unknown raw table '{table}'; use one of {', '.join(sorted(RAW_TABLES))}"
        )
    if not isinstance(raw_limit, dict):
        raise LandingConfigError(f"{where}: expected a mapping such as '{{max_age_hours: 26}}'")
    unknown_keys = sorted(set(raw_limit) - set(LIMIT_KEYS))
    if unknown_keys:
        raise LandingConfigError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown_keys))}; "
            f"a limit has only {', '.join(LIMIT_KEYS)}"
        )
    hours = raw_limit.get("max_age_hours")
    valid_hours = isinstance(hours, int | float) and not isinstance(hours, bool)
    if not valid_hours or not math.isfinite(hours) or hours <= 0:
        raise LandingConfigError(
            f"{where}: max_age_hours is {hours!r}; set a positive number of hours"
        )
    blocking = raw_limit.get("blocking", False)
    if not isinstance(blocking, bool):
        raise LandingConfigError(f"{where}: blocking is {blocking!r}; set true or false")
    return FreshnessLimit(max_age_hours=float(hours), blocking=blocking)


def find_newest_data(conn, config: LandingConfig, table: RawTable) -> NewestData:
    """Return the newest event timestamp of `table`, or its newest landing file time."""
    column = EVENT_TIME_COLUMNS.get(table.name)
    if column is not None:
        try:
            (newest,) = conn.execute(
                f"select max(cast({column} as timestamp)) from {RAW_SCHEMA}.{table.name}"
            ).fetchone()
        except duckdb.CatalogException:
            # The table is created by its first ingest.
            newest = None
        newest_at = newest.replace(tzinfo=UTC) if newest is not None else None
        return NewestData(newest_at, f"newest {column} in {RAW_SCHEMA}.{table.name}")

    files = [
        path
        for entry in config.entries_for_table(table.name)
        for path in ADAPTERS[entry.format].files_for(entry, table.name)
        if path.exists()
    ]
    if not files:
        return NewestData(None, "modification time of the newest landing file")
    newest_mtime = max(path.stat().st_mtime for path in files)
    return NewestData(
        datetime.fromtimestamp(newest_mtime, UTC),
        "modification time of the newest landing file",
    )


def evaluate_freshness(
    newest: NewestData, limit: FreshnessLimit | None, now: datetime
) -> AssetCheckResult:
    """Compare the age of `newest` at `now` with `limit`."""
    age_hours = None
    if newest.newest_at is not None:
        age_hours = round((now - newest.newest_at).total_seconds() / 3600, 2)
    metadata = {
        "basis": newest.basis,
        "newest_at": newest.newest_at.isoformat() if newest.newest_at else None,
        "age_hours": age_hours,
        "max_age_hours": limit.max_age_hours if limit else None,
        "checked_at": now.isoformat(timespec="seconds"),
    }
    if limit is None:
        return AssetCheckResult(
            passed=True,
            description="No freshness limit is configured for this table.",
            metadata=metadata,
        )

    severity = AssetCheckSeverity.ERROR if limit.blocking else AssetCheckSeverity.WARN
    if age_hours is None:
        description = "The table has no data, so its age is unknown."
        passed = False
    else:
        passed = age_hours <= limit.max_age_hours
        state = "within" if passed else "older than"
        description = (
            f"The newest data is {age_hours:g} h old, {state} the limit of "
            f"{limit.max_age_hours:g} h."
        )
    return AssetCheckResult(
        passed=passed,
        severity=severity,
        description=description,
        metadata={**metadata, "blocking": MetadataValue.bool(limit.blocking)},
    )


def build_freshness_check(table: RawTable) -> AssetChecksDefinition:
    """Build the freshness check of one raw table."""

    @asset_check(
        asset=AssetKey([RAW_SCHEMA, table.name]),
        name=FRESHNESS_CHECK,
        # Only an ERROR result blocks, and that severity is used only for tables
        # configured with `blocking: true`.
        blocking=True,
        description=(
            "The newest data is no older than the table's max_age_hours in the landing "
            "config's 'freshness' key. Stale data warns unless configured as blocking."
        ),
    )
    def _freshness_check(
        context: AssetCheckExecutionContext, duckdb: DuckDBResource, landing: LandingResource
    ) -> AssetCheckResult:
        config = landing.load_config()
        limit = load_freshness_limits(config.path).get(table.name)
        with duckdb.get_connection() as conn:
            newest = find_newest_data(conn, config, table)
        result = evaluate_freshness(newest, limit, datetime.now(UTC))
        log = context.log.info if result.passed else context.log.warning
        log(f"{RAW_SCHEMA}.{table.name} freshness: {result.description}")
        return result

    return _freshness_check


freshness_checks = [build_freshness_check(table) for table in RAW_TABLES.values()]
