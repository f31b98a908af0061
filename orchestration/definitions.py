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


def build_definitions(settings: Settings, partitioned: bool = True) -> Definitions:
    """Build the code location for one set of paths; tests pass temporary ones.

    ``partitioned=False`` leaves every asset without partitions, and without the
    schedule and sensor that need them, for one run over the whole history.
    Dagster 1.13 fails such a run of the partitioned assets ("Cannot access
    partition_key for a non-partitioned run") in the first step whose partitioned
    upstream asset has a materialization.
    """
    settings.export_for_dbt()
    partitions_def = daily_partitions(settings)
    pipeline_job = build_pipeline_job(settings)
    assets = [
        *raw_assets,
        rightpath_dbt_models,
        rightpath_dbt_models_after_python,
        published_marts,
        insights_report,
        *customer_assets,
        *journey_assets,
    ]
    if not partitioned:
        return Definitions(
            assets=assets,
            asset_checks=[*suite_checks, *customer_checks, *journey_checks, *freshness_checks],
            jobs=[pipeline_job],
            resources=_resources(settings),
            executor=in_process_executor,
        )
    return Definitions(
        # Every asset shares the daily partitions, so one run covers a range of
        # days end to end (docs/operations.md).
        assets=partition_assets(assets, partitions_def),
        asset_checks=[*suite_checks, *customer_checks, *journey_checks, *freshness_checks],
        jobs=[pipeline_job],
        schedules=[build_nightly_schedule(pipeline_job)],
        sensors=[
            build_landing_sensor(pipeline_job, settings.landing_config, partitions_def),
            run_failure_alert_sensor,
        ],
        resources=_resources(settings),
        # Each step process costs several seconds of imports on a small machine,
        # and DuckDB allows one writer per file, so steps run in one process.
        executor=in_process_executor,
    )


def _resources(settings: Settings) -> dict:
    return {
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
    }


defs = build_definitions(Settings.from_env())
