"""The Dagster code location: merges assets, checks, jobs and resources."""

import sys
from pathlib import Path

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.alerts.sensors import AlertResource, run_failure_alert_sensor
from orchestration.customer.assets import customer_assets, customer_checks
from orchestration.dbt.assets import rightpath_dbt_models, rightpath_dbt_models_after_python
from orchestration.dbt.project import rightpath_dbt_project
from orchestration.ingest.assets import LandingResource, raw_assets
from orchestration.ingest.freshness import freshness_checks
from orchestration.ingest.sensors import build_landing_sensor
from orchestration.jobs import build_nightly_schedule, build_pipeline_job
from orchestration.journey.definitions import journey_assets, journey_checks
from orchestration.partitions import PartitioningResource, daily_partitions, partition_assets
from orchestration.publish.assets import PublishResource, published_marts
from orchestration.quality.duckdb_config import connection_config
from orchestration.quality.suites import suite_checks
from orchestration.report.assets import insights_report
from orchestration.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    """Build the code location for one set of paths; tests pass temporary ones."""
    settings.export_for_dbt()
    partitions_def = daily_partitions(settings)
    pipeline_job = build_pipeline_job(settings)
    return Definitions(
        # The raw tables are partitioned by day. Everything downstream is
        # unpartitioned and reads the run's days from its tags, so a run over a
        # range records one materialization per raw table and day, and one per
        # other asset (docs/operations.md).
        assets=[
            *partition_assets(raw_assets, partitions_def),
            rightpath_dbt_models,
            rightpath_dbt_models_after_python,
            published_marts,
            insights_report,
            *customer_assets,
            *journey_assets,
        ],
        asset_checks=[*suite_checks, *customer_checks, *journey_checks, *freshness_checks],
        jobs=[pipeline_job],
        schedules=[build_nightly_schedule(pipeline_job)],
        sensors=[
            build_landing_sensor(pipeline_job, settings.landing_config, partitions_def),
            run_failure_alert_sensor,
        ],
        resources={
            "partitioning": PartitioningResource(
                timezone=settings.timezone, lookback_days=settings.lookback_days
            ),
            "duckdb": DuckDBResource(
                database=str(settings.warehouse_path), connection_config=connection_config()
            ),
            "landing": LandingResource(config_path=str(settings.landing_config)),
            "dbt": DbtCliResource(
                project_dir=rightpath_dbt_project,
                # The dbt installed beside this interpreter, so an unactivated
                # virtual environment still finds it.
                dbt_executable=str(Path(sys.executable).parent / "dbt"),
                target=settings.dbt_target,
            ),
            "alerts": AlertResource(runs_dir=str(settings.runs_dir)),
            "publish": PublishResource(
                warehouse_path=str(settings.warehouse_path),
                publish_dir=str(settings.publish_dir),
            ),
        },
        # Each step process costs several seconds of imports on a small machine,
        # and DuckDB allows one writer per file, so steps run in one process.
        executor=in_process_executor,
    )


defs = build_definitions(Settings.from_env())
