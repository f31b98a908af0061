"""One Dagster asset per raw table, grouped by channel.

Each asset reads every landing file that the landing config lists for its
table, loads the rows of the days its partition window reprocesses into
``raw.<table>`` and sends the rest to ``raw.quarantine`` with a reason
(see ``orchestration/ingest/writer.py`` for the day rules). Its metadata
lists the columns of each file that no raw table maps (``unmapped_columns``).
Rows from files no longer listed in the landing config are removed, so a raw
table always mirrors the current config. A partitioned run skips the files
that are unchanged since their last parse and have no records to write in its
window (``orchestration/ingest/parse_ledger.py``), and logs how many in one line.

A failed ingest is retried twice with exponential backoff, and each failed
attempt is logged with its number and error. An invalid landing config fails
at once, because it fails the same way on every attempt. An unreadable one is
retried.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Backoff,
    ConfigurableResource,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.landing import LandingConfig, LandingConfigError, load_landing_config
from orchestration.ingest.loader import ingest_table, remove_unlisted_files
from orchestration.ingest.schema import QUARANTINE_TABLE, RAW_SCHEMA, RAW_TABLES, RawTable
from orchestration.ingest.writer import TOO_LATE_REASON
from orchestration.partitions import PartitioningResource

RECONCILIATION_CHECK = "landed_rows_reconciled"
# Waits of 5 s, then 15 s: Dagster 1.13 waits delay * (2**n - 1) s before retry n.
INGEST_RETRY_POLICY = RetryPolicy(max_retries=2, delay=5, backoff=Backoff.EXPONENTIAL)
TOO_LATE_CHECK = "no_rows_too_late"
# Maximum number of rows a check's metadata lists.
SAMPLE_ROWS = 10


class LandingResource(ConfigurableResource):
    """Where the landing config (``landing.yml``) lives."""

    config_path: str

    def load_config(self) -> LandingConfig:
        return load_landing_config(self.config_path)


def _reconciliation_result(conn, table: RawTable) -> AssetCheckResult:
    """Check that every landed record is either loaded or quarantined."""
    rows = conn.execute(
        f"""
        select _file, sum(records_landed), sum(rows_loaded), sum(rows_quarantined)
        from {RAW_SCHEMA}.landed_files
        where target_table = ?
        group by _file
        having sum(records_landed) <> sum(rows_loaded) + sum(rows_quarantined)
        order by _file
        """,
        [table.name],
    ).fetchall()
    totals = conn.execute(
        f"""
        select
            coalesce(sum(records_landed), 0),
            coalesce(sum(rows_loaded), 0),
            coalesce(sum(rows_quarantined), 0)
        from {RAW_SCHEMA}.landed_files
        where target_table = ?
        """,
        [table.name],
    ).fetchone()
    loaded_in_table = conn.execute(f"select count(*) from {RAW_SCHEMA}.{table.name}").fetchone()[0]
    passed = not rows and loaded_in_table == totals[1]
    return AssetCheckResult(
        asset_key=AssetKey([RAW_SCHEMA, table.name]),
        check_name=RECONCILIATION_CHECK,
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "records_landed": int(totals[0]),
            "rows_loaded": int(totals[1]),
            "rows_quarantined": int(totals[2]),
            "rows_in_table": int(loaded_in_table),
            "unreconciled_files": MetadataValue.json(
                [
                    {"file": f, "landed": landed, "loaded": loaded, "quarantined": quarantined}
                    for f, landed, loaded, quarantined in rows[:SAMPLE_ROWS]
                ]
            ),
        },
    )


def _too_late_result(conn, table: RawTable) -> AssetCheckResult:
    """Warn about rows quarantined because their day was before the reprocessed days."""
    count = conn.execute(
        f"select count(*) from {RAW_SCHEMA}.{QUARANTINE_TABLE} "
        "where target_table = ? and starts_with(reason, ?)",
        [table.name, TOO_LATE_REASON],
    ).fetchone()[0]
    samples = conn.execute(
        f"""
        select _file, _line, _partition_date
        from {RAW_SCHEMA}.{QUARANTINE_TABLE}
        where target_table = ? and starts_with(reason, ?)
        order by _partition_date, _file, _line
        limit {SAMPLE_ROWS}
        """,
        [table.name, TOO_LATE_REASON],
    ).fetchall()
    return AssetCheckResult(
        asset_key=AssetKey([RAW_SCHEMA, table.name]),
        check_name=TOO_LATE_CHECK,
        passed=count == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "rows_too_late": int(count),
            "days_to_backfill": MetadataValue.json(
                sorted({day.isoformat() for _, _, day in samples})
            ),
            "sample_rows": MetadataValue.json(
                [
                    {"file": file, "line": line, "partition_date": day.isoformat()}
                    for file, line, day in samples
                ]
            ),
        },
    )


def _ingest_raw_table(
    context: AssetExecutionContext,
    table: RawTable,
    duckdb: DuckDBResource,
    landing: LandingResource,
    partitioning: PartitioningResource,
) -> MaterializeResult:
    config = landing.load_config()
    window = partitioning.window_for(context)
    days = (
        f"days {window.reprocess_from} to {window.last_day} ({window.timezone})"
        if window and table.event_column
        else "every day"
    )
    context.log.info(f"Ingesting {RAW_SCHEMA}.{table.name} from {landing.config_path}, {days}")
    with duckdb.get_connection() as conn:
        result = ingest_table(conn, config, table.name, window, partitioning.timezone)
        removed = remove_unlisted_files(conn, config, table.name)
        checks = [_reconciliation_result(conn, table), _too_late_result(conn, table)]
    for error in result.errors:
        context.log.error(error)
    for file, columns in result.unmapped_columns.items():
        context.log.warning(
            f"{file}: column(s) not mapped to any raw table, not loaded: {', '.join(columns)}"
        )
    if result.files_skipped:
        # A run skips files only with a window, so `window` is set here.
        context.log.info(
            f"Skipped {result.files_skipped} of {len(result.files)} landing files: unchanged "
            f"since their last parse and without records to write in days "
            f"{window.reprocess_from} to {window.last_day} ({window.timezone})"
        )
    if result.rows_after_window:
        context.log.info(
            f"{result.rows_after_window} rows are dated after {window.last_day} and "
            "wait for the run of their day"
        )
    if removed:
        context.log.info(f"Removed {removed} rows of files no longer in the landing config")
    context.log.info(
        f"{RAW_SCHEMA}.{table.name}: {result.rows_loaded} rows loaded, "
        f"{result.rows_quarantined} quarantined from {result.files_read} files"
    )
    return MaterializeResult(
        metadata={
            "files_read": result.files_read,
            "files_skipped": result.files_skipped,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "rows_erased": result.rows_erased,
            "rows_too_late": result.rows_too_late,
            "rows_after_window": result.rows_after_window,
            "reprocessed_days": days,
            "file_errors": MetadataValue.json(list(result.errors)),
            "unmapped_columns": MetadataValue.json(result.unmapped_columns),
            "dagster/row_count": result.rows_loaded,
        },
        check_results=checks,
    )


def _log_failed_attempt(context: AssetExecutionContext, key: AssetKey, error: Exception) -> None:
    """Log a failed attempt with its number and error, and whether Dagster retries it."""
    attempt = context.retry_number + 1
    attempts = INGEST_RETRY_POLICY.max_retries + 1
    failure = (
        f"{key.to_user_string()}: attempt {attempt} of {attempts} failed: "
        f"{type(error).__name__}: {error}"
    )
    if attempt < attempts:
        # The same delay that Dagster computes for this retry from the policy.
        delay_s = INGEST_RETRY_POLICY.calculate_delay(attempt)
        context.log.warning(f"{failure}; retrying in {delay_s:g} s")
    else:
        context.log.error(f"{failure}; no retries left")


def build_raw_asset(table: RawTable) -> AssetsDefinition:
    """Build the ingest asset for one raw table, with its reconciliation check."""
    key = AssetKey([RAW_SCHEMA, table.name])

    @asset(
        key=key,
        group_name=table.channel,
        description=f"{table.description} Loaded from landing files; grain: one landed record.",
        kinds={"duckdb"},
        check_specs=[
            AssetCheckSpec(
                RECONCILIATION_CHECK,
                asset=key,
                blocking=True,
                description="Records landed = rows loaded + rows quarantined, for every file.",
            ),
            AssetCheckSpec(
                TOO_LATE_CHECK,
                asset=key,
                description=(
                    "Warns when rows are quarantined as too late: dated before the days "
                    "a run reprocesses and not loaded yet. Backfill the listed days."
                ),
            ),
        ],
        retry_policy=INGEST_RETRY_POLICY,
    )
    def _raw_table(
        context: AssetExecutionContext,
        duckdb: DuckDBResource,
        landing: LandingResource,
        partitioning: PartitioningResource,
    ) -> MaterializeResult:
        try:
            return _ingest_raw_table(context, table, duckdb, landing, partitioning)
        except LandingConfigError as error:
            if isinstance(error.__cause__, OSError):
                _log_failed_attempt(context, key, error)
                raise
            # An invalid config fails the same way on every attempt.
            context.log.error(
                f"{key.to_user_string()}: invalid landing config, not retried: {error}"
            )
            raise Failure(description=str(error), allow_retries=False) from error
        except Exception as error:
            _log_failed_attempt(context, key, error)
            raise

    return _raw_table


raw_assets = [build_raw_asset(table) for table in RAW_TABLES.values()]
