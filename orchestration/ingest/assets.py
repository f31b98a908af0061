"""One Dagster asset per raw table, grouped by channel.

Each asset reads every landing file that the landing config lists for its
table, loads the rows that parse into ``raw.<table>`` and sends the rest to
``raw.quarantine`` with a reason. Its metadata lists the columns of each file
that no raw table maps (``unmapped_columns``). Rows from files no longer listed in the
landing config are removed, so a raw table always mirrors the current config.
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
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.landing import load_landing_config
from orchestration.ingest.loader import ingest_table, remove_unlisted_files
from orchestration.ingest.schema import RAW_SCHEMA, RAW_TABLES, RawTable

RECONCILIATION_CHECK = "landed_rows_reconciled"


class LandingResource(ConfigurableResource):
    """Where the landing config (``landing.yml``) lives."""

    config_path: str


def _reconciliation_result(conn, table: RawTable) -> AssetCheckResult:
    """Check that every landed record is either loaded or quarantined."""
    rows = conn.execute(
        f"""
        select _file, records_landed, rows_loaded, rows_quarantined
        from {RAW_SCHEMA}.landed_files
        where target_table = ?
            and records_landed <> rows_loaded + rows_quarantined
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
                    for f, landed, loaded, quarantined in rows[:10]
                ]
            ),
        },
    )


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
            )
        ],
        retry_policy=RetryPolicy(max_retries=2, delay=5, backoff=Backoff.EXPONENTIAL),
    )
    def _raw_table(
        context: AssetExecutionContext, duckdb: DuckDBResource, landing: LandingResource
    ) -> MaterializeResult:
        config = load_landing_config(landing.config_path)
        context.log.info(f"Ingesting {RAW_SCHEMA}.{table.name} from {landing.config_path}")
        with duckdb.get_connection() as conn:
            result = ingest_table(conn, config, table.name)
            removed = remove_unlisted_files(conn, config, table.name)
            check = _reconciliation_result(conn, table)
        for error in result.errors:
            context.log.error(error)
        for file, columns in result.unmapped_columns.items():
            context.log.warning(
                f"{file}: column(s) not mapped to any raw table, not loaded: {', '.join(columns)}"
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
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "rows_erased": result.rows_erased,
                "file_errors": MetadataValue.json(list(result.errors)),
                "unmapped_columns": MetadataValue.json(result.unmapped_columns),
                "dagster/row_count": result.rows_loaded,
            },
            check_results=[check],
        )

    return _raw_table


raw_assets = [build_raw_asset(table) for table in RAW_TABLES.values()]
