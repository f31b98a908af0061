"""The Dagster code location: merges assets, checks, jobs and resources."""

import sys
from pathlib import Path

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.dbt.assets import rightpath_dbt_models
from orchestration.dbt.project import rightpath_dbt_project
from orchestration.ingest.assets import LandingResource, raw_assets
from orchestration.jobs import build_nightly_schedule, pipeline_job
from orchestration.publish.assets import PublishResource, published_marts
from orchestration.quality.suites import suite_checks
from orchestration.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    """Build the code location for one set of paths; tests pass temporary ones."""
    settings.export_for_dbt()
    return Definitions(
        assets=[*raw_assets, rightpath_dbt_models, published_marts],
        asset_checks=suite_checks,
        jobs=[pipeline_job],
        schedules=[build_nightly_schedule(settings.timezone)],
        resources={
            "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
            "landing": LandingResource(config_path=str(settings.landing_config)),
            "dbt": DbtCliResource(
                project_dir=rightpath_dbt_project,
                # The dbt installed beside this interpreter, so an unactivated
                # virtual environment still finds it.
                dbt_executable=str(Path(sys.executable).parent / "dbt"),
            ),
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
