"""The Dagster asset that publishes the marts for BI tools."""

from dagster import AssetExecutionContext, AssetKey, ConfigurableResource, MaterializeResult, asset

from orchestration.publish.publisher import DEFAULT_KEEP_VERSIONS, PublishResult, publish_marts

MART_SCHEMA = "marts"
# The mart tables copied to the publish folder, each also an upstream asset
# ``AssetKey(["marts", table])``, so their blocking checks gate the publish.
PUBLISHED_TABLES: tuple[tuple[str, str], ...] = (
    (MART_SCHEMA, "customers"),
    (MART_SCHEMA, "channel_daily_performance"),
    (MART_SCHEMA, "campaign_daily_performance"),
    (MART_SCHEMA, "conversion_paths"),
    (MART_SCHEMA, "attribution_credits"),
    (MART_SCHEMA, "attribution_model_credits"),
    (MART_SCHEMA, "conversion_path_summary"),
    (MART_SCHEMA, "customer_journey_stages"),
    (MART_SCHEMA, "journey_stage_funnel"),
    (MART_SCHEMA, "identity_links"),
    (MART_SCHEMA, "customer_id_history"),
    (MART_SCHEMA, "customer_value"),
    (MART_SCHEMA, "social_sentiment_daily"),
)


class PublishResource(ConfigurableResource):
    """Paths of the warehouse and of the publish folder, and how many Parquet versions to keep."""

    warehouse_path: str
    publish_dir: str
    # Parquet version folders kept in publish_dir/parquet, the newest included.
    keep_versions: int = DEFAULT_KEEP_VERSIONS

    def publish(self, tables: list[tuple[str, str]]) -> PublishResult:
        return publish_marts(
            self.warehouse_path, self.publish_dir, tables, keep_versions=self.keep_versions
        )


@asset(
    key=AssetKey(["published", "marts"]),
    deps=[AssetKey([schema, table]) for schema, table in PUBLISHED_TABLES],
    group_name="publish",
    description=(
        "marts.duckdb, Parquet files and manifest.json in the publish folder, replaced "
        "atomically. See docs/publishing.md."
    ),
)
def published_marts(context: AssetExecutionContext, publish: PublishResource) -> MaterializeResult:
    result = publish.publish(list(PUBLISHED_TABLES))
    context.log.info(
        f"Published version {result.version} to {result.database_path}; "
        f"removed Parquet versions {result.removed_versions}"
    )
    return MaterializeResult(
        metadata={
            "version": result.version,
            "published_at": result.published_at,
            "database_path": str(result.database_path),
            "database_sha256": result.database_sha256,
            "parquet_dir": str(result.parquet_dir),
            "row_counts": {f"{t.schema}.{t.table}": t.row_count for t in result.tables},
            "removed_versions": result.removed_versions,
        }
    )
