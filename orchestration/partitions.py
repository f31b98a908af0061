"""Daily partitions: the partitions definition, a run's day window and its UTC bounds.

A partition is one calendar day in the configured time zone. A run covers a
range of partitions, and ingest and the incremental dbt models reprocess that
range plus ``lookback_days`` days before it, so events that arrive a few days
late still reach their day.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    ConfigurableResource,
    DailyPartitionsDefinition,
)

from orchestration.settings import Settings

# Run tags of a run of one partition or of a range of partitions (Dagster's own tag names).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def daily_partitions(settings: Settings) -> DailyPartitionsDefinition:
    """Return the daily partitions, one per day in the configured time zone."""
    return DailyPartitionsDefinition(
        start_date=settings.partitions_start, timezone=settings.timezone
    )


def partition_assets(
    assets: Iterable[AssetsDefinition], partitions_def: DailyPartitionsDefinition
) -> list[AssetsDefinition]:
    """Give `assets` the daily partitions and a single-run backfill policy.

    A backfill of a range is then one run, which DuckDB's single writer requires.
    """
    return [
        asset.map_asset_specs(
            lambda spec: spec.replace_attributes(partitions_def=partitions_def)
        ).with_attributes(backfill_policy=BackfillPolicy.single_run())
        for asset in assets
    ]


@dataclass(frozen=True)
class PartitionWindow:
    """The days one run writes: its partitions plus the reprocessing lookback."""

    first_day: date
    last_day: date
    lookback_days: int
    timezone: str

    @property
    def reprocess_from(self) -> date:
        """Return the earliest day the run rewrites; older days are too late for it."""
        return self.first_day - timedelta(days=self.lookback_days)

    def local_midnight_utc(self, day: date) -> datetime:
        """Return the UTC instant (naive, like the raw timestamps) at which `day` starts."""
        local = datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC).replace(tzinfo=None)

    @property
    def start_at_utc(self) -> datetime:
        return self.local_midnight_utc(self.reprocess_from)

    @property
    def end_at_utc(self) -> datetime:
        """Return the exclusive UTC end: the start of the day after the last partition."""
        return self.local_midnight_utc(self.last_day + timedelta(days=1))

    def dbt_vars(self) -> dict[str, str | int]:
        """Return the dbt vars that bound the incremental models to this window."""
        return {
            "min_date": self.first_day.isoformat(),
            "max_date": self.last_day.isoformat(),
            "reprocessing_lookback_days": self.lookback_days,
            "window_start_at": self.start_at_utc.isoformat(sep=" "),
            "window_end_at": self.end_at_utc.isoformat(sep=" "),
        }


class PartitioningResource(ConfigurableResource):
    """Time zone of the day boundary and the reprocessing lookback, shared by all assets."""

    timezone: str
    lookback_days: int

    def window_for(self, context: AssetExecutionContext) -> PartitionWindow | None:
        """Return the run's window, or None for a run without partitions (all days).

        The window comes from the run's tags, so unpartitioned assets downstream
        of the raw tables see the same days as the raw tables.
        """
        days = run_partition_days(context.run.tags)
        if days is None:
            return None
        return PartitionWindow(
            first_day=days[0],
            last_day=days[1],
            lookback_days=self.lookback_days,
            timezone=self.timezone,
        )


def run_partition_days(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """Return the first and last partition day named by a run's tags, or None without such tags."""
    if PARTITION_TAG in tags:
        day = date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return date.fromisoformat(tags[RANGE_START_TAG]), date.fromisoformat(tags[RANGE_END_TAG])
    return None


def range_tags(first_day: date, last_day: date) -> dict[str, str]:
    """Return the run tags of one run over the partitions `first_day` to `last_day`."""
    return {RANGE_START_TAG: first_day.isoformat(), RANGE_END_TAG: last_day.isoformat()}
