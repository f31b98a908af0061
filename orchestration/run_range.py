"""The partition range of one run over all the days present in the landing data."""

import logging
from datetime import date

import duckdb

from orchestration.ingest.landing import load_landing_config
from orchestration.ingest.loader import landing_days
from orchestration.partitions import daily_partitions, range_tags
from orchestration.settings import Settings

logger = logging.getLogger(__name__)


def landing_partition_range(settings: Settings) -> tuple[date, date]:
    """Return the first and last partition of the days the landing files cover.

    The range is clipped to the existing partitions: days before
    ``partitions_start`` are quarantined as too late, and the current day (no
    partition yet) loads in a later run. Raises ValueError when no landing row
    has a day inside the partitions.
    """
    partitions_def = daily_partitions(settings)
    config = load_landing_config(settings.landing_config)
    with duckdb.connect() as conn:
        days = landing_days(conn, config, settings.timezone)
    if days is None:
        raise ValueError(
            f"no landing file listed in {settings.landing_config} has a row with a valid "
            "event time; check the files and their formats"
        )
    last_key = partitions_def.get_last_partition_key()
    first = max(days[0], date.fromisoformat(settings.partitions_start))
    last = min(days[1], date.fromisoformat(last_key)) if last_key else days[1]
    if first > last:
        raise ValueError(
            f"the landing rows are dated {days[0]} to {days[1]}, outside the partitions "
            f"from {settings.partitions_start} to {last_key}; set RIGHTPATH_PARTITIONS_START"
        )
    logger.info("Landing data covers %s to %s; the run covers %s to %s", *days, first, last)
    return first, last


def landing_range_tags(settings: Settings) -> dict[str, str]:
    """Return the run tags of one run over every partition the landing data covers."""
    return range_tags(*landing_partition_range(settings))
