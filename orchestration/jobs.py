"""The pipeline job and its nightly schedule."""

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

pipeline_job = define_asset_job(
    "pipeline_job",
    selection=AssetSelection.all(),
    description="Ingest landing files, build the dbt models, validate, and publish the marts.",
)


def build_nightly_schedule(timezone: str) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="nightly_schedule",
        job=pipeline_job,
        cron_schedule="0 2 * * *",
        execution_timezone=timezone,
        description="Runs the whole pipeline at 02:00 in the configured time zone.",
    )
