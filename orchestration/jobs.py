"""The pipeline job and its nightly schedule."""

from dagster import (
    AssetSelection,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from orchestration.settings import Settings

# Every pipeline run carries this tag with the warehouse path as its value.
# dagster_home/dagster.yaml limits runs per tag value to one, because DuckDB
# allows one writer per database file.
WAREHOUSE_TAG = "rightpath/warehouse"


def build_pipeline_job(settings: Settings):
    """Return the job over every asset, which takes the assets' daily partitions."""
    return define_asset_job(
        "pipeline_job",
        selection=AssetSelection.all(),
        description=(
            "Ingest the landing files of the selected days, build the dbt models, "
            "validate, and publish the marts."
        ),
        tags={WAREHOUSE_TAG: str(settings.warehouse_path)},
    )


def build_nightly_schedule(job):
    """Return the 02:00 schedule that runs yesterday's partition, in the partitions' time zone."""
    return build_schedule_from_partitioned_job(
        job,
        name="nightly_schedule",
        hour_of_day=2,
        minute_of_hour=0,
        description=(
            "Runs the pipeline at 02:00 in the configured time zone for the day that "
            "ended at the last midnight, and everything downstream."
        ),
    )
